"""The rest of the return workflow through the API, by the same services as the cycle's forms (monitoring.services):
a lead officer's progress on an action, an indicator owner's sign-off and send-back, a performance officer's
reopening. As in writes.py, nothing here decides a rule; it reads the request, calls the service and translates
its answer.

- `GET/PUT /api/v1/returns/{id}/progress/{action_id}/`: the progress on one action of the return's plan. Everyone
  in the partnership reads it, as everyone signed in reads it on the return's page; the person who reports the
  action writes it. The ETag / If-Match contract is the value endpoint's: a change to an entry needs If-Match
  (428 without), a stale one answers 412 with the current entry, a first entry sends none (201).
- `POST /api/v1/returns/{id}/sign-off/`: sign the return off and lock it. What stops it answers 409, with
  `blockers` listing each thing in the service's words.
- `POST /api/v1/returns/{id}/send-back/`: send chosen entries back, each with its comment or the one for all:
  `{"comment": "...", "items": [{"progress": 12, "comment": "..."}, {"value": 34}]}`. Problems are keyed by the
  item's place: `items[0].comment`.
- `POST /api/v1/returns/{id}/reopen/`: reopen a signed-off return, with the reason (`{"reason": "..."}`).

What a refusal answers: 403 (not the caller's to do), 404 (not in the caller's partnership, or an action of another
plan), 409 (signed off and locked, round closed, a move the workflow does not allow, or blockers), 412 (stale),
422 (what the rules refuse, in the forms' words), 428 (If-Match missing).
"""

from __future__ import annotations

import re
from contextlib import suppress
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers as drf
from rest_framework import status
from rest_framework.response import Response

from indicators.models import IndicatorValue
from monitoring import services
from monitoring.api import problems
from monitoring.api.serializers import ReturnSerializer
from monitoring.api.writes import Refused, WriteView, etag, expected_version
from monitoring.models import ProgressReport, Return
from monitoring.sealed_setup import SealedSetup
from monitoring.workflow import WorkflowError
from plans.models import DeliveryAction

IF_MATCH_REQUIRED = ("Progress on this action has already been reported: send its ETag as If-Match, so that a "
                     "change made since you read it is not overwritten.")
NOTHING_TO_MATCH = ("No progress has been reported on this action yet, so there is no version to match: send it "
                    "without If-Match.")
NO_PROGRESS_YET = "No progress has been reported on this action in this return yet."
# The progress form's words for outputs (monitoring.cycle.forms.ProgressForm), and what only a JSON body can get wrong.
OUTPUTS_INVALID = "Enter the outputs achieved as a number, like 12"
OUTPUTS_NEGATIVE = "Outputs achieved cannot be less than 0"
OUTPUTS_PLACES = "Enter the outputs achieved to no more than 2 decimal places"
OUTPUTS_TOO_BIG = "Enter a smaller number of outputs achieved"
OUTPUTS_AS_TEXT = ('Send the outputs achieved as a string, like "12.5", or a whole number: a number with a decimal '
                   "point would pass through floating point")
RAG_INVALID = "Choose red, amber or green"
ONE_ENTRY = 'Name one entry: "progress" with a progress entry\'s id, or "value" with an indicator value\'s id.'
NO_SUCH_PROGRESS = "This return holds no progress entry with this id."
NO_SUCH_VALUE = "This return holds no indicator value with this id."
NAMED_TWICE = "This item is named more than once."
ITEM_LIMIT = 500  # far more than a return holds: a body longer than that is a mistake
TOO_MANY_ITEMS = f"Send at most {ITEM_LIMIT} items."

WHOLE_DIGITS = 10  # ProgressReport.outputs_achieved: 12 digits, 2 of them after the point
PLACES = 2
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


# ---------------------------------------------------------------------------------------------------------
# Fields


