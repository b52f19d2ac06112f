"""Data builders for the reporting cycle's page tests: named users with their Person and group, a plan with
actions and indicators, an open round, and helpers that move a return along through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import permissions, services
from monitoring.models import ReportingRound, Return
from plans.models import ActionTarget, DeliveryAction, Membership, Period, Person, Plan, PlanRole
from tests.builders import make_plan, test_partnership

PASSWORD = "correct-horse-battery"

# Role names used by the permission matrix, each with the group it belongs to.
ROLES = {
    "performance_officer": permissions.PERFORMANCE_OFFICERS,
    "officer": permissions.LEAD_OFFICERS,
    "other_officer": permissions.LEAD_OFFICERS,
    "expert": permissions.DATA_EXPERTS,
    "owner": permissions.INDICATOR_OWNERS,
    "viewer": permissions.STRATEGIC_GROUP,
}
NAMES = {
    "performance_officer": "Sam Patel",
    "officer": "Pat Morgan",
    "other_officer": "Andy Williams",
    "expert": "Myles Mackie",
    "owner": "Jane Beaver",
    "viewer": "Chris Strategic",
}

# NI 152 in 2007/08, quarter by quarter: enough history for the outlier check.
NI152_HISTORY = {"2007/08-Q1": "14.8", "2007/08-Q2": "14.9", "2007/08-Q3": "14.7", "2007/08-Q4": "14.6"}


def make_user(username: str, name: str, group: str | None = None, partnership=None) -> User:
    """Return a user with a Person of the given name, holding the role (`group`, a Membership.Role) in the
    partnership (by default the test partnership) if one is given."""
    first, _, last = name.partition(" ")
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD, first_name=first, last_name=last)
    partnership = partnership or test_partnership()
    if group:
        Membership.objects.create(user=user, partnership=partnership, role=group)
    Person.objects.create(name=name, user=user, partnership=partnership)
    return user


def give_role(user: User, role: str, partnership=None) -> Membership:
    """Give the user a role (a Membership.Role) in the partnership, by default the test partnership."""
    return Membership.objects.get_or_create(user=user, partnership=partnership or test_partnership(), role=role)[0]


@dataclass
class Cycle:
    plan: Plan
    round: ReportingRound
    report: Return
    users: dict[str, User]
    actions: list[DeliveryAction]
    indicators: list[Indicator]
    extra: dict = field(default_factory=dict)

    @property
    def action(self) -> DeliveryAction:
        """The officer's first action, with an output target for 2008/09."""
        return self.actions[0]

    @property
    def ni152(self) -> Indicator:
        return self.indicators[0]

    def __getitem__(self, role: str) -> User:
        return self.users[role]

    def refresh(self) -> Cycle:
        self.report.refresh_from_db()
        return self


