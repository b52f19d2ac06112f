"""Reads for the dashboards: the overview, who has not reported, a plan's dashboard and an indicator's page.

Each page runs a fixed number of queries, whatever the number of plans, actions, indicators, values or risks:
lists are fetched whole, counts and sums are annotated in the queryset, and everything else is put together
in Python (tests/test_dashboard_queries.py holds them to this at two sizes). RAG, direction of travel, trend,
"target met" and trajectories come from indicators.performance, the one place those rules live.

indicator_series() turns an indicator's values and targets into the plain data of monitoring.charts, so that
a report can draw the same chart as the dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from funding.models import FundingAmount, FundingLine, Total
from indicators import performance
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import charts
from monitoring.models import ProgressReport, ReminderSent, ReportingRound, Return
from monitoring.selectors import FundingRow
from plans import periods
from plans.models import ActionTarget, DeliveryAction, Person, Plan, Risk

DONE = (EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF)
VALUE_PLACES = Decimal("0.0001")  # as IndicatorValue stores them

# Order of RAG and trend when a table is sorted on them: the worst first.
RAG_ORDER = {performance.RED: 0, performance.AMBER: 1, performance.GREEN: 2}
TREND_ORDER = {performance.WORSENING: 0, performance.NO_CHANGE: 1, performance.IMPROVING: 2}

# How fine a reporting frequency is: an indicator shared by plans is charted at the finest of them.
FINENESS = {periods.MONTH: 0, periods.QUARTER: 1, periods.HALF: 2, periods.YEAR: 3}


def _is_year_end(span: periods.PeriodSpan) -> bool:
    """Return True for a period that ends a financial year (Q4, H2, the year itself, March)."""
    return span.end.month == 3 and span.end.day == 31


def _count(queryset: QuerySet, group_by: str):
    """Return a subquery counting the rows of a queryset filtered on OuterRef, for annotate()."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _in_year(prefix: str, year: int) -> Q:
    """Return a filter for a period (reached through prefix) that starts within the financial year."""
    return Q(**{f"{prefix}__start__gte": date(year, 4, 1), f"{prefix}__start__lte": date(year + 1, 3, 31)})


def _default_year(plan: Plan, current: Return | None, latest_value_year: int | None) -> int:
    """Return the year a plan's row speaks of: its current round's, else its latest figure's, else today's."""
    if current is not None:
        return current.round.period.financial_year
    if latest_value_year is not None:
        return latest_value_year
    return min(max(periods.year_containing(timezone.localdate()), plan.first_year), plan.last_year)


@dataclass(frozen=True)
class _PeriodFacts:
    """What the overview needs of a period, worked out once per period rather than once per value."""

    label: str
    financial_year: int
    is_year_end: bool

    @classmethod
    def of(cls, span: periods.PeriodSpan) -> _PeriodFacts:
        return cls(span.label, span.financial_year, _is_year_end(span))


# ---------------------------------------------------------------------------------------------------------
# The current return of a plan, with its counts


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


def _returns_with_counts(returns: QuerySet[Return]) -> QuerySet[Return]:
    """Annotate returns with the number of their plan's actions and of their progress entries by status.

    Counted in subqueries rather than through a join: grouping by every selected column is the slower plan.
    """
    progress = ProgressReport.objects.filter(report=OuterRef("pk"))
    return returns.select_related("round__period").annotate(
        actions_total=_count(DeliveryAction.objects.filter(plan=OuterRef("plan")), "plan"),
        actions_reported=_count(progress, "report"),
        actions_submitted=_count(progress.filter(status__in=DONE), "report"),
        actions_signed_off=_count(progress.filter(status=EntryStatus.SIGNED_OFF), "report"),
    )


def _summary(report: Return, today: date) -> ReturnSummary:
    return ReturnSummary(
        report=report,
        actions_total=report.actions_total,
        reported=report.actions_reported,
        submitted=report.actions_submitted,
        signed_off=report.actions_signed_off,
        overdue=not report.is_signed_off and report.round.is_overdue(today),
    )


