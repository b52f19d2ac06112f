"""Indicators, their baselines and yearly targets, their place in plans, and their value per period."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from plans import periods
from plans.models import (
    PLAN_ITEM_TEXT,
    REPORTED_TEXT,
    KeyMeasure,
    Period,
    Person,
    Plan,
    Seal,
    partnership_field,
    text_field,
    year_field,
)
from plans.partnerships import PartnershipOwned, ScopedManager
from plans.seals import SealedError, SealGuardedQuerySet, refuse_sealed

OTHER_PARTNERSHIP = "Choose an indicator of the plan's own partnership."

VALUE_DIGITS = {"max_digits": 18, "decimal_places": 4}


class Indicator(PartnershipOwned):
    """A measure such as NI 152 as one partnership measures it, defined once and shown by every plan of the
    partnership that uses it. Coventry's NI 152 and Bath's NI 152 are two indicators: their values, targets, owners
    and sign-off are each partnership's own facts."""

    partnership_path = "partnership"

    class Unit(models.TextChoices):
        PERCENT = "percent", "Percentage"
        COUNT = "count", "Count"
        MONEY = "money", "Money (£)"
        RATE = "rate", "Rate"

    class Polarity(models.TextChoices):
        LOWER_IS_BETTER = "lower", "Lower is better"
        HIGHER_IS_BETTER = "higher", "Higher is better"
        NEUTRAL = "neutral", "Neither (tracked only)"

    class YearEnd(models.TextChoices):
        LATEST = "latest", "The latest value is the year's figure (a rate or a level)"
        YEAR_TO_DATE = "year_to_date", "Values add up through the year (a count or spend to date)"

    partnership = partnership_field(related_name="indicators")
    code = models.CharField(max_length=30, blank=True, help_text="For example NI 152. Blank for local measures.")
    name = text_field(PLAN_ITEM_TEXT, verbose_name="definition")
    description = text_field(
        PLAN_ITEM_TEXT, blank=True, help_text="Longer explanation printed under the definition."
    )
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.PERCENT)
    polarity = models.CharField(max_length=10, choices=Polarity.choices, default=Polarity.HIGHER_IS_BETTER)
    decimal_places = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(4)])
    amber_tolerance = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(5),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="How far from target, in percent of the target, a value is amber rather than red.",
    )
    year_end = models.CharField(
        "how the year's figure is made", max_length=12, choices=YearEnd.choices, default=YearEnd.LATEST,
        help_text="Decides how the year-end is forecast: a year-to-date value is scaled up, a latest value carried on.",
    )
    baseline_value = models.DecimalField(null=True, blank=True, **VALUE_DIGITS)
    baseline_period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The month or year the baseline was taken: May 2007, 2006/07.",
    )
    data_expert = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators_as_expert",
        help_text="Enters the figures.",
    )
    owners = models.ManyToManyField(
        Person, blank=True, related_name="indicators_owned", help_text="Sign the figures off."
    )
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "code"], condition=~Q(code=""), name="indicator_unique_code",
                violation_error_message="The partnership already has an indicator with this code.",
            ),
            models.CheckConstraint(condition=Q(decimal_places__lte=4), name="indicator_decimal_places_0_to_4"),
        ]

    def __str__(self):
        return f"{self.code} – {self.name}" if self.code else self.name

    def get_absolute_url(self):
        return reverse("indicator_detail", args=[self.pk])

    def format_value(self, value: Decimal | None) -> str:
        """Return a value as the plans print it: '14.8%', '836', '£650,000'; blank for no value."""
        if value is None:
            return ""
        quantised = value.quantize(Decimal(1).scaleb(-self.decimal_places))
        number = f"{quantised:,.{self.decimal_places}f}"
        if self.unit == self.Unit.PERCENT:
            return f"{number}%"
        if self.unit == self.Unit.MONEY:
            return f"£{number}"
        return number

    @property
    def baseline_label(self) -> str:
        """Return the baseline as printed: '14.8% May 2007'."""
        text = self.format_value(self.baseline_value)
        if self.baseline_period_id:
            text = f"{text} {self.baseline_period.label}".strip()
        return text

    def value_bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """Return the lowest and highest values the unit allows (None where there is no bound)."""
        if self.unit == self.Unit.PERCENT:
            return Decimal(0), Decimal(100)
        if self.unit in (self.Unit.COUNT, self.Unit.MONEY, self.Unit.RATE):
            return Decimal(0), None
        return None, None


