"""Load the seed data from fixtures/*.toml: the corporate plan and the two seed plans.

Each file names the partnership it belongs to (created when missing), and everything it holds is loaded within
that partnership's scope (plans.partnerships): its people, plan, indicators and corporate objectives are the
partnership's own, and a person or indicator is looked up by name or code in that partnership only. Organisations
are shared by every partnership.

Each plan loads in one transaction, every object is checked with full_clean() before it is saved, and a plan
whose reference already exists in its partnership is left exactly as it is, so loading twice changes nothing.
The TOML layout and the text markup are described in fixtures/README.md.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from funding.models import BudgetEntry, BudgetTable, BudgetYear, FundingAmount, FundingLine
from indicators.models import Indicator, IndicatorTarget, PlanIndicator
from plans import partnerships, periods
from plans.models import (
    ActionGroup,
    ActionTarget,
    CorporateObjective,
    CorporateOutcome,
    DeliveryAction,
    KeyMeasure,
    ObjectiveContribution,
    Organisation,
    Partnership,
    Period,
    Person,
    Plan,
    PlanRole,
    Priority,
    Risk,
    Section,
)

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
CORPORATE_PLAN_FILE = "corporate_plan.toml"
PLAN_FILES = ["ni152.toml", "childrens_service_2012.toml"]
DEMO_LOGINS_FILE = "demo_logins.toml"


class DemoDataError(Exception):
    """A fixture that does not describe valid data: an unknown key or name, or an object that fails validation."""


# --- reading ----------------------------------------------------------------------------------------------


def read_fixture(name: str) -> dict:
    """Return a fixture file's data; non-integer numbers are read as Decimal, never float."""
    with (FIXTURES_DIR / name).open("rb") as file:
        return tomllib.load(file, parse_float=Decimal)


def check_keys(row: dict, allowed: set[str], where: str) -> dict:
    """Return the row, refusing keys that the loader would silently ignore (a misspelt key loses data)."""
    unknown = set(row) - allowed
    if unknown:
        raise DemoDataError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
    return row


def _text(value: str | None) -> str:
    """Return a text as stored: the fixture's multi-line strings without their first and last blank lines."""
    return (value or "").strip()


def _year(code: str) -> int:
    """Return the start year of a financial year written as in the plans: '2008/09' -> 2008."""
    span = periods.parse(code)
    if span.kind != periods.YEAR:
        raise DemoDataError(f"{code!r} is not a financial year.")
    return span.financial_year


