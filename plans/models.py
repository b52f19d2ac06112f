"""Partners, people, periods, plans, their sections, priorities, delivery actions and risks: one module, because
each is a short model that the next refers to, from partners down to a plan's parts, and Django reads an app's
models as one set. Partnerships and the roles held in them, which every other model refers to, are in
plans.membership."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from plans import periods
from plans.membership import Membership, Partnership, partnership_field, partnership_in_scope  # noqa: F401
from plans.partnerships import PartnershipOwned, ScopedManager
from plans.seals import SealGuardedQuerySet, refuse_sealed

YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]

# The most a person writes in each kind of free text, as the max_length of its fields. Every route reads the limit
# from the field: forms and the admin through Django's max_length, spreadsheet imports through plans.sheets, the demo
# loader through full_clean(). Without one, a 30 MB commentary from a 50 KB workbook made every page, export and PDF
# that shows it 30 MB, or timed out. Each limit is at least five times the longest text of its kind in the two seed
# plans (fixtures/*.toml), and below Excel's 32,767 characters a cell, so that a plan's workbook opens and imports back.
PLAN_SECTION_TEXT = 25_000  # a narrative section of a plan; longest seen 4,728 (CS 2012/13, Scope of Service)
PLAN_ITEM_TEXT = 5_000  # a paragraph or short list in a plan's tables; longest seen 534 (a key activity's measures)
REPORTED_TEXT = 10_000  # written each round: progress, commentary, comments, reasons; about three pages of A4


def year_field(**kwargs) -> models.PositiveSmallIntegerField:
    """Return a field holding a financial year by the calendar year it starts in (2008 means 2008/09)."""
    kwargs.setdefault("help_text", "The calendar year in which the financial year starts: 2008 means 2008/09.")
    return models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS, **kwargs)


def text_field(max_length: int, **kwargs) -> models.TextField:
    """Return a free-text field of at most `max_length` characters, checked by full_clean() as well as by forms.

    Django checks a TextField's max_length only in the forms it makes; the validator makes the models' own check
    (the services, the demo loader) refuse more too.
    """
    return models.TextField(max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs)


class Organisation(models.Model):
    """A partner body: the council, Jobcentre Plus, the Learning and Skills Council, a PCT."""

    short_name = models.CharField(max_length=40, unique=True, help_text="As plans abbreviate it: JCP, CCC, LSC.")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["short_name"]

    def __str__(self):
        return self.short_name


class Person(PartnershipOwned):
    """Someone named in a plan. Only those who report or sign off have a login.

    A person belongs to the partnership whose plans name them, and is seen too by each partnership in which their
    login holds a role.
    """

    partnership_path = "partnership"  # its own partnership; _partnership_condition adds its login's others

    partnership = partnership_field(related_name="people")
    name = models.CharField(max_length=120)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    email = models.EmailField(blank=True, help_text="Where reminders go when the person has no login.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    @classmethod
    def _partnership_condition(cls, ids: frozenset[int]) -> Q:
        member = Membership.objects.filter(user=models.OuterRef("user"), partnership__in=sorted(ids))
        return Q(partnership__in=sorted(ids)) | Q(models.Exists(member))

    def contact_email(self) -> str:
        """Return the address to write to: the login's own, else the one recorded here."""
        return (self.user.email if self.user else "") or self.email


class Period(models.Model):
    """A reporting or baseline period, stored once and shared by every value that refers to it."""

    kind = models.CharField(max_length=10, choices=periods.KIND_CHOICES)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "start"], name="period_unique_kind_start"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="period_ends_after_start"),
        ]

    def __str__(self):
        return self.label

    @classmethod
    def for_span(cls, span: periods.PeriodSpan) -> Period:
        """Return the stored period for a span, creating it the first time it is needed."""
        period, _ = cls.objects.get_or_create(kind=span.kind, start=span.start, defaults={"end": span.end})
        return period

    @classmethod
    def for_code(cls, code: str) -> Period:
        """Return the stored period for a code such as '2008/09-Q1'; raise PeriodError if it is not one."""
        return cls.for_span(periods.parse(code))

    @property
    def span(self) -> periods.PeriodSpan:
        return periods.PeriodSpan(self.start, self.kind)

    @property
    def code(self) -> str:
        return self.span.code

    @property
    def label(self) -> str:
        return self.span.label

    @property
    def financial_year(self) -> int:
        return self.span.financial_year

    @property
    def is_sealed(self) -> bool:
        """Return True if a signed-off return reports on this period: its dates are then part of that record."""
        return self.pk is not None and self.seals.exists()

    def clean(self):
        try:
            span = periods.PeriodSpan(self.start, self.kind)
        except periods.PeriodError as error:
            raise ValidationError({"start": str(error)}) from None
        self.end = span.end
        if self.is_sealed:
            stored = Period.objects.filter(pk=self.pk).values("kind", "start", "end").first()
            if stored and stored != {"kind": self.kind, "start": self.start, "end": self.end}:
                raise ValidationError(PERIOD_SEALED.format(period=Period(**stored).label))