# ---------------------------------------------------------------------------------------------------------
# Overview


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

    def __repr__(self) -> str:
        return f"<OverviewRow {self.plan.reference}>"

    @property
    def is_read(self) -> bool:
        return self._assessment is not None

    def _read(self) -> None:
        if not self.is_read:
            self._facts.read_all()

    def fill(self, year: int, assessment: performance.Assessment, completed_years: list[YearResult],
             current: ReturnSummary | None) -> None:
        self._year, self._assessment, self._completed_years, self._current = year, assessment, completed_years, current

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
    def rag_key(self) -> str:
        """Return the RAG filter's value for the row: green, amber, red or none."""
        return self.assessment.rag or "none"

    @property
    def rag_order(self) -> int:
        return RAG_ORDER.get(self.assessment.rag, 3)

    @property
    def trend_order(self) -> tuple[int, int]:
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

    def _current_return_ids(self, plan_ids: list[int]) -> list[int]:
        """Return the id of each plan's latest return (in the year, if one is chosen).

        Picked in Python from the plans' few returns a year: a subquery per plan cost more to plan and run.
        """
        returns = Return.objects.filter(plan__in=plan_ids)
        if self.year is not None:
            returns = returns.filter(_in_year("round__period", self.year))
        latest: dict[int, tuple[date, int]] = {}
        for plan_id, pk, start in returns.values_list("plan_id", "pk", "round__period__start"):
            if plan_id not in latest or start > latest[plan_id][0]:
                latest[plan_id] = (start, pk)
        return [pk for _, pk in latest.values()]

    def read(self, rows) -> None:
        wanted = [row for row in rows if not row.is_read]
        if not wanted:
            return
        year = self.year
        indicator_ids = {row.indicator.pk for row in wanted if row.indicator is not None}
        values = IndicatorValue.objects.filter(indicator__in=indicator_ids)
        if year is not None:
            values = values.filter(period__start__lte=date(year + 1, 3, 31))
        # A council's thousands of values share a few dozen periods: work each out once.
        facts_of: dict[tuple[date, str], _PeriodFacts] = {}
        readings: dict[int, list[tuple[_PeriodFacts, performance.Reading]]] = defaultdict(list)
        for indicator_id, value, status, start, kind in values.order_by("period__start", "period__kind").values_list(
            "indicator_id", "value", "status", "period__start", "period__kind"
        ):
            period = facts_of.get((start, kind))
            if period is None:
                period = facts_of[start, kind] = _PeriodFacts.of(periods.PeriodSpan(start, kind))
            readings[indicator_id].append(
                (period, performance.Reading(value, status == EntryStatus.SIGNED_OFF, period.label))
            )
        targets = {
            (indicator_id, target_year): value
            for indicator_id, target_year, value in IndicatorTarget.objects.filter(indicator__in=indicator_ids)
            .values_list("indicator_id", "year", "value")
        }
        returns = {report.plan_id: report for report in _returns_with_counts(
            Return.objects.filter(pk__in=self._current_return_ids([row.plan.pk for row in wanted]))
        )}

        for row in wanted:
            indicator = row.indicator
            report = returns.get(row.plan.pk)
            facts = readings.get(indicator.pk, []) if indicator else []
            latest_year = facts[-1][0].financial_year if facts else None
            shown_year = year if year is not None else _default_year(row.plan, report, latest_year)
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
            row.fill(shown_year, assessment, completed, _summary(report, self.today) if report else None)


