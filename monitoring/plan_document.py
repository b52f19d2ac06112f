"""The plan as a document: what the plan page and the plan's PDF report both lay out, read once.

It combines plans, indicators and funding, so it lives here rather than in any of them. Its
queries are fixed in number: every list on the page is fetched with select_related, prefetch_related or
annotations, so a plan with fifty actions costs the same number of queries as a plan with five. A few short
lists hang on a longer one in the same query: the targets of each year as one subquery a year, and the names
of a to-many relation (an indicator's owners, an action's lead organisations) joined in, a row each, and
gathered back by _once_each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TypeVar

from django.db.models import F, Model, OuterRef, QuerySet, Subquery

from funding.models import (
    INPUT_ROWS,
    BudgetEntry,
    BudgetGridRow,
    BudgetRow,
    BudgetTable,
    BudgetYear,
    FundingAmount,
    FundingLine,
    Total,
)
from indicators.models import Indicator, IndicatorTarget, PlanIndicator
from plans import periods
from plans.models import (
    ActionGroup,
    ActionTarget,
    CorporateObjective,
    DeliveryAction,
    KeyMeasure,
    Plan,
    PlanRole,
    Priority,
    Risk,
    Section,
)

SECTION_TEMPLATE = "monitoring/pages/sections/{kind}.html"

M = TypeVar("M", bound=Model)


# ---------------------------------------------------------------------------------------------------------
# The plan page


@dataclass
class YearColumn:
    year: int
    label: str


@dataclass
class HeaderRow:
    label: str
    value: str


# Sections whose prompt is printed inside their table rather than above it: the delivery plan's prompt is
# the note under its Progress column ("To be completed as part of quarterly monitoring.").
PROMPT_IN_TABLE = {Section.Kind.DELIVERY_PLAN}


@dataclass
class SectionView:
    section: Section
    template: str
    children: list[SectionView] = field(default_factory=list)

    @property
    def shows_prompt_above(self) -> bool:
        return bool(self.section.prompt) and self.section.kind not in PROMPT_IN_TABLE


@dataclass
class ActionRow:
    action: DeliveryAction
    targets: list[Decimal | None]
    lead: str


@dataclass
class ActionBlock:
    """Actions under one group heading (or under none), in plan order."""

    group: ActionGroup | None
    rows: list[ActionRow]


@dataclass
class IndicatorRow:
    link: PlanIndicator
    indicator: Indicator
    reference: str
    baseline: str
    targets: list[str]


@dataclass
class FundingRow:
    """A funding line: its amount in each of the plan's years (None: no amount recorded), and its total.

    ``scope`` says which years the total covers when the line has no amount recorded for some of them:
    '2008/09 only'. It is empty when the total covers every year, or holds no money at all.
    """

    line: FundingLine
    cells: list[FundingAmount | None]
    total: Total
    scope: str = ""


@dataclass
class FundingTotal:
    """A total of the TOTAL row, and what it covers: '' (every line, every year), '2008/09 only' or 'incomplete'."""

    total: Total = field(default_factory=Total)
    scope: str = ""


@dataclass
class ContributionRow:
    objective: CorporateObjective
    contributes: bool | None
    letters: str
    outcomes_text: str


@dataclass
class PriorityView:
    """A priority with its key activities, each carrying `measures_rows`: how many rows its Performance Measures
    cell spans (0 beside an activity whose cell is the one above, spanning it). A cell the seed spans over several
    activities is the priority's measures, stored on the first of them (see _measure_spans)."""

    priority: Priority
    activities: list[DeliveryAction]
    contributions: list[ContributionRow]


@dataclass
class KeyMeasureRow:
    """A row of the appendix of key measures, with the indicator that measures it (None if none does)."""

    measure: KeyMeasure
    objectives: str

    @property
    def indicator(self) -> Indicator | None:
        link = getattr(self.measure, "plan_indicator", None)  # reverse one-to-one, fetched with the row
        return link.indicator if link is not None else None