class Text(drf.CharField):
    """Free text as typed (never trimmed), optional, blank by default. The service checks its length against the
    model's, in the form's words; this cap only keeps an absurd body from reaching it. DRF refuses NUL and lone
    surrogates, which the database could not store."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200_000)
        super().__init__(allow_blank=True, required=False, default="", trim_whitespace=False, **kwargs)


@extend_schema_field({"type": ["string", "integer"], "pattern": r"^([0-9]+(\.[0-9]+)?)?$", "examples": ["40"],
                      "description": 'A decimal as a string ("40", "12.5"; at most 2 decimal places) or a whole '
                                     'number; null (or "") when none are reported.'})
class OutputsField(drf.Field):
    """The outputs achieved, read strictly: digits with an optional decimal point, as a string (or a JSON whole
    number), never through floating point; no exponent, NaN, Infinity, sign, space or thousands separator. Null or
    "" is blank: none reported."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, default=None, **kwargs)

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            raise drf.ValidationError(OUTPUTS_INVALID)
        if isinstance(data, float):
            raise drf.ValidationError(OUTPUTS_AS_TEXT)
        text = str(data)
        if text == "":
            return None  # blank, as a form's empty box: not reported, never zero
        if not NUMBER.fullmatch(text):
            raise drf.ValidationError(OUTPUTS_INVALID)
        if text.startswith("-"):
            raise drf.ValidationError(OUTPUTS_NEGATIVE)
        whole, _, fraction = text.partition(".")
        if len(whole.lstrip("0")) > WHOLE_DIGITS:
            raise drf.ValidationError(OUTPUTS_TOO_BIG)
        if len(fraction.rstrip("0")) > PLACES:
            raise drf.ValidationError(OUTPUTS_PLACES)
        return Decimal(f"{whole}.{fraction.rstrip('0') or '0'}")

    def to_representation(self, value):
        return None if value is None else str(value)


# ---------------------------------------------------------------------------------------------------------
# Bodies and answers


class ProgressWrite(drf.Serializer):
    narrative = Text(help_text="Progress in this period: what was done, what changed for people, and anything holding "
                               "the action back. Required to submit.")
    rag = drf.ChoiceField(choices=ProgressReport.Rag.choices, allow_blank=True, required=False, default="",
                          error_messages={"invalid_choice": RAG_INVALID},
                          help_text="red (off track), amber (at risk) or green (on track). Required to submit.")
    outputs_achieved = OutputsField(help_text="Outputs achieved in this period, for an action with an output target.")
    outputs_not_available_reason = Text(help_text="Why the outputs are not available this period, instead of them.")
    rag_reason = Text(help_text="Why the RAG status differs from the one the outputs suggest, when it does.")
    submit = drf.BooleanField(required=False, default=True, help_text="Submit for sign-off (false: save a draft).")


class ProgressSerializer(drf.ModelSerializer):
    action_reference = drf.CharField(source="action.reference", read_only=True)
    action_title = drf.CharField(source="action.title", read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "action", "action_reference", "action_title", "status", "narrative", "rag", "rag_reason",
                  "outputs_achieved", "outputs_not_available_reason", "reviewer_comment", "version", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()  # "return" is a keyword: declared here, first after the id
        return {"id": fields.pop("id"), "return": drf.IntegerField(source="report_id", read_only=True), **fields}


class ProgressState(drf.ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = ["id", "action", "status", "version", "reviewer_comment"]


class ValueState(drf.ModelSerializer):
    indicator_code = drf.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["id", "indicator", "indicator_code", "status", "version", "reviewer_comment"]


class WorkflowReturnSerializer(ReturnSerializer):
    """A return with the status and version of each of its entries, as a move has left them."""

    progress = drf.SerializerMethodField(help_text="The return's progress entries, in the plan's order of actions.")
    values = drf.SerializerMethodField(help_text="The values of the plan's indicators for the return's period "
                                                 "(status and version, not the figures).")

    class Meta(ReturnSerializer.Meta):
        fields = [*ReturnSerializer.Meta.fields, "progress", "values"]

    @extend_schema_field(ProgressState(many=True))
    def get_progress(self, report: Return) -> list:
        rows = ProgressReport.objects.filter(report=report).order_by("action__position", "pk")
        return ProgressState(rows, many=True).data

    @extend_schema_field(ValueState(many=True))
    def get_values(self, report: Return) -> list:
        rows = (IndicatorValue.objects.filter(period=report.round.period_id, indicator__plan_links__plan=report.plan_id)
                .select_related("indicator").order_by("indicator__code", "indicator__name").distinct())
        return ValueState(rows, many=True).data


class SendBackItemWrite(drf.Serializer):
    progress = drf.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                help_text="A progress entry's id (or give value).")
    value = drf.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                             help_text="An indicator value's id (or give progress).")
    comment = Text(help_text="What needs to change in this item; blank: the comment for all.")

    def validate(self, data):
        if ("progress" in data) == ("value" in data):
            raise drf.ValidationError(ONE_ENTRY)
        return data


