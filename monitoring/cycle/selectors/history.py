"""Reads for a return's history: every change to its progress, values and statuses, and what changed since sign-off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from indicators.models import IndicatorValue
from monitoring import audit
from monitoring.models import ProgressReport, Return, WorkflowEvent
from monitoring.workflow import STATUS_LABELS, Move


@dataclass
class Change:
    """One change to a return: who made it, when, to what, which field, and the values before and after."""

    when: datetime
    who: str
    subject: str
    field: str
    before: str
    after: str
    comment: str = ""
    move: str = ""
    consequence: bool = False  # an entry moved by its return's sign-off or reopening, not by itself
    through: str = ""  # how it came in, beside who made it: "through the API, token …" ("" for the web page)

    @property
    def kind(self) -> str:
        """Return the kind of change the history's filter offers: the move for a status, else the field."""
        return KINDS_OF_MOVE.get(self.move, self.field) if self.move else self.field


# A status change is filtered by its move, in the words a reader would look for.
KINDS_OF_MOVE = {
    Move.SAVE_DRAFT: "Saving a draft",
    Move.SUBMIT: "Submission",
    Move.SEND_BACK: "Send-back",
    Move.SIGN_OFF: "Sign-off",
    Move.REOPEN: "Reopening",
}


@dataclass(frozen=True)
class HistoryFilter:
    """The history page's filters, from its GET parameters: an item, a person, a kind of change ("" for any)."""

    item: str = ""
    person: str = ""
    kind: str = ""

    @classmethod
    def from_query(cls, query) -> HistoryFilter:
        return cls(**{name: query.get(name, "").strip() for name in ("item", "person", "kind")})

    @property
    def is_active(self) -> bool:
        return bool(self.item or self.person or self.kind)

    def matches(self, change: Change) -> bool:
        return ((not self.item or change.subject == self.item) and (not self.person or change.who == self.person)
                and (not self.kind or change.kind == self.kind))


@dataclass
class ReturnHistory:
    changes: list[Change]
    signed_off_at: datetime | None = None
    reopened: WorkflowEvent | None = None
    since_sign_off: list[Change] = field(default_factory=list)
    filters: HistoryFilter = field(default_factory=HistoryFilter)
    # What the filters offer, drawn from every change whatever the filters: the return first, then its actions and
    # indicators alphabetically; people and kinds alphabetically.
    items: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    @property
    def reopened_since_sign_off(self) -> bool:
        return self.reopened is not None


def _who(user) -> str:
    if user is None:
        return "Unknown"
    person = getattr(user, "person", None)
    return person.name if person else (user.get_full_name() or user.get_username())


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


RAG_LABELS = dict(ProgressReport.Rag.choices)
PROGRESS_FIELDS = [
    ("narrative", "Progress", _text),
    ("rag", "RAG status", lambda value: RAG_LABELS.get(value, "")),
    ("rag_reason", "Reason for the RAG status", _text),
    ("outputs_achieved", "Outputs achieved", _number),
    ("outputs_not_available_reason", "Outputs not available this period", _text),
    ("reviewer_comment", "Reviewer's comment", _text),
]
VALUE_FIELDS = ["value", "commentary", "outlier_confirmed"]


def _diffs(records, subject_of, fields, saved_by: str) -> list[Change]:
    """Return a Change for each tracked field that differs between consecutive historical records of an entry.

    Who made it is the history's user (set from the request), else the user the entry itself records; through
    what, the record's change reason when it names the API (monitoring.audit).
    """
    changes = []
    previous: dict[int, object] = {}
    for record in records:
        before_record = previous.get(record.id)
        subject, field_specs = subject_of(record), fields(record)
        who = _who(record.history_user or getattr(record, saved_by))
        through = audit.reason_label(record.history_change_reason)
        for name, label, show in field_specs:
            after = getattr(record, name)
            before = getattr(before_record, name) if before_record is not None else None
            if before == after or (before_record is None and after in (None, "", False)):
                continue
            changes.append(Change(record.history_date, who, subject, label, show(before), show(after),
                                  through=through))
        previous[record.id] = record
    return changes


