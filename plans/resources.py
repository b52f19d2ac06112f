"""The plans app's spreadsheet resources, one module because each short class is one sheet of a plan's workbook.

How each of its tables is written to, and read back from, a CSV file or an Excel sheet: partners, people,
corporate objectives and outcomes, plans, header roles, sections, group headings, priorities and their
contributions, delivery actions with their yearly targets, key measures and risks.

Each resource's columns are headed as people write them ('Plan', 'Position', 'Target 2008/09'). PlanTableResource,
the base of every table whose rows belong to a plan, is the base of indicators' and funding's plan tables too. The
machinery every app's resources share (reading cells, Column, SheetResource, bulk writes) is plans.sheets.

The classes stand in the order the workbook imports them, each resting on the lookups of those above it
(PlanTableResource, PlanPriorityLookups), which read best in one place.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import models

from plans.models import (
    ActionGroup,
    ActionTarget,
    CorporateObjective,
    CorporateOutcome,
    DeliveryAction,
    KeyMeasure,
    ObjectiveContribution,
    Organisation,
    Person,
    Plan,
    PlanRole,
    Priority,
    Risk,
    Section,
)
from plans.sheets import (
    MISSING,
    CellError,
    Column,
    SheetResource,
    cell_text,
    describe_choices,
    normalise,
    number_cell,
    plain,
    read_choice,
    read_date,
    read_decimal,
    read_flag,
    read_whole_number,
    read_year,
    write_year,
)


def plan_key_columns(position_help: str) -> tuple[Column, Column]:
    """Return the 'Plan' and 'Position' columns that identify most rows of a plan."""
    return (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               help="The plan's reference, as in the plan list.", example="NI 152"),
        Column("Position", attr="position", read=lambda raw: read_whole_number(raw, low=1), key=True,
               help=position_help, example=1),
    )


class PlanTableResource(SheetResource):
    """A table whose rows belong to a plan, identified by the plan's reference and (usually) a position."""

    plan_scoped = True
    select_related: tuple[str, ...] = ("plan",)
    prefetch_related: tuple[str, ...] = ()

    def existing_queryset(self):
        return self._meta.model.objects.filter(plan__in=self.file_plans).select_related(
            *self.select_related).prefetch_related(*self.prefetch_related)

    def prefetch(self, dataset) -> None:
        self.file_plans = self.plans_in_file(dataset)

    def export_queryset(self, plans=None):
        queryset = self._meta.model.objects.select_related(*self.select_related).prefetch_related(
            *self.prefetch_related
        )
        if plans is not None:
            queryset = queryset.filter(plan__in=list(plans))
        return queryset

    def describe_key(self, key: tuple) -> str:
        plan = self.plan_of(key[0])
        rest = " ".join(str(part) for part in key[1:])
        return f"{plan.reference if plan else ''} {self.noun} {rest}".strip()

    def describe(self, instance) -> str:
        plan = self.plan_of(instance.plan_id)
        return f"{plan.reference if plan else ''} {self.noun} {getattr(instance, 'position', '')}: {str(instance)[:60]}"


# --- reference data: partners, people, corporate objectives ----------------------------------------------------


class OrganisationResource(SheetResource):
    label = "Partner organisations"
    sheet = "Organisations"
    noun = "partner"
    columns = (
        Column("Short name", attr="short_name", key=True, text=True, example="JCP",
               help="As plans abbreviate it: JCP, CCC, LSC."),
        Column("Name", attr="name", example="Jobcentre Plus", help="The organisation's full name."),
    )

    class Meta:
        model = Organisation

    def row_key(self, row):
        text = self.cell(row, "Short name")
        if not text:
            if text is not MISSING:
                self.problem("Short name", "This cell is empty. Enter the partner's short name.")
            return MISSING
        return (normalise(text),)

    def instance_key(self, instance):
        return (normalise(instance.short_name),)

    def new_instance(self, key):
        return Organisation()

    def read_row(self, instance, row, is_new):
        instance.short_name = self.cell(row, "Short name")
        super().read_row(instance, row, is_new)

    def existing_queryset(self):
        return Organisation.objects.all()

    def saved(self, instance):
        self.lookups.forget("organisations")

    def export_queryset(self, plans=None):
        queryset = Organisation.objects.all()
        if plans is not None:
            plans = list(plans)
            people = Person.objects.filter(pk__in=people_of_plans(plans))
            queryset = queryset.filter(
                models.Q(led_plans__in=plans) | models.Q(led_actions__plan__in=plans)
                | models.Q(pk__in=people.values("organisation"))
            ).distinct()
        return queryset