def overview_rows(plans: QuerySet[Plan], *, year: int | None = None, rag: str = "") -> list[OverviewRow]:
    """Return a row for each of the plans, in reference order, for the year (each plan's current year if None).

    With rag ('green', 'amber', 'red' or 'none'), keep only the rows of that RAG status. The rows read the rest
    of their facts when first asked (see OverviewRow); read_overview_rows() reads them for a page at once.
    """
    headline = {
        indicator.headline_of: indicator
        for indicator in Indicator.objects.filter(
            plan_links__plan__in=plans.values("pk"), plan_links__role=PlanIndicator.Role.HEADLINE
        ).annotate(headline_of=F("plan_links__plan"))
    }
    facts = _OverviewFacts(year)
    facts.rows = [
        OverviewRow(plan, headline.get(plan.pk), facts)
        for plan in plans.select_related("lead_organisation").order_by("reference")
    ]
    if rag:
        facts.read_all()
        return [row for row in facts.rows if row.rag_key == rag]
    return facts.rows


def read_overview_rows(rows) -> None:
    """Read the facts of these overview rows (a page of them) in one batch, rather than row by row."""
    rows = list(rows)
    if rows:
        rows[0]._facts.read(rows)


# ---------------------------------------------------------------------------------------------------------
# Who has not reported


@dataclass
class OutstandingItem:
    """An action's progress or an indicator's value still to be submitted in a return."""

    report: Return
    kind: str  # "action" or "value"
    label: str
    status: str

    @property
    def status_label(self) -> str:
        return EntryStatus(self.status).label


@dataclass
class PersonOutstanding:
    """Someone with entries still to submit in the round; person None stands for actions and indicators that
    nobody with a login reports (performance officers report them)."""

    person: Person | None
    items: list[OutstandingItem]
    reminded_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.person.name if self.person else "No lead officer or data expert with a login"

    @property
    def organisation(self) -> str:
        return str(self.person.organisation) if self.person and self.person.organisation_id else ""

    @property
    def has_address(self) -> bool:
        return bool(self.person and self.person.contact_email())

    @property
    def actions(self) -> int:
        return sum(item.kind == "action" for item in self.items)

    @property
    def values(self) -> int:
        return sum(item.kind == "value" for item in self.items)

    @property
    def plans(self) -> list[str]:
        return sorted({item.report.plan.reference for item in self.items})


@dataclass
class PlanOutstanding:
    """A plan's return in the round: how much of it is still to be submitted."""

    report: Return
    actions_total: int
    actions_outstanding: int
    values_total: int
    values_outstanding: int
    overdue: bool

    @property
    def is_complete(self) -> bool:
        return self.report.is_signed_off or not (self.actions_outstanding or self.values_outstanding)


@dataclass
class NotReportedPage:
    round: ReportingRound | None
    rounds: list[ReportingRound]
    people: list[PersonOutstanding] = field(default_factory=list)
    plans: list[PlanOutstanding] = field(default_factory=list)
    overdue: bool = False

    @property
    def late(self) -> list[PersonOutstanding]:
        """Return the people a reminder goes to: named, with something outstanding, in an overdue round."""
        return [row for row in self.people if row.person is not None] if self.overdue else []


def default_round() -> ReportingRound | None:
    """Return the round the page opens on: the latest open round with a return not signed off, else the latest."""
    rounds = ReportingRound.objects.select_related("period").order_by("-period__start")
    waiting = rounds.filter(status=ReportingRound.Status.OPEN, returns__status=Return.Status.OPEN).distinct()
    return waiting.first() or rounds.first()