PERIOD_SEALED = (
    "{period} has signed-off returns, so its dates are part of what was signed and cannot change. A performance "
    "officer can reopen those returns, giving a reason."
)


class Plan(PartnershipOwned):
    """An action plan agreed by a partnership: an LAA target plan or a service action plan."""

    partnership_path = "partnership"

    class Kind(models.TextChoices):
        LAA_TARGET = "laa", "LAA target action plan"
        SERVICE = "service", "Service action plan"

    class Frequency(models.TextChoices):
        QUARTERLY = periods.QUARTER, "Quarterly"
        SIX_MONTHLY = periods.HALF, "Six-monthly"

    partnership = partnership_field(related_name="plans")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reference = models.CharField(max_length=40, help_text="For example NI 152; one plan a reference in a partnership.")
    title = models.CharField(max_length=300)
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_plans", verbose_name="lead partner"
    )
    theme = text_field(PLAN_ITEM_TEXT, blank=True, help_text="Sustainable community strategy theme.")
    strategy_priority = text_field(
        PLAN_ITEM_TEXT, blank=True, help_text="Sustainable community strategy priority."
    )
    reporting_frequency = models.CharField(max_length=10, choices=Frequency.choices)
    first_year = year_field()
    last_year = year_field()
    introduction = text_field(PLAN_ITEM_TEXT, blank=True, help_text="Text printed under the title.")
    staffing_establishment = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive plans get no new reporting rounds.")

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(condition=Q(last_year__gte=models.F("first_year")), name="plan_years_in_order"),
            models.UniqueConstraint(fields=["partnership", "reference"], name="plan_unique_reference",
                                    violation_error_message="The partnership already has a plan with this reference."),
        ]
        # Pages of plans in reference order read the first few from this index, not sort every plan in scope:
        # a site administrator's overview of 2,000 plans took 1.6 ms to sort for its first 25, 0.5 ms to read them.
        indexes = [models.Index(fields=["reference", "id"], name="plan_reference_order")]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self):
        return reverse("plan_detail", args=[self.pk])

    @property
    def years(self) -> list[int]:
        """Return the start years of the financial years the plan covers."""
        return list(range(self.first_year, self.last_year + 1))

    @property
    def years_label(self) -> str:
        if self.first_year == self.last_year:
            return periods.year_label(self.first_year)
        return f"{periods.year_label(self.first_year)} to {periods.year_label(self.last_year)}"

    def covers_year(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def clean(self):
        if self.first_year and self.last_year and self.last_year < self.first_year:
            raise ValidationError({"last_year": "The last year cannot come before the first year."})


class PlanRole(PartnershipOwned):
    """A named role in a plan's header: technical data expert, indicator owner, strategic director."""

    partnership_path = "plan__partnership"

    class Role(models.TextChoices):
        DATA_EXPERT = "data_expert", "Technical data expert"
        INDICATOR_OWNER = "indicator_owner", "Indicator owner (sign off)"
        STRATEGIC_DIRECTOR = "strategic_director", "Strategic director"
        DIVISIONAL_DIRECTOR = "divisional_director", "Divisional director"
        PORTFOLIO_HOLDER = "portfolio_holder", "Lead portfolio holder"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=30, choices=Role.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plan_roles")
    position = models.PositiveSmallIntegerField(default=0)
    responsibility = models.CharField(max_length=200, blank=True, help_text="What the person leads.")
    note = models.CharField(max_length=200, blank=True, help_text="Printed after the names, as in the plan.")

    class Meta:
        ordering = ["plan", "role", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "role", "person"], name="planrole_unique_person_per_role"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.person}"


