"""Addresses of the home page, the accessibility statement, the plan list and the plan page, included from
monitoring.urls."""

from django.urls import path

from monitoring.pages import views

urlpatterns = [
    path("", views.home, name="home"),
    path("partnership/", views.choose_partnership, name="choose_partnership"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
]