def not_reported_page(*, reporting_round: ReportingRound | None) -> NotReportedPage:
    """Return what is outstanding in the round, per person and per plan.

    An action is outstanding until its progress is submitted, a value until it is submitted, in every return
    of the round not yet signed off: the rule of monitoring.notifications.outstanding_people, shown in full.
    """
    rounds = list(ReportingRound.objects.select_related("period"))
    if reporting_round is None:
        return NotReportedPage(None, rounds)
    overdue = reporting_round.is_overdue()
    returns = list(Return.objects.filter(round=reporting_round).select_related("plan").order_by("plan__reference"))
    open_returns = {report.plan_id: report for report in returns if not report.is_signed_off}
    actions = list(
        DeliveryAction.objects.filter(plan__in=list(open_returns)).select_related("lead_officer__user",
                                                                                  "lead_officer__organisation")
        .order_by("plan__reference", "position")
    )
    progress = dict(
        ProgressReport.objects.filter(report__in=list(open_returns.values())).values_list("action_id", "status")
    )
    links = list(
        PlanIndicator.objects.filter(plan__in=list(open_returns))
        .select_related("indicator__data_expert__user", "indicator__data_expert__organisation")
        .order_by("plan__reference", "position")
    )
    value_status = dict(
        IndicatorValue.objects.filter(period=reporting_round.period_id, indicator__in=[link.indicator_id for link in links])
        .values_list("indicator_id", "status")
    )
    reminded = dict(
        ReminderSent.objects.filter(round=reporting_round, kind=ReminderSent.Kind.OVERDUE)
        .values_list("person_id", "sent_at")
    )

    by_person: dict[int | None, PersonOutstanding] = {}
    counts = {plan_id: {"actions": 0, "actions_out": 0, "values": 0, "values_out": 0} for plan_id in open_returns}

    def add(person: Person | None, item: OutstandingItem) -> None:
        key = person.pk if person else None
        if key not in by_person:
            by_person[key] = PersonOutstanding(person, [], reminded.get(key))
        by_person[key].items.append(item)

    for action in actions:
        report = open_returns[action.plan_id]
        counts[action.plan_id]["actions"] += 1
        status = progress.get(action.pk, EntryStatus.NOT_STARTED)
        if status in DONE:
            continue
        counts[action.plan_id]["actions_out"] += 1
        label = f"{action.reference} {action.title}".strip()
        add(action.lead_officer, OutstandingItem(report, "action", label, status))
    for link in links:
        report = open_returns[link.plan_id]
        counts[link.plan_id]["values"] += 1
        status = value_status.get(link.indicator_id, EntryStatus.NOT_STARTED)
        if status in DONE:
            continue
        counts[link.plan_id]["values_out"] += 1
        indicator = link.indicator
        add(indicator.data_expert, OutstandingItem(report, "value", f"Value of {indicator.code or indicator.name}", status))

    people = sorted(by_person.values(), key=lambda row: (row.person is None, row.name))
    plans = []
    for report in returns:
        count = counts.get(report.plan_id, {"actions": 0, "actions_out": 0, "values": 0, "values_out": 0})
        outstanding = count["actions_out"] + count["values_out"]
        plans.append(PlanOutstanding(report, count["actions"], count["actions_out"], count["values"], count["values_out"],
                                     overdue=overdue and outstanding > 0))
    return NotReportedPage(reporting_round, rounds, people, plans, overdue)


# ---------------------------------------------------------------------------------------------------------
# An indicator's series: the chart's data and the table beside it


@dataclass
class SeriesRow:
    """One period of an indicator's chart, as the table beside the chart prints it."""

    period: str
    year: str
    value: IndicatorValue | None
    value_text: str
    target_text: str
    trajectory_text: str
    rag: str | None

    @property
    def is_provisional(self) -> bool:
        return self.value is not None and self.value.is_provisional

    @property
    def commentary(self) -> str:
        return self.value.commentary if self.value else ""