class IndicatorTarget(PartnershipOwned):
    """An indicator's target for one financial year."""

    partnership_path = "indicator__partnership"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = year_field()
    value = models.DecimalField(**VALUE_DIGITS)

    class Meta:
        ordering = ["indicator", "year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="indicatortarget_unique_year")]

    def __str__(self):
        return f"{self.indicator.code} {periods.year_label(self.year)}: {self.value}"

    @property
    def year_label(self) -> str:
        return periods.year_label(self.year)


class PlanIndicator(PartnershipOwned):
    """An indicator's place in a plan: the headline target or a supporting measure."""

    partnership_path = "plan__partnership"

    class Role(models.TextChoices):
        HEADLINE = "headline", "Headline"
        SUPPORTING = "supporting", "Supporting"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_indicators")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="plan_links")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.SUPPORTING)
    position = models.PositiveSmallIntegerField(default=0)
    success_criteria = text_field(PLAN_ITEM_TEXT, blank=True)
    # A service plan lays its measures out as its appendix of key measures: the row this indicator is. The link
    # lives here because plans knows nothing of indicators (apps import only downwards).
    key_measure = models.OneToOneField(
        KeyMeasure, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_indicator",
        help_text="The row of the plan's appendix of key measures that this indicator measures, if any.",
    )

    objects = ScopedManager.from_queryset(SealGuardedQuerySet)()

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator"], name="planindicator_unique"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(role="headline"), name="planindicator_one_headline"
            ),
        ]

    def __str__(self):
        return f"{self.plan.reference}: {self.indicator} ({self.get_role_display()})"

    def crosses_partnerships(self) -> bool:
        """Return True if the plan and the indicator belong to different partnerships (never allowed)."""
        if self.plan_id is None or self.indicator_id is None:
            return False
        return self.plan.partnership_id != self.indicator.partnership_id

    def save(self, *args, **kwargs):
        if self.crosses_partnerships():
            raise ValidationError(OTHER_PARTNERSHIP)
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_sealed(PlanIndicator.objects.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def is_sealed(self) -> bool:
        """Return True if a signed-off return of the plan holds this indicator: the link is part of that record."""
        return self.pk is not None and PlanIndicator.sealed_rows(PlanIndicator.objects.filter(pk=self.pk)).exists()

    @staticmethod
    def sealed_rows(queryset):
        return queryset.filter(indicator__seals__seal__plan=F("plan"))

    def clean(self):
        if self.key_measure_id is not None and self.plan_id is not None and self.key_measure.plan_id != self.plan_id:
            raise ValidationError({"key_measure": "Choose a key measure of the same plan."})
        if self.crosses_partnerships():
            raise ValidationError({"indicator": OTHER_PARTNERSHIP})
        if self.pk is None or not self.is_sealed:
            return
        stored = PlanIndicator.objects.filter(pk=self.pk).values("plan", "indicator").first()
        if stored and stored != {"plan": self.plan_id, "indicator": self.indicator_id}:
            raise ValidationError(LINK_SEALED.format(link=PlanIndicator.objects.get(pk=self.pk)))


VALUE_SEALED = (
    "{code} for {period} is part of a signed-off return, so it cannot be added, changed, moved or removed. "
    "A performance officer can reopen the return, giving a reason."
)
LINK_SEALED = (
    "{link} is part of a signed-off return of the plan, so it cannot be moved or removed. A performance officer "
    "can reopen the return, giving a reason."
)


class EntryStatus(models.TextChoices):
    """Where a reported entry (an action's progress or an indicator's value) stands in its return."""

    NOT_STARTED = "not_started", "Not started"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned with comments"
    SIGNED_OFF = "signed_off", "Signed off"


class IndicatorValue(PartnershipOwned):
    """An indicator's value for one period: one fact, stored once, whichever plans show it."""

    partnership_path = "indicator__partnership"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="indicator_values")
    value = models.DecimalField(**VALUE_DIGITS)
    commentary = text_field(REPORTED_TEXT, blank=True)
    status = models.CharField(max_length=12, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    outlier_confirmed = models.BooleanField(
        default=False, help_text="The data expert confirmed a value far outside the indicator's history."
    )
    is_illustrative = models.BooleanField(
        default=False, help_text="Demonstration figure, not a published statistic."
    )
    reviewer_comment = text_field(
        REPORTED_TEXT, blank=True, help_text="Why the indicator owner sent it back."
    )
    entered_by = models.ForeignKey(  # PROTECT: the record must go on naming who entered it; deactivate instead
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Goes up with every save; refuses stale edits.")
    history = HistoricalRecords()

    objects = ScopedManager.from_queryset(SealGuardedQuerySet)()

    class Meta:
        ordering = ["indicator", "period__start"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="indicatorvalue_unique_period")]

    def __str__(self):
        return f"{self.indicator.code} {self.period}: {self.value}"

    def save(self, *args, **kwargs):
        if self.is_sealed:  # the database refuses it too; this says so in words first
            raise SealedError(self.sealed_message())
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_sealed(IndicatorValue.objects.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def is_signed_off(self) -> bool:
        return self.status == EntryStatus.SIGNED_OFF

    @property
    def is_provisional(self) -> bool:
        """Return True while the figure has not been signed off by the indicator's owner."""
        return not self.is_signed_off

    @property
    def is_sealed(self) -> bool:
        """Return True if a signed-off return holds this indicator's value for this period (stored or about to be)."""
        here = Q(indicator=self.indicator_id, seal__period=self.period_id)
        stored = Q(indicator__values__pk=self.pk, seal__period=F("indicator__values__period"))
        return ValueSeal.objects.filter(here | stored if self.pk is not None else here).exists()

    @staticmethod
    def sealed_rows(queryset):
        return queryset.filter(indicator__seals__seal__period=F("period"))

    def sealed_message(self) -> str:
        return VALUE_SEALED.format(code=self.indicator.code or self.indicator.name, period=self.period.label)

    def clean(self):
        if self.indicator_id is not None and self.period_id is not None and self.is_sealed:
            raise ValidationError(self.sealed_message())
        if self.indicator_id is None or self.value is None:
            return
        low, high = self.indicator.value_bounds()
        if (low is not None and self.value < low) or (high is not None and self.value > high):
            raise ValidationError({"value": f"Enter a value from {low} to {high}." if high is not None
                                   else f"Enter a value of {low} or more."})


class Forecast(PartnershipOwned):
    """An indicator's year-end forecast as made when a return holding it was signed off, kept so that its accuracy
    can be measured once the year is over and a page can show how the forecast moved quarter by quarter."""

    partnership_path = "indicator__partnership"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="forecasts")
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="+", help_text="The period whose sign-off made the forecast."
    )
    made_at = models.DateTimeField()
    year = year_field()
    value = models.DecimalField(null=True, blank=True, help_text="Blank with not enough history.", **VALUE_DIGITS)
    low = models.DecimalField(null=True, blank=True, help_text="Bottom of the 80% range.", **VALUE_DIGITS)
    high = models.DecimalField(null=True, blank=True, help_text="Top of the 80% range.", **VALUE_DIGITS)
    probability = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Of meeting the year's target, 0 to 1.",
    )
    method = models.CharField(max_length=60, blank=True)
    points = models.PositiveSmallIntegerField(help_text="How many signed-off values the forecast rests on.")
    target = models.DecimalField(null=True, blank=True, **VALUE_DIGITS)

    class Meta:
        ordering = ["indicator", "year", "made_at"]
        indexes = [models.Index(fields=["indicator", "year"], name="forecast_indicator_year")]

    def __str__(self):
        return f"{self.indicator.code} {periods.year_label(self.year)} at {self.period}: {self.value}"


class ValueSeal(PartnershipOwned):
    """An indicator whose value for the seal's period was signed off in the seal's plan (present or not).

    Written with its seal by the sign-off service, from the plan's indicators at that moment, so that a value of
    that indicator for that period can be neither added nor changed nor removed until the return is reopened,
    whatever later happens to the plan's set-up.
    """

    partnership_path = "seal__plan__partnership"

    seal = models.ForeignKey(Seal, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="seals")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seal", "indicator"], name="valueseal_unique_indicator")]

    def __str__(self):
        return f"{self.indicator.code}: {self.seal}"


def sealed_pairs(pairs) -> set[tuple[int, int]]:
    """Return those of the (indicator id, period id) pairs that a signed-off return holds, in one query."""
    pairs = {(indicator, period) for indicator, period in pairs if indicator is not None and period is not None}
    if not pairs:
        return set()
    found = ValueSeal.objects.filter(
        indicator__in={indicator for indicator, _ in pairs}, seal__period__in={period for _, period in pairs}
    ).values_list("indicator", "seal__period")
    return set(found) & pairs

