from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from monitoring.api import pages as api_pages
from monitoring.forms import SignInForm

urlpatterns = [
    path("", include("monitoring.pages.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("account/api-tokens/", api_pages.api_tokens, name="api_tokens"),
    path("account/api-tokens/<int:pk>/revoke/", api_pages.api_token_revoke, name="api_token_revoke"),
    path("api/", include("monitoring.api.urls")),
    path("", include("monitoring.cycle.urls")),
    path("", include("monitoring.dashboards.urls")),
    path("", include("monitoring.reports.urls")),
    path("", include("monitoring.spreadsheets.urls")),
]
