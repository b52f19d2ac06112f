"""Reads for the overview: each plan's headline indicator assessed for the year, and its current return."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject, NullIf
from django.utils import timezone

from indicators import forecast as forecasting
from indicators import performance
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import forecasts
from monitoring.dashboards.selectors.common import DONE, default_year, is_year_end
from monitoring.models import ProgressReport, Return
from plans import periods
from plans.models import DeliveryAction, Plan

# Order of RAG and trend when a table is sorted on them: the worst first.
RAG_ORDER = {performance.RED: 0, performance.AMBER: 1, performance.GREEN: 2}
TREND_ORDER = {performance.WORSENING: 0, performance.NO_CHANGE: 1, performance.IMPROVING: 2}


def _count(queryset: QuerySet, group_by: str):
    """Return a subquery counting the rows of a queryset filtered on OuterRef, for annotate()."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class _PeriodFacts:
    """What the overview needs of a period, worked out once per period rather than once per value."""

    label: str
    financial_year: int
    is_year_end: bool
    span: periods.PeriodSpan

    @classmethod
    def of(cls, span: periods.PeriodSpan) -> _PeriodFacts:
        return cls(span.label, span.financial_year, is_year_end(span), span)


@dataclass(frozen=True)
class RagCounts:
    """How many of a return's actions and measures are red, amber and green."""

    red: int = 0
    amber: int = 0
    green: int = 0

    def __add__(self, other: RagCounts) -> RagCounts:
        return RagCounts(self.red + other.red, self.amber + other.amber, self.green + other.green)

    @classmethod
    def of(cls, rag: str | None) -> RagCounts:
        return cls(**{rag: 1}) if rag in RAG_ORDER else cls()

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green

    @property
    def label(self) -> str:
        """Return the counts worst first: '4 red, 9 amber, 15 green'."""
        return f"{self.red} red, {self.amber} amber, {self.green} green"

    @property
    def worst(self) -> str | None:
        return next((rag for rag in (performance.RED, performance.AMBER, performance.GREEN) if getattr(self, rag)), None)


@dataclass
class ReturnRag:
    """A plan's current return summed up, for a plan with no single headline indicator: its actions' RAG and its
    measures' (each indicator's value for the return's period against the year's target), against the plan's
    return before it."""

    period: str
    actions: RagCounts
    measures: RagCounts
    is_provisional: bool
    previous_period: str = ""
    previous: RagCounts | None = None

    @property
    def counts(self) -> RagCounts:
        return self.actions + self.measures

    @property
    def label(self) -> str:
        return self.counts.label

    @property
    def direction(self) -> str | None:
        """Return 'worsening', 'improving' or 'no change' from the previous return: more red is worse, then more
        amber; None with no earlier return."""
        if self.previous is None:
            return None
        now, before = self.counts, self.previous
        if (now.red, now.amber) == (before.red, before.amber):
            return performance.NO_CHANGE
        worse = now.red > before.red if now.red != before.red else now.amber > before.amber
        return performance.WORSENING if worse else performance.IMPROVING

    @property
    def direction_label(self) -> str:
        """Return the change from the previous return in words: 'more red than 2011/12 H2', 'no earlier return'."""
        if self.previous is None:
            return "no earlier return"
        now, before, period = self.counts, self.previous, self.previous_period
        if now.red != before.red:
            return f"{'more' if now.red > before.red else 'fewer'} red than {period}"
        if now.amber != before.amber:
            return f"{'more' if now.amber > before.amber else 'fewer'} amber than {period}"
        return f"as many red and amber as {period}"


    @property
    def direction_heading(self) -> str:
        """Return direction_label as a table cell starts it: 'More red than 2011/12 H2'."""
        label = self.direction_label
        return label[:1].upper() + label[1:]


@dataclass
class ReturnSummary:
    """A plan's return in its current round: how many actions are reported, submitted and signed off."""

    report: Return
    actions_total: int
    reported: int
    submitted: int
    signed_off: int
    overdue: bool

    @property
    def period_label(self) -> str:
        return self.report.round.period.label

    @property
    def status_label(self) -> str:
        return self.report.get_status_display()


# A return's progress entries counted by status and RAG: each count's name, and the entries it counts (None: all).
PROGRESS_COUNTS = {
    "reported": None,
    "submitted": Q(status__in=DONE),
    "signed_off": Q(status=EntryStatus.SIGNED_OFF),
    "red": Q(rag=performance.RED),
    "amber": Q(rag=performance.AMBER),
    "green": Q(rag=performance.GREEN),
}