@dataclass
class PlanDocument:
    """Everything the plan page shows, in the plan's own order."""

    plan: Plan
    years: list[YearColumn]
    header_rows: list[HeaderRow]
    has_header_section: bool
    sections: list[SectionView]
    reporting_periods: list[str]
    action_blocks: list[ActionBlock] = field(default_factory=list)
    headline: IndicatorRow | None = None
    supporting: list[IndicatorRow] = field(default_factory=list)
    funding_rows: list[FundingRow] = field(default_factory=list)
    funding_totals: list[FundingTotal] = field(default_factory=list)
    funding_grand_total: FundingTotal = field(default_factory=FundingTotal)
    budget_table: BudgetTable | None = None
    budget_years: list[BudgetYear] = field(default_factory=list)
    budget_grid: list[BudgetGridRow] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    risks_show_register: bool = False
    divisional_directors: list[PlanRole] = field(default_factory=list)
    objectives: list[CorporateObjective] = field(default_factory=list)
    priorities: list[PriorityView] = field(default_factory=list)
    key_measures: list[KeyMeasureRow] = field(default_factory=list)

    @property
    def first_year(self) -> YearColumn:
        return self.years[0]

    @property
    def progress_note(self) -> str:
        """Return the note under the delivery plan's Progress column: the section's prompt, or the usual words."""
        for view in self.sections:
            for candidate in [view, *view.children]:
                if candidate.section.kind == Section.Kind.DELIVERY_PLAN and candidate.section.prompt:
                    return candidate.section.prompt
        often = "quarterly" if self.plan.reporting_frequency == Plan.Frequency.QUARTERLY else "six-monthly"
        return f"To be completed as part of {often} monitoring."

    @property
    def delivery_plan_columns(self) -> int:
        """Return the number of columns of the delivery plan table, for rows that span all of them."""
        return 5 + len(self.years)

    @property
    def indicator_columns(self) -> int:
        return 5 + len(self.reporting_periods)

    @property
    def funding_note(self) -> str:
        """Return the note under the funding table when a total leaves years out, or ''."""
        scoped = [row.scope for row in self.funding_rows] + [
            total.scope for total in [*self.funding_totals, self.funding_grand_total]
        ]
        if not any(scoped):
            return ""
        span = f"{self.years[0].label} to {self.years[-1].label}" if len(self.years) > 1 else self.years[0].label
        return (
            "A blank cell has no amount recorded. A total marked “only” covers just the years it names; "
            "one marked “incomplete” adds up years in which some funding lines are blank. "
            f"Neither is the funding for {span}."
        )


def plan_document(plan: Plan) -> PlanDocument:
    """Return the plan page's content, loading each part only when one of the plan's sections shows it."""
    sections = list(Section.objects.filter(plan=plan).order_by("position", "pk"))
    kinds = {section.kind for section in sections}
    roles = list(PlanRole.objects.filter(plan=plan).select_related("person").order_by("role", "position", "pk"))
    links = _plan_indicators(plan)
    document = PlanDocument(
        plan=plan,
        years=[YearColumn(year, periods.year_label(year)) for year in plan.years],
        header_rows=_header_rows(plan, roles, links),
        has_header_section=Section.Kind.HEADER in kinds,
        sections=_section_tree(sections),
        reporting_periods=[
            f"{periods.PREFIX[span.kind]}{span.number}"
            for span in periods.periods_in_year(plan.first_year, plan.reporting_frequency)
        ],
    )
    rows = [_indicator_row(plan, link) for link in links]
    document.headline = next((row for row in rows if row.link.role == PlanIndicator.Role.HEADLINE), None)
    document.supporting = [row for row in rows if row.link.role != PlanIndicator.Role.HEADLINE]
    if Section.Kind.DELIVERY_PLAN in kinds:
        document.action_blocks = _action_blocks(plan)
    if Section.Kind.FUNDING in kinds:
        _add_funding(document)
    if Section.Kind.BUDGET in kinds:
        _add_budget(document)
    if Section.Kind.RISKS in kinds:
        document.risks = list(Risk.objects.filter(plan=plan).select_related("owner").order_by("position"))
        document.risks_show_register = any(
            risk.owner_id or risk.likelihood or risk.impact or risk.review_date for risk in document.risks
        )
    document.divisional_directors = [role for role in roles if role.role == PlanRole.Role.DIVISIONAL_DIRECTOR]
    if kinds & {Section.Kind.OBJECTIVES, Section.Kind.PRIORITIES}:
        document.objectives = list(CorporateObjective.objects.prefetch_related("outcomes").order_by("number"))
    if Section.Kind.PRIORITIES in kinds:
        document.priorities = _priorities(plan, document.objectives)
    if Section.Kind.KEY_MEASURES in kinds:
        measures = _once_each(
            KeyMeasure.objects.filter(plan=plan)
            .select_related("priority", "plan_indicator__indicator")
            .annotate(objective_number=F("objectives__number"))
            .order_by("position", "pk", "objectives__number"),
            objective_numbers="objective_number",
        )
        document.key_measures = [
            KeyMeasureRow(measure, ",".join(str(number) for number in measure.objective_numbers)) for measure in measures
        ]
    return document


