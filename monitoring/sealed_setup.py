"""What a signed-off return was read against, kept with its seal so that the record never changes.

A return's page and report draw on the plan's set-up as well as on its own entries: which actions and indicators
it holds, the actions' output targets for the year, the indicators' targets, units, decimal places, polarity and
tolerance. The seal locks the entries; the set-up stays editable, since the plan goes on. So at sign-off
`snapshot()` writes the set-up into the seal (plans.Seal.setup, which the database refuses to update), and a
signed-off return reads it back through `SealedSetup`: an action added since is not in it, a unit changed since
does not re-format its figures, a target raised since does not turn its green figures amber.

Returns sealed before the set-up was kept have an empty one, and read today's set-up as they always did.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indicators.models import Indicator, IndicatorTarget, PlanIndicator
from monitoring.models import Return
from plans.models import ActionTarget, DeliveryAction, Seal

# Where a return fetched from the database keeps its set-up once read (SealedSetup.of).
_READ = "_sealed_setup"

# The indicator's fields that decide how its figures read and how they are rated.
INDICATOR_FIELDS = ("unit", "decimal_places", "polarity", "amber_tolerance")


def snapshot(report: Return) -> dict:
    """Return the plan's set-up for the return's period, as the seal keeps it (JSON: decimals as text)."""
    year = report.round.period.financial_year
    action_targets = dict(
        ActionTarget.objects.filter(action__plan=report.plan_id, year=year).values_list("action_id", "value")
    )
    indicator_targets = dict(
        IndicatorTarget.objects.filter(indicator__plan_links__plan=report.plan_id, year=year)
        .values_list("indicator_id", "value")
    )
    actions = DeliveryAction.objects.filter(plan=report.plan_id).values_list("pk", "reference", "title")
    links = PlanIndicator.objects.filter(plan=report.plan_id).select_related("indicator")
    return {
        "actions": {
            str(pk): {"reference": reference, "title": title, "target": _text(action_targets.get(pk))}
            for pk, reference, title in actions
        },
        "indicators": {
            str(link.indicator_id): {
                "role": link.role,
                "position": link.position,
                "target": _text(indicator_targets.get(link.indicator_id)),
                **{name: _text(getattr(link.indicator, name)) for name in INDICATOR_FIELDS},
            }
            for link in links
        },
    }


@dataclass(frozen=True)
class SealedSetup:
    """A signed-off return's set-up, read back from its seal; applies itself to what is read from today's plan."""

    actions: dict[int, dict]
    indicators: dict[int, dict]

    @classmethod
    def of(cls, report: Return) -> SealedSetup | None:
        """Return the set-up the signed-off return was read against, in one query; None for a return not signed
        off, or sealed before the set-up was kept."""
        if not report.is_signed_off:
            return None
        if _READ not in report.__dict__:  # read once for all the return's readers in one request
            setup = (
                Seal.objects.filter(plan=report.plan_id, period=report.round.period_id)
                .values_list("setup", flat=True).first()
            )
            report.__dict__[_READ] = cls(
                actions={int(pk): kept for pk, kept in setup.get("actions", {}).items()},
                indicators={int(pk): kept for pk, kept in setup.get("indicators", {}).items()},
            ) if setup else None
        return report.__dict__[_READ]

    def action_target(self, action_id: int) -> Decimal | None:
        return _decimal(self.actions[action_id]["target"])

    def indicator_target(self, indicator_id: int) -> Decimal | None:
        return _decimal(self.indicators[indicator_id]["target"])

    def held_actions(self, actions: list[DeliveryAction]) -> list[DeliveryAction]:
        """Return the actions the return held, with the references, titles and output targets (`output_target`,
        as outputs.with_outputs annotates it) signed off, in the order given.

        An action added since is left out; one the return holds cannot be removed (DeliveryAction.delete).
        """
        held = []
        for action in actions:
            kept = self.actions.get(action.pk)
            if kept is not None:
                action.reference, action.title = kept["reference"], kept["title"]
                action.output_target = self.action_target(action.pk)
                held.append(action)
        return held

    def held_links(self, links: list[PlanIndicator]) -> list[PlanIndicator]:
        """Return the indicator links the return held, with the role, position, target for the year (`year_target`),
        units, places, polarity and tolerance signed off, in the order signed off. An indicator added since is left
        out; one the return holds cannot be unlinked (PlanIndicator.delete)."""
        held = []
        for link in links:
            kept = self.indicators.get(link.indicator_id)
            if kept is None:
                continue
            link.role, link.position = kept["role"], kept["position"]
            link.year_target = self.indicator_target(link.indicator_id)
            self.apply_to_indicator(link.indicator)
            held.append(link)
        return sorted(held, key=lambda link: link.position)

    def apply_to_indicator(self, indicator: Indicator) -> Indicator:
        """Give the indicator, in memory only, the units, places, polarity and tolerance signed off."""
        kept = self.indicators.get(indicator.pk)
        if kept is not None:
            indicator.unit = kept["unit"]
            indicator.polarity = kept["polarity"]
            indicator.decimal_places = int(kept["decimal_places"])
            indicator.amber_tolerance = _decimal(kept["amber_tolerance"])
        return indicator


def _text(value) -> str | None:
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