def _returns_with_counts(returns: QuerySet[Return]) -> list[Return]:
    """Return the returns, each with the number of its plan's actions (actions_total) and of its progress entries by
    status and RAG (actions_reported, actions_submitted, actions_signed_off, actions_red, actions_amber,
    actions_green).

    Counted in subqueries rather than through a join: grouping by every selected column is the slower plan. The
    progress entries are counted in one subquery, its counts gathered into one JSON object: a subquery per count read
    each return's entries six times, and on PostgreSQL checked each entry's row-level security six times.
    """
    counted = ProgressReport.objects.filter(report=OuterRef("pk")).order_by().values("report").annotate(
        counts=JSONObject(**{name: Count("pk", filter=which) for name, which in PROGRESS_COUNTS.items()})
    ).values("counts")[:1]
    reports = list(returns.select_related("round__period").order_by().annotate(
        actions_total=_count(DeliveryAction.objects.filter(plan=OuterRef("plan")), "plan"),
        progress_counts=Subquery(counted, output_field=models.JSONField()),
    ))
    for report in reports:
        counts = report.progress_counts or {}  # None for a return with no progress entry
        for name in PROGRESS_COUNTS:
            setattr(report, f"actions_{name}", int(counts.get(name, 0)))
    return reports


def _summary(report: Return, today: date) -> ReturnSummary:
    return ReturnSummary(
        report=report,
        actions_total=report.actions_total,
        reported=report.actions_reported,
        submitted=report.actions_submitted,
        signed_off=report.actions_signed_off,
        overdue=not report.is_signed_off and report.round.is_overdue(today),
    )


@dataclass
class YearResult:
    """A completed year of an indicator: its year-end value against the year's target."""

    year: int
    value: Decimal | None
    target: Decimal | None
    met: bool | None

    @property
    def label(self) -> str:
        return periods.year_label(self.year)

    @property
    def met_label(self) -> str:
        return {True: "Met", False: "Not met", None: "Not known"}[self.met]


class OverviewRow:
    """One plan on the overview: its headline indicator assessed for the year, and its current return.

    The plan and its headline indicator come with the row. The rest (the year shown, the assessment, completed
    years and the current return) is read by the row's _OverviewFacts batch when first wanted: for the rows of
    the page being drawn (OverviewTable.before_render), or for every row when they are sorted or filtered on it.
    """

    def __init__(self, plan: Plan, indicator: Indicator | None, facts: _OverviewFacts):
        self.plan = plan
        self.indicator = indicator
        self._facts = facts
        self._year: int | None = None
        self._assessment: performance.Assessment | None = None
        self._completed_years: list[YearResult] = []
        self._current: ReturnSummary | None = None
        self._return_rag: ReturnRag | None = None
        self._forecast: forecasts.ForecastView | None = None

    def __repr__(self) -> str:
        return f"<OverviewRow {self.plan.reference}>"

    @property
    def is_read(self) -> bool:
        return self._assessment is not None

    def _read(self) -> None:
        if not self.is_read:
            self._facts.read_all()

    def fill(self, year: int, assessment: performance.Assessment, completed_years: list[YearResult],
             current: ReturnSummary | None, return_rag: ReturnRag | None = None,
             forecast: forecasts.ForecastView | None = None) -> None:
        self._year, self._assessment, self._completed_years, self._current = year, assessment, completed_years, current
        self._return_rag, self._forecast = return_rag, forecast

    @property
    def year(self) -> int:
        self._read()
        return self._year

    @property
    def assessment(self) -> performance.Assessment:
        self._read()
        return self._assessment

    @property
    def completed_years(self) -> list[YearResult]:
        self._read()
        return self._completed_years

    @property
    def current(self) -> ReturnSummary | None:
        self._read()
        return self._current

    @property
    def return_rag(self) -> ReturnRag | None:
        """Return the current return summed up, for a plan with no headline indicator and a return; else None."""
        self._read()
        return self._return_rag

    @property
    def forecast(self) -> forecasts.ForecastView | None:
        """Return the headline indicator's year-end forecast for the year shown, from signed-off figures only (the
        overview is the strategic group's page); None without a headline indicator or a target for the year."""
        self._read()
        return self._forecast

    @property
    def is_at_risk(self) -> bool:
        """Return True if the headline indicator is unlikely to meet the year's target (under 50%)."""
        return self.forecast is not None and self.forecast.is_at_risk

    @property
    def forecast_order(self) -> tuple[int, float]:
        """The least likely to meet the target first; then those with too little history, then those with none."""
        forecast = self.forecast
        if forecast is None:
            return 2, 0.0
        return (0, forecast.probability) if forecast.probability is not None else (1, 0.0)

    @property
    def year_label(self) -> str:
        return periods.year_label(self.year)

    @property
    def indicator_code(self) -> str:
        return (self.indicator.code or self.indicator.name) if self.indicator else ""

    def format(self, value: Decimal | None) -> str:
        return self.indicator.format_value(value) if self.indicator and value is not None else ""

    def rounded(self, value: Decimal | None) -> Decimal | None:
        """Return the value to the indicator's decimal places, as a number (for spreadsheets)."""
        if self.indicator is None or value is None:
            return None
        return value.quantize(Decimal(1).scaleb(-self.indicator.decimal_places))

    @property
    def rag(self) -> str | None:
        """Return the row's RAG: its headline indicator's, or the worst of its return's actions and measures."""
        if self.return_rag is not None:
            return self.return_rag.counts.worst
        return self.assessment.rag

    @property
    def rag_key(self) -> str:
        """Return the RAG filter's value for the row: green, amber, red or none."""
        return self.rag or "none"

    @property
    def rag_order(self) -> int:
        return RAG_ORDER.get(self.rag, 3)

    @property
    def trend_order(self) -> tuple[int, int]:
        if self.return_rag is not None:
            return TREND_ORDER.get(self.return_rag.direction, 3), 0
        trend = self.assessment.trend
        return TREND_ORDER.get(trend.direction, 3), -trend.periods

    @property
    def return_order(self) -> tuple[int, float]:
        """Overdue returns first, then the least submitted."""
        if self.current is None:
            return 2, 0.0
        share = self.current.submitted / self.current.actions_total if self.current.actions_total else 1.0
        return (0 if self.current.overdue else 1), share