class Section(PartnershipOwned):
    """A headed part of a plan, in the plan's order; structured sections also show their table."""

    partnership_path = "plan__partnership"

    class Kind(models.TextChoices):
        NARRATIVE = "narrative", "Narrative"
        TARGET = "target", "Target and its indicator"
        DELIVERY_PLAN = "delivery_plan", "Delivery plan (actions)"
        INDICATORS = "indicators", "Performance indicators"
        FUNDING = "funding", "Funding and planned spend"
        BUDGET = "budget", "Medium-term budget table"
        RISKS = "risks", "Risk assessment"
        HEADER = "header", "Header roles"
        MANAGEMENT = "management", "Management structure"
        OBJECTIVES = "objectives", "Corporate objectives and outcomes"
        PRIORITIES = "priorities", "Service priorities"
        KEY_MEASURES = "key_measures", "Appendix of key measures"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="subsections"
    )
    position = models.PositiveSmallIntegerField()
    number = models.CharField(max_length=10, blank=True, help_text="As numbered in the plan: 1, 2, 4.")
    heading = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NARRATIVE)
    prompt = text_field(PLAN_ITEM_TEXT, blank=True, help_text="The plan template's guidance or question.")
    body = text_field(
        PLAN_SECTION_TEXT, blank=True,
        help_text="Paragraphs separated by a blank line; '- ' starts a bullet (indent two spaces to nest); "
        "'### ' starts a sub-heading.",
    )

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "parent", "position"], name="section_unique_position"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return f"{self.number}: {self.heading}" if self.number else self.heading

    @property
    def anchor(self) -> str:
        return f"section-{self.pk}"


class CorporateObjective(PartnershipOwned):
    """One of the council's corporate plan objectives (1 to 4) that service priorities contribute to."""

    partnership_path = "partnership"

    partnership = partnership_field(related_name="corporate_objectives")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["partnership", "number"]
        constraints = [models.UniqueConstraint(fields=["partnership", "number"], name="objective_unique_number")]

    def __str__(self):
        return f"{self.number}. {self.title}"


class CorporateOutcome(PartnershipOwned):
    """A lettered outcome of a corporate objective: 1A to 4E."""

    partnership_path = "objective__partnership"

    objective = models.ForeignKey(CorporateObjective, on_delete=models.CASCADE, related_name="outcomes")
    letter = models.CharField(max_length=2)
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["objective__number", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "letter"], name="outcome_unique_letter"),
        ]

    def __str__(self):
        return f"{self.objective.number}{self.letter}"


class Priority(PartnershipOwned):
    """A service plan's priority; its key activities are the plan's delivery actions."""

    partnership_path = "plan__partnership"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priorities")
    number = models.PositiveSmallIntegerField()
    details = text_field(PLAN_ITEM_TEXT, verbose_name="details of service priority")
    impact = text_field(PLAN_ITEM_TEXT, blank=True, verbose_name="impact on local community")
    groups_affected = text_field(
        PLAN_ITEM_TEXT, blank=True, verbose_name="groups of service users affected"
    )
    activities_intro = text_field(
        PLAN_ITEM_TEXT, blank=True, help_text="Text printed above the key activities."
    )

    class Meta:
        ordering = ["plan", "number"]
        verbose_name_plural = "priorities"
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="priority_unique_number")]

    def __str__(self):
        return f"Priority {self.number}"


class ObjectiveContribution(PartnershipOwned):
    """Whether a priority contributes to a corporate objective, and to which of its outcomes."""

    partnership_path = "priority__plan__partnership"

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="contributions")
    objective = models.ForeignKey(CorporateObjective, on_delete=models.PROTECT)
    contributes = models.BooleanField()
    outcomes = models.ManyToManyField(CorporateOutcome, blank=True)
    outcomes_text = text_field(
        PLAN_ITEM_TEXT, blank=True,
        help_text="Outcomes as the plan words them, when they are not the lettered outcomes.",
    )

    class Meta:
        ordering = ["priority", "objective__number"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "objective"], name="contribution_unique_objective"),
        ]

    def __str__(self):
        return f"{self.priority} to objective {self.objective.number}"


class ActionGroup(PartnershipOwned):
    """A heading that groups delivery actions, such as 'Integrated support actions'."""

    partnership_path = "plan__partnership"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="action_groups")
    title = models.CharField(max_length=200)
    note = text_field(PLAN_ITEM_TEXT, blank=True)

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.title


REPORTER_NEEDS_LOGIN = "Choose someone with a login to report this action."
LEAD_REPORTS = (
    "Leave the reporter blank: the lead officer, {name}, has a login and reports this action. A reporter is for an "
    "action whose lead has no login."
)


