"""Addresses of the reporting cycle's pages, included from monitoring.urls."""

from django.urls import path

from monitoring.cycle import views

urlpatterns = [
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/reopen/", views.round_reopen, name="round_reopen"),
    path("my-returns/", views.my_returns, name="my_returns"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/actions/<int:action_pk>/", views.progress_edit, name="progress_edit"),
    path("returns/<int:pk>/values/", views.values_edit, name="values_edit"),
    path("returns/<int:pk>/sign-off/", views.return_sign_off, name="return_sign_off"),
    path("returns/<int:pk>/send-back/", views.return_send_back, name="return_send_back"),
    path("returns/<int:pk>/reopen/", views.return_reopen, name="return_reopen"),
    path("returns/<int:pk>/history/", views.return_history, name="return_history"),
]
