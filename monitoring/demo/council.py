"""A deterministic large council for benchmarks: `manage.py generate_council --scale N`.

Scale 1 is about 20 plans (16 quarterly LAA target plans, 4 six-monthly service plans), 400 actions, 100
indicators, 5 financial years of values and returns and 50 users; scale N is N times that. The same scale
always gives the same data (a seeded random generator), with the shapes of real plans: blank and `tbc`
amounts, targets missing in some years, actions without a lead officer, signed-off history and, in the last
period of each frequency, an open round with drafts, submissions and a returned entry.

Indicator values are series as real ones move, so that the year-end forecasts (indicators.forecast) can be tried
on them (bench/forecast.py): three in five are rates (percentages whose latest value is the year's figure) with a
trend, noise that lingers from one period to the next and, now and then, a level break; two in five are counts to
date (adding up through the year) with yearly growth, a seasonal profile across the quarters, noise and, now and
then, a break. Targets sit near where the underlying series is heading, some a little ahead, some behind, so that
some are met and some missed. Each indicator's series has its own generator, seeded from the council's seed and
the indicator's code, so that it does not shift when anything else changes.

The council is one partnership, GENERATED_PARTNERSHIP: everything it makes is made within that partnership's scope
(plans.partnerships), its users' roles are memberships of it, and only the organisations are shared.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from funding.models import FundingAmount, FundingLine
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring.models import ProgressReport, ReportingRound, Return
from monitoring.permissions import DATA_EXPERTS, INDICATOR_OWNERS, LEAD_OFFICERS
from plans import partnerships, periods
from plans.models import (
    ActionTarget,
    DeliveryAction,
    Membership,
    Organisation,
    Partnership,
    Period,
    Person,
    Plan,
    PlanRole,
    Risk,
    Section,
)

FIRST_YEAR = 2020
YEARS = 5
PREFIX = "GEN"
GENERATED_PARTNERSHIP = "Generated council"
ORGANISATIONS = [
    ("GCC", "Generated City Council"), ("GJCP", "Generated Jobcentre Plus"), ("GPCT", "Generated Primary Care Trust"),
    ("GCOL", "Generated College"), ("GPOL", "Generated Police"), ("GVCS", "Generated Voluntary Sector"),
]
THEMES = ["Economy, Learning, Skills and Employment", "Children and Young People", "Health and Well-being",
          "Safer Communities", "Housing and Neighbourhoods"]


@dataclass(frozen=True)
class Shape:
    """How much of everything one unit of scale makes."""

    quarterly_plans: int = 16
    service_plans: int = 4
    actions_per_plan: int = 20
    indicators_per_plan: int = 5
    users: int = 50
    funding_lines_per_plan: int = 6
    risks_per_plan: int = 4


def generate_council(scale: int, shape: Shape = Shape(), partnership_count: int = 1) -> dict[str, int]:
    """Create the council for the scale in its partnership (refusing to add to one already there) and return
    what it made. With several partnerships, each is a council of that scale, with its own people and plans
    (references repeat from one partnership to the next, as NI 152 does), the organisations shared."""
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        if Plan.objects.filter(reference__startswith=f"{PREFIX}-").exists():
            raise ValueError("A generated council is already in this database; use a fresh database.")
        organisations = Organisation.objects.bulk_create(
            Organisation(short_name=short, name=name) for short, name in ORGANISATIONS
        )
    made: dict[str, int] = {"partnerships": partnership_count}
    for index in range(partnership_count):
        one = partnership_count == 1  # the single council keeps its names: gen00000, "Generated council"
        name = GENERATED_PARTNERSHIP if one else f"{GENERATED_PARTNERSHIP} {index + 1:03d}"
        seed = 20081 * scale + index
        rng = random.Random(seed)
        with transaction.atomic():
            with partnerships.within(partnerships.EVERY_PARTNERSHIP):
                partnership = Partnership.objects.get_or_create(name=name)[0]
            with partnerships.within([partnership.pk]):
                counts = _generate(scale, shape, rng, organisations, "gen" if one else f"gen{index + 1:03d}-", seed)
        for what, count in counts.items():
            made[what] = made.get(what, 0) + count
    return made


def _generate(
    scale: int, shape: Shape, rng: random.Random, organisations, usernames: str, seed: int = 0
) -> dict[str, int]:
    people = _people(scale * shape.users, organisations, usernames)
    half, three_quarters = len(people) // 2, len(people) * 3 // 4
    officers, experts, owners = people[:half], people[half:three_quarters], people[three_quarters:]
    plans = []
    for number in range(scale * (shape.quarterly_plans + shape.service_plans)):
        quarterly = number % (shape.quarterly_plans + shape.service_plans) < shape.quarterly_plans
        plans.append(Plan(
            kind=Plan.Kind.LAA_TARGET if quarterly else Plan.Kind.SERVICE,
            reference=f"{PREFIX}-{number + 1:04d}",
            title=f"Generated {'target' if quarterly else 'service'} plan {number + 1}",
            lead_organisation=rng.choice(organisations), theme=rng.choice(THEMES),
            reporting_frequency=periods.QUARTER if quarterly else periods.HALF,
            first_year=FIRST_YEAR, last_year=FIRST_YEAR + YEARS - 1,
        ))
    plans = Plan.objects.bulk_create(plans)
    PlanRole.objects.bulk_create(
        PlanRole(plan=plan, role=PlanRole.Role.INDICATOR_OWNER, person=owners[index % len(owners)])
        for index, plan in enumerate(plans)
    )
    Section.objects.bulk_create(
        Section(plan=plan, position=position, number=str(position), heading=heading, kind=kind,
                body="Generated narrative.\n\n- first point\n- second point")
        for plan in plans
        for position, (heading, kind) in enumerate([
            ("Target", Section.Kind.TARGET), ("Strategic Summary", Section.Kind.NARRATIVE),
            ("Delivery Plan", Section.Kind.DELIVERY_PLAN), ("Performance Indicators", Section.Kind.INDICATORS),
            ("Funding & Planned Spend", Section.Kind.FUNDING), ("Risk Assessment", Section.Kind.RISKS),
        ], start=1)
    )
    actions = _actions(plans, shape, officers, rng)
    indicators = _indicators(plans, shape, experts, owners, rng, seed)
    _funding(plans, shape, rng)
    Risk.objects.bulk_create(
        Risk(plan=plan, position=position, risk=f"Generated risk {position}", mitigation="Generated mitigation",
             owner=rng.choice(owners), likelihood=rng.randint(1, 5), impact=rng.randint(1, 5))
        for plan in plans for position in range(1, shape.risks_per_plan + 1)
    )
    returns, progress, values = _history(plans, actions, indicators, rng)
    return {"plans": len(plans), "actions": len(actions), "indicators": len(indicators), "users": len(people),
            "returns": returns, "progress reports": progress, "indicator values": values}


def _people(count: int, organisations, usernames: str) -> list[Person]:
    """Make the users and the people they are; the first half are lead officers, the next quarter data experts and
    the rest indicator owners, each a membership of the partnership in scope."""
    partnership_id = Partnership.implied_id()
    user_model = get_user_model()
    password = make_password("demo")
    users = user_model.objects.bulk_create(
        user_model(username=f"{usernames}{number:05d}", email=f"{usernames}{number:05d}@example.org", password=password,
                   first_name="Generated", last_name=f"Person {number}")
        for number in range(count)
    )
    people = Person.objects.bulk_create(
        Person(name=f"Generated Person {number}", user=user, organisation=organisations[number % len(organisations)])
        for number, user in enumerate(users)
    )
    roles = [LEAD_OFFICERS] * (count // 2) + [DATA_EXPERTS] * (count * 3 // 4 - count // 2)
    roles += [INDICATOR_OWNERS] * (count - len(roles))
    Membership.objects.bulk_create(
        Membership(partnership_id=partnership_id, user_id=user.pk, role=role)
        for user, role in zip(users, roles, strict=True)
    )
    return people


def _actions(plans, shape: Shape, officers, rng) -> list[DeliveryAction]:
    actions = DeliveryAction.objects.bulk_create(
        DeliveryAction(
            plan=plan, position=position, title=f"Generated action {position}",
            client_group="Generated client group", off_flow=position % 2 == 0, flow_time=position % 3 == 0,
            on_flow=position % 5 == 0, lead_text="Generated lead",
            # One action in ten has no lead officer: a performance officer reports on it.
            lead_officer=None if position % 10 == 0 else rng.choice(officers),
        )
        for plan in plans for position in range(1, shape.actions_per_plan + 1)
    )
    ActionTarget.objects.bulk_create(
        ActionTarget(action=action, year=year, value=Decimal(rng.randint(0, 400)))
        for action in actions if action.position % 4  # a quarter of the actions have no numeric target
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS) if rng.random() > 0.15  # and some years are blank
    )
    return actions


@dataclass
class Series:
    """An indicator's generated values, period by period, and the year-end each year's target was set against."""

    values: dict = field(default_factory=dict)  # PeriodSpan -> Decimal
    heading: dict = field(default_factory=dict)  # year -> the year-end the series was heading for, without noise


def _rate_series(baseline: float, spans, rng: random.Random) -> Series:
    """A percentage with a trend, noise that lingers (each period keeps 40% of the last one's) and maybe a break."""
    per_year = len(spans) // YEARS
    slope = rng.uniform(-1.4, 1.4) / per_year  # percentage points a year, spread over its periods
    spread = rng.uniform(0.2, 1.2)
    break_at = rng.randrange(per_year, len(spans) - 1) if rng.random() < 0.15 else None
    jump = rng.choice([-1, 1]) * rng.uniform(1.5, 4.0)
    series, lingering = Series(), 0.0
    for index, span in enumerate(spans):
        lingering = 0.4 * lingering + rng.gauss(0, spread)
        level = baseline + slope * index + (jump if break_at is not None and index >= break_at else 0.0)
        series.values[span] = Decimal(str(round(min(max(level + lingering, 0.0), 100.0), 1)))
        if span.number == per_year:
            series.heading[span.financial_year] = baseline + slope * index
    return series


def _count_series(yearly: float, spans, rng: random.Random) -> Series:
    """A count to date: a yearly total that grows, spread over the year by a seasonal profile, with noise on each
    period's own count and maybe a break in the yearly total from some year on."""
    per_year = len(spans) // YEARS
    growth = rng.uniform(-0.06, 0.08)
    profile = [rng.uniform(0.8, 1.2) * (1.0 + 0.15 * math.sin(number + 1)) for number in range(per_year)]
    profile = [share / sum(profile) for share in profile]
    spread = rng.uniform(0.04, 0.12)
    break_year = rng.randrange(FIRST_YEAR + 1, FIRST_YEAR + YEARS) if rng.random() < 0.1 else None
    step = rng.uniform(0.8, 1.25)
    series, to_date = Series(), 0.0
    for span in spans:
        year, number = span.financial_year, span.number
        total = yearly * (1 + growth) ** (year - FIRST_YEAR) * (step if break_year and year >= break_year else 1.0)
        if number == 1:
            to_date = 0.0
        to_date += total * profile[number - 1] * math.exp(rng.gauss(0, spread))
        series.values[span] = Decimal(round(to_date))
        series.heading[year] = total
    return series


def _indicators(plans, shape: Shape, experts, owners, rng, seed: int = 0) -> list[Indicator]:
    specs, series = [], {}
    for plan in plans:
        spans = [span for year in range(FIRST_YEAR, FIRST_YEAR + YEARS)
                 for span in periods.periods_in_year(year, plan.reporting_frequency)]
        for position in range(shape.indicators_per_plan):
            lower = rng.random() < 0.5
            indicator = Indicator(
                code=f"{plan.reference}-I{position + 1}", name=f"Generated indicator {position + 1} of {plan.reference}",
                unit=Indicator.Unit.PERCENT, polarity="lower" if lower else "higher", decimal_places=1,
                baseline_value=Decimal(rng.randint(100, 600)) / 10, data_expert=rng.choice(experts),
            )
            # Its own generator, so that the series do not move the draws of everything else.
            own = random.Random(f"{seed}:{indicator.code}")
            if own.random() < 0.4:
                indicator.unit, indicator.decimal_places = Indicator.Unit.COUNT, 0
                indicator.year_end = Indicator.YearEnd.YEAR_TO_DATE
                indicator.baseline_value = (indicator.baseline_value * 20).quantize(Decimal(1))
                series[indicator.code] = _count_series(float(indicator.baseline_value), spans, own)
            else:
                series[indicator.code] = _rate_series(float(indicator.baseline_value), spans, own)
            specs.append((plan, position, indicator))
    indicators = Indicator.objects.bulk_create(indicator for _, _, indicator in specs)
    for indicator in indicators:
        indicator.series = series[indicator.code]
    Indicator.owners.through.objects.bulk_create(
        Indicator.owners.through(indicator_id=indicator.pk, person_id=rng.choice(owners).pk) for indicator in indicators
    )
    PlanIndicator.objects.bulk_create(
        PlanIndicator(plan=plan, indicator=indicator, position=position,
                      role=PlanIndicator.Role.HEADLINE if position == 0 else PlanIndicator.Role.SUPPORTING)
        for (plan, position, _), indicator in zip(specs, indicators, strict=True)
    )
    IndicatorTarget.objects.bulk_create(
        IndicatorTarget(indicator=indicator, year=year, value=_target(indicator, year, rng.randint(-20, 20)))
        for indicator in indicators for year in range(FIRST_YEAR, FIRST_YEAR + YEARS)
    )
    return indicators


def _target(indicator: Indicator, year: int, offset: int) -> Decimal:
    """Return a target near where the series was heading for the year: within 2 points for a rate, within 5% for
    a count, either side (offset is -20 to 20)."""
    heading = indicator.series.heading[year]
    if indicator.year_end == Indicator.YearEnd.YEAR_TO_DATE:
        return Decimal(round(heading * (1 + offset / 400)))
    return Decimal(str(round(min(max(heading + offset / 10, 0.0), 100.0), 1)))


def _funding(plans, shape: Shape, rng) -> None:
    lines = FundingLine.objects.bulk_create(
        FundingLine(plan=plan, position=position, name=f"Generated stream {position}",
                    comment="Generated comment" if position == 1 else "")
        for plan in plans for position in range(1, shape.funding_lines_per_plan + 1)
    )
    amounts = []
    for line in lines:
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
            roll = rng.random()
            if roll < 0.15:
                continue  # blank: no amount for that year
            if roll < 0.25:
                amounts.append(FundingAmount(line=line, year=year, status=FundingAmount.Status.TBC))
            else:
                amounts.append(FundingAmount(line=line, year=year, amount=Decimal(rng.randint(10, 5000) * 1000)))
    FundingAmount.objects.bulk_create(amounts)


def _history(plans, actions, indicators, rng) -> tuple[int, int, int]:
    """Rounds for every period of the five years; all signed off and closed but the last of each frequency."""
    now = timezone.now()
    actions_by_plan, indicators_by_plan = {}, {}
    for action in actions:
        actions_by_plan.setdefault(action.plan_id, []).append(action)
    for indicator in indicators:
        indicators_by_plan.setdefault(indicator.code.rsplit("-I", 1)[0], []).append(indicator)
    returns = progress = values = 0
    for kind in (periods.QUARTER, periods.HALF):
        spans = [span for year in range(FIRST_YEAR, FIRST_YEAR + YEARS) for span in periods.periods_in_year(year, kind)]
        kind_plans = [plan for plan in plans if plan.reporting_frequency == kind]
        for index, span in enumerate(spans):
            is_open = index == len(spans) - 1
            period = Period.for_span(span)
            reporting_round = ReportingRound.objects.create(
                period=period, due_date=span.end + timedelta(days=30),
                status=ReportingRound.Status.OPEN if is_open else ReportingRound.Status.CLOSED,
                closed_at=None if is_open else now,
            )
            plan_returns = Return.objects.bulk_create(
                Return(round=reporting_round, plan=plan, is_illustrative=True,
                       status=Return.Status.OPEN if is_open else Return.Status.SIGNED_OFF,
                       signed_off_at=None if is_open else now)
                for plan in kind_plans
            )
            entries = []
            for report in plan_returns:
                for action in actions_by_plan[report.plan_id]:
                    status = _open_status(rng) if is_open else EntryStatus.SIGNED_OFF
                    if status is None:
                        continue
                    target = rng.randint(0, 120)
                    entries.append(ProgressReport(
                        report=report, action=action, status=status, narrative="Generated progress narrative.",
                        rag=rng.choice(["red", "amber", "green", "green"]), outputs_achieved=Decimal(target),
                        reviewer_comment="Please add figures." if status == EntryStatus.RETURNED else "",
                    ))
            ProgressReport.objects.bulk_create(entries, batch_size=2000)
            progress += len(entries)
            returns += len(plan_returns)
            figures = []
            for plan in kind_plans:
                for indicator in indicators_by_plan[plan.reference]:
                    rng.randint(-8, 8)  # the draw the flat values once took, kept so that later draws stay put
                    figures.append(IndicatorValue(
                        indicator=indicator, period=period, value=indicator.series.values[span],
                        status=EntryStatus.DRAFT if is_open else EntryStatus.SIGNED_OFF, is_illustrative=True,
                        commentary="Generated figure.",
                    ))
            IndicatorValue.objects.bulk_create(figures, batch_size=2000)
            values += len(figures)
    return returns, progress, values


def _open_status(rng) -> str | None:
    roll = rng.random()
    if roll < 0.3:
        return None  # not started
    if roll < 0.55:
        return EntryStatus.DRAFT
    if roll < 0.95:
        return EntryStatus.SUBMITTED
    return EntryStatus.RETURNED