class PersonResource(SheetResource):
    label = "People"
    sheet = "People"
    noun = "person"
    columns = (
        Column("Name", attr="name", key=True, example="Myles Mackie", help="The person's name, as plans give it."),
        Column("Job title", attr="job_title", example="Performance Manager"),
        Column("Organisation", attr="organisation", read="read_organisation", write="write_organisation", text=True,
               example="CCC", help="The short name of their partner organisation."),
        Column("Email", attr="email", example="myles.mackie@example.org",
               help="Where reminders go when the person has no login."),
    )

    class Meta:
        model = Person

    def row_key(self, row):
        text = self.cell(row, "Name")
        if not text:
            if text is not MISSING:
                self.problem("Name", "This cell is empty. Enter the person's name.")
            return MISSING
        found = self.people().get(normalise(text), [])
        if len(found) > 1:
            self.problem("Name", f"{len(found)} people are called '{text}'. Tell them apart in the admin first.")
            return MISSING
        return (normalise(text),)

    def instance_key(self, instance):
        return (normalise(instance.name),)

    def new_instance(self, key):
        return Person()

    def read_row(self, instance, row, is_new):
        instance.name = self.cell(row, "Name")
        super().read_row(instance, row, is_new)

    def existing_queryset(self):
        return Person.objects.select_related("organisation")

    def saved(self, instance):
        self.lookups.forget("people")

    def export_queryset(self, plans=None):
        queryset = Person.objects.select_related("organisation")
        if plans is not None:
            queryset = queryset.filter(pk__in=people_of_plans(list(plans)))
        return queryset


def people_of_plans(plans: list[Plan]) -> set[int]:
    """Return the primary keys of everyone a plan names: header roles, lead officers, risk owners, indicators'
    data experts and owners."""
    ids = set(PlanRole.objects.filter(plan__in=plans).values_list("person", flat=True))
    ids |= set(DeliveryAction.objects.filter(plan__in=plans).values_list("lead_officer", flat=True))
    ids |= set(Risk.objects.filter(plan__in=plans).values_list("owner", flat=True))
    links = Plan.objects.filter(pk__in=[plan.pk for plan in plans])
    ids |= set(links.values_list("plan_indicators__indicator__data_expert", flat=True))
    ids |= set(links.values_list("plan_indicators__indicator__owners", flat=True))
    ids.discard(None)
    return ids


class CorporateObjectiveResource(SheetResource):
    label = "Corporate objectives"
    sheet = "Corporate objectives"
    noun = "objective"
    columns = (
        Column("Number", attr="number", read=lambda raw: read_whole_number(raw, low=1), key=True, example=1),
        Column("Title", attr="title", example="Promoting independence and positive lives for everyone"),
    )

    class Meta:
        model = CorporateObjective

    def existing_queryset(self):
        return CorporateObjective.objects.all()

    def saved(self, instance):
        self.lookups.forget("objectives", "outcomes")

    def export_queryset(self, plans=None):
        return CorporateObjective.objects.all()

    def describe(self, instance):
        return f"Objective {instance}"


class CorporateOutcomeResource(SheetResource):
    label = "Corporate outcomes"
    sheet = "Corporate outcomes"
    noun = "outcome"
    columns = (
        Column("Objective", attr="objective", read="read_objective", write="write_objective", key=True, example=1,
               help="The number of the corporate objective."),
        Column("Letter", attr="letter", key=True, text=True, example="A"),
        Column("Text", attr="text", example="Vulnerable people are safe"),
    )

    class Meta:
        model = CorporateOutcome

    def existing_queryset(self):
        return CorporateOutcome.objects.select_related("objective")

    def row_key(self, row):
        key = super().row_key(row)
        return key if key is MISSING else (key[0], key[1].upper())

    def instance_key(self, instance):
        return (instance.objective_id, instance.letter.upper())

    def saved(self, instance):
        self.lookups.forget("outcomes")

    def export_queryset(self, plans=None):
        return CorporateOutcome.objects.select_related("objective")

    def describe(self, instance):
        return f"Outcome {instance.objective.number}{instance.letter}"