class SendBackWrite(drf.Serializer):
    comment = Text(help_text="The comment for every item sent without one of its own.")
    items = SendBackItemWrite(many=True, required=False, default=list, max_length=ITEM_LIMIT,
                              error_messages={"max_length": TOO_MANY_ITEMS},
                              help_text="The progress entries and values to send back (drafts or submitted ones).")


class ReopenWrite(drf.Serializer):
    reason = Text(help_text="Why the signed-off return needs to be reopened: kept in its history with your name.")


# ---------------------------------------------------------------------------------------------------------
# Helpers


def field_problems(detail, prefix: str = "") -> dict[str, list[str]]:
    """Return DRF's error detail as {place: [messages]}, nested places written as items[0].comment; errors of no
    field go under "non_field" at the top, under the item's own place within a list."""
    found: dict[str, list[str]] = {}

    def add(place: str, messages: list[str]) -> None:
        found.setdefault(place or "non_field", []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list's errors by the place of each item that has any
                inner = f"{prefix}[{key}]"
            elif key in ("non_field_errors", "__all__"):
                inner = prefix
            else:
                inner = f"{prefix}.{key}" if prefix else str(key)
            for place, messages in field_problems(value, inner).items():
                add(place, messages)
    elif isinstance(detail, list) and all(isinstance(item, str) for item in detail):
        if detail:
            add(prefix, [str(item) for item in detail])
    elif isinstance(detail, list):
        for place, item in enumerate(detail):
            for name, messages in field_problems(item, f"{prefix}[{place}]").items():
                add(name, messages)
    else:
        add(prefix, [str(detail)])
    return found


def _read(serializer_class, request) -> dict | Response:
    """Return the body's validated data, or a 422 problem naming each field's problems by its place."""
    body = serializer_class(data=request.data)
    if body.is_valid():
        return body.validated_data
    errors = field_problems(body.errors)
    return problems.problem(422, next(iter(errors.values()))[0], type_="validation", errors=errors)


def _action(report: Return, pk: int) -> DeliveryAction:
    """Return the action of the return's plan (an action of another plan is not found, as on the progress page)."""
    return get_object_or_404(DeliveryAction.objects.with_reporters().filter(plan=report.plan_id), pk=pk)


def _current(report: Return, action: DeliveryAction) -> ProgressReport | None:
    """Return the action's progress in the return; for a signed-off return, with the action's reference and title
    as signed off, as the return's page shows them (monitoring.sealed_setup)."""
    entry = ProgressReport.objects.select_related("action").filter(report=report, action=action).first()
    setup = SealedSetup.of(report) if entry is not None else None
    if setup:
        setup.held_actions([entry.action])
    return entry


def _represent(entry: ProgressReport, code: int = 200) -> Response:
    return Response(ProgressSerializer(entry).data, status=code, headers={"ETag": etag(entry)})


def _stale(report: Return, action: DeliveryAction, detail: str) -> Response:
    """Answer 412 with the current entry, so that the caller can compare, merge and send again."""
    current = _current(report, action)
    response = problems.problem(412, detail, type_="stale",
                                current=ProgressSerializer(current).data if current else None)
    if current is not None:
        response["ETag"] = etag(current)
    return response


def _answer(report: Return) -> Response:
    report = Return.objects.select_related("round__period", "plan").get(pk=report.pk)
    return Response(WorkflowReturnSerializer(report).data)


BODY_RESPONSES = {
    413: OpenApiResponse(description="The request is too large."),
    415: OpenApiResponse(description="Send JSON (Content-Type: application/json)."),
}


# ---------------------------------------------------------------------------------------------------------
# Views


@extend_schema(tags=["returns"])
class ReturnProgressView(WriteView):
    """A lead officer's progress on one action of a return."""

    @extend_schema(
        operation_id="return_progress_read",
        responses={200: ProgressSerializer,
                   404: OpenApiResponse(description="No such return or action in your partnership, or no progress "
                                                    "reported on the action yet.")},
    )
    def get(self, request, pk: int, action_id: int):
        report = self._return(pk)
        entry = _current(report, _action(report, action_id))
        if entry is None:
            return problems.problem(404, NO_PROGRESS_YET)
        return _represent(entry)

    @extend_schema(
        request=ProgressWrite, operation_id="return_progress_write",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="The ETag of the entry read; required once progress is reported.")],
        responses={200: ProgressSerializer, 201: ProgressSerializer,
                   409: OpenApiResponse(description="Signed off and locked, the round is closed, or a move the "
                                                    "workflow does not allow."),
                   412: OpenApiResponse(description="Changed since it was read: the current entry is included."),
                   **BODY_RESPONSES,
                   422: OpenApiResponse(description="What the progress rules refuse, by field."),
                   428: OpenApiResponse(description="Progress is reported: send its ETag as If-Match.")},
    )
    def put(self, request, pk: int, action_id: int):
        report = self._return(pk)
        action = _action(report, action_id)
        data = _read(ProgressWrite, request)
        if isinstance(data, Response):
            return data
        current = _current(report, action)
        try:
            version = expected_version(current, request.headers.get("If-Match"), required=IF_MATCH_REQUIRED,
                                       nothing=NOTHING_TO_MATCH, stale=lambda detail: _stale(report, action, detail))
        except Refused as refused:
            return refused.response
        try:
            entry = services.progress_save(
                report=report, action=action, user=request.user, narrative=data["narrative"], rag=data["rag"],
                outputs_achieved=data["outputs_achieved"],
                outputs_not_available_reason=data["outputs_not_available_reason"], rag_reason=data["rag_reason"],
                version=version, submit=data["submit"],
            )
        except services.StaleEdit as error:
            return _stale(report, action, str(error))
        entry = ProgressReport.objects.select_related("action").get(pk=entry.pk)
        return _represent(entry, status.HTTP_201_CREATED if current is None else status.HTTP_200_OK)


