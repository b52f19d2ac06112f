"""Spreadsheet resources of the indicators app: indicators with their baselines and yearly targets, their place in
plans, and their values period by period.

Values are the large table (a council loads thousands at a time), so their resource writes in batches through
bulk_create/bulk_update (with django-simple-history's bulk helpers, so that each changed value keeps its history
with the importing user) and fetches every indicator, period and existing value once per file. A value that has
been signed off is never changed by an import: a row that would change one is an error naming the indicator and
the period; a row that repeats it exactly is simply unchanged.

A new or changed value meets the value form's rules (indicators.performance): one that misses its year's target
needs commentary, else the row is a problem naming the target; one far outside the indicator's earlier values of
the same kind of period is written as a confirmed outlier and listed in to_confirm, for whoever runs the import to
confirm or refuse. The targets and earlier values of the file's indicators are read once per file too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from indicators import forecast, performance
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator, ValueSeal
from plans import periods
from plans.models import KeyMeasure
from plans.resources import PlanTableResource
from plans.sheets import (
    MISSING,
    CellError,
    Column,
    SheetResource,
    cell_text,
    check_whole_digits,
    describe_choices,
    normalise,
    number_cell,
    plain,
    read_choice,
    read_decimal,
    read_flag,
    read_whole_number,
)


class IndicatorLookups:
    """Indicators by code (and, for local measures with no code, by definition), fetched once per file."""

    def indicators(self) -> dict[str, Indicator]:
        def load():
            index = {}
            for indicator in Indicator.objects.select_related("data_expert"):
                if indicator.code:
                    index[normalise(indicator.code)] = indicator
                else:
                    index.setdefault("#" + normalise(indicator.name), indicator)
            return index

        return self.lookups.get("indicators", load)

    def read_indicator(self, raw) -> Indicator | None:
        text = cell_text(raw)
        if not text:
            return None
        found = self.indicators().get(normalise(text)) or self.indicators().get("#" + normalise(text))
        if found is None:
            raise CellError(f"No indicator has the code '{text}'. Check the code, or add the indicator first.")
        return found

    @staticmethod
    def write_indicator(indicator: Indicator | None) -> str:
        return (indicator.code or indicator.name) if indicator else ""


# How the year's figure is made, in the words a spreadsheet uses (the choice's own labels are read too).
YEAR_END_WORDS = {Indicator.YearEnd.LATEST: "Latest value", Indicator.YearEnd.YEAR_TO_DATE: "Year to date"}


def read_year_end(raw) -> str:
    """Read 'Latest value' or 'Year to date' (or the choice's value or label); blank is latest value."""
    text = normalise(raw).replace("_", " ")
    for value, words in YEAR_END_WORDS.items():
        if text in (normalise(words), normalise(value).replace("_", " ")):
            return value
    return read_choice(raw, Indicator.YearEnd, blank=Indicator.YearEnd.LATEST)


class IndicatorResource(IndicatorLookups, SheetResource):
    kind = "indicators"
    label = "Indicators with their baselines and targets"
    sheet = "Indicators"
    noun = "indicator"
    year_prefix = "Target"
    year_help = "The indicator's target for the year, in its unit; leave the cell blank where there is none."
    year_example = "14.3"
    columns = (
        Column("Code", required=True, text=True, example="NI 152",
               help="The indicator's code; it identifies the indicator. Blank for a local measure with no code, which "
                    "is then known by its definition."),
        Column("Definition", attr="name", example="Working age people on out of work benefits",
               help="Needed for a new indicator."),
        Column("Description", attr="description", help="Longer explanation printed under the definition."),
        Column("Unit", attr="unit", read=lambda raw: read_choice(raw, Indicator.Unit, blank=Indicator.Unit.PERCENT),
               write=lambda v: Indicator.Unit(v).label, example="Percentage", help=describe_choices(Indicator.Unit)),
        Column("Polarity", attr="polarity",
               read=lambda raw: read_choice(raw, Indicator.Polarity, blank=Indicator.Polarity.HIGHER_IS_BETTER),
               write=lambda v: Indicator.Polarity(v).label, example="Lower is better",
               help=describe_choices(Indicator.Polarity)),
        Column("Year's figure", attr="year_end", read=read_year_end,
               write=lambda v: YEAR_END_WORDS[v], example="Latest value",
               help="'Latest value' where the latest value is the year's figure (a rate or a level); 'Year to date' "
                    "where values add up through the year (a count or spend to date). Blank means latest value."),
        Column("Decimal places", attr="decimal_places",
               read=lambda raw: read_whole_number(raw, low=0, high=4), example=1, help="0 to 4."),
        Column("Amber tolerance", attr="amber_tolerance",
               read=lambda raw: read_decimal(raw, places=2, low=Decimal(0), example="5", whole_digits=3), example=5,
               help="How far from target, in percent of the target, a value is amber rather than red."),
        Column("Baseline", attr="baseline_value",
               read=lambda raw: read_decimal(raw, places=4, example="14.8", whole_digits=14),
               example="14.8", help="Blank when there is none."),
        Column("Baseline period", attr="baseline_period", read="read_period_object",
               write=lambda period: period.code if period else "", text=True, example="May 2007",
               help="The month or year the baseline was taken: May 2007, 2006/07."),
        Column("Data expert", attr="data_expert", read="read_person", write="write_person", example="Myles Mackie",
               help="The person who enters the figures."),
        Column("Owners", attr="owners", read="read_people", write="write_person", many=True,
               example="Jane Beaver", help="The people who sign the figures off, separated by semicolons."),
        Column("Source", attr="source"),
    )

    class Meta:
        model = Indicator

    def row_key(self, row):
        code = self.cell(row, "Code")
        if code:
            return ("code", normalise(code))
        name = self.cell(row, "Definition") if "Definition" in row else ""
        if not name:
            self.problem("Code", "This cell is empty. Enter the indicator's code (or, for a local measure with no "
                                 "code, leave it blank and give its definition).")
            return MISSING
        return ("name", normalise(name))

    def instance_key(self, instance):
        return ("code", normalise(instance.code)) if instance.code else ("name", normalise(instance.name))

    def existing_queryset(self):
        return Indicator.objects.select_related("baseline_period", "data_expert").prefetch_related("targets", "owners")

    def new_instance(self, key):
        return Indicator()

    def read_row(self, instance, row, is_new):
        if is_new:
            instance.code = self.cell(row, "Code")
        super().read_row(instance, row, is_new)

    def state(self, instance):
        state = super().state(instance)
        state["Code"] = instance.code
        return state

    def years_of(self, instance):
        return {target.year: number_cell(target.value) for target in instance.targets.all()}

    def read_year_cell(self, instance, year, raw):
        return read_decimal(raw, places=4, example="14.3", whole_digits=14)

    def store_years(self, instance, figures):
        stored = {target.year: target for target in instance.targets.all()}
        IndicatorTarget.objects.filter(indicator=instance, year__in=[y for y in stored if y not in figures]).delete()
        for year, value in figures.items():
            target = stored.get(year)
            if target is None:
                IndicatorTarget.objects.create(indicator=instance, year=year, value=value)
            elif target.value != value:
                target.value = value
                target.save(update_fields=["value"])

    def saved(self, instance):
        self.lookups.forget("indicators")

    def export_queryset(self, plans=None):
        queryset = self.existing_queryset()
        if plans is not None:
            queryset = queryset.filter(plan_links__plan__in=list(plans)).distinct()
        return queryset

    def export_years(self, objects):
        return sorted({target.year for indicator in objects for target in indicator.targets.all()})

    def describe_key(self, key):
        return f"the indicator {key[1]}"

    def describe(self, instance):
        return f"{instance.code or instance.name[:60]}"


class PlanIndicatorResource(IndicatorLookups, PlanTableResource):
    label = "Indicators of each plan"
    sheet = "Plan indicators"
    noun = "plan indicator"
    select_related = ("plan", "indicator", "key_measure")
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="NI 152"),
        Column("Indicator", attr="indicator", read="read_indicator", write="write_indicator", key=True, text=True,
               example="NI 152"),
        Column("Role", attr="role",
               read=lambda raw: read_choice(raw, PlanIndicator.Role, blank=PlanIndicator.Role.SUPPORTING),
               write=lambda v: PlanIndicator.Role(v).label, example="Headline", help="Headline or Supporting."),
        Column("Position", attr="position", read=lambda raw: read_whole_number(raw, low=0) or 0, example=1),
        Column("Success criteria", attr="success_criteria"),
        Column("Key measure", attr="key_measure", read="read_key_measure",
               write=lambda measure: measure.position if measure else None, example=5,
               help="The row of the plan's appendix of key measures the indicator measures (1, 2, 3); blank for none."),
    )

    class Meta:
        model = PlanIndicator

    def read_key_measure(self, raw):
        position = read_whole_number(raw, low=1)
        if position is None or self._plan is None:
            return None
        measure = self.key_measures().get((self._plan.pk, position))
        if measure is None:  # added earlier in the same workbook: read them again, once
            self.lookups.forget("key-measures")
            measure = self.key_measures().get((self._plan.pk, position))
        if measure is None:
            raise CellError(f"{self._plan.reference} has no key measure {position}.")
        return measure

    def key_measures(self) -> dict[tuple[int, int], KeyMeasure]:
        return self.lookups.get("key-measures", lambda: {(m.plan_id, m.position): m for m in KeyMeasure.objects.all()})

    def headlines(self) -> dict[int, int]:
        """Return each plan's headline link: plan id -> indicator id."""
        if not hasattr(self, "_headlines"):
            self._headlines = dict(PlanIndicator.objects.filter(role=PlanIndicator.Role.HEADLINE)
                                   .values_list("plan_id", "indicator_id"))
        return self._headlines

    def read_row(self, instance, row, is_new):
        self._plan = self.plan_of(instance.plan_id)
        super().read_row(instance, row, is_new)
        headline = self.headlines().get(instance.plan_id)
        if instance.role == PlanIndicator.Role.HEADLINE and headline not in (None, instance.indicator_id):
            other = next((i for i in self.indicators().values() if i.pk == headline), None)
            self.problem("Role", f"{self.plan_of(instance.plan_id).reference} already has a headline indicator, "
                                 f"{self.write_indicator(other)}. A plan has one.")

    def saved(self, instance):
        if instance.role == PlanIndicator.Role.HEADLINE:
            self.headlines()[instance.plan_id] = instance.indicator_id
        elif self.headlines().get(instance.plan_id) == instance.indicator_id:
            del self.headlines()[instance.plan_id]
        self.lookups.forget("plan-years")

    def describe(self, instance):
        return f"{self.plan_of(instance.plan_id).reference}: {self.write_indicator(instance.indicator)}"


