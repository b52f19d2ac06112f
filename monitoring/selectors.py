"""Reads for pages: one function per page, returning what its template shows.

The plan page combines plans, indicators and funding, so it lives here rather than in any of them. Its
queries are fixed in number: every list on the page is fetched with select_related or prefetch_related,
so a plan with fifty actions costs the same number of queries as a plan with five.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from funding.models import BudgetGridRow, BudgetTable, BudgetYear, FundingAmount, FundingLine, Total, funding_year_totals
from indicators.models import Indicator, PlanIndicator
from plans import periods
from plans.models import (
    ActionGroup,
    CorporateObjective,
    CorporateOutcome,
    DeliveryAction,
    KeyMeasure,
    ObjectiveContribution,
    Plan,
    PlanRole,
    Priority,
    Risk,
    Section,
)

SECTION_TEMPLATE = "plans/sections/{kind}.html"


# ---------------------------------------------------------------------------------------------------------
# Home and plan list


@dataclass
class HomePage:
    name: str
    roles: list[str]
    plans: list[Plan]


def home_page(*, user) -> HomePage:
    """Return the signed-in user's name, what they do in the service, and the plans they can open."""
    return HomePage(
        name=user.get_full_name() or user.get_username(),
        roles=user_roles(user=user),
        plans=list(plan_list_queryset()),
    )


def user_roles(*, user) -> list[str]:
    """Return the user's roles in words: their groups, then the parts they play in particular plans."""
    roles = [group.name for group in user.groups.order_by("name")]
    if user.is_superuser and not roles:
        roles.append("Administrator")
    person = getattr(user, "person", None)  # RelatedObjectDoesNotExist is an AttributeError
    if person is None:
        return roles
    for role in PlanRole.objects.filter(person=person).select_related("plan").order_by("plan__reference", "role"):
        roles.append(f"{role.get_role_display()}, {role.plan.reference}")
    expert_of = Indicator.objects.filter(data_expert=person).exclude(code="").values_list("code", flat=True)
    if expert_of:
        roles.append(f"Data expert for {', '.join(expert_of)}")
    owner_of = Indicator.objects.filter(owners=person).exclude(code="").values_list("code", flat=True)
    if owner_of:
        roles.append(f"Indicator owner for {', '.join(owner_of)}")
    actions_led = DeliveryAction.objects.filter(lead_officer=person).count()
    if actions_led:
        roles.append(f"Lead officer for {actions_led} action{'s' if actions_led != 1 else ''}")
    return roles


def plan_list_queryset() -> QuerySet[Plan]:
    """Return every plan with what the plan list shows, in reference order."""
    return Plan.objects.select_related("lead_organisation").order_by("reference")


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
    line: FundingLine
    cells: list[FundingAmount | None]
    total: Total


@dataclass
class ContributionRow:
    objective: CorporateObjective
    contributes: bool | None
    letters: str
    outcomes_text: str


@dataclass
class PriorityView:
    priority: Priority
    activities: list[DeliveryAction]
    contributions: list[ContributionRow]


@dataclass
class KeyMeasureRow:
    measure: KeyMeasure
    objectives: str


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
    funding_totals: list[Total] = field(default_factory=list)
    funding_grand_total: Total = field(default_factory=Total)
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
        document.key_measures = [
            KeyMeasureRow(measure, ",".join(str(objective.number) for objective in measure.objectives.all()))
            for measure in KeyMeasure.objects.filter(plan=plan)
            .select_related("priority")
            .prefetch_related(Prefetch("objectives", queryset=CorporateObjective.objects.order_by("number")))
            .order_by("position")
        ]
    return document


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
    headline = next((link.indicator for link in links if link.role == PlanIndicator.Role.HEADLINE), None)

    if plan.kind == Plan.Kind.LAA_TARGET:
        experts = _names(by_role.get(PlanRole.Role.DATA_EXPERT, []), "/ ")
        owners = _names(by_role.get(PlanRole.Role.INDICATOR_OWNER, []), "/ ")
        if headline is not None:
            experts = experts or (headline.data_expert.name if headline.data_expert else "")
            owners = owners or "/ ".join(person.name for person in headline.owners.all())
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
    return list(
        PlanIndicator.objects.filter(plan=plan)
        .select_related("indicator__baseline_period", "indicator__data_expert")
        .prefetch_related("indicator__targets", "indicator__owners")
        .order_by("position", "pk")
    )