class DeliveryActionQuerySet(SealGuardedQuerySet):
    """Who reports an action, asked of many at once: the rule of DeliveryAction.who_reports, as a query. Its
    delete() refuses actions a signed-off return holds (DeliveryAction.sealed_rows)."""

    def with_reporters(self) -> DeliveryActionQuerySet:
        """Fetch each action's lead officer and reporter with it, so that who_reports() costs no query."""
        return self.select_related("lead_officer", "reporter")

    def reported_by(self, user) -> DeliveryActionQuerySet:
        """Return the actions the signed-in user reports: those they lead, and those whose lead has no login that
        name them as reporter."""
        return self.filter(Q(lead_officer__user=user) | Q(lead_officer__user__isnull=True, reporter__user=user))

    def reported_by_performance_officers(self) -> DeliveryActionQuerySet:
        """Return the actions that fall to a performance officer: no lead with a login and no reporter named
        with one."""
        return self.filter(lead_officer__user__isnull=True, reporter__user__isnull=True)


class DeliveryAction(PartnershipOwned):
    """A delivery action, or a key activity of a service priority, on which its reporter reports (who_reports)."""

    partnership_path = "plan__partnership"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField()
    reference = models.CharField(max_length=20, blank=True)
    group = models.ForeignKey(
        ActionGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.CASCADE, related_name="key_activities"
    )
    title = models.CharField(max_length=300)
    description = text_field(PLAN_ITEM_TEXT, blank=True, help_text="Same markup as section bodies.")
    client_group = models.CharField(max_length=300, blank=True)
    on_flow = models.BooleanField(default=False, help_text="Reduces the numbers coming on to the register.")
    flow_time = models.BooleanField(default=False, help_text="Reduces the time people stay on the register.")
    off_flow = models.BooleanField(default=False, help_text="Increases the numbers coming off the register.")
    link_to_other_plans = models.CharField(max_length=300, blank=True)
    lead_organisations = models.ManyToManyField(Organisation, blank=True, related_name="led_actions")
    lead_officer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_actions",
        help_text="The person who reports progress.",
    )
    lead_text = models.CharField(
        max_length=300, blank=True, help_text="The lead as the plan words it: 'LSC/CCC', 'Multiple Leads'."
    )
    reporter = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="reported_actions",
        limit_choices_to={"user__isnull": False}, error_messages={"invalid": REPORTER_NEEDS_LOGIN},
        help_text=(
            "Who reports progress when the lead officer has no login (an organisation such as 'Multiple Leads', or "
            "a person without one): someone with a login. Leave blank to have a performance officer report it."
        ),
    )
    planning_note = text_field(
        PLAN_ITEM_TEXT, blank=True, help_text="A note agreed with the plan, shown with progress."
    )
    timescale = models.CharField(max_length=200, blank=True)
    performance_measures = text_field(PLAN_ITEM_TEXT, blank=True)

    objects = ScopedManager.from_queryset(DeliveryActionQuerySet)()

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="action_unique_position"),
        ]

    def __str__(self):
        return self.title

    def delete(self, *args, **kwargs):
        refuse_sealed(DeliveryAction.objects.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def is_sealed(self) -> bool:
        """Return True if a signed-off return holds the action: it is part of that record."""
        return self.pk is not None and DeliveryAction.sealed_rows(DeliveryAction.objects.filter(pk=self.pk)).exists()

    @staticmethod
    def sealed_rows(queryset):
        """Return the actions of the queryset that a signed-off return holds: those its seal's set-up lists."""
        setups = Seal.objects.filter(plan__in=queryset.values("plan")).values_list("setup", flat=True)
        held = {int(pk) for setup in setups for pk in setup.get("actions", {})}
        return queryset.filter(pk__in=held)

    def who_reports(self) -> Person | None:
        """Return the person who reports progress on the action: its lead officer when they have a login, else
        the reporter named for it when they have one; None when neither has, and a performance officer reports it.

        The one rule of who reports an action: permissions, My returns, the home pages and the sign-off
        blockers all ask it. Costs no query when the lead officer and reporter were fetched with the action
        (DeliveryAction.objects.with_reporters()).
        """
        if self.has_lead_with_login:
            return self.lead_officer
        if self.reporter_id is not None and self.reporter.user_id is not None:
            return self.reporter
        return None

    @property
    def has_lead_with_login(self) -> bool:
        return self.lead_officer_id is not None and self.lead_officer.user_id is not None

    @property
    def lead_name(self) -> str:
        """Return the lead as the plan words it ('Multiple Leads', 'CCC'), else the lead officer's name."""
        return self.lead_text or (self.lead_officer.name if self.lead_officer_id else "")

    @property
    def flow_categories(self) -> list[str]:
        """Return the flow categories in the plan's own order and words."""
        names = [("Off flow", self.off_flow), ("Flow time", self.flow_time), ("On flow", self.on_flow)]
        return [name for name, chosen in names if chosen]

    @property
    def flow_label(self) -> str:
        return "/".join(name.upper() for name in self.flow_categories)

    def clean(self):
        if self.priority_id and self.plan_id and self.priority.plan_id != self.plan_id:
            raise ValidationError({"priority": "Choose a priority of the same plan."})
        if self.group_id and self.plan_id and self.group.plan_id != self.plan_id:
            raise ValidationError({"group": "Choose a group heading of the same plan."})
        # A reporter with no login is refused by the field itself (limit_choices_to), in REPORTER_NEEDS_LOGIN's words.
        if self.reporter_id is not None and self.has_lead_with_login and self.reporter_id != self.lead_officer_id:
            raise ValidationError({"reporter": LEAD_REPORTS.format(name=self.lead_officer.name)})


class ActionTarget(PartnershipOwned):
    """An action's output target for one financial year. No row means no target: blank is not zero."""

    partnership_path = "action__plan__partnership"

    action = models.ForeignKey(DeliveryAction, on_delete=models.CASCADE, related_name="targets")
    year = year_field()
    value = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))])

    class Meta:
        ordering = ["action", "year"]
        constraints = [
            models.UniqueConstraint(fields=["action", "year"], name="actiontarget_unique_year"),
            models.CheckConstraint(condition=Q(value__gte=0), name="actiontarget_not_negative"),
        ]

    def __str__(self):
        return f"{periods.year_label(self.year)}: {self.value}"

    def clean(self):
        if self.action_id and not self.action.plan.covers_year(self.year):
            raise ValidationError({"year": f"{self.action.plan.reference} does not cover {periods.year_label(self.year)}."})