def _once_each(rows: Iterable[M], **gather: str) -> list[M]:
    """Return each object of the rows once, in the order first met, with the values of a to-many relation.

    A queryset annotated across a to-many relation (F("owners__name")) yields an object once for each related
    row, or once with None when there is none: one query in place of a prefetch. Each keyword names a list to
    set on the object and the annotation whose values it gathers, in row order. Join one to-many relation only,
    or the rows multiply.
    """
    found: dict[int, M] = {}
    for row in rows:
        first = found.setdefault(row.pk, row)
        for name, annotation in gather.items():
            if first is row:
                setattr(row, name, [])
            value = getattr(row, annotation)
            if value is not None:
                getattr(first, name).append(value)
    return list(found.values())


def _year_targets(targets: QuerySet, years: Iterable[int]) -> dict[str, Subquery]:
    """Return annotations target_<year>: the value of the year's target among the targets, a subquery a year."""
    return {f"target_{year}": Subquery(targets.filter(year=year).order_by().values("value")[:1]) for year in years}


def _section_tree(sections: list[Section]) -> list[SectionView]:
    views = {section.pk: SectionView(section, SECTION_TEMPLATE.format(kind=section.kind)) for section in sections}
    top = []
    for section in sections:
        parent = views.get(section.parent_id)
        (parent.children if parent else top).append(views[section.pk])
    return top


def _names(roles: list[PlanRole], separator: str) -> str:
    """Return the people's names as the plan prints them, followed by any notes: 'A, B (Jo, Jane)'."""
    names = separator.join(role.person.name for role in roles)
    notes = list(dict.fromkeys(role.note for role in roles if role.note))
    return " ".join([names, *notes]).strip()


def _header_rows(plan: Plan, roles: list[PlanRole], links: list[PlanIndicator]) -> list[HeaderRow]:
    by_role: dict[str, list[PlanRole]] = {}
    for role in roles:
        by_role.setdefault(role.role, []).append(role)
    headline = next((link for link in links if link.role == PlanIndicator.Role.HEADLINE), None)

    if plan.kind == Plan.Kind.LAA_TARGET:
        experts = _names(by_role.get(PlanRole.Role.DATA_EXPERT, []), "/ ")
        owners = _names(by_role.get(PlanRole.Role.INDICATOR_OWNER, []), "/ ")
        if headline is not None:
            indicator = headline.indicator
            experts = experts or (indicator.data_expert.name if indicator.data_expert else "")
            owners = owners or "/ ".join(headline.owner_names)
        rows = [
            HeaderRow("LAA Indicator No.", plan.reference),
            HeaderRow("Lead Partner Organisation", plan.lead_organisation.name),
            HeaderRow("Technical Data Expert", experts),
            HeaderRow("Indicator Owner (Sign Off)", owners),
            HeaderRow("Reporting Frequency", plan.get_reporting_frequency_display()),
            HeaderRow("SCS Theme", plan.theme),
            HeaderRow("SCS Priority", plan.strategy_priority),
        ]
    else:
        staffing = f"{plan.staffing_establishment:,}" if plan.staffing_establishment is not None else ""
        rows = [
            HeaderRow("Strategic Director", _names(by_role.get(PlanRole.Role.STRATEGIC_DIRECTOR, []), ", ")),
            HeaderRow("Divisional Directors", _names(by_role.get(PlanRole.Role.DIVISIONAL_DIRECTOR, []), ", ")),
            HeaderRow("Lead Portfolio Holder", _names(by_role.get(PlanRole.Role.PORTFOLIO_HOLDER, []), ", ")),
            HeaderRow(f"Staffing Establishment ({periods.year_label(plan.first_year)})", staffing),
        ]
    return [row for row in rows if row.value]


def _plan_indicators(plan: Plan) -> list[PlanIndicator]:
    """Return the plan's indicators in order, each with target_<year> for the plan's years and its owner_names."""
    return _once_each(
        PlanIndicator.objects.filter(plan=plan)
        .select_related("indicator__baseline_period", "indicator__data_expert")
        .annotate(
            **_year_targets(IndicatorTarget.objects.filter(indicator=OuterRef("indicator")), plan.years),
            owner_name=F("indicator__owners__name"),
        )
        .order_by("position", "pk", "indicator__owners__name"),
        owner_names="owner_name",
    )


