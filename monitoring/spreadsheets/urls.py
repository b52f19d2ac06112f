"""Addresses of the spreadsheet pages (imports, templates, exports), included from monitoring.urls."""

from django.urls import path

from monitoring.spreadsheets import views

urlpatterns = [
    path("imports/", views.import_upload, name="imports"),
    path("imports/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/", views.import_record, name="import_record"),
    path("imports/templates/<slug:kind>.<slug:fmt>", views.import_template, name="import_template"),
    path("exports/", views.export, name="export"),
    path("plans/<int:pk>/workbook.xlsx", views.plan_workbook, name="plan_workbook"),
]
