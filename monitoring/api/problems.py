"""Every refusal of the API in one shape: RFC 9457 problem details, `application/problem+json`.

{"type": ..., "title": ..., "status": 400, "detail": ..., "errors": {"field": ["message", ...]}}

`type` is a URI naming the kind of problem (about:blank for plain HTTP statuses); `title` is the same for every
problem of that type; `detail` says what went wrong with this request, in the same words as the forms, since the
messages come from the same services' ValidationErrors. `errors` appears on validation problems only.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from monitoring.workflow import WorkflowError
from plans.seals import LOCKED, SealedError, is_sealed_refusal

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://partnership-monitor.example/problems/"

TITLES = {
    400: "Your request could not be read",
    401: "Sign in or send an API token",
    403: "You cannot do that",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict with the current state",
    412: "Someone else changed this first",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Check what you sent",
    428: "Say which version you are changing",
    429: "Too many requests",
}
NOT_FOUND = "Nothing was found at this address."


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request is too large."
    default_code = "too_large"


def problem(status_code: int, detail: str, *, type_: str | None = None, errors: dict | None = None,
            headers: dict | None = None, **extra) -> Response:
    """Return a problem details response."""
    body = {
        "type": TYPE_BASE + type_ if type_ else "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        **extra,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)


class NotFoundView(APIView):
    """Answer an address under /api/v1/ that names no resource as the API does (401 without credentials, else 404
    problem details), not with the site's HTML page: a script reads the one, not the other."""

    schema = None  # not an operation of the API

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticates first: a caller without credentials hears 401
        raise exceptions.NotFound(NOT_FOUND)


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in _messages(inner)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def field_errors(detail) -> dict[str, list[str]]:
    """Return DRF's or Django's error detail as {field: [messages]}; errors of no field go under "non_field"."""
    if isinstance(detail, DjangoValidationError):
        detail = detail.message_dict if hasattr(detail, "error_dict") else {"non_field": detail.messages}
    if isinstance(detail, dict):
        return {("non_field" if key in ("non_field_errors", "__all__") else str(key)): _messages(value)
                for key, value in detail.items()}
    return {"non_field": _messages(detail)}


def _first(errors: dict[str, list[str]]) -> str:
    for messages in errors.values():
        if messages:
            return messages[0]
    return "Check what you sent."


def handle(exc, context):
    """DRF's EXCEPTION_HANDLER: answer every refusal as problem details."""
    if isinstance(exc, DjangoValidationError):
        errors = field_errors(exc)
        return problem(422, _first(errors), type_="validation", errors=errors)
    if isinstance(exc, SealedError) or is_sealed_refusal(exc):
        return problem(409, exc.message if isinstance(exc, SealedError) else LOCKED, type_="locked")
    if isinstance(exc, WorkflowError):
        return problem(409, str(exc), type_="locked")
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling logs it
    headers = {key: value for key, value in response.items() if key in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        return problem(response.status_code, _first(errors), type_="validation", errors=errors, headers=headers)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(detail, dict):
        detail = detail.get("detail", _first(field_errors(detail)))
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    return problem(response.status_code, str(detail), type_=code if isinstance(code, str) else None,
                   headers=headers)
