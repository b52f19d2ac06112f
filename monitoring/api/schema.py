"""Hooks of drf-spectacular that shape the committed schema (docs/openapi.yaml): only the API's own paths, and
the problem details every operation may answer, the X-Partnership header and the bearer token, said once."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from monitoring.api.scope import HEADER

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEM_STATUSES = {
    "400": "The request could not be read (a filter or header of the wrong form), or it must name a partnership.",
    "401": "No API token or session, or a token that is unknown, expired or revoked.",
    "403": "The caller may not do this, or holds no role in the partnership named.",
    "404": "Nothing of the caller's partnership is at this address.",
    "429": "Too many requests: wait the seconds Retry-After says.",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describe monitoring.api.authentication's bearer tokens in the schema."""

    target_class = "monitoring.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A personal API token, made on your API tokens page: Authorization: Bearer pm_..."}


def only_the_api(endpoints):
    """Keep the /api/v1/ endpoints (the schema and docs pages describe nothing)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


# The bounds Django gives an integer field come from the database (a small integer is 32767 on PostgreSQL, 2**63 - 1
# on SQLite); the committed schema must not depend on where it was generated, so these are left out. Bounds of
# meaning (a likelihood of 1 to 5, a year from 1990) stay.
STORAGE_BOUNDS = {"maximum": {32767, 2**31 - 1, 2**63 - 1}, "minimum": {-32768, -(2**31), -(2**63)}}


def _without_storage_bounds(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key, limits in STORAGE_BOUNDS.items():
                if node.get(key) in limits:
                    del node[key]
            if node.get("format") == "int64":
                del node["format"]
        for value in node.values():
            _without_storage_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _without_storage_bounds(value)


def add_problem_details(result, generator, request, public):
    """Add the Problem schema and the X-Partnership header to every operation; drop the database's integer bounds."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM
    header = {
        "name": HEADER, "in": "header", "required": False, "schema": {"type": "integer", "minimum": 1},
        "description": "The partnership this request is for (its id): needed when your login holds roles in "
        "several partnerships.",
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            operation.setdefault("parameters", []).append(header)
            responses = operation.setdefault("responses", {})
            for code, description in PROBLEM_STATUSES.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400:
                    response["content"] = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    _without_storage_bounds(result)
    return result