def make_cycle(*, actions: int = 3, indicators: int = 2, unassigned_every: int = 0, period: str = "2008/09-Q1",
               due: date = date(2008, 7, 31)) -> Cycle:
    """Build NI 152 with its people, `actions` actions and `indicators` indicators, and open a round for it.

    The officer leads the odd actions (the first has a 2008/09 output target of 320), the other officer the even
    ones; with unassigned_every=n every n-th action has no lead officer. The first indicator is NI 152 (a
    percentage, lower is better, target 14.3% for 2008/09, with four quarters of 2007/08 history); the others
    are counts with no target.
    """
    users = {role: make_user(role, NAMES[role], group) for role, group in ROLES.items()}
    people = {role: user.person for role, user in users.items()}
    plan = make_plan("NI 152", first_year=2007, last_year=2010)
    PlanRole.objects.create(plan=plan, role=PlanRole.Role.INDICATOR_OWNER, person=people["owner"])
    built_actions = []
    for position in range(1, actions + 1):
        lead = people["officer"] if position % 2 else people["other_officer"]
        if unassigned_every and position % unassigned_every == 0:
            lead = None
        built_actions.append(DeliveryAction.objects.create(
            plan=plan, position=position, reference=str(position), title=f"Action {position}", lead_officer=lead,
        ))
    ActionTarget.objects.create(action=built_actions[0], year=2008, value=Decimal(320))

    ni152 = Indicator.objects.create(
        code="NI 152", name="Working age people on out of work benefits", unit=Indicator.Unit.PERCENT,
        polarity=Indicator.Polarity.LOWER_IS_BETTER, decimal_places=1, data_expert=people["expert"],
    )
    ni152.owners.add(people["owner"])
    IndicatorTarget.objects.create(indicator=ni152, year=2008, value=Decimal("14.3"))
    PlanIndicator.objects.create(plan=plan, indicator=ni152, role=PlanIndicator.Role.HEADLINE, position=0)
    for code, value in NI152_HISTORY.items():
        IndicatorValue.objects.create(
            indicator=ni152, period=Period.for_code(code), value=Decimal(value), status=EntryStatus.SIGNED_OFF
        )
    built_indicators = [ni152]
    for position in range(1, indicators):
        indicator = Indicator.objects.create(
            code=f"LOCAL {position}", name=f"Local measure {position}", unit=Indicator.Unit.COUNT,
            decimal_places=0, data_expert=people["expert"],
        )
        PlanIndicator.objects.create(plan=plan, indicator=indicator, position=position)
        built_indicators.append(indicator)

    reporting_round = services.round_open(period=Period.for_code(period), due_date=due, user=users["performance_officer"])
    report = reporting_round.returns.get(plan=plan)
    return Cycle(plan, reporting_round, report, users, built_actions, built_indicators)


def reporter_of(cycle: Cycle, action: DeliveryAction) -> User:
    """Return the user who reports the action (DeliveryAction.who_reports), or a performance officer."""
    person = action.who_reports()
    return person.user if person else cycle["performance_officer"]


TYPICAL = object()


def submit_progress(cycle: Cycle, action: DeliveryAction, *, narrative: str = "On track", rag: str = "green",
                    outputs=TYPICAL, not_available_reason: str = "", submit: bool = True, rag_reason: str = ""):
    """Save an action's progress; outputs default to 80 for an action with a target this year (which needs them)."""
    existing = action.progress_reports.filter(report=cycle.report).first()
    if outputs is TYPICAL:
        year = cycle.round.period.financial_year
        has_target = ActionTarget.objects.filter(action=action, year=year).exists()
        outputs = Decimal(80) if has_target and not not_available_reason else None
    return services.progress_save(
        report=cycle.report, action=action, user=reporter_of(cycle, action), narrative=narrative, rag=rag,
        outputs_achieved=outputs, outputs_not_available_reason=not_available_reason,
        version=existing.version if existing else None, submit=submit, rag_reason=rag_reason,
    )


def submit_value(cycle: Cycle, indicator: Indicator, raw: str, *, commentary: str = "", submit: bool = True):
    existing = IndicatorValue.objects.filter(indicator=indicator, period=cycle.round.period).first()
    return services.indicator_value_save(
        report=cycle.report, indicator=indicator, user=cycle["expert"], raw_value=raw, commentary=commentary,
        version=existing.version if existing else None, confirm_outlier=False, submit=submit,
    )


def submit_everything(cycle: Cycle) -> Cycle:
    """Submit progress on every action and a value for every indicator, so that the return can be signed off."""
    for action in cycle.actions:
        submit_progress(cycle, action, narrative=f"Progress on {action.title}",
                        outputs=Decimal(80) if action == cycle.action else None)
    submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies still in the figures")
    for indicator in cycle.indicators[1:]:
        submit_value(cycle, indicator, "120")
    return cycle


def sign_off(cycle: Cycle) -> Cycle:
    services.return_sign_off(report=cycle.report, user=cycle["owner"])
    return cycle.refresh()
