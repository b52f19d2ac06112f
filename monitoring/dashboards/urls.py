"""Addresses of the dashboards and the indicator page, included from monitoring.urls."""

from django.urls import path

from monitoring.dashboards import views

urlpatterns = [
    path("dashboards/", views.overview, name="dashboard_overview"),
    path("dashboards/not-reported/", views.not_reported, name="dashboard_not_reported"),
    path("dashboards/not-reported/<int:pk>/remind/", views.remind_late, name="dashboard_remind"),
    path("dashboards/plans/<int:pk>/", views.plan_dashboard, name="plan_dashboard"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
]
