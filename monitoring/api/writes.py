"""Writes of indicator values through the API, by the same service as the values form
(monitoring.services.indicator_value_save): the same permission, lock, outlier and commentary rules, in the same
words. Nothing here decides a rule; it translates.

- `GET/PUT /api/v1/returns/{id}/values/{indicator}/`: one value of the return's period. The answer carries the
  value's version as its ETag; a PUT that changes an entered value must send it back as `If-Match` (428 without
  it), and a stale one answers 412 with the current value. A first entry sends no If-Match.
- `POST /api/v1/returns/{id}/values/`: a batch of the period's values (up to BATCH_LIMIT), all or nothing, by the
  batch service (monitoring.services.indicator_values_save: the same rules, read once for the whole batch): one
  refused value refuses the batch, and the answer lists every value's problems by its place in the list. An
  `Idempotency-Key` header makes a retry of the same batch replay the first answer instead of saving again.

What a refusal answers: 403 (not the caller's indicator), 404 (not in the caller's partnership), 409 (return
signed off and locked, or round closed), 412 (stale), 422 (a value or commentary the rules refuse).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import Indicator, IndicatorValue
from monitoring import services
from monitoring.api import problems
from monitoring.api.scope import PartnershipScoped
from monitoring.api.serializers import IndicatorValueSerializer
from monitoring.models import Return
from monitoring.permissions import values_visible_to
from monitoring.workflow import WorkflowError

IF_MATCH_REQUIRED = ("This value has already been entered: send its ETag as If-Match, so that a change made "
                     "since you read it is not overwritten.")
NOTHING_TO_MATCH = "No value has been entered yet, so there is no version to match: send the value without If-Match."
BATCH_LIMIT = 1000
BATCH_TOO_LONG = f"Send at most {BATCH_LIMIT} values in one batch."
DUPLICATE = services.DUPLICATE_INDICATOR
KEY_REUSED = "This Idempotency-Key was used for a different request. Use a new key for a new batch."
KEY_TOO_LONG = "The Idempotency-Key must be at most 200 characters."
IDEMPOTENCY_KEPT_FOR = 24 * 60 * 60  # a client retries within minutes; a day covers an overnight job's retries


class ValueWrite(drf.Serializer):
    value = drf.CharField(max_length=40, allow_blank=True, trim_whitespace=False,
                          help_text="As typed in the form: 14.5, 14.5%, 1,200 or £650,000.")
    commentary = drf.CharField(max_length=200_000, allow_blank=True, required=False, default="",
                               trim_whitespace=False, help_text="Required when the value misses its target.")
    confirm_outlier = drf.BooleanField(required=False, default=False,
                                       help_text="Confirm a value far outside the indicator's history.")
    submit = drf.BooleanField(required=False, default=True, help_text="Submit for sign-off (false: save a draft).")


class BatchItem(ValueWrite):
    indicator = drf.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The indicator's id.")
    version = drf.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True, default=None,
                               help_text="The version read (the value's ETag); omit for a first entry.")
    submit = None


class BatchWrite(drf.Serializer):
    values = BatchItem(many=True, allow_empty=False)
    submit = drf.BooleanField(required=False, default=True, help_text="Submit for sign-off (false: save drafts).")


class BatchResult(drf.Serializer):
    values = IndicatorValueSerializer(many=True)


def etag(entry: IndicatorValue) -> str:
    return f'"{entry.version}"'


def _matched_version(header: str | None) -> int | None:
    """Return the version an If-Match names, or 0 when it names none we could have given."""
    text = header.strip().removeprefix("W/").strip('"') if header else ""
    return int(text) if text.isdigit() and len(text) < 10 else 0


class Refused(Exception):
    """A write refused before it reached the service, with the answer to give."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


def expected_version(current, if_match: str | None, *, stale: Callable[[str], Response],
                     required: str = IF_MATCH_REQUIRED, nothing: str = NOTHING_TO_MATCH) -> int | None:
    """Return the version a write must find (None: the entry is not made yet), from its If-Match header; raise
    Refused when the header does not fit the entry: 428 (`required`) when the entry exists and no If-Match came,
    or the `stale` answer (412, `nothing`) when one came for an entry not made yet. `If-Match: *` takes the entry
    as it is."""
    if current is not None and if_match is None:
        raise Refused(problems.problem(428, required, type_="if_match_required"))
    if current is None and if_match is not None:
        raise Refused(stale(nothing))
    if current is None:
        return None
    return current.version if if_match.strip() == "*" else _matched_version(if_match)