def _indicator_row(plan: Plan, link: PlanIndicator) -> IndicatorRow:
    indicator = link.indicator
    reference = indicator.code
    if link.role == PlanIndicator.Role.HEADLINE and plan.kind == Plan.Kind.LAA_TARGET and reference:
        reference = f"LAA {reference}"
    return IndicatorRow(
        link=link,
        indicator=indicator,
        reference=reference,
        baseline=indicator.baseline_label,
        targets=[indicator.format_value(getattr(link, f"target_{year}")) for year in plan.years],
    )


def _action_blocks(plan: Plan) -> list[ActionBlock]:
    actions = _once_each(
        DeliveryAction.objects.filter(plan=plan, priority__isnull=True)
        .select_related("group", "lead_officer")
        .annotate(
            **_year_targets(ActionTarget.objects.filter(action=OuterRef("pk")), plan.years),
            lead_short_name=F("lead_organisations__short_name"),
        )
        .order_by("position", "pk", "lead_organisations__short_name"),
        lead_short_names="lead_short_name",
    )
    blocks: list[ActionBlock] = []
    for action in actions:
        if not blocks or blocks[-1].group != action.group:
            blocks.append(ActionBlock(action.group, []))
        targets = [getattr(action, f"target_{year}") for year in plan.years]
        blocks[-1].rows.append(ActionRow(action, targets, _lead(action)))
    return blocks


def _lead(action: DeliveryAction) -> str:
    """Return the Lead Officer cell: the lead as the plan words it, else as the seed writes one it has not worded:
    the lead organisations, then the named officer ('CCC – Andy Williams')."""
    if action.lead_text:
        return action.lead_text
    named = ["/".join(action.lead_short_names), action.lead_officer.name if action.lead_officer else ""]
    return " – ".join(part for part in named if part)


def _add_funding(document: PlanDocument) -> None:
    """Add the funding lines with their totals, each total saying which years it covers (see FundingRow.scope).

    A year is recorded for a line when the line has an amount, 'tbc' or 'not yet identified' for it; a blank
    cell is not recorded. Only lines that hold money or 'tbc' count towards whether a total is complete: a line
    saying no funding is identified has nothing to leave out.
    """
    plan = document.plan
    lines = FundingLine.objects.filter(plan=plan).prefetch_related("amounts").order_by("position")
    year_totals: dict[int, Total] = {}  # the column totals, from the amounts already here (see funding_year_totals)
    coverage: list[set[int]] = []  # the years recorded, of each line holding money or 'tbc'
    for line in lines:
        amounts = {amount.year: amount for amount in line.amounts.all()}
        total = Total()
        for amount in amounts.values():
            total.add(amount)
            year_totals.setdefault(amount.year, Total()).add(amount)
        recorded = set(amounts) & set(plan.years)
        scope = ""
        if total.known or total.tbc:
            coverage.append(recorded)
            if recorded != set(plan.years):
                scope = f"{_years_text(sorted(recorded))} only"
        document.funding_rows.append(FundingRow(line, [amounts.get(year) for year in plan.years], total, scope))
    grand = Total()
    complete_years, any_years = [], []
    for year in plan.years:
        column = year_totals.get(year, Total())
        recorded_by = sum(year in recorded for recorded in coverage)
        if recorded_by:
            any_years.append(year)
        if recorded_by and recorded_by == len(coverage):
            complete_years.append(year)
        document.funding_totals.append(FundingTotal(column, "incomplete" if 0 < recorded_by < len(coverage) else ""))
        grand.include(column)
    grand_scope = ""
    if complete_years != any_years:
        grand_scope = "incomplete"
    elif complete_years and complete_years != list(plan.years):
        grand_scope = f"{_years_text(complete_years)} only"
    document.funding_grand_total = FundingTotal(grand, grand_scope)


def _years_text(years: list[int]) -> str:
    """Return years as a sentence names them: '2008/09', '2008/09 and 2009/10', '2008/09, 2009/10 and 2011/12'."""
    labels = [periods.year_label(year) for year in years]
    return " and ".join([", ".join(labels[:-1]), labels[-1]]) if len(labels) > 1 else "".join(labels)


