from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from monitoring import views
from monitoring.forms import SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("admin/", admin.site.urls),
    path("", include("monitoring.cycle_urls")),
    path("", include("monitoring.dashboard_urls")),
    path("", include("monitoring.report_urls")),
    path("", include("monitoring.import_urls")),
]