INDICATOR = IndicatorValue._meta.get_field("indicator")
PERIOD = IndicatorValue._meta.get_field("period")
STATUS_LABELS = dict(EntryStatus.choices)


class IndicatorValueResource(IndicatorLookups, SheetResource):
    kind = "values"
    label = "Indicator values by period"
    sheet = "Values"
    noun = "value"
    bulk_fields = ("value", "commentary", "status", "entered_by", "version", "updated_at", "outlier_confirmed")
    columns = (
        Column("Indicator", read="read_indicator", key=True, text=True, example="NI 152",
               help="The indicator's code (a local measure with no code: its definition)."),
        Column("Period", read="read_period_object", key=True, text=True, example="2008/09-Q1",
               help="A quarter (2008/09-Q1), half year (2012/13-H1), financial year (2008/09) or month (May 2007), "
                    "within the years of a plan that shows the indicator."),
        Column("Value", attr="value", read="read_value", required=True, example="14.6",
               help="A number in the indicator's unit, to its decimal places: 14.6 for 14.6%. Blank is not a value."),
        Column("Commentary", attr="commentary", example="Redundancies at the car plant are still in the figures."),
        Column("Status", attr="status", write=lambda v: EntryStatus(v).label, ignored=True,
               help="Shown on export, never imported: a value's status changes only through its return (submitted "
                    "by its data expert, signed off by its owner)."),
        Column("Outlier confirmed", attr="outlier_confirmed", read=read_flag, write=plain, restore=True,
               workbook=True),
        Column("Illustrative", attr="is_illustrative", read=read_flag, write=plain, restore=True, workbook=True,
               help="yes: a demonstration figure, not a published statistic."),
    )

    class Meta:
        model = IndicatorValue
        use_bulk = True

    def prefetch(self, dataset):
        """Fetch the file's indicators, periods and existing values, and which years the indicators' plans cover."""
        indicators = {}
        if "Indicator" in dataset.headers:
            for text in set(dataset["Indicator"]):
                indicator = self.indicators().get(normalise(text)) or self.indicators().get("#" + normalise(text))
                if indicator:
                    indicators[indicator.pk] = indicator
        period_ids = {}
        if "Period" in dataset.headers:
            for text in set(dataset["Period"]):
                try:
                    period = self.read_period_object(text)
                except CellError:
                    continue
                if period:
                    period_ids[period.pk] = period
        self.indicators_by_pk = indicators
        self.periods_by_pk = period_ids
        self.dry_run = getattr(self, "dry_run", True)

    def before_import(self, dataset, **kwargs):
        self.dry_run = kwargs.get("dry_run", True)
        super().before_import(dataset, **kwargs)

    def plan_years(self) -> dict[int, list[tuple[str, int, int]]]:
        def load():
            years: dict[int, list] = {}
            for indicator_id, reference, first, last in PlanIndicator.objects.values_list(
                "indicator_id", "plan__reference", "plan__first_year", "plan__last_year"
            ):
                years.setdefault(indicator_id, []).append((reference, first, last))
            return years

        return self.lookups.get("plan-years", load)

    def existing_queryset(self):
        queryset = IndicatorValue.objects.filter(
            indicator_id__in=list(self.indicators_by_pk), period_id__in=list(self.periods_by_pk)
        )
        if not self.dry_run:
            # Hold the rows until the import commits, so that a value saved on its page meanwhile is not lost:
            # that save waits, then finds the version moved on and asks its user to check the new figure.
            queryset = queryset.select_for_update()
        values = list(queryset)
        for value in values:
            INDICATOR.set_cached_value(value, self.indicators_by_pk[value.indicator_id])
            PERIOD.set_cached_value(value, self.periods_by_pk[value.period_id])
        return values

    def instance_key(self, instance):
        return (instance.indicator_id, instance.period_id)

    def row_key(self, row):
        indicator = self.remembered(row, "Indicator")
        period = self.remembered(row, "Period")
        for name, found in (("Indicator", indicator), ("Period", period)):
            if found is None:
                self.problem(name, f"This cell is empty. Enter the {name.lower()}.")
        if indicator in (None, MISSING) or period in (None, MISSING):
            return MISSING
        self.indicators_by_pk.setdefault(indicator.pk, indicator)
        self.periods_by_pk.setdefault(period.pk, period)
        self._row_objects = indicator, period
        return (indicator.pk, period.pk)

    def remembered(self, row, name: str):
        """Return the cell read as `cell()` would, reading each distinct text once per file (codes and periods
        repeat on every row)."""
        memo = self.__dict__.setdefault("_memo", {})
        text = row.get(name, MISSING)
        key = (name, text)
        if key not in memo:
            errors_before = list(self.errors.get(name, []))
            value = self.cell(row, name)
            memo[key] = (value, self.errors.get(name, [])[len(errors_before):])
            return value
        value, messages = memo[key]
        for message in messages:
            self.problem(name, message)
        return value

    def new_instance(self, key):
        indicator, period = self._row_objects
        value = IndicatorValue(indicator_id=indicator.pk, period_id=period.pk, status=EntryStatus.DRAFT)
        INDICATOR.set_cached_value(value, indicator)
        PERIOD.set_cached_value(value, period)
        return value

    def read_value(self, raw) -> Decimal:
        try:
            value = performance.parse_value(self._indicator, cell_text(raw))
            check_whole_digits(value, 14)  # the field holds 18 digits, 4 of them after the point
            return value
        except ValidationError as error:
            message = " ".join(error.messages)
            if error.code == "not_a_number":
                message = f"'{cell_text(raw)}' is not a number. {message}"
            if error.code == "required":
                message = "This cell is empty. Enter the value, or delete the row: a blank is not a value."
            raise CellError(message) from None

    def read_row(self, instance, row, is_new):
        self._indicator = instance.indicator
        super().read_row(instance, row, is_new)
        self.check_period(instance)

    def check_period(self, value: IndicatorValue) -> None:
        """Note a period outside the years of every plan that shows the indicator (checked once per indicator and
        year, however many rows repeat them)."""
        memo = self.__dict__.setdefault("_period_checks", {})
        key = (value.indicator_id, value.period.financial_year)
        if key not in memo:
            memo[key] = self.period_problem(value)
        if memo[key]:
            self.problem(*memo[key])

    def period_problem(self, value: IndicatorValue) -> tuple[str, str] | None:
        code = self.write_indicator(value.indicator)
        plans = self.plan_years().get(value.indicator_id)
        if not plans:
            return "Indicator", f"{code} is not in any plan yet, so it cannot take values. Add it to a plan first."
        year = value.period.financial_year
        if not any(first <= year <= last for _, first, last in plans):
            covered = "; ".join(f"{reference} covers {_years(first, last)}" for reference, first, last in sorted(plans))
            return "Period", f"{value.period.label} is outside the years of the plans that show {code} ({covered})."
        return None

    def refuse_change(self, instance, details):
        if instance.pk is None and (instance.indicator_id, instance.period_id) in self.sealed():
            return (
                f"{self.write_indicator(instance.indicator)} for {instance.period.label} is part of a signed-off "
                "return, so an import cannot add a value for it. If one is missing, a performance officer reopens "
                "the return first."
            )
        if instance.status == EntryStatus.SIGNED_OFF or (instance.indicator_id, instance.period_id) in self.sealed():
            columns = ", ".join(column for column, _, _ in details)
            return (
                f"{self.write_indicator(instance.indicator)} for {instance.period.label} has been signed off, so an "
                f"import cannot change it (this row changes its {columns.lower()}). If it must change, a performance "
                "officer reopens the return first."
            )
        return ""

    def check_change(self, instance, details):
        """Ask for commentary on a value that misses its target or leaves the year's target unlikely to be met, and
        for confirmation of a new or changed value far outside the indicator's earlier values, as the value form
        does."""
        indicator, period = instance.indicator, instance.period
        target = self.targets().get((indicator.pk, period.financial_year))
        if performance.needs_commentary(indicator, instance.value, target, instance.commentary):
            message = performance.commentary_required(indicator, target)
            if "Commentary" not in self.present:
                message += " Add a 'Commentary' column to the file, with the reason on this row."
            self.problem("Commentary", message)
        elif message := forecast.commentary_required(
            indicator, self.earlier_points(indicator.pk).get(period.kind, []),
            forecast.Point(period.span, instance.value, False), target=target, commentary=instance.commentary,
        ):
            if "Commentary" not in self.present:
                message += " Add a 'Commentary' column to the file, with the reason on this row."
            self.problem("Commentary", message)
        if instance.pk is not None and not any(column == "Value" for column, _, _ in details):
            return  # the stored figure stands, and so does whether it was confirmed
        history = [value for period_id, value in self.earlier_values(indicator.pk).get(period.kind, [])
                   if period_id != period.pk]
        outlier = performance.is_outlier(instance.value, history)
        # A restored workbook's own 'Outlier confirmed' column says whether the value was confirmed when entered.
        confirmed_in_file = self.restore and instance.pk is None and instance.outlier_confirmed
        if outlier and not confirmed_in_file:
            self.confirm("Value", f"{performance.OUTLIER} {self.describe(instance)}: "
                                  f"{indicator.format_value(instance.value)}, where earlier values run from "
                                  f"{indicator.format_value(min(history))} to {indicator.format_value(max(history))}.")
        instance.outlier_confirmed = outlier or confirmed_in_file

    def targets(self) -> dict[tuple[int, int], Decimal]:
        """Return the targets of the file's indicators: (indicator id, financial year) -> target, read once."""
        self._load_rule_data()
        return self._targets

    def earlier_values(self, indicator_id: int) -> dict[str, list[tuple[int, Decimal]]]:
        """Return an indicator's stored values by kind of period: kind -> [(period id, value)], read once."""
        self._load_rule_data()
        return self._history.get(indicator_id, {})

    def earlier_points(self, indicator_id: int) -> dict[str, list[forecast.Point]]:
        """Return an indicator's stored values by kind of period as forecast points, read once."""
        self._load_rule_data()
        return self._points.get(indicator_id, {})

    def _load_rule_data(self) -> None:
        """Read the targets and stored values of the file's indicators not read yet, in two queries (a row may name
        an indicator a workbook's earlier sheet added, after the first read)."""
        loaded = self.__dict__.setdefault("_rule_indicators", set())
        wanted = set(self.indicators_by_pk) - loaded
        if not hasattr(self, "_targets"):
            self._targets, self._history, self._points = {}, {}, {}
        if not wanted:
            return
        for indicator_id, year, value in IndicatorTarget.objects.filter(indicator__in=wanted).values_list(
            "indicator_id", "year", "value"
        ):
            self._targets[(indicator_id, year)] = value
        for indicator_id, period_id, kind, start, value, status in IndicatorValue.objects.filter(
            indicator__in=wanted
        ).values_list("indicator_id", "period_id", "period__kind", "period__start", "value", "status"):
            self._history.setdefault(indicator_id, {}).setdefault(kind, []).append((period_id, value))
            self._points.setdefault(indicator_id, {}).setdefault(kind, []).append(
                forecast.Point(periods.PeriodSpan(start, kind), value, status == EntryStatus.SIGNED_OFF)
            )
        loaded |= wanted

    def sealed(self) -> set[tuple[int, int]]:
        """Return the (indicator, period) pairs that signed-off returns hold, read once per file."""
        if "_sealed" not in self.__dict__:
            self._sealed = set(ValueSeal.objects.values_list("indicator", "seal__period"))
        return self._sealed

    def prepare_save(self, instance, is_create):
        instance.entered_by = self.user
        instance.updated_at = self.__dict__.setdefault("_now", timezone.now())
        if is_create:
            instance.version = 1
            instance.status = EntryStatus.DRAFT
        else:
            # A changed figure goes back to draft, for its data expert to submit through the return; the version
            # moves on, so that a page opened before the import refuses to save over it.
            instance.version += 1
            instance.status = EntryStatus.DRAFT

    def state(self, instance):
        """Return the row as exported (written out for speed: a file may hold many thousands of values)."""
        codes = self.__dict__.setdefault("_period_codes", {})
        if instance.period_id not in codes:
            codes[instance.period_id] = instance.period.code
        state = {
            "Indicator": instance.indicator.code or instance.indicator.name,
            "Period": codes[instance.period_id],
            "Value": instance.value,
            "Commentary": instance.commentary,
            "Status": STATUS_LABELS[instance.status],
        }
        if self.restore:
            state["Outlier confirmed"] = plain(instance.outlier_confirmed)
            state["Illustrative"] = plain(instance.is_illustrative)
        return state

    def describe_key(self, key):
        indicator = self.indicators_by_pk.get(key[0])
        period = self.periods_by_pk.get(key[1])
        return f"{self.write_indicator(indicator)} in {period.label if period else 'the same period'}"

    def describe(self, instance):
        return f"{self.write_indicator(instance.indicator)} {instance.period.label}"

    def export_queryset(self, plans=None):
        queryset = IndicatorValue.objects.select_related("indicator", "period").order_by(
            "indicator__code", "indicator__name", "period__start", "period__kind"
        )
        if plans is not None:
            shown = Q(pk__in=[])
            for plan in plans:
                shown |= Q(
                    indicator__plan_links__plan=plan,
                    period__start__gte=date(plan.first_year, 4, 1),
                    period__start__lt=date(plan.last_year + 1, 4, 1),
                )
            queryset = queryset.filter(shown).distinct()
        return queryset


def _years(first: int, last: int) -> str:
    if first == last:
        return periods.year_label(first)
    return f"{periods.year_label(first)} to {periods.year_label(last)}"
