"""The OpenAPI schema and its Swagger UI page, served from this site's own static files within its Content
Security Policy: the page's script comes from its own address (drf-spectacular's split view) and our template
drops the library's inline <style>, which `style-src 'self'` refuses, for a stylesheet of our own."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer

from monitoring.api import schema  # noqa: F401  (registers the bearer token's description with drf-spectacular)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, for anyone signed in or holding a token."""

    def handle_exception(self, exc):
        # Its renderers write OpenAPI YAML; a refusal is problem details in JSON, as everywhere in the API.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI over the schema, for a signed-in browser session (the site's sign-in page otherwise)."""

    template_name = "monitoring/api/swagger_ui.html"
    title = "Partnership Monitor API"

    @classmethod
    def as_view(cls, **initkwargs):
        # DRF marks its views login_not_required (they authenticate for themselves); this page is for people in a
        # browser, whom the site's LoginRequiredMiddleware should send to sign in rather than answer 401.
        view = super().as_view(**initkwargs)
        view.login_required = True
        return view