class WriteView(PartnershipScoped, APIView):
    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise problems.PayloadTooLarge()

    def _return(self, pk) -> Return:
        return get_object_or_404(Return.objects.select_related("round__period", "plan"), pk=pk)

    def _indicator(self, pk) -> Indicator:
        return get_object_or_404(Indicator.objects.select_related("data_expert"), pk=pk)


def _current(report: Return, indicator: Indicator) -> IndicatorValue | None:
    return (IndicatorValue.objects.select_related("indicator", "period")
            .filter(indicator=indicator, period=report.round.period_id).first())


def _represent(entry: IndicatorValue, code: int = 200, **extra) -> Response:
    return Response(IndicatorValueSerializer(entry).data, status=code, headers={"ETag": etag(entry), **extra})


def _stale(report, indicator, detail: str) -> Response:
    """Answer 412 with the current value, so that the caller can compare, merge and send again."""
    current = _current(report, indicator)
    body = {"current": IndicatorValueSerializer(current).data if current else None}
    response = problems.problem(412, detail, type_="stale", **body)
    if current is not None:
        response["ETag"] = etag(current)
    return response


@extend_schema(tags=["indicator values"])
class ReturnValueView(WriteView):
    """One indicator's value in a return's period."""

    @extend_schema(responses={200: IndicatorValueSerializer}, operation_id="return_value_read")
    def get(self, request, pk: int, indicator_id: int):
        report, indicator = self._return(pk), self._indicator(indicator_id)
        entry = values_visible_to(request.user, IndicatorValue.objects.select_related("indicator", "period")).filter(
            indicator=indicator, period=report.round.period_id).first()
        if entry is None:
            return problems.problem(404, problems.NOT_FOUND)
        return _represent(entry)

    @extend_schema(
        request=ValueWrite, operation_id="return_value_write",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="The ETag of the value read; required once a value exists.")],
        responses={200: IndicatorValueSerializer, 201: IndicatorValueSerializer,
                   409: OpenApiResponse(description="Signed off and locked, or the round is closed."),
                   412: OpenApiResponse(description="Changed since it was read: the current value is included."),
                   413: OpenApiResponse(description="The request is too large."),
                   415: OpenApiResponse(description="Send JSON (Content-Type: application/json)."),
                   422: OpenApiResponse(description="A value or commentary the rules refuse."),
                   428: OpenApiResponse(description="The value exists: send its ETag as If-Match.")},
    )
    def put(self, request, pk: int, indicator_id: int):
        report, indicator = self._return(pk), self._indicator(indicator_id)
        data = ValueWrite(data=request.data)
        data.is_valid(raise_exception=True)
        current = _current(report, indicator)
        try:
            version = expected_version(current, request.headers.get("If-Match"),
                                       stale=lambda detail: _stale(report, indicator, detail))
        except Refused as refused:
            return refused.response
        try:
            entry = services.indicator_value_save(
                report=report, indicator=indicator, user=request.user, raw_value=data.validated_data["value"],
                commentary=data.validated_data["commentary"], version=version,
                confirm_outlier=data.validated_data["confirm_outlier"], submit=data.validated_data["submit"],
            )
        except services.StaleEdit as error:
            return _stale(report, indicator, str(error))
        entry = IndicatorValue.objects.select_related("indicator", "period").get(pk=entry.pk)
        return _represent(entry, status.HTTP_201_CREATED if current is None else status.HTTP_200_OK)


def _item_errors(place: int, error: Exception) -> dict[str, list[str]]:
    """Return a refused value's problems named by its place in the batch: values[3].commentary."""
    if isinstance(error, ValidationError):
        return {f"values[{place}].{field}": messages for field, messages in problems.field_errors(error).items()}
    return {f"values[{place}]": [str(error)]}


