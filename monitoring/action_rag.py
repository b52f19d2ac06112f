"""The RAG an action's outputs suggest, as the progress form, the save service and the demo read it.

The rule itself is indicators.performance.suggested_action_rag: the outputs so far in the year against the profile
of the yearly target. Here it meets a return's period and an action's outputs: the outputs so far count this
period's only once they are entered (blank is not zero, so blank outputs this period suggest nothing), and the
suggestion says how it was reached, "140 of 320 by Q2, profile 160". A lead officer may choose another RAG, but
only with a reason (ProgressReport.rag_reason), which the return page and the report show beside the RAG.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from indicators import performance
from monitoring.models import ProgressReport
from monitoring.templatetags.formatting import number
from plans import periods
from plans.models import ActionTarget
from plans.periods import PeriodSpan

REASON_REQUIRED = (
    "Your outputs suggest {suggested} ({summary}). Choose {suggested}, or say why the RAG status is {chosen}"
)


@dataclass(frozen=True)
class SuggestedRag:
    """The RAG an action's outputs suggest in a period, with the figures it was drawn from."""

    rag: str
    so_far: Decimal
    target: Decimal
    profile: Decimal
    period: str  # the period within its year: 'Q2', 'H1'

    @property
    def label(self) -> str:
        return performance.RAG_LABELS[self.rag]

    @property
    def summary(self) -> str:
        """Return how the suggestion was reached: '140 of 320 by Q2, profile 160'."""
        return f"{number(self.so_far)} of {number(self.target)} by {self.period}, profile {number(self.profile)}"

    def agrees(self, rag: str) -> bool:
        return rag == self.rag

    def reason_required(self, chosen: str) -> str:
        """Return the message, in the form's words, asking why a RAG other than the suggested one was chosen."""
        return REASON_REQUIRED.format(
            suggested=self.label, summary=self.summary, chosen=performance.RAG_LABELS.get(chosen, chosen).lower(),
        )


def suggest(so_far: Decimal | None, target: Decimal | None, span: PeriodSpan) -> SuggestedRag | None:
    """Return the RAG suggested by the outputs so far in the year to the end of the period, or None (no target, or
    no outputs)."""
    in_year = 12 // periods.MONTHS_IN[span.kind]
    rag = performance.suggested_action_rag(so_far, target, span.number, in_year)
    if rag is None:
        return None
    profile = performance.action_profile(target, span.number, in_year)
    return SuggestedRag(rag, so_far, target, profile, f"{periods.PREFIX[span.kind]}{span.number}")


def suggest_from_outputs(outputs, span: PeriodSpan) -> SuggestedRag | None:
    """Return the suggestion for an action's Outputs in a return (monitoring.cycle.selectors.outputs): None until
    this period's outputs are entered."""
    if outputs.this_period is None:
        return None
    return suggest(outputs.so_far, outputs.target, span)


def rag_problem(suggestion: SuggestedRag | None, rag: str, reason: str) -> str | None:
    """Return what is wrong with a RAG chosen against the suggestion without a reason, or None."""
    if suggestion is None or not rag or suggestion.agrees(rag) or reason.strip():
        return None
    return suggestion.reason_required(rag)


def kept_reason(suggestion: SuggestedRag | None, rag: str, reason: str) -> str:
    """Return the reason to store: only a RAG that differs from the suggestion has one."""
    if suggestion is None or not rag or suggestion.agrees(rag):
        return ""
    return reason.strip()


def suggest_for_entry(report, action, outputs_achieved: Decimal | None) -> SuggestedRag | None:
    """Return the suggestion for an action's progress in a return with these outputs this period, as the save
    service checks it: the year's target and the outputs of the plan's earlier returns that year are read here."""
    if outputs_achieved is None:
        return None
    span = report.round.period.span
    target = ActionTarget.objects.filter(action=action, year=span.financial_year).values_list("value", flat=True).first()
    earlier = ProgressReport.objects.filter(
        action=action, report__plan=report.plan_id, report__round__period__kind=span.kind,
        report__round__period__start__gte=span.year_to_date()[0].start, report__round__period__start__lt=span.start,
    ).aggregate(total=Sum("outputs_achieved"))["total"]
    return suggest((earlier or 0) + outputs_achieved, target, span)
