"""Cells that name stored objects: plans, people, partner organisations, corporate objectives and periods.

Each table is fetched once per file, through the resource's Lookups (`self.lookups`), and shared by every
sheet of a workbook; a name that matches nothing, or more than one person, is a CellError that says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from plans import periods
from plans.models import CorporateObjective, Organisation, Period, Person, Plan
from plans.sheets.cells import CellError, cell_text, normalise, read_period, read_whole_number, split_list


def _by_normalised(objects: Iterable, key: Callable) -> dict[str, list]:
    index: dict[str, list] = defaultdict(list)
    for obj in objects:
        index[normalise(key(obj))].append(obj)
    return index


class ReferenceLookups:
    """Read and write the cells that name plans, people, partners, corporate objectives and periods.

    A mixin of SheetResource: it needs only the resource's `lookups`.
    """

    def plans(self) -> dict[str, Plan]:
        return self.lookups.get("plans", lambda: {normalise(plan.reference): plan for plan in Plan.objects.all()})

    def read_plan(self, raw) -> Plan | None:
        text = cell_text(raw)
        if not text:
            return None
        plan = self.plans().get(normalise(text))
        if plan is None:
            raise CellError(f"There is no plan with the reference '{text}'.")
        return plan

    def plan_of(self, plan_id: int | None) -> Plan | None:
        by_pk = self.lookups.get("plans-by-pk", lambda: {plan.pk: plan for plan in self.plans().values()})
        if plan_id not in by_pk:
            self.lookups.forget("plans-by-pk")
            by_pk = self.lookups.get("plans-by-pk", lambda: {plan.pk: plan for plan in self.plans().values()})
        return by_pk.get(plan_id)

    def plans_in_file(self, dataset) -> list[Plan]:
        if "Plan" not in dataset.headers:
            return []
        found = {normalise(value) for value in dataset["Plan"]}
        return [plan for key, plan in self.plans().items() if key in found]

    def people(self) -> dict[str, list[Person]]:
        return self.lookups.get("people", lambda: _by_normalised(Person.objects.all(), lambda person: person.name))

    def read_person(self, raw) -> Person | None:
        text = cell_text(raw)
        if not text:
            return None
        found = self.people().get(normalise(text), [])
        if not found:
            raise CellError(f"No one called '{text}' is recorded. Add them as a person first, or check the spelling.")
        if len(found) > 1:
            raise CellError(f"{len(found)} people are called '{text}'. Tell them apart in the admin first.")
        return found[0]

    def read_people(self, raw) -> list[Person]:
        people = []
        for name in split_list(raw):
            people.append(self.read_person(name))
        return people

    @staticmethod
    def write_person(person: Person | None) -> str:
        return person.name if person else ""

    def organisations(self) -> dict[str, Organisation]:
        return self.lookups.get(
            "organisations", lambda: {normalise(org.short_name): org for org in Organisation.objects.all()}
        )

    def read_organisation(self, raw) -> Organisation | None:
        text = cell_text(raw)
        if not text:
            return None
        organisation = self.organisations().get(normalise(text))
        if organisation is None:
            raise CellError(f"No partner has the short name '{text}'.")
        return organisation

    def read_organisations(self, raw) -> list[Organisation]:
        return [self.read_organisation(name) for name in split_list(raw, ";,")]

    @staticmethod
    def write_organisation(organisation: Organisation | None) -> str:
        return organisation.short_name if organisation else ""

    def objectives(self) -> dict[int, CorporateObjective]:
        return self.lookups.get("objectives", lambda: {o.number: o for o in CorporateObjective.objects.all()})

    def read_objective(self, raw) -> CorporateObjective | None:
        number = read_whole_number(raw, low=1)
        if number is None:
            return None
        objective = self.objectives().get(number)
        if objective is None:
            raise CellError(f"There is no corporate objective {number}.")
        return objective

    def read_objectives(self, raw) -> list[CorporateObjective]:
        return [self.read_objective(part) for part in split_list(raw, ";,")]

    @staticmethod
    def write_objective(objective: CorporateObjective | None):
        return objective.number if objective else None

    def period_for(self, span: periods.PeriodSpan) -> Period:
        """Return the stored period for a span, creating it the first time a file needs it."""
        stored = self.lookups.get("periods", lambda: {(p.kind, p.start): p for p in Period.objects.all()})
        period = stored.get((span.kind, span.start))
        if period is None:
            period = stored[(span.kind, span.start)] = Period.for_span(span)
        return period

    def read_period_object(self, raw) -> Period | None:
        span = read_period(raw)
        return self.period_for(span) if span else None

    def check_plan_year(self, plan: Plan | None, year: int) -> None:
        if plan is not None and not plan.covers_year(year):
            raise CellError(
                f"{plan.reference} covers {plan.years_label}, so it can have no figure for {periods.year_label(year)}."
            )