def _refused_whole(refused: services.ValuesRefused, sent: int) -> Exception | None:
    """Return the one refusal that stands for the whole batch, if every value sent was refused for the same reason
    that is not about the value itself: not the caller's to enter (403), or the return locked or its round closed
    (409). A batch refused value by value answers 422 with each value's problems by its place."""
    errors = list(refused.problems.values())
    if len(errors) != sent:
        return None
    for kind in (PermissionDenied, WorkflowError):
        if all(isinstance(error, kind) for error in errors) and len({str(error) for error in errors}) == 1:
            return errors[0]
    return None


def _request_fingerprint(request, pk) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{pk}\n{body}".encode()).hexdigest()


@extend_schema(tags=["indicator values"])
class ReturnValuesBatchView(WriteView):
    """A batch of a return's period's values, saved all or nothing."""

    @extend_schema(
        request=BatchWrite, operation_id="return_values_batch",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="A unique key per batch: a retry with it replays the first answer.")],
        responses={200: BatchResult,
                   403: OpenApiResponse(description="None of the values is the caller's to enter."),
                   409: OpenApiResponse(description="Signed off and locked, or the round is closed."),
                   413: OpenApiResponse(description="The request is too large."),
                   415: OpenApiResponse(description="Send JSON (Content-Type: application/json)."),
                   422: OpenApiResponse(description="The rules refuse one or more values: nothing was saved.")},
    )
    def post(self, request, pk: int):
        key = request.headers.get("Idempotency-Key")
        if key is not None and len(key) > 200:
            raise drf.ValidationError({"Idempotency-Key": [KEY_TOO_LONG]})
        report = self._return(pk)
        if key is None:
            return self._save(request, report)
        cache = caches["throttle"]
        slot = "idempotency:" + hashlib.sha256(f"{request.user.pk}\n{key}".encode()).hexdigest()
        fingerprint = _request_fingerprint(request, pk)
        kept = cache.get(slot)
        if kept is not None:
            if kept["fingerprint"] != fingerprint:
                return problems.problem(422, KEY_REUSED, type_="idempotency_key_reused")
            response = Response(kept["body"], status=kept["status"], content_type=kept["content_type"])
            response["Idempotent-Replayed"] = "true"
            return response
        response = self._save(request, report)
        if response.status_code < 500:
            cache.set(slot, {"fingerprint": fingerprint, "status": response.status_code, "body": response.data,
                             "content_type": response.content_type}, IDEMPOTENCY_KEPT_FOR)
        return response

    def _save(self, request, report: Return) -> Response:
        batch = BatchWrite(data=request.data)
        batch.is_valid(raise_exception=True)
        items = batch.validated_data["values"]
        if len(items) > BATCH_LIMIT:
            raise drf.ValidationError({"values": [BATCH_TOO_LONG]})
        indicators = Indicator.objects.select_related("data_expert").in_bulk(item["indicator"] for item in items)
        errors: dict[int, dict[str, list[str]]] = {}
        places, batch_items = [], []
        for place, item in enumerate(items):
            indicator = indicators.get(item["indicator"])
            if indicator is None:
                errors[place] = {f"values[{place}].indicator": [problems.NOT_FOUND]}
                continue
            places.append(place)
            batch_items.append(services.ValueItem(indicator, item["value"], item["commentary"], item["version"],
                                                  item["confirm_outlier"]))
        entries: list[IndicatorValue] = []
        with transaction.atomic():
            try:
                if batch_items:
                    entries = services.indicator_values_save(report=report, user=request.user, items=batch_items,
                                                             submit=batch.validated_data["submit"])
            except services.ValuesRefused as refused:
                whole = _refused_whole(refused, len(items))
                if whole is not None:
                    raise whole from None  # 403 or 409, as for one value: the caller, or the return, not the figures
                for place, error in refused.problems.items():
                    errors[places[place]] = _item_errors(places[place], error)
            if errors:  # the values found were checked to list their problems too; none is kept
                transaction.set_rollback(True)
        if errors:
            errors = {name: messages for _, found in sorted(errors.items()) for name, messages in found.items()}
            first = next(iter(errors.values()))[0]
            return problems.problem(422, f"Nothing was saved. {first}", type_="batch_refused", errors=errors)
        # The service returns the entries as saved, with their indicators and period: nothing to read again.
        return Response({"values": IndicatorValueSerializer(entries, many=True).data})