@extend_schema(tags=["returns"])
class ReturnSignOffView(WriteView):
    """An indicator owner's sign-off of a return, which locks it."""

    @extend_schema(
        request=None, operation_id="return_sign_off",
        responses={200: WorkflowReturnSerializer,
                   409: OpenApiResponse(description="It cannot be signed off yet: `blockers` lists each thing that "
                                                    "stops it. Or it is signed off already, or the round is closed."),
                   **BODY_RESPONSES},
    )
    def post(self, request, pk: int):
        report = self._return(pk)
        try:
            services.return_sign_off(report=report, user=request.user)
        except WorkflowError as error:
            return _not_signed_off(report, error)
        return _answer(report)


def _not_signed_off(report: Return, error: WorkflowError) -> Response:
    """Answer a refused sign-off with 409 and each blocker, as the sign-off page lists them."""
    report = Return.objects.select_related("round__period").get(pk=report.pk)
    if report.is_signed_off:  # nothing blocks a signed-off return: it is locked
        return problems.problem(409, services.LOCKED, type_="locked", blockers=[])
    blockers = services.sign_off_blockers(report) if report.round.is_open else []
    return problems.problem(409, str(error), type_="sign_off_blocked" if blockers else "locked", blockers=blockers)


@extend_schema(tags=["returns"])
class ReturnSendBackView(WriteView):
    """An indicator owner sends chosen progress entries and values back for amendment, with comments."""

    @extend_schema(
        request=SendBackWrite, operation_id="return_send_back",
        responses={200: WorkflowReturnSerializer,
                   409: OpenApiResponse(description="Signed off and locked, or the round is closed."),
                   **BODY_RESPONSES,
                   422: OpenApiResponse(description="Nothing chosen, an item this return does not hold or cannot "
                                                    "send back, or an item with no comment: by place, items[0].comment.")},
    )
    def post(self, request, pk: int):
        report = self._return(pk)
        data = _read(SendBackWrite, request)
        if isinstance(data, Response):
            return data
        items, errors = _send_back_items(report, data["items"])
        if errors:
            _may_send_back(report, request.user)
            return problems.problem(422, next(iter(errors.values()))[0], type_="validation", errors=errors)
        try:
            services.return_send_back(report=report, user=request.user, items=items, comment=data["comment"])
        except ValidationError as error:
            places = {services.send_back_comment_field(item.key): place for place, item in enumerate(items)}
            errors = {(f"items[{places[field]}].comment" if field in places else field): messages
                      for field, messages in problems.field_errors(error).items()}
            return problems.problem(422, next(iter(errors.values()))[0], type_="validation", errors=errors)
        return _answer(report)


