"""Addresses of the report pages, included from monitoring.urls."""

from django.urls import path

from monitoring.reports import views

urlpatterns = [
    path("plans/<int:pk>/report.pdf", views.plan_report, name="plan_report"),
    path("plans/<int:pk>/reports/", views.plan_reports, name="plan_reports"),
    path("reports/committee-pack/", views.committee_pack, name="committee_pack"),
    path("reports/jobs/<int:pk>/", views.report_job, name="report_job"),
    path("reports/jobs/<int:pk>/download/", views.report_job_download, name="report_job_download"),
]