def indicator_series(
    indicator: Indicator, values: list[IndicatorValue], targets: dict[int, Decimal], *, kind: str, years: list[int],
) -> tuple[charts.IndicatorSeries, list[SeriesRow]]:
    """Return the chart data of an indicator over the years at the reporting frequency, and its table rows.

    A value of another frequency is placed at the period that contains its last day: an annual figure at Q4.
    The trajectory runs straight from the latest value (or from the baseline at the first period when there is
    none) to the last target at the last period of its year.
    """
    spans = [span for year in years for span in periods.periods_in_year(year, kind)]
    placed: dict[periods.PeriodSpan, IndicatorValue] = {}
    for value in sorted(values, key=lambda value: (value.period.end, value.period.start)):
        span = periods.containing(value.period.end, kind)
        if spans and spans[0].start <= span.start <= spans[-1].start:
            placed[span] = value  # the latest-ending value of a period wins: Q4 over the year it ends
    points = [
        charts.SeriesPoint(span.label, periods.year_label(span.financial_year),
                           placed[span].value if span in placed else None,
                           placed[span].is_provisional if span in placed else False)
        for span in spans
    ]
    trajectory = _trajectory(indicator, spans, placed, targets, years)
    year_targets = [charts.YearTarget(periods.year_label(year), targets[year]) for year in years if year in targets]
    series = charts.IndicatorSeries(
        title=str(indicator),
        points=points,
        unit=indicator.unit,
        decimal_places=indicator.decimal_places,
        baseline=indicator.baseline_value,
        baseline_label=indicator.baseline_period.label if indicator.baseline_period_id else "",
        targets=year_targets,
        trajectory=trajectory,
    )
    along = {point.period: point.value for point in trajectory}
    rows = []
    for span, point in zip(spans, points, strict=True):
        value = placed.get(span)
        target = targets.get(span.financial_year)
        rows.append(SeriesRow(
            period=point.period,
            year=point.year,
            value=value,
            value_text=indicator.format_value(point.value),
            target_text=indicator.format_value(target),
            trajectory_text=indicator.format_value(along.get(point.period)),
            rag=performance.rag(indicator, point.value, target),
        ))
    return series, rows


def _trajectory(indicator, spans, placed, targets, years) -> list[charts.TrajectoryPoint]:
    target_years = [year for year in years if year in targets]
    if not target_years or not spans:
        return []
    final_year = target_years[-1]
    final = max(index for index, span in enumerate(spans) if span.financial_year == final_year)
    if spans[final] in placed:
        return []  # the final target's period is reported: nothing left to aim for
    reported = [index for index, span in enumerate(spans) if span in placed and index < final]
    if reported:
        start, start_value = reported[-1], placed[spans[reported[-1]]].value
    elif indicator.baseline_value is not None and final > 0:
        start, start_value = 0, indicator.baseline_value
    else:
        return []
    line = performance.trajectory(start_value, targets[final_year], final - start)
    return [charts.TrajectoryPoint(spans[start + step].label, value.quantize(VALUE_PLACES))
            for step, value in enumerate(line)]


# ---------------------------------------------------------------------------------------------------------
# Plan dashboard


@dataclass
class AssessmentView:
    """An indicator's assessment with its figures formatted the indicator's way, for the pages."""

    indicator: Indicator
    assessment: performance.Assessment
    target_year: int | None

    @property
    def latest_text(self) -> str:
        return self.indicator.format_value(self.assessment.value)

    @property
    def signed_off_text(self) -> str:
        signed = self.assessment.last_signed_off
        return self.indicator.format_value(signed.value) if signed else ""

    @property
    def target_text(self) -> str:
        return self.indicator.format_value(self.assessment.target)

    @property
    def target_year_label(self) -> str:
        return periods.year_label(self.target_year) if self.target_year else ""

    @property
    def baseline_text(self) -> str:
        return self.indicator.baseline_label


@dataclass
class IndicatorPanel:
    link: PlanIndicator
    series: charts.IndicatorSeries
    rows: list[SeriesRow]
    view: AssessmentView

    @property
    def assessment(self) -> performance.Assessment:
        return self.view.assessment

    @property
    def indicator(self) -> Indicator:
        return self.link.indicator

    @property
    def anchor(self) -> str:
        return f"indicator-{self.indicator.pk}"

    @property
    def figures_caption(self) -> str:
        """Return the caption of the table beside the chart, unique on the page."""
        indicator = self.indicator
        return f"{indicator.code or indicator.name[:60]}: figures by period"


FLOW_CATEGORIES = [
    ("on_flow", "On flow"),
    ("flow_time", "Flow time"),
    ("off_flow", "Off flow"),
]
NOT_CLASSED = "Not classed"