# --- the plan and its structure ---------------------------------------------------------------------------------


class PlanResource(SheetResource):
    label = "Plans"
    sheet = "Plan"
    noun = "plan"
    columns = (
        Column("Reference", attr="reference", key=True, text=True, example="NI 152",
               help="The plan's reference; it identifies the plan."),
        Column("Kind", attr="kind", read=lambda raw: read_choice(raw, Plan.Kind), write=lambda v: Plan.Kind(v).label,
               example="LAA target action plan", help=describe_choices(Plan.Kind)),
        Column("Title", attr="title", example="Working age people on out of work benefits"),
        Column("Lead partner", attr="lead_organisation", read="read_organisation", write="write_organisation",
               text=True, example="JCP", help="The lead partner's short name."),
        Column("Theme", attr="theme", help="Sustainable community strategy theme."),
        Column("Strategy priority", attr="strategy_priority"),
        Column("Reporting", attr="reporting_frequency", read=lambda raw: read_choice(raw, Plan.Frequency),
               write=lambda v: Plan.Frequency(v).label, example="Quarterly", help="Quarterly or Six-monthly."),
        Column("First year", attr="first_year", read=read_year, write=write_year, text=True, example="2008/09"),
        Column("Last year", attr="last_year", read=read_year, write=write_year, text=True, example="2010/11"),
        Column("Introduction", attr="introduction", help="Text printed under the title."),
        Column("Staffing establishment", attr="staffing_establishment",
               read=lambda raw: read_whole_number(raw, low=0)),
        Column("Active", attr="is_active", read=read_flag, write=plain, example="yes",
               help="no: the plan gets no new reporting rounds."),
    )

    class Meta:
        model = Plan

    def row_key(self, row):
        text = self.cell(row, "Reference")
        if not text:
            if text is not MISSING:
                self.problem("Reference", "This cell is empty. Enter the plan's reference.")
            return MISSING
        return (normalise(text),)

    def instance_key(self, instance):
        return (normalise(instance.reference),)

    def new_instance(self, key):
        return Plan()

    def read_row(self, instance, row, is_new):
        instance.reference = self.cell(row, "Reference")
        super().read_row(instance, row, is_new)

    def existing_queryset(self):
        return Plan.objects.select_related("lead_organisation")

    def saved(self, instance):
        self.lookups.forget("plans", "plans-by-pk")

    def export_queryset(self, plans=None):
        queryset = Plan.objects.select_related("lead_organisation")
        return queryset.filter(pk__in=[plan.pk for plan in plans]) if plans is not None else queryset

    def describe(self, instance):
        return f"Plan {instance.reference}"


class PlanRoleResource(PlanTableResource):
    label = "Header roles"
    sheet = "Roles"
    noun = "role"
    select_related = ("plan", "person")
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="NI 152"),
        Column("Role", attr="role", read=lambda raw: read_choice(raw, PlanRole.Role),
               write=lambda v: PlanRole.Role(v).label, key=True, example="Technical data expert",
               help=describe_choices(PlanRole.Role)),
        Column("Person", attr="person", read="read_person", write="write_person", key=True, example="Myles Mackie"),
        Column("Position", attr="position", read=lambda raw: read_whole_number(raw, low=0) or 0, example=0,
               help="Order among the people named in the same role."),
        Column("Responsibility", attr="responsibility", help="What the person leads."),
        Column("Note", attr="note", help="Printed after the names, as in the plan."),
    )

    class Meta:
        model = PlanRole

    def describe(self, instance):
        return f"{instance.plan.reference}: {instance.get_role_display()} {instance.person.name}"