def _send_back_items(report: Return, wanted: list[dict]) -> tuple[list[services.SendBackItem], dict[str, list[str]]]:
    """Return the items named, each the return's entry with its comment, and the places of those it does not hold
    or that are named twice. Whether an entry may be sent back is the service's to say."""
    progress = {entry.pk: entry for entry in ProgressReport.objects.filter(
        report=report, pk__in=[item["progress"] for item in wanted if "progress" in item]).select_related("action")}
    values = {entry.pk: entry for entry in IndicatorValue.objects.filter(
        period=report.round.period_id, indicator__plan_links__plan=report.plan_id,
        pk__in=[item["value"] for item in wanted if "value" in item]).select_related("indicator").distinct()}
    items, errors, seen = [], {}, set()
    for place, item in enumerate(wanted):
        kind, found, missing = ("progress", progress, NO_SUCH_PROGRESS) if "progress" in item else (
            "value", values, NO_SUCH_VALUE)
        entry = found.get(item[kind])
        if entry is None:
            errors[f"items[{place}].{kind}"] = [missing]
        elif (kind, entry.pk) in seen:
            errors[f"items[{place}]"] = [NAMED_TWICE]
        else:
            seen.add((kind, entry.pk))
            items.append(services.SendBackItem(entry, item["comment"]))
    return items, errors


def _may_send_back(report: Return, user) -> None:
    """Raise what the service says to someone who may not send this return back at all (PermissionDenied, or
    WorkflowError for a locked return), so that they hear 403 or 409 before any problem with the items.

    Asked by sending nothing back: the service checks who and the lock first, then refuses an empty choice with a
    ValidationError, so this changes nothing.
    """
    with suppress(ValidationError):
        services.return_send_back(report=report, user=user, items=[])


@extend_schema(tags=["returns"])
class ReturnReopenView(WriteView):
    """A performance officer reopens a signed-off return, giving the reason."""

    @extend_schema(
        request=ReopenWrite, operation_id="return_reopen",
        responses={200: WorkflowReturnSerializer,
                   409: OpenApiResponse(description="The return is not signed off, or its round is closed."),
                   **BODY_RESPONSES,
                   422: OpenApiResponse(description="No reason given, or one too long.")},
    )
    def post(self, request, pk: int):
        report = self._return(pk)
        data = _read(ReopenWrite, request)
        if isinstance(data, Response):
            return data
        services.return_reopen(report=report, user=request.user, reason=data["reason"])
        return _answer(report)