def _value_fields(record):
    indicator = record.indicator
    return [
        ("value", "Value", indicator.format_value),
        ("commentary", "Commentary", _text),
        ("outlier_confirmed", "Outlier confirmed", _text),
        ("reviewer_comment", "Reviewer's comment", _text),
    ]


def return_history(*, report: Return, changed_since_sign_off_only: bool = False,
                   filters: HistoryFilter | None = None) -> ReturnHistory:
    """Return every change to the return's progress, values and statuses, newest first.

    Field changes come from django-simple-history, status changes (with their comments and reasons) from the
    workflow's events. A sign-off or a reopening is one row, the return's: the entries it moved with it are not
    listed again. A return signed off and later reopened also lists what changed after its last sign-off, newest
    first too. With filters, both lists keep only the changes that match them.
    With changed_since_sign_off_only, skip the work when the return has not been reopened since its sign-off.
    """
    filters = filters or HistoryFilter()
    events = list(
        WorkflowEvent.objects.filter(report=report)
        .select_related("user__person", "progress__action", "indicator_value__indicator")
        .order_by("at", "pk")
    )
    return_events = [event for event in events if event.progress_id is None and event.indicator_value_id is None]
    sign_offs = [event for event in return_events if event.move == Move.SIGN_OFF]
    last_sign_off = sign_offs[-1] if sign_offs else None
    reopened = next(
        (event for event in reversed(return_events)
         if last_sign_off and event.move == Move.REOPEN and (event.at, event.pk) > (last_sign_off.at, last_sign_off.pk)),
        None,
    )
    if changed_since_sign_off_only and reopened is None:
        return ReturnHistory([], last_sign_off.at if last_sign_off else None)

    # A move that left the status as it was (submitting again) says nothing unless it carries a comment.
    changes = [_event_change(event) for event in events if event.from_status != event.to_status or event.comment]
    changes = [change for change in changes if not change.consequence]
    progress_records = (
        ProgressReport.history.filter(report_id=report.pk)
        .select_related("action", "history_user__person", "updated_by__person").order_by("history_date", "history_id")
    )
    changes += _diffs(progress_records, lambda record: record.action.title, lambda record: PROGRESS_FIELDS, "updated_by")
    value_records = (
        IndicatorValue.history.filter(period_id=report.round.period_id, indicator__plan_links__plan=report.plan_id)
        .select_related("indicator", "history_user__person", "entered_by__person").order_by("history_date", "history_id")
    )
    changes += _diffs(value_records, lambda record: record.indicator.code or record.indicator.name, _value_fields,
                      "entered_by")
    items = ["The return", *sorted({change.subject for change in changes} - {"The return"})]
    people = sorted({change.who for change in changes})
    kinds = sorted({change.kind for change in changes})
    changes.sort(key=lambda change: change.when, reverse=True)
    changes = [change for change in changes if filters.matches(change)]

    since = []
    if reopened is not None:
        since = [change for change in changes if change.when > last_sign_off.at and change.move != Move.SIGN_OFF]
    return ReturnHistory(changes, last_sign_off.at if last_sign_off else None, reopened, since, filters,
                         items, people, kinds)


def _event_change(event: WorkflowEvent) -> Change:
    if event.progress_id:
        subject = event.progress.action.title
    elif event.indicator_value_id:
        indicator = event.indicator_value.indicator
        subject = indicator.code or indicator.name
    else:
        subject = "The return"
    return Change(
        event.at, _who(event.user), subject, "Status",
        STATUS_LABELS.get(event.from_status, event.from_status), STATUS_LABELS.get(event.to_status, event.to_status),
        comment=event.comment, move=event.move,
        consequence=subject != "The return" and event.move in (Move.SIGN_OFF, Move.REOPEN), through=event.through,
    )
