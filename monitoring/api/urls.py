"""The API's addresses: /api/v1/ (the resources), /api/schema/ (OpenAPI) and /api/docs/ (Swagger UI)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from monitoring.api import problems, views, workflow, writes
from monitoring.api.docs import DocsView, SchemaView

router = SimpleRouter(trailing_slash=True, use_regex_path=False)  # path() routes: <int:pk>
router.register("partnerships", views.PartnershipViewSet, basename="api-partnership")
router.register("plans", views.PlanViewSet, basename="api-plan")
router.register("indicators", views.IndicatorViewSet, basename="api-indicator")
router.register("indicator-values", views.IndicatorValueViewSet, basename="api-indicator-value")
router.register("funding-lines", views.FundingLineViewSet, basename="api-funding-line")
router.register("risks", views.RiskViewSet, basename="api-risk")
router.register("rounds", views.RoundViewSet, basename="api-round")
router.register("returns", views.ReturnViewSet, basename="api-return")
router.register("forecasts", views.ForecastViewSet, basename="api-forecast")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/returns/<int:pk>/values/", writes.ReturnValuesBatchView.as_view(), name="api-return-values"),
    path("v1/returns/<int:pk>/values/<int:indicator_id>/", writes.ReturnValueView.as_view(),
         name="api-return-value"),
    path("v1/returns/<int:pk>/progress/<int:action_id>/", workflow.ReturnProgressView.as_view(),
         name="api-return-progress"),
    path("v1/returns/<int:pk>/sign-off/", workflow.ReturnSignOffView.as_view(), name="api-return-sign-off"),
    path("v1/returns/<int:pk>/send-back/", workflow.ReturnSendBackView.as_view(), name="api-return-send-back"),
    path("v1/returns/<int:pk>/reopen/", workflow.ReturnReopenView.as_view(), name="api-return-reopen"),
    path("schema/", login_not_required(SchemaView.as_view()), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Any other address of the API: 404 problem details, not the site's HTML page.
    re_path(r"^v1/", problems.NotFoundView.as_view(), name="api-not-found"),
]