class SectionResource(PlanTableResource):
    """Sections are identified by their place: '3' is the third section, '3.2' the second subsection of it."""

    label = "Plan sections"
    sheet = "Sections"
    noun = "section"
    select_related = ("plan", "parent")
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="NI 152"),
        Column("Place", read="read_place", key=True, text=True, example="3",
               help="The section's place in the plan: 3 for the third section, 3.2 for the second subsection of 3."),
        Column("Number", attr="number", text=True, help="As numbered in the plan: 1, 2, 4.", example="3"),
        Column("Heading", attr="heading", example="Strategic summary"),
        Column("Kind", attr="kind", read=lambda raw: read_choice(raw, Section.Kind, blank=Section.Kind.NARRATIVE),
               write=lambda v: Section.Kind(v).label, example="Narrative", help=describe_choices(Section.Kind)),
        Column("Prompt", attr="prompt", help="The plan template's guidance or question."),
        Column("Body", attr="body", help="Paragraphs separated by a blank line; '- ' starts a bullet; '### ' a "
                                         "sub-heading."),
    )

    class Meta:
        model = Section

    @staticmethod
    def read_place(raw) -> tuple[int, ...] | None:
        text = cell_text(raw)
        if not text:
            return None
        parts = text.split(".")
        if not all(part.strip().isdigit() and int(part) > 0 for part in parts):
            raise CellError(f"'{text}' is not a place in the plan. Write 3 for the third section, 3.2 for its second "
                            "subsection.")
        return tuple(int(part) for part in parts)

    def place_of(self, section: Section) -> tuple[int, ...]:
        place = [section.position]
        parent = section.parent
        while parent is not None:
            place.insert(0, parent.position)
            parent = self.sections_by_pk.get(parent.pk, parent).parent
        return tuple(place)

    def existing(self):
        if not hasattr(self, "_existing"):
            sections = list(self.existing_queryset())
            self.sections_by_pk = {section.pk: section for section in sections}
            self._existing = {(section.plan_id, self.place_of(section)): section for section in sections}
        return self._existing

    def instance_key(self, instance):
        return (instance.plan_id, self.place_of(instance))

    def row_key(self, row):
        key = super().row_key(row)
        if key is MISSING:
            return key
        plan_id, place = key
        if len(place) > 1 and (plan_id, place[:-1]) not in self.existing():
            self.problem("Place", f"There is no section {'.'.join(map(str, place[:-1]))} for this one to be part of. "
                                  "List a section before its subsections.")
            return MISSING
        return key

    def new_instance(self, key):
        plan_id, place = key
        parent = self.existing().get((plan_id, place[:-1])) if len(place) > 1 else None
        return Section(plan_id=plan_id, parent=parent, position=place[-1])

    def saved(self, instance):
        self.existing()[(instance.plan_id, self.place_of(instance))] = instance
        self.sections_by_pk[instance.pk] = instance

    def state(self, instance):
        state = super().state(instance)
        state["Place"] = ".".join(map(str, self.place_of(instance)))
        return state

    def export_table(self, objects):
        objects = list(objects)
        self.sections_by_pk = {section.pk: section for section in objects}
        objects.sort(key=lambda section: (section.plan.reference, self.place_of(section)))
        return super().export_table(objects)

    def describe_key(self, key):
        return f"section {'.'.join(map(str, key[1]))}"

    def describe(self, instance):
        return f"{instance.plan.reference} section {'.'.join(map(str, self.place_of(instance)))}: {instance.heading[:60]}"


class ActionGroupResource(PlanTableResource):
    label = "Action group headings"
    sheet = "Action groups"
    noun = "group heading"
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="NI 152"),
        Column("Title", attr="title", key=True, example="Integrated support actions"),
        Column("Note", attr="note"),
    )

    class Meta:
        model = ActionGroup

    def row_key(self, row):
        key = super().row_key(row)
        return key if key is MISSING else (key[0], normalise(key[1]))

    def instance_key(self, instance):
        return (instance.plan_id, normalise(instance.title))

    def new_instance(self, key):
        return ActionGroup(plan_id=key[0])

    def read_row(self, instance, row, is_new):
        if is_new:
            instance.title = self.cell(row, "Title")
        super().read_row(instance, row, is_new)

    def saved(self, instance):
        self.lookups.forget("groups")

    def export_queryset(self, plans=None):
        return super().export_queryset(plans).order_by("plan__reference", "pk")

    def describe(self, instance):
        return f"{instance.plan.reference} group heading '{instance.title}'"


