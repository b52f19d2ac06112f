"""The return workflow as data: one table of allowed moves, and one function that makes a move and records it.

Entries (an action's progress, an indicator's value) move between the statuses of
`indicators.models.EntryStatus`; a return moves between open and signed off. Each allowed move names the
actor who may make it; `make_move` refuses any move not in the table with a message in the user's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from indicators.models import EntryStatus
from monitoring import audit
from monitoring.models import Return, WorkflowEvent

ENTRY = "entry"
RETURN = "return"

# Actors, checked by the services against the object (see monitoring.permissions).
REPORTER = "reporter"  # the action's lead officer, or the indicator's data expert
SIGNATORY = "signatory"  # an indicator owner of the plan
PERFORMANCE_OFFICER = "performance officer"
SYSTEM = "system"  # a consequence of another move (entries signed off with their return)


class Move(models.TextChoices):
    SAVE_DRAFT = "save_draft", "Save as draft"
    SUBMIT = "submit", "Submit"
    SEND_BACK = "send_back", "Send back for amendment"
    SIGN_OFF = "sign_off", "Sign off"
    REOPEN = "reopen", "Reopen"


@dataclass(frozen=True)
class Transition:
    to: str
    actor: str


_EDITABLE = [EntryStatus.NOT_STARTED, EntryStatus.DRAFT, EntryStatus.RETURNED, EntryStatus.SUBMITTED]

ALLOWED_MOVES: dict[tuple[str, str, str], Transition] = {
    **{(ENTRY, status, Move.SAVE_DRAFT): Transition(EntryStatus.DRAFT, REPORTER) for status in _EDITABLE},
    **{(ENTRY, status, Move.SUBMIT): Transition(EntryStatus.SUBMITTED, REPORTER) for status in _EDITABLE},
    (ENTRY, EntryStatus.SUBMITTED, Move.SEND_BACK): Transition(EntryStatus.RETURNED, SIGNATORY),
    (ENTRY, EntryStatus.DRAFT, Move.SEND_BACK): Transition(EntryStatus.RETURNED, SIGNATORY),
    (ENTRY, EntryStatus.SUBMITTED, Move.SIGN_OFF): Transition(EntryStatus.SIGNED_OFF, SYSTEM),
    (ENTRY, EntryStatus.SIGNED_OFF, Move.REOPEN): Transition(EntryStatus.SUBMITTED, SYSTEM),
    (RETURN, Return.Status.OPEN, Move.SIGN_OFF): Transition(Return.Status.SIGNED_OFF, SIGNATORY),
    (RETURN, Return.Status.SIGNED_OFF, Move.REOPEN): Transition(Return.Status.OPEN, PERFORMANCE_OFFICER),
}

STATUS_LABELS = {**dict(EntryStatus.choices), **dict(Return.Status.choices)}


class WorkflowError(Exception):
    """A move the workflow does not allow, explained in the user's words."""


def transition_for(subject_kind: str, status: str, move: str) -> Transition:
    """Return the allowed transition, or raise WorkflowError naming the status and the move."""
    try:
        return ALLOWED_MOVES[(subject_kind, status, move)]
    except KeyError:
        what = "this return" if subject_kind == RETURN else "this entry"
        raise WorkflowError(
            f"You cannot {Move(move).label.lower()} {what}: it is {STATUS_LABELS[status].lower()}."
        ) from None


def make_move(subject, move: str, *, report: Return, user, comment: str = "") -> WorkflowEvent:
    """Move the subject (a Return, ProgressReport or IndicatorValue) and record the move, with the channel it came
    through (monitoring.audit); the caller saves it."""
    kind = RETURN if isinstance(subject, Return) else ENTRY
    from_status = subject.status if subject.pk else EntryStatus.NOT_STARTED
    transition = transition_for(kind, from_status, move)
    subject.status = transition.to
    channel = audit.current()  # through what the move came: the web page unless the route said otherwise
    event = WorkflowEvent(
        report=report, move=move, from_status=from_status, to_status=transition.to, user=user, comment=comment,
        via=channel.via, via_detail=channel.detail,
    )
    if kind == ENTRY:
        field = "progress" if subject._meta.model_name == "progressreport" else "indicator_value"
        setattr(event, field, subject)
    return event