@dataclass
class FlowRow:
    """Actions of one flow category: their RAG in the current return and their outputs against the year's target."""

    label: str
    actions: int = 0
    green: int = 0
    amber: int = 0
    red: int = 0
    outputs: Decimal = Decimal(0)
    target: Decimal = Decimal(0)
    with_target: int = 0

    @property
    def no_rag(self) -> int:
        return self.actions - self.green - self.amber - self.red

    @property
    def share(self) -> Decimal | None:
        """Return the outputs achieved as a percentage of the target, or None without a positive target."""
        return (self.outputs * 100 / self.target).quantize(Decimal(1)) if self.target else None

    def bar(self) -> charts.RagBar:
        return charts.RagBar(self.label, self.green, self.amber, self.red, self.no_rag)


@dataclass
class FundingView:
    years: list[str]
    rows: list[FundingRow]
    totals: list[Total]
    grand_total: Total

    def chart(self, title: str) -> charts.FundingChart:
        return charts.FundingChart(title, self.years, [
            charts.FundingStream(row.line.name, [
                cell.amount if cell is not None and cell.status == FundingAmount.Status.AMOUNT else None
                for cell in row.cells
            ])
            for row in self.rows
        ])


# Bands of a risk's score (likelihood x impact), from the highest: a score of at least the first figure.
RISK_BANDS = [(15, "High", "red"), (8, "Medium", "orange"), (1, "Low", "green")]


@dataclass
class HeatCell:
    likelihood: int
    impact: int
    risks: list[Risk]

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return next(name for floor, name, _ in RISK_BANDS if self.score >= floor)

    @property
    def colour(self) -> str:
        return next(colour for floor, _, colour in RISK_BANDS if self.score >= floor)


@dataclass
class HeatRow:
    likelihood: int
    cells: list[HeatCell]


@dataclass
class HeatMap:
    rows: list[HeatRow]
    assessed: list[Risk]
    unassessed: list[Risk]

    @property
    def impacts(self) -> list[int]:
        return [1, 2, 3, 4, 5]


@dataclass
class PlanDashboard:
    plan: Plan
    year: int
    current: Return | None
    panels: list[IndicatorPanel]
    flow_rows: list[FlowRow]
    funding: FundingView
    heat_map: HeatMap

    @property
    def year_label(self) -> str:
        return periods.year_label(self.year)

    @property
    def flow_chart(self) -> charts.RagChart:
        return charts.RagChart(f"{self.plan.reference} actions by flow category and RAG status",
                               [row.bar() for row in self.flow_rows])

    @property
    def funding_chart(self) -> charts.FundingChart:
        return self.funding.chart(f"{self.plan.reference} known funding by stream and year")

    @property
    def has_flow_categories(self) -> bool:
        return any(row.label != NOT_CLASSED for row in self.flow_rows)


def plan_dashboard(plan: Plan) -> PlanDashboard:
    """Return everything a plan's dashboard shows, in a fixed number of queries."""
    current = (
        Return.objects.filter(plan=plan).select_related("round__period").order_by("-round__period__start").first()
    )
    year = _default_year(plan, current, None)
    links = list(
        PlanIndicator.objects.filter(plan=plan).select_related("indicator__baseline_period").order_by("position", "pk")
    )
    indicator_ids = [link.indicator_id for link in links]
    values: dict[int, list[IndicatorValue]] = defaultdict(list)
    for value in IndicatorValue.objects.filter(indicator__in=indicator_ids).select_related("period"):
        values[value.indicator_id].append(value)
    targets: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for indicator_id, target_year, value in IndicatorTarget.objects.filter(indicator__in=indicator_ids).values_list(
        "indicator_id", "year", "value"
    ):
        targets[indicator_id][target_year] = value
    panels = []
    for link in links:
        indicator = link.indicator
        series, rows = indicator_series(indicator, values[indicator.pk], targets[indicator.pk],
                                        kind=plan.reporting_frequency, years=plan.years)
        panels.append(IndicatorPanel(link, series, rows, _assess(indicator, values[indicator.pk], targets[indicator.pk])))
    return PlanDashboard(
        plan=plan, year=year, current=current, panels=panels, flow_rows=_flow_rows(plan, current, year),
        funding=_funding(plan), heat_map=_heat_map(plan),
    )