class _OverviewFacts:
    """Reads what the overview says of its rows' plans, in one batch of four queries for the rows wanted.

    A page of the overview shows 25 of perhaps hundreds of plans: reading values, targets and returns for those
    25 only keeps the page's time from growing with the council. Sorting on RAG, direction or the current return,
    filtering on RAG, or exporting wants every row, and reads them all in the same four queries.
    """

    def __init__(self, year: int | None):
        self.year = year
        self.rows: list[OverviewRow] = []
        self.today = timezone.localdate()

    def read_all(self) -> None:
        self.read(self.rows)

    def _return_ids(self, plan_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
        """Return the id of each plan's latest return (in the year, if one is chosen), and of the return before it.

        Picked in Python from the plans' few returns a year: a subquery per plan cost more to plan and run.
        """
        returns = Return.objects.filter(plan__in=plan_ids).order_by()  # unordered: a join to the plans the less
        if self.year is not None:
            returns = returns.filter(round__period__start__lte=date(self.year + 1, 3, 31))
        by_plan: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for plan_id, pk, start in returns.values_list("plan_id", "pk", "round__period__start"):
            by_plan[plan_id].append((start, pk))
        current, previous = {}, {}
        for plan_id, found in by_plan.items():
            found.sort()
            if self.year is not None and found[-1][0] < date(self.year, 4, 1):
                continue  # no return in the year chosen
            current[plan_id] = found[-1][1]
            if len(found) > 1:
                previous[plan_id] = found[-2][1]
        return current, previous

    def read(self, rows) -> None:
        wanted = [row for row in rows if not row.is_read]
        if not wanted:
            return
        year = self.year
        current_ids, previous_ids = self._return_ids([row.plan.pk for row in wanted])
        # A plan with no headline indicator is summed up by its current return: its measures are its indicators'
        # values for the periods of that return and the one before it. Only such a plan's earlier return is read.
        summed_up = [row.plan.pk for row in wanted if row.indicator is None and row.plan.pk in current_ids]
        previous_ids = {plan_id: previous_ids[plan_id] for plan_id in summed_up if plan_id in previous_ids}
        returns = {report.pk: report for report in _returns_with_counts(
            Return.objects.filter(pk__in=[*current_ids.values(), *previous_ids.values()])
        )}
        measures: dict[int, list[Indicator]] = defaultdict(list)
        if summed_up:
            for link in PlanIndicator.objects.filter(plan__in=summed_up).select_related("indicator"):
                measures[link.plan_id].append(link.indicator)
        measure_ids = {indicator.pk for links in measures.values() for indicator in links}
        measure_periods = {
            returns[ids[plan_id]].round.period_id for plan_id in measures for ids in (current_ids, previous_ids)
            if plan_id in ids
        }
        indicator_ids = {row.indicator.pk for row in wanted if row.indicator is not None}
        values = IndicatorValue.objects.filter(indicator__in=indicator_ids)
        if year is not None:
            values = values.filter(period__start__lte=date(year + 1, 3, 31))
        if measure_ids:
            values = values | IndicatorValue.objects.filter(indicator__in=measure_ids, period__in=measure_periods)
        value_at: dict[tuple[int, int], Decimal] = {}
        # A council's thousands of values share a few dozen periods: work each out once.
        facts_of: dict[tuple[date, str], _PeriodFacts] = {}
        readings: dict[int, list[tuple[_PeriodFacts, performance.Reading]]] = defaultdict(list)
        for indicator_id, value, status, start, kind, period_id in values.order_by(
            "period__start", "period__kind"
        ).values_list("indicator_id", "value", "status", "period__start", "period__kind", "period_id"):
            value_at[indicator_id, period_id] = value
            if indicator_id not in indicator_ids:
                continue  # a measure of a plan summed up by its return, not a headline charted over time
            period = facts_of.get((start, kind))
            if period is None:
                period = facts_of[start, kind] = _PeriodFacts.of(periods.PeriodSpan(start, kind))
            readings[indicator_id].append(
                (period, performance.Reading(value, status == EntryStatus.SIGNED_OFF, period.label))
            )
        targets = {
            (indicator_id, target_year): value
            for indicator_id, target_year, value in IndicatorTarget.objects.filter(
                indicator__in=indicator_ids | measure_ids
            ).order_by().values_list("indicator_id", "year", "value")  # a dict: the default order joined indicators
        }

        def rated(plan_id: int, report: Return) -> RagCounts:
            period = report.round.period
            counts = RagCounts()
            for indicator in measures.get(plan_id, []):
                counts += RagCounts.of(performance.rag(
                    indicator, value_at.get((indicator.pk, period.pk)),
                    targets.get((indicator.pk, period.financial_year)),
                ))
            return counts

        for row in wanted:
            indicator = row.indicator
            report = returns.get(current_ids.get(row.plan.pk))
            return_rag = None
            if indicator is None and report is not None:
                before = returns.get(previous_ids.get(row.plan.pk))
                return_rag = ReturnRag(
                    period=report.round.period.label,
                    actions=RagCounts(report.actions_red, report.actions_amber, report.actions_green),
                    measures=rated(row.plan.pk, report),
                    is_provisional=not report.is_signed_off,
                    previous_period=before.round.period.label if before else "",
                    previous=(RagCounts(before.actions_red, before.actions_amber, before.actions_green)
                              + rated(row.plan.pk, before)) if before else None,
                )
            facts = readings.get(indicator.pk, []) if indicator else []
            latest_year = facts[-1][0].financial_year if facts else None
            shown_year = year if year is not None else default_year(row.plan, report, latest_year)
            target = targets.get((indicator.pk, shown_year)) if indicator else None
            completed = []
            if indicator is not None:
                for period, reading in facts:
                    if period.is_year_end and period.financial_year <= shown_year:
                        year_target = targets.get((indicator.pk, period.financial_year))
                        completed.append(YearResult(period.financial_year, reading.value, year_target,
                                                    performance.target_met(indicator, reading.value, year_target)))
            # With no headline indicator there is no reading, and the assessment is "no data".
            assessment = performance.assess(indicator, [reading for _, reading in facts], target)
            forecast = forecasts.forecast_of(
                indicator, [forecasting.Point(period.span, reading.value, reading.signed_off) for period, reading in facts],
                year=shown_year, target=target, include_drafts=False,
            ) if indicator is not None else None
            row.fill(shown_year, assessment, completed, _summary(report, self.today) if report else None, return_rag,
                     forecast)


# The sort keys of the overview that the database can order the plans on: a row's accessor, and the plan's field.
ORDER_IN_DATABASE = {
    "plan__reference": "reference",
    "plan__kind": "kind",
    "plan__lead_organisation__short_name": "lead_organisation__short_name",
    "indicator_code": "headline_code",
}


def _headline_code() -> Coalesce:
    """Return the plan's headline indicator as the overview's column shows it (its code, or its definition), for
    ordering plans in the database; blank for a plan with none."""
    headline = PlanIndicator.objects.filter(plan=OuterRef("pk"), role=PlanIndicator.Role.HEADLINE).order_by("-pk")
    label = Coalesce(NullIf("indicator__code", Value("")), "indicator__name", output_field=models.TextField())
    return Coalesce(Subquery(headline.annotate(label=label).values("label")[:1]), Value(""),
                    output_field=models.TextField())


class OverviewRows:
    """The overview's rows: a row for each of the plans, in reference order, for the year (each plan's current year
    if None), read from the database a page at a time.

    Sorted on the plan, its kind, its lead partner or its headline indicator, the database orders the plans and
    slicing reads only the page's plans: a site administrator's 2,000 plans cost what 25 do. Sorting on RAG,
    direction, the forecast or the current return needs every row's facts, as do the RAG filter (rag: 'green',
    'amber', 'red' or 'none'), the "at risk" filter (at_risk: the headline indicator's forecast under 50%) and the
    exports: then every row is read, in the same batch of queries, and sorted in Python.
    """

    def __init__(self, plans: QuerySet[Plan], *, year: int | None = None, rag: str = "", at_risk: bool = False):
        self._plans = plans.select_related("lead_organisation").order_by("reference")
        self._year = year
        self._rag = rag
        self._at_risk = at_risk
        self._count: int | None = None
        self._every: list[OverviewRow] | None = None

    def order_in_database(self, accessors: list[str]) -> bool:
        """Order the plans on these row accessors ('-' first for descending), if the database can; return whether
        it could. It cannot once every row has been read, or for a key decided in Python (RAG, direction, return)."""
        if self._every is not None or self._filtered:
            return False
        fields = []
        for accessor in accessors:
            field = ORDER_IN_DATABASE.get(accessor.removeprefix("-"))
            if field is None:
                return False
            fields.append(f"-{field}" if accessor.startswith("-") else field)
        if any(field.removeprefix("-") == "headline_code" for field in fields):
            self._plans = self._plans.annotate(headline_code=_headline_code())
        self._plans = self._plans.order_by(*fields, "pk")
        return True

    @property
    def holds_every_row(self) -> bool:
        """Return True once every row has been read (to sort or filter on facts, or to export), not only a page."""
        return self._every is not None

    def every_row(self) -> list[OverviewRow]:
        """Return every row (the ones of the RAG chosen), in the order of the plans; sorting this list sorts the rows."""
        if self._every is None:
            rows = self._rows_of(list(self._plans))
            if self._filtered:
                read_overview_rows(rows)
                rows = [row for row in rows if (not self._rag or row.rag_key == self._rag)
                        and (not self._at_risk or row.is_at_risk)]
            self._every = rows
        return self._every

    @property
    def _filtered(self) -> bool:
        """Return True if the rows are filtered on their facts (RAG, at risk), which every row must be read for."""
        return bool(self._rag or self._at_risk)

    def __len__(self) -> int:
        if self._every is not None or self._filtered:
            return len(self.every_row())
        if self._count is None:
            self._count = self._plans.count()
        return self._count

    def __getitem__(self, key):
        if self._every is not None or self._filtered or not isinstance(key, slice):
            return self.every_row()[key]
        return self._rows_of(list(self._plans[key]))

    def __iter__(self):
        return iter(self.every_row())

    def _rows_of(self, plans: list[Plan]) -> list[OverviewRow]:
        """Return the rows of these plans, with their headline indicators (one query), sharing one batch of facts."""
        headline = {
            indicator.headline_of: indicator
            for indicator in Indicator.objects.filter(
                plan_links__plan__in=[plan.pk for plan in plans], plan_links__role=PlanIndicator.Role.HEADLINE
            ).annotate(headline_of=F("plan_links__plan")).order_by("plan_links__pk")
        } if plans else {}
        facts = _OverviewFacts(self._year)
        rows = [OverviewRow(plan, headline.get(plan.pk), facts) for plan in plans]
        # A list of the batch's own: every_row()'s list is sorted in place, and a list being sorted looks empty.
        facts.rows = list(rows)
        return rows


def read_overview_rows(rows) -> None:
    """Read the facts of these overview rows (a page of them) in one batch, rather than row by row."""
    rows = list(rows)
    if rows:
        rows[0]._facts.read(rows)