class KeyMeasure(PartnershipOwned):
    """A row of a service plan's appendix of key performance measures and targets."""

    partnership_path = "plan__partnership"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="key_measures")
    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="key_measures")
    position = models.PositiveSmallIntegerField()
    measure = text_field(PLAN_ITEM_TEXT)
    target = text_field(PLAN_ITEM_TEXT, blank=True)
    objectives = models.ManyToManyField(CorporateObjective, blank=True)
    outcomes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="keymeasure_unique_position")]

    def __str__(self):
        return self.measure


class Risk(PartnershipOwned):
    """A risk to the plan, its mitigation, and the register's owner, likelihood and impact."""

    partnership_path = "plan__partnership"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    position = models.PositiveSmallIntegerField()
    reference = models.CharField(max_length=20, blank=True)
    risk = text_field(PLAN_ITEM_TEXT)
    mitigation = text_field(PLAN_ITEM_TEXT, blank=True, verbose_name="mitigating action")
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks")
    likelihood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 to 5."
    )
    impact = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 to 5."
    )
    review_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="risk_unique_position"),
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_to_5"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_to_5"),
        ]

    def __str__(self):
        return self.risk[:80]

    @property
    def score(self) -> int | None:
        """Return likelihood times impact, or None until both are assessed."""
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact


class Seal(PartnershipOwned):
    """A plan's return for one period, signed off: what it holds is a record until the return is reopened.

    Only the sign-off and reopening services write or remove seals (monitoring.services). The rows a seal
    protects refuse every change while it stands: in Python (each model's check, for a message in words) and in
    the database (triggers installed by monitoring's migrations), so that no route, not even raw SQL, gets past.
    """

    partnership_path = "plan__partnership"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="seals")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="seals")
    sealed_at = models.DateTimeField(auto_now_add=True)
    # What the return was read against when it was signed off: which actions and indicators it held, their targets
    # for the year, the indicators' units, places and polarity. Written once with the seal (the database refuses
    # any update of a seal), so that the signed-off return reads the same whatever later happens to the plan.
    # Empty for returns sealed before this was kept: they read today's set-up. monitoring.sealed_setup reads it.
    setup = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "period"], name="seal_unique_plan_period")]

    def __str__(self):
        return f"{self.plan.reference} {self.period.label} (signed off)"