def _indicator_row(plan: Plan, link: PlanIndicator) -> IndicatorRow:
    indicator = link.indicator
    targets = {target.year: target.value for target in indicator.targets.all()}
    reference = indicator.code
    if link.role == PlanIndicator.Role.HEADLINE and plan.kind == Plan.Kind.LAA_TARGET and reference:
        reference = f"LAA {reference}"
    return IndicatorRow(
        link=link,
        indicator=indicator,
        reference=reference,
        baseline=indicator.baseline_label,
        targets=[indicator.format_value(targets.get(year)) for year in plan.years],
    )


def _action_blocks(plan: Plan) -> list[ActionBlock]:
    actions = (
        DeliveryAction.objects.filter(plan=plan, priority__isnull=True)
        .select_related("group", "lead_officer")
        .prefetch_related("targets", "lead_organisations")
        .order_by("position")
    )
    blocks: list[ActionBlock] = []
    for action in actions:
        if not blocks or blocks[-1].group != action.group:
            blocks.append(ActionBlock(action.group, []))
        targets = {target.year: target.value for target in action.targets.all()}
        lead = action.lead_text or (action.lead_officer.name if action.lead_officer else "")
        lead = lead or "/".join(organisation.short_name for organisation in action.lead_organisations.all())
        blocks[-1].rows.append(ActionRow(action, [targets.get(year) for year in plan.years], lead))
    return blocks


def _add_funding(document: PlanDocument) -> None:
    plan = document.plan
    lines = FundingLine.objects.filter(plan=plan).prefetch_related("amounts").order_by("position")
    for line in lines:
        amounts = {amount.year: amount for amount in line.amounts.all()}
        total = Total()
        for amount in amounts.values():
            total.add(amount)
        document.funding_rows.append(FundingRow(line, [amounts.get(year) for year in plan.years], total))
    year_totals = funding_year_totals(plan)
    grand = Total()
    for year in plan.years:
        column = year_totals.get(year, Total())
        document.funding_totals.append(column)
        grand.include(column)
    document.funding_grand_total = grand


def _add_budget(document: PlanDocument) -> None:
    table = (
        BudgetTable.objects.filter(plan=document.plan)
        .prefetch_related(Prefetch("years", queryset=BudgetYear.objects.order_by("year")), "entries")
        .first()
    )
    if table is not None:
        document.budget_table = table
        document.budget_years = list(table.years.all())
        document.budget_grid = table.grid()


def _priorities(plan: Plan, objectives: list[CorporateObjective]) -> list[PriorityView]:
    priorities = Priority.objects.filter(plan=plan).order_by("number").prefetch_related(
        Prefetch("key_activities", queryset=DeliveryAction.objects.order_by("position")),
        Prefetch(
            "contributions",
            queryset=ObjectiveContribution.objects.prefetch_related(
                Prefetch("outcomes", queryset=CorporateOutcome.objects.order_by("letter"))
            ),
        ),
    )
    views = []
    for priority in priorities:
        by_objective = {contribution.objective_id: contribution for contribution in priority.contributions.all()}
        rows = []
        for objective in objectives:
            contribution = by_objective.get(objective.pk)
            rows.append(
                ContributionRow(
                    objective=objective,
                    contributes=contribution.contributes if contribution else None,
                    letters=", ".join(outcome.letter for outcome in contribution.outcomes.all()) if contribution else "",
                    outcomes_text=contribution.outcomes_text if contribution else "",
                )
            )
        views.append(PriorityView(priority, list(priority.key_activities.all()), rows))
    return views