class PriorityResource(PlanTableResource):
    label = "Service priorities"
    sheet = "Priorities"
    noun = "priority"
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="CS 2012/13"),
        Column("Number", attr="number", read=lambda raw: read_whole_number(raw, low=1), key=True, example=1),
        Column("Details", attr="details", help="Details of the service priority."),
        Column("Impact", attr="impact", help="Impact on the local community."),
        Column("Groups affected", attr="groups_affected", help="Groups of service users affected."),
        Column("Activities introduction", attr="activities_intro", help="Text printed above the key activities."),
    )

    class Meta:
        model = Priority

    def saved(self, instance):
        self.lookups.forget("priorities")

    def describe(self, instance):
        return f"{instance.plan.reference} priority {instance.number}"


def outcome_letters(text: str) -> list[str]:
    """Return the outcome letters a cell lists: 'A, B, C' -> A B C; 'A - E' -> A B C D E."""
    letters: list[str] = []
    for token in (part.strip() for part in re.split(r"[,;]", text or "")):
        if not token:
            continue
        if match := re.fullmatch(r"([A-Za-z])\s*[–-]\s*([A-Za-z])", token):
            letters.extend(chr(code) for code in range(ord(match[1].upper()), ord(match[2].upper()) + 1))
        elif re.fullmatch(r"[A-Za-z]", token):
            letters.append(token.upper())
        else:
            raise CellError(f"'{token}' is not an outcome letter. List letters like A, B, C.")
    return letters


class PlanPriorityLookups:
    """Priorities and group headings of the plans in a file, by plan and number or title."""

    def priorities(self) -> dict[tuple[int, int], Priority]:
        return self.lookups.get("priorities", lambda: {(p.plan_id, p.number): p for p in Priority.objects.all()})

    def groups(self) -> dict[tuple[int, str], ActionGroup]:
        return self.lookups.get("groups", lambda: {(g.plan_id, normalise(g.title)): g for g in ActionGroup.objects.all()})

    def priority_of(self, plan: Plan | None, raw) -> Priority | None:
        number = read_whole_number(raw, low=1)
        if number is None or plan is None:
            return None
        priority = self.priorities().get((plan.pk, number))
        if priority is None:
            raise CellError(f"{plan.reference} has no priority {number}.")
        return priority


class ContributionResource(PlanPriorityLookups, PlanTableResource):
    label = "Contributions of priorities to corporate objectives"
    sheet = "Contributions"
    noun = "contribution"
    select_related = ("priority__plan", "objective")
    prefetch_related = ("outcomes",)
    columns = (
        Column("Plan", read="read_plan", key=True, text=True, example="CS 2012/13"),
        Column("Priority", read=lambda raw: read_whole_number(raw, low=1), key=True, example=1),
        Column("Objective", attr="objective", read="read_objective", write="write_objective", key=True, example=1),
        Column("Contributes", attr="contributes", read=read_flag, write=plain, example="yes"),
        Column("Outcomes", text=True, example="A, B",
               help="Letters of the objective's outcomes, separated by commas."),
        Column("Outcomes text", attr="outcomes_text",
               help="Outcomes as the plan words them, when they are not the lettered outcomes."),
    )

    class Meta:
        model = ObjectiveContribution

    def existing_queryset(self):
        return ObjectiveContribution.objects.filter(priority__plan__in=self.file_plans).select_related(
            *self.select_related).prefetch_related(*self.prefetch_related)

    def row_key(self, row):
        plan = self.cell(row, "Plan")
        number = self.cell(row, "Priority")
        objective = self.cell(row, "Objective")
        if MISSING in (plan, number, objective) or None in (plan, number, objective):
            for name, value in (("Plan", plan), ("Priority", number), ("Objective", objective)):
                if value is None:
                    self.problem(name, f"This cell is empty. Enter the {name.lower()}.")
            return MISSING
        priority = self.priorities().get((plan.pk, number))
        if priority is None:
            self.problem("Priority", f"{plan.reference} has no priority {number}.")
            return MISSING
        return (priority.pk, objective.pk)

    def instance_key(self, instance):
        return (instance.priority_id, instance.objective_id)

    def new_instance(self, key):
        return ObjectiveContribution(priority_id=key[0], objective_id=key[1], contributes=False)

    def outcomes(self) -> dict[tuple[int, str], CorporateOutcome]:
        return self.lookups.get("outcomes", lambda: {(o.objective_id, o.letter.upper()): o
                                                     for o in CorporateOutcome.objects.all()})

    def read_row(self, instance, row, is_new):
        super().read_row(instance, row, is_new)
        letters = self.cell(row, "Outcomes", outcome_letters)
        if letters is not MISSING:
            number = next((o.number for o in self.objectives().values() if o.pk == instance.objective_id), "")
            found = []
            for letter in letters:
                outcome = self.outcomes().get((instance.objective_id, letter))
                if outcome is None:
                    self.problem("Outcomes", f"Objective {number} has no outcome {letter}.")
                else:
                    found.append(outcome)
            self.pending(instance)["outcomes"] = found

    def state(self, instance):
        state = super().state(instance)
        outcomes = self.pending(instance).get("outcomes")
        if outcomes is None:
            outcomes = list(instance.outcomes.all()) if instance.pk else []
        state["Outcomes"] = ", ".join(sorted(outcome.letter for outcome in outcomes))
        state["Plan"] = instance.priority.plan.reference
        state["Priority"] = instance.priority.number
        return state

    def save_related(self, instance):
        if "outcomes" in self.pending(instance):
            instance.outcomes.set(self.pending(instance)["outcomes"])

    def export_queryset(self, plans=None):
        queryset = ObjectiveContribution.objects.select_related(*self.select_related).prefetch_related(
            *self.prefetch_related).order_by("priority__plan__reference", "priority__number", "objective__number")
        return queryset.filter(priority__plan__in=list(plans)) if plans is not None else queryset

    def describe_key(self, key):
        return "this priority and objective"

    def describe(self, instance):
        return f"{instance.priority.plan.reference} priority {instance.priority.number} to objective " \
               f"{instance.objective.number}"