def _decimal(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise DemoDataError(f"{value!r} is not a number.")
    return Decimal(value)


def lookup(mapping: dict, key, what: str):
    try:
        return mapping[key]
    except KeyError:
        raise DemoDataError(f"Unknown {what}: {key!r}.") from None


def outcome_letters(text: str) -> list[str]:
    """Return the outcome letters a plan prints: 'A,B,C,' -> A B C; 'A – E' -> A B C D E."""
    letters: list[str] = []
    for token in (part.strip() for part in text.split(",")):
        if not token:
            continue
        if match := re.fullmatch(r"([A-Z])\s*[–-]\s*([A-Z])", token):
            letters.extend(chr(code) for code in range(ord(match[1]), ord(match[2]) + 1))
        elif re.fullmatch(r"[A-Z]", token):
            letters.append(token)
        else:
            raise DemoDataError(f"{text!r}: {token!r} is not an outcome letter or a range of them.")
    return letters


# --- saving -----------------------------------------------------------------------------------------------


def _validate(obj: models.Model) -> models.Model:
    """Run full_clean(); references to objects already in hand are not looked up again (they exist: they
    were just saved or read), which keeps the load quick. The database's own constraints still guard them."""
    known = [
        field.name
        for field in obj._meta.concrete_fields
        if field.many_to_one and field.is_cached(obj) and getattr(obj, field.name) is not None
        and getattr(obj, field.name).pk is not None
    ]
    try:
        obj.full_clean(exclude=known)
    except ValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise DemoDataError(f"{obj._meta.verbose_name} {_describe(obj)}: {detail}") from None
    return obj


def _describe(obj: models.Model) -> str:
    try:
        return repr(str(obj))
    except Exception:  # only for the error message of an object that is invalid anyway
        return "(unprintable)"


def save_checked(obj: models.Model) -> models.Model:
    _validate(obj).save()
    return obj


def _save_all(objects: list[models.Model]) -> list[models.Model]:
    """Validate every object, then insert them in one query (primary keys are set on the objects)."""
    if objects:
        for obj in objects:
            _validate(obj)
        type(objects[0]).objects.bulk_create(objects)
    return objects


# --- partnerships -----------------------------------------------------------------------------------------


def partnership_named(name: str) -> Partnership:
    """Return the partnership of that name, creating it the first time it is named."""
    if not isinstance(name, str) or not name.strip():
        raise DemoDataError(f"{name!r} is not the name of a partnership.")
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        partnership = Partnership.objects.filter(name=name).first()
        return partnership or save_checked(Partnership(name=name))


def partnership_of(data: dict, what: str) -> Partnership:
    """Return the partnership a fixture file belongs to (its top-level `partnership`)."""
    if "partnership" not in data:
        raise DemoDataError(f"{what}: name the partnership it belongs to (partnership = \"...\").")
    return partnership_named(data["partnership"])


# --- the corporate plan -----------------------------------------------------------------------------------


def load_corporate_plan(data: dict | None = None) -> str:
    """Create the partnership's corporate objectives and their lettered outcomes that do not exist yet."""
    data = data if data is not None else read_fixture(CORPORATE_PLAN_FILE)
    check_keys(data, {"partnership", "objectives"}, "corporate plan file")
    with transaction.atomic():
        partnership = partnership_of(data, "corporate plan file")
        with partnerships.within([partnership.pk]):
            return _load_corporate_plan(data, partnership)


def _load_corporate_plan(data: dict, partnership: Partnership) -> str:
    created = 0
    for row in data["objectives"]:
        check_keys(row, {"number", "title", "outcomes"}, "corporate objective")
        objective = CorporateObjective.objects.filter(number=row["number"]).first()
        if objective is None:
            objective = save_checked(CorporateObjective(number=row["number"], title=row["title"]))
            created += 1
        existing = set(objective.outcomes.values_list("letter", flat=True))
        new = [
            CorporateOutcome(objective=objective, letter=outcome["letter"], text=outcome["text"])
            for outcome in row["outcomes"]
            if outcome["letter"] not in existing
        ]
        created += len(_save_all(new))
    objectives = CorporateObjective.objects.count()
    outcomes = CorporateOutcome.objects.count()
    if created:
        return f"Corporate plan ({partnership}): loaded {objectives} objectives and {outcomes} outcomes."
    return (
        f"Corporate plan ({partnership}): already loaded ({objectives} objectives, {outcomes} outcomes); "
        "left as it is."
    )


def _organisations(rows: list[dict]) -> dict[str, Organisation]:
    for row in rows:
        check_keys(row, {"short_name", "name"}, "organisation")
        if not Organisation.objects.filter(short_name=row["short_name"]).exists():
            save_checked(Organisation(short_name=row["short_name"], name=row["name"]))
    return {organisation.short_name: organisation for organisation in Organisation.objects.all()}


def person_named(name: str, job_title: str = "", organisation: Organisation | None = None) -> Person:
    """Return the person of that name in the partnership in scope, creating them the first time they are named
    there (in that partnership)."""
    person = Person.objects.filter(name=name).order_by("pk").first()
    return person or save_checked(Person(name=name, job_title=job_title, organisation=organisation))


# --- plans ------------------------------------------------------------------------------------------------

PLAN_KEYS = {
    "kind", "reference", "title", "lead_organisation", "theme", "strategy_priority", "reporting_frequency",
    "first_year", "last_year", "introduction", "staffing_establishment",
}
PLAN_FILE_KEYS = {
    "partnership", "plan", "organisations", "people", "roles", "sections", "action_groups", "actions", "priorities",
    "key_measures", "indicators", "funding", "budget", "risks",
}


def load_plan(data: dict) -> str:
    """Load one plan and everything in it into its partnership, unless the partnership already has a plan with
    its reference; return what was done."""
    check_keys(data, PLAN_FILE_KEYS, "plan file")
    header = check_keys(data["plan"], PLAN_KEYS, "plan")
    reference = header["reference"]
    with transaction.atomic():
        partnership = partnership_of(data, f"plan file of {reference}")
        with partnerships.within([partnership.pk]):
            if Plan.objects.filter(reference=reference).exists():
                return f"{reference} ({partnership}): already loaded; left as it is."
            loader = _PlanLoader(data)
            loader.load()
    return f"{reference} ({partnership}): loaded {loader.summary()}."


class _PlanLoader:
    """Creates one plan's rows from its fixture, in dependency order."""

    def __init__(self, data: dict):
        self.data = data
        self.counts: dict[str, int] = {}
        self.position = 0  # delivery actions are numbered across the whole plan, priorities included

    def summary(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in self.counts.items() if count)

    def count(self, name: str, number: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + number

    def load(self) -> None:
        data = self.data
        self.organisations = _organisations(data.get("organisations", []))
        self.people = {}
        for row in data.get("people", []):
            check_keys(row, {"name", "job_title", "organisation"}, "person")
            organisation = self._organisation(row["organisation"]) if row.get("organisation") else None
            self.people[row["name"]] = person_named(row["name"], row.get("job_title", ""), organisation)
        self.plan = self._plan(data["plan"])
        self._roles(data.get("roles", []))
        self._sections(data.get("sections", []), parent=None)
        self._actions(data.get("action_groups", []), data.get("actions", []))
        self._priorities(data.get("priorities", []))
        self._key_measures(data.get("key_measures", []))
        self._indicators(data.get("indicators", []))
        self._funding(data.get("funding", []))
        if "budget" in data:
            self._budget(data["budget"])
        self._risks(data.get("risks", []))

    def _organisation(self, short_name: str) -> Organisation:
        return lookup(self.organisations, short_name, "organisation")

    def _named(self, name: str) -> Person:
        return lookup(self.people, name, "person (list them under [[people]])")

    def _plan(self, row: dict) -> Plan:
        return save_checked(Plan(
            kind=row["kind"],
            reference=row["reference"],
            title=row["title"],
            lead_organisation=self._organisation(row["lead_organisation"]),
            theme=_text(row.get("theme")),
            strategy_priority=_text(row.get("strategy_priority")),
            reporting_frequency=row["reporting_frequency"],
            first_year=_year(row["first_year"]),
            last_year=_year(row["last_year"]),
            introduction=_text(row.get("introduction")),
            staffing_establishment=row.get("staffing_establishment"),
        ))

    def _roles(self, rows: list[dict]) -> None:
        roles = []
        for position, row in enumerate(rows):
            check_keys(row, {"role", "person", "responsibility", "note"}, "role")
            roles.append(PlanRole(
                plan=self.plan, role=row["role"], person=self._named(row["person"]), position=position,
                responsibility=row.get("responsibility", ""), note=row.get("note", ""),
            ))
        self.count("roles", len(_save_all(roles)))

    def _sections(self, rows: list[dict], parent: Section | None) -> None:
        for position, row in enumerate(rows, start=1):
            check_keys(row, {"number", "heading", "kind", "prompt", "body", "subsections"}, "section")
            section = save_checked(Section(
                plan=self.plan, parent=parent, position=position, number=row.get("number", ""),
                heading=row["heading"], kind=row.get("kind", Section.Kind.NARRATIVE),
                prompt=_text(row.get("prompt")), body=_text(row.get("body")),
            ))
            self.count("sections", 1)
            self._sections(row.get("subsections", []), parent=section)

    def _action(self, row: dict, **fields) -> DeliveryAction:
        self.position += 1
        return DeliveryAction(
            plan=self.plan,
            position=self.position,
            reference=row.get("reference", ""),
            title=row["title"],
            description=_text(row.get("description")),
            client_group=row.get("client_group", ""),
            on_flow=row.get("on_flow", False),
            flow_time=row.get("flow_time", False),
            off_flow=row.get("off_flow", False),
            link_to_other_plans=row.get("link_to_other_plans", ""),
            lead_officer=self._named(row["lead_officer"]) if row.get("lead_officer") else None,
            lead_text=row.get("lead_text", ""),
            planning_note=_text(row.get("planning_note")),
            timescale=row.get("timescale", ""),
            performance_measures=_text(row.get("performance_measures")),
            **fields,
        )

    ACTION_KEYS = {
        "reference", "title", "description", "client_group", "on_flow", "flow_time", "off_flow",
        "link_to_other_plans", "lead_officer", "lead_text", "lead_organisations", "planning_note",
        "timescale", "performance_measures", "group", "targets",
    }

    def _actions(self, group_rows: list[dict], rows: list[dict]) -> None:
        groups = {}
        for row in group_rows:
            check_keys(row, {"title", "note"}, "action group")
            groups[row["title"]] = save_checked(ActionGroup(plan=self.plan, title=row["title"], note=_text(row.get("note"))))
        actions = []
        for row in rows:
            check_keys(row, self.ACTION_KEYS, f"action {row.get('title')!r}")
            group = lookup(groups, row["group"], "action group") if row.get("group") else None
            actions.append(self._action(row, group=group))
        _save_all(actions)
        self.count("delivery actions", len(actions))
        self._action_links(actions, rows)

    def _action_links(self, actions: list[DeliveryAction], rows: list[dict]) -> None:
        """Add the actions' yearly targets and lead organisations, once the actions have primary keys."""
        targets = [
            ActionTarget(action=action, year=_year(code), value=_decimal(value))
            for action, row in zip(actions, rows, strict=True)
            for code, value in row.get("targets", {}).items()
        ]
        self.count("action targets", len(_save_all(targets)))
        through = DeliveryAction.lead_organisations.through
        through.objects.bulk_create([
            through(deliveryaction=action, organisation=self._organisation(short_name))
            for action, row in zip(actions, rows, strict=True)
            for short_name in row.get("lead_organisations", [])
        ])

    def _priorities(self, rows: list[dict]) -> None:
        objectives = {objective.number: objective for objective in CorporateObjective.objects.all()}
        self.priorities = {}
        for row in rows:
            check_keys(row, {"number", "details", "impact", "groups_affected", "activities_intro", "activities",
                        "contributions"}, "priority")
            priority = save_checked(Priority(
                plan=self.plan, number=row["number"], details=_text(row["details"]), impact=_text(row.get("impact")),
                groups_affected=_text(row.get("groups_affected")), activities_intro=_text(row.get("activities_intro")),
            ))
            self.priorities[priority.number] = priority
            activities = row.get("activities", [])
            for activity in activities:
                check_keys(activity, self.ACTION_KEYS, f"key activity {activity.get('title')!r}")
            actions = _save_all([self._action(activity, priority=priority) for activity in activities])
            self.count("key activities", len(actions))
            self._action_links(actions, activities)
            for contribution_row in row.get("contributions", []):
                self._contribution(priority, contribution_row, objectives)
        self.count("priorities", len(rows))

    def _contribution(self, priority: Priority, row: dict, objectives: dict) -> None:
        check_keys(row, {"objective", "contributes", "outcomes", "outcomes_text"}, "contribution")
        objective = lookup(objectives, row["objective"], "corporate objective (load corporate_plan.toml first)")
        contribution = save_checked(ObjectiveContribution(
            priority=priority, objective=objective, contributes=row["contributes"],
            outcomes_text=_text(row.get("outcomes_text")),
        ))
        letters = outcome_letters(row.get("outcomes", ""))
        outcomes = list(objective.outcomes.filter(letter__in=letters))
        if len(outcomes) != len(set(letters)):
            raise DemoDataError(f"Objective {objective.number} has no outcome for some of {letters}.")
        contribution.outcomes.set(outcomes)
        self.count("contributions", 1)

    def _key_measures(self, rows: list[dict]) -> None:
        if not rows:
            return
        objectives = {objective.number: objective for objective in CorporateObjective.objects.all()}
        measures = []
        for position, row in enumerate(rows, start=1):
            check_keys(row, {"priority", "measure", "target", "objectives", "outcomes"}, "key measure")
            measures.append(KeyMeasure(
                plan=self.plan, priority=lookup(self.priorities, row["priority"], "priority"), position=position,
                measure=_text(row["measure"]), target=_text(row.get("target")), outcomes=row.get("outcomes", ""),
            ))
        _save_all(measures)
        self.key_measures = {measure.position: measure for measure in measures}
        through = KeyMeasure.objectives.through
        through.objects.bulk_create([
            through(keymeasure=measure, corporateobjective=lookup(objectives, number, "corporate objective"))
            for measure, row in zip(measures, rows, strict=True)
            for number in row.get("objectives", [])
        ])
        self.count("key measures", len(measures))

    INDICATOR_KEYS = {
        "role", "code", "name", "description", "unit", "polarity", "decimal_places", "baseline", "baseline_period",
        "targets", "success_criteria", "data_expert", "owners", "key_measure",
    }

    def _indicators(self, rows: list[dict]) -> None:
        links = []
        for position, row in enumerate(rows, start=1):
            check_keys(row, self.INDICATOR_KEYS, f"indicator {row.get('code') or row.get('name')!r}")
            key_measure = (
                lookup(getattr(self, "key_measures", {}), row["key_measure"], "key measure (its place in the appendix)")
                if "key_measure" in row else None
            )
            links.append(PlanIndicator(
                plan=self.plan, indicator=self._indicator(row), position=position,
                role=row.get("role", PlanIndicator.Role.SUPPORTING), success_criteria=_text(row.get("success_criteria")),
                key_measure=key_measure,
            ))
        self.count("indicators", len(_save_all(links)))

    def _indicator(self, row: dict) -> Indicator:
        """Return the indicator, creating it with its baseline and targets unless another plan already did."""
        code = row.get("code", "")
        existing = Indicator.objects.filter(code=code) if code else Indicator.objects.filter(code="", name=row["name"])
        if indicator := existing.first():
            return indicator
        indicator = save_checked(Indicator(
            code=code,
            name=row["name"],
            description=_text(row.get("description")),
            unit=row["unit"],
            polarity=row["polarity"],
            decimal_places=row["decimal_places"],
            baseline_value=_decimal(row["baseline"]) if "baseline" in row else None,
            baseline_period=Period.for_code(row["baseline_period"]) if row.get("baseline_period") else None,
            data_expert=self._named(row["data_expert"]) if row.get("data_expert") else None,
        ))
        indicator.owners.set([self._named(name) for name in row.get("owners", [])])
        _save_all([
            IndicatorTarget(indicator=indicator, year=_year(code), value=_decimal(value))
            for code, value in row.get("targets", {}).items()
        ])
        return indicator

    def _funding(self, rows: list[dict]) -> None:
        lines = []
        for position, row in enumerate(rows, start=1):
            check_keys(row, {"name", "amounts", "comment"}, "funding line")
            lines.append(FundingLine(plan=self.plan, position=position, name=row["name"],
                                     comment=_text(row.get("comment"))))
        _save_all(lines)
        amounts = []
        for line, row in zip(lines, rows, strict=True):
            for code, value in row.get("amounts", {}).items():
                if value in (FundingAmount.Status.TBC, FundingAmount.Status.NOT_IDENTIFIED):
                    amounts.append(FundingAmount(line=line, year=_year(code), status=value))
                else:
                    amounts.append(FundingAmount(line=line, year=_year(code), amount=_decimal(value)))
        _save_all(amounts)
        self.count("funding lines", len(lines))

    def _budget(self, row: dict) -> None:
        check_keys(row, {"title", "unit_label", "years", "rows"}, "budget")
        table = save_checked(BudgetTable(plan=self.plan, title=row["title"], unit_label=row["unit_label"]))
        _save_all([
            BudgetYear(table=table, year=_year(year["year"]), note=year.get("note", "")) for year in row["years"]
        ])
        entries = []
        for name, cells in row["rows"].items():
            for code, value in cells.items():
                if value == "?":
                    entries.append(BudgetEntry(table=table, row=name, year=_year(code), is_unknown=True))
                else:
                    entries.append(BudgetEntry(table=table, row=name, year=_year(code), amount=_decimal(value)))
        _save_all(entries)
        self.count("budget entries", len(entries))

    def _risks(self, rows: list[dict]) -> None:
        risks = []
        for position, row in enumerate(rows, start=1):
            check_keys(row, {"reference", "risk", "mitigation"}, "risk")
            risks.append(Risk(plan=self.plan, position=position, reference=row.get("reference", ""),
                              risk=_text(row["risk"]), mitigation=_text(row.get("mitigation"))))
        self.count("risks", len(_save_all(risks)))