def _assess(indicator: Indicator, values: list[IndicatorValue], targets: dict[int, Decimal]) -> AssessmentView:
    """Assess an indicator's latest value against the target of the year that value falls in."""
    ordered = sorted(values, key=lambda value: (value.period.start, value.period.kind))
    readings = [performance.Reading(value.value, value.is_signed_off, value.period.label) for value in ordered]
    year = ordered[-1].period.financial_year if ordered else None
    return AssessmentView(indicator, performance.assess(indicator, readings, targets.get(year)), year)


def _flow_rows(plan: Plan, current: Return | None, year: int) -> list[FlowRow]:
    """Return the actions of each flow category with their RAG in the current return and outputs so far this year.

    An action in two categories counts in both. Outputs count only for actions with a target for the year, from
    the plan's returns of the year up to the current one.
    """
    so_far = ProgressReport.objects.filter(action=OuterRef("pk"), outputs_achieved__isnull=False)
    if current is not None:
        period = current.round.period
        so_far = so_far.filter(
            report__plan=plan, report__round__period__kind=period.kind,
            report__round__period__start__gte=date(year, 4, 1), report__round__period__start__lte=period.start,
        )
    else:
        so_far = so_far.none()
    actions = (
        DeliveryAction.objects.filter(plan=plan)
        .annotate(
            rag_now=Subquery(ProgressReport.objects.filter(report=current, action=OuterRef("pk")).values("rag")[:1])
            if current else Value(""),
            year_target=Subquery(ActionTarget.objects.filter(action=OuterRef("pk"), year=year).values("value")[:1]),
            outputs_so_far=Subquery(so_far.order_by().values("action").annotate(total=Sum("outputs_achieved"))
                                    .values("total")[:1]),
        )
        .values("on_flow", "flow_time", "off_flow", "rag_now", "year_target", "outputs_so_far")
    )
    rows = {name: FlowRow(label) for name, label in FLOW_CATEGORIES}
    unclassed = FlowRow(NOT_CLASSED)
    for action in actions:
        chosen = [rows[name] for name, _ in FLOW_CATEGORIES if action[name]] or [unclassed]
        for row in chosen:
            row.actions += 1
            if action["rag_now"] in ("green", "amber", "red"):
                setattr(row, action["rag_now"], getattr(row, action["rag_now"]) + 1)
            if action["year_target"] is not None:
                row.with_target += 1
                row.target += action["year_target"]
                row.outputs += action["outputs_so_far"] or 0
    result = [row for row in rows.values() if row.actions]
    return [*result, unclassed] if unclassed.actions else result


def _funding(plan: Plan) -> FundingView:
    """Return the plan's funding lines with their amounts by year, and the totals of each line, year and all."""
    lines = list(
        FundingLine.objects.filter(plan=plan).order_by("position")
        .prefetch_related(Prefetch("amounts", queryset=FundingAmount.objects.order_by("year")))
    )
    totals = {year: Total() for year in plan.years}
    grand = Total()
    rows = []
    for line in lines:
        amounts = {amount.year: amount for amount in line.amounts.all()}
        line_total = Total()
        for amount in amounts.values():
            for total in (line_total, totals.setdefault(amount.year, Total()), grand):
                total.add(amount)
        rows.append(FundingRow(line, [amounts.get(year) for year in plan.years], line_total))
    return FundingView([periods.year_label(year) for year in plan.years], rows, [totals[year] for year in plan.years], grand)


def _heat_map(plan: Plan) -> HeatMap:
    risks = list(Risk.objects.filter(plan=plan).select_related("owner").order_by("position"))
    assessed = [risk for risk in risks if risk.score is not None]
    cells = {(likelihood, impact): HeatCell(likelihood, impact, []) for likelihood in range(1, 6) for impact in range(1, 6)}
    for risk in assessed:
        cells[(risk.likelihood, risk.impact)].risks.append(risk)
    rows = [HeatRow(likelihood, [cells[(likelihood, impact)] for impact in range(1, 6)]) for likelihood in range(5, 0, -1)]
    return HeatMap(rows, assessed, [risk for risk in risks if risk.score is None])