# --- delivery actions and their yearly targets ------------------------------------------------------------------


class ActionResource(PlanPriorityLookups, PlanTableResource):
    kind = "actions"
    label = "Delivery actions and their yearly targets"
    sheet = "Actions"
    noun = "action"
    year_prefix = "Target"
    year_help = "The action's output target for the year; leave the cell blank where there is none (blank is not 0)."
    year_example = 320
    select_related = ("plan", "group", "priority", "lead_officer")
    prefetch_related = ("targets", "lead_organisations")
    columns = (
        *plan_key_columns("The action's number in the plan: 1, 2, 3, counted across the whole plan."),
        Column("Reference", attr="reference", text=True, example="1a"),
        Column("Group", attr="group", read="read_group", write=lambda group: group.title if group else "",
               help="The heading the action is listed under, as it is written in the plan.",
               example="Integrated support actions"),
        Column("Priority", attr="priority", read="read_priority", write=lambda p: p.number if p else None,
               help="For a service plan's key activity: the number of its priority."),
        Column("Title", attr="title", example="Routes to work for lone parents",
               help="Needed for a new action."),
        Column("Description", attr="description", help="Same markup as section bodies."),
        Column("Client group", attr="client_group", example="Lone parents"),
        Column("On flow", attr="on_flow", read=read_flag, write=plain, example="no",
               help="yes: reduces the numbers coming on to the register."),
        Column("Flow time", attr="flow_time", read=read_flag, write=plain, example="yes",
               help="yes: reduces the time people stay on the register."),
        Column("Off flow", attr="off_flow", read=read_flag, write=plain, example="yes",
               help="yes: increases the numbers coming off the register."),
        Column("Link to other plans", attr="link_to_other_plans"),
        Column("Lead organisations", attr="lead_organisations", read="read_organisations",
               write="write_organisation", many=True, text=True, example="JCP; CCC",
               help="Short names of the lead partners, separated by semicolons."),
        Column("Lead officer", attr="lead_officer", read="read_person", write="write_person", example="Pat Morgan",
               help="The person who reports progress."),
        Column("Lead text", attr="lead_text", help="The lead as the plan words it: 'LSC/CCC', 'Multiple Leads'."),
        Column("Planning note", attr="planning_note"),
        Column("Timescale", attr="timescale", example="Jan - March 2012"),
        Column("Performance measures", attr="performance_measures"),
    )

    class Meta:
        model = DeliveryAction

    def read_group(self, raw):
        text = cell_text(raw)
        if not text or self._plan is None:
            return None
        group = self.groups().get((self._plan.pk, normalise(text)))
        if group is None:
            raise CellError(f"{self._plan.reference} has no group heading '{text}'.")
        return group

    def read_priority(self, raw):
        return self.priority_of(self._plan, raw)

    def read_row(self, instance, row, is_new):
        self._plan = self.plan_of(instance.plan_id)
        super().read_row(instance, row, is_new)

    def years_of(self, instance):
        return {target.year: number_cell(target.value) for target in instance.targets.all()}

    def read_year_cell(self, instance, year, raw):
        value = read_decimal(raw, places=2, low=Decimal(0), example="320", whole_digits=10)
        if value is not None:
            self.check_plan_year(self._plan, year)
        return value

    def store_years(self, instance, figures):
        stored = {target.year: target for target in instance.targets.all()} if not instance._state.adding else {}
        instance.targets.filter(year__in=[year for year in stored if year not in figures]).delete()
        for year, value in figures.items():
            target = stored.get(year)
            if target is None:
                ActionTarget.objects.create(action=instance, year=year, value=value)
            elif target.value != value:
                target.value = value
                target.save(update_fields=["value"])

    def export_years(self, objects):
        years = set()
        for action in objects:
            years.update(action.plan.years)
            years.update(target.year for target in action.targets.all())
        return sorted(years)

    def describe(self, instance):
        return f"{self.plan_of(instance.plan_id).reference} action {instance.position}: {instance.title[:60]}"