def _add_budget(document: PlanDocument) -> None:
    """Add the budget table (joined to the plan by plan_for_page) with its columns and figures, in one query.

    Each column carries its typed figures as subqueries, one for each of the few input rows.
    """
    table: BudgetTable | None = getattr(document.plan, "budget_table", None)  # RelatedObjectDoesNotExist: none
    if table is None:
        return
    figures = {}
    for row in INPUT_ROWS:
        entry = BudgetEntry.objects.filter(table=OuterRef("table"), year=OuterRef("year"), row=row).order_by()
        figures[f"{row}_amount"] = Subquery(entry.values("amount")[:1])
        figures[f"{row}_unknown"] = Subquery(entry.values("is_unknown")[:1])
    years = list(BudgetYear.objects.filter(table=table).annotate(**figures).order_by("year"))
    entries = [
        BudgetEntry(table=table, row=row, year=year.year, amount=getattr(year, f"{row}_amount"), is_unknown=unknown)
        for year in years
        for row in INPUT_ROWS
        if (unknown := getattr(year, f"{row}_unknown")) is not None  # None: no figure typed for the row
    ]
    document.budget_table = table
    document.budget_years = years
    document.budget_grid = [_as_printed(row) for row in table.grid(years=years, entries=entries)]


def _as_printed(row: BudgetGridRow) -> BudgetGridRow:
    """Return the row with its cells as the plan prints them: a Deficit / (Surplus) of nothing is left blank."""
    if row.row != BudgetRow.DEFICIT:
        return row
    cells = [replace(cell, value=None) if cell.value == 0 else cell for cell in row.cells]
    return replace(row, cells=cells)


@dataclass
class _Contribution:
    contributes: bool | None
    outcomes_text: str
    letters: list[str] = field(default_factory=list)


def _priorities(plan: Plan, objectives: list[CorporateObjective]) -> list[PriorityView]:
    """Return the priorities with their key activities and contributions, in two queries.

    The contributions and their outcomes' letters are joined to the priorities: a row for each letter.
    """
    rows = (
        Priority.objects.filter(plan=plan)
        .annotate(
            contribution=F("contributions__pk"),
            contribution_objective=F("contributions__objective_id"),
            contribution_contributes=F("contributions__contributes"),
            contribution_outcomes_text=F("contributions__outcomes_text"),
            contribution_letter=F("contributions__outcomes__letter"),
        )
        .order_by("number", "pk", "contributions__pk", "contributions__outcomes__letter")
    )
    priorities: dict[int, Priority] = {}
    contributions: dict[int, dict[int, _Contribution]] = {}
    for row in rows:
        priorities.setdefault(row.pk, row)
        by_objective = contributions.setdefault(row.pk, {})
        if row.contribution is None:
            continue
        contribution = by_objective.setdefault(
            row.contribution_objective, _Contribution(row.contribution_contributes, row.contribution_outcomes_text)
        )
        if row.contribution_letter is not None:
            contribution.letters.append(row.contribution_letter)
    activities: dict[int, list[DeliveryAction]] = {}
    if priorities:
        for action in DeliveryAction.objects.filter(priority__in=list(priorities)).order_by("position", "pk"):
            activities.setdefault(action.priority_id, []).append(action)
    views = []
    for priority in priorities.values():
        by_objective = contributions[priority.pk]
        rows = []
        for objective in objectives:
            contribution = by_objective.get(objective.pk)
            rows.append(
                ContributionRow(
                    objective=objective,
                    contributes=contribution.contributes if contribution else None,
                    letters=", ".join(contribution.letters) if contribution else "",
                    outcomes_text=contribution.outcomes_text if contribution else "",
                )
            )
        views.append(PriorityView(priority, _measure_spans(activities.get(priority.pk, [])), rows))
    return views


def _measure_spans(activities: list[DeliveryAction]) -> list[DeliveryAction]:
    """Set each activity's `measures_rows`: a Performance Measures cell spans the activities after it that have
    none of their own, as the seed's merged cell does (Priority 4's measures stand beside all eight activities);
    the activities it spans get 0 and print no cell. Activities before the first with measures keep an empty cell
    each."""
    holder = None
    for activity in activities:
        if activity.performance_measures or holder is None:
            activity.measures_rows = 1
            holder = activity if activity.performance_measures else None
        else:
            activity.measures_rows = 0
            holder.measures_rows += 1
    return activities