# ---------------------------------------------------------------------------------------------------------
# Indicator page


@dataclass
class HistoryRow:
    """A value of the indicator as its full history lists it, with the year's target and the rules' verdicts."""

    value: IndicatorValue
    target: Decimal | None
    rag: str | None
    direction: str | None
    is_year_end: bool
    target_met: bool | None

    @property
    def value_text(self) -> str:
        return self.value.indicator.format_value(self.value.value)

    @property
    def target_text(self) -> str:
        return self.value.indicator.format_value(self.target)

    @property
    def direction_label(self) -> str:
        return performance.DIRECTION_LABELS.get(self.direction, "Not known")


@dataclass
class TargetRow:
    indicator: Indicator
    year: int
    target: Decimal | None
    year_end: IndicatorValue | None
    met: bool | None

    @property
    def target_text(self) -> str:
        return self.indicator.format_value(self.target)

    @property
    def year_end_text(self) -> str:
        return self.indicator.format_value(self.year_end.value) if self.year_end else ""

    @property
    def label(self) -> str:
        return periods.year_label(self.year)


@dataclass
class IndicatorPage:
    indicator: Indicator
    owners: list[Person]
    links: list[PlanIndicator]
    series: charts.IndicatorSeries
    series_rows: list[SeriesRow]
    history: list[HistoryRow]
    targets: list[TargetRow]
    view: AssessmentView
    kind: str

    @property
    def assessment(self) -> performance.Assessment:
        return self.view.assessment

    @property
    def frequency_label(self) -> str:
        return dict(periods.KIND_CHOICES)[self.kind]


def indicator_for_page(pk: int) -> QuerySet[Indicator]:
    return Indicator.objects.select_related("baseline_period", "data_expert").filter(pk=pk)


def indicator_page(indicator: Indicator) -> IndicatorPage:
    """Return an indicator's full history with targets and commentary, its chart, and the plans that use it."""
    owners = list(indicator.owners.order_by("name"))
    links = list(indicator.plan_links.select_related("plan__lead_organisation").order_by("plan__reference"))
    values = list(indicator.values.select_related("period").order_by("period__start", "period__kind"))
    for value in values:
        value.indicator = indicator  # each history row formats its value the indicator's way
    targets = dict(indicator.targets.values_list("year", "value"))

    kinds = [link.plan.reporting_frequency for link in links] or [value.period.kind for value in values] or [periods.YEAR]
    kind = min(kinds, key=lambda kind: FINENESS[kind])
    years = sorted(
        {year for link in links for year in link.plan.years} | set(targets)
        | {value.period.financial_year for value in values}
    ) or [periods.year_containing(timezone.localdate())]
    years = list(range(years[0], years[-1] + 1))
    series, series_rows = indicator_series(indicator, values, targets, kind=kind, years=years)

    history, previous = [], None
    for value in values:
        target = targets.get(value.period.financial_year)
        year_end = _is_year_end(value.period.span)
        history.append(HistoryRow(
            value=value,
            target=target,
            rag=performance.rag(indicator, value.value, target),
            direction=performance.direction(indicator, value.value, previous.value if previous else None),
            is_year_end=year_end,
            target_met=performance.target_met(indicator, value.value, target) if year_end else None,
        ))
        previous = value
    year_ends = {value.period.financial_year: value for value in values if _is_year_end(value.period.span)}
    target_rows = [
        TargetRow(indicator, year, targets.get(year), year_ends.get(year),
                  performance.target_met(indicator, year_ends[year].value, targets.get(year)) if year in year_ends else None)
        for year in sorted(set(targets) | set(year_ends))
    ]
    assessment = _assess(indicator, values, targets)
    history.reverse()  # newest first
    return IndicatorPage(indicator, owners, links, series, series_rows, history, target_rows, assessment, kind)