class KeyMeasureResource(PlanPriorityLookups, PlanTableResource):
    label = "Key measures"
    sheet = "Key measures"
    noun = "key measure"
    select_related = ("plan", "priority")
    prefetch_related = ("objectives",)
    columns = (
        *plan_key_columns("The measure's row in the appendix: 1, 2, 3."),
        Column("Priority", attr="priority", read="read_priority", write=lambda p: p.number if p else None,
               example=1, help="The number of the priority the measure belongs to."),
        Column("Measure", attr="measure"),
        Column("Target", attr="target"),
        Column("Objectives", attr="objectives", read="read_objectives", write="write_objective", many=True,
               text=True, example="1; 2", help="Numbers of the corporate objectives, separated by semicolons."),
        Column("Outcomes", attr="outcomes", text=True),
    )

    class Meta:
        model = KeyMeasure

    def read_priority(self, raw):
        return self.priority_of(self._plan, raw)

    def read_row(self, instance, row, is_new):
        self._plan = self.plan_of(instance.plan_id)
        super().read_row(instance, row, is_new)

    def write(self, column, value):
        if column.many:
            return "; ".join(str(objective.number) for objective in sorted(value, key=lambda o: o.number))
        return super().write(column, value)


# --- risks ------------------------------------------------------------------------------------------------------


class RiskResource(PlanTableResource):
    kind = "risks"
    label = "Risks"
    sheet = "Risks"
    noun = "risk"
    select_related = ("plan", "owner")
    columns = (
        *plan_key_columns("The risk's number in the plan's risk assessment: 1, 2, 3."),
        Column("Reference", attr="reference", text=True, example="R1"),
        Column("Risk", attr="risk", example="Recession increases the number of people claiming benefits",
               help="Needed for a new risk."),
        Column("Mitigating action", attr="mitigation", example="Target support at those newly unemployed"),
        Column("Owner", attr="owner", read="read_person", write="write_person", example="Jane Beaver"),
        Column("Likelihood", attr="likelihood", read=lambda raw: read_whole_number(raw, low=1, high=5), example=3,
               help="1 to 5; blank until assessed."),
        Column("Impact", attr="impact", read=lambda raw: read_whole_number(raw, low=1, high=5), example=4,
               help="1 to 5; blank until assessed."),
        Column("Score", attr="score", ignored=True, help="Likelihood times impact: worked out, not imported."),
        Column("Review date", attr="review_date", read=read_date, example="31/03/2009",
               help="A date like 31/03/2009."),
    )

    class Meta:
        model = Risk

    def describe(self, instance):
        return f"{instance.plan.reference} risk {instance.position}: {instance.risk[:60]}"
