"""Forms of the reporting cycle's pages, with error messages in the GOV.UK style.

Forms read what was typed; the rules (what may be saved, when, by whom) live in monitoring.services, whose
ValidationErrors are put back beside the fields with monitoring.forms.add_service_errors().
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from indicators.models import IndicatorValue
from monitoring import services
from monitoring.forms import GovukDateField, GovukFormMixin, GovukTextareaField
from monitoring.models import ProgressReport, WorkflowEvent
from plans import periods

SAVE_DRAFT = "draft"
SUBMIT = "submit"


def chosen_move(data) -> bool:
    """Return True if the Submit button was pressed, False for Save as draft."""
    return data.get("move") == SUBMIT


def plain_number(value: Decimal | None) -> str:
    """Return a stored decimal as it would be typed: 12.00 -> '12', 2.50 -> '2.5'."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class VersionField(forms.IntegerField):
    """The version of the entry read when the form was shown; a later save by someone else refuses this one."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=0, required=False, **kwargs)

    def clean(self, value):
        try:
            return super().clean(value) or 0
        except ValidationError:
            return 0  # a damaged version can only make the save look stale, never overwrite


class OpenRoundForm(GovukFormMixin, forms.Form):
    """Open a reporting round: the period, typed as its code, and the due date."""

    period = forms.CharField(
        label="Period", max_length=20,
        help_text="A quarter, like 2008/09-Q1, or a half year, like 2012/13-H1",
        error_messages={"required": "Enter the period, like 2008/09-Q1 or 2012/13-H1"},
    )
    due_date = GovukDateField(
        noun="due date", label="Due date", help_text="When returns are due, for example 31 7 2008",
    )

    def clean_period(self) -> periods.PeriodSpan:
        code = self.cleaned_data["period"]
        try:
            span = periods.parse(code)
        except periods.PeriodError:
            raise ValidationError("Enter the period as a quarter, like 2008/09-Q1, or a half year, like 2012/13-H1") \
                from None
        if span.kind not in (periods.QUARTER, periods.HALF):
            raise ValidationError("Enter a quarter, like 2008/09-Q1, or a half year, like 2012/13-H1, not a whole year")
        return span

    def date_parts(self) -> dict[str, str]:
        return self.fields["due_date"].parts(self["due_date"])


NOT_AVAILABLE_REASON_REQUIRED = "Say why the outputs are not available this period"


class OutputsField(forms.DecimalField):
    """A number of outputs, read as every route reads numbers: '1,200' is 1200 (plans.sheets.cells.read_decimal)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").strip()
        return super().to_python(value)


class ProgressForm(GovukFormMixin, forms.Form):
    """A lead officer's progress on one action in one period."""

    narrative = GovukTextareaField(
        ProgressReport._meta.get_field("narrative"), noun="Progress in this period", rows=8,
        label="Progress in this period",
        help_text="What was done, what changed for people, and anything holding the action back",
    )
    rag = forms.ChoiceField(
        label="RAG status", required=False, choices=ProgressReport.Rag.choices, widget=forms.RadioSelect,
        help_text="Red: off track. Amber: at risk. Green: on track.",
        error_messages={"invalid_choice": "Choose red, amber or green"},
    )
    outputs_achieved = OutputsField(
        label="Outputs achieved in this period", required=False, min_value=Decimal(0), max_digits=12,
        decimal_places=2, localize=False, widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the outputs achieved as a number, like 12",
            "min_value": "Outputs achieved cannot be less than 0",
            "max_decimal_places": "Enter the outputs achieved to no more than 2 decimal places",
            "max_digits": "Enter a smaller number of outputs achieved",
            "max_whole_digits": "Enter a smaller number of outputs achieved",
        },
    )
    rag_reason = GovukTextareaField(
        ProgressReport._meta.get_field("rag_reason"), noun="Why the RAG status differs from the suggested one",
        rows=3, label="If you choose a RAG status other than the suggested one, why?",
        help_text="The indicator owner and the report show your reason beside the RAG status",
    )
    outputs_not_available = forms.BooleanField(label="The outputs are not available this period", required=False)
    outputs_not_available_reason = GovukTextareaField(
        ProgressReport._meta.get_field("outputs_not_available_reason"), noun="Why the outputs are not available",
        rows=3, label="Why are the outputs not available this period?",
    )
    version = VersionField()

    def __init__(self, *args, with_outputs: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_outputs:
            for name in ("rag_reason", "outputs_achieved", "outputs_not_available", "outputs_not_available_reason"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outputs_not_available") and not cleaned.get("outputs_not_available_reason", "").strip():
            self.add_error("outputs_not_available_reason", NOT_AVAILABLE_REASON_REQUIRED)
        return cleaned

    def not_available_reason(self) -> str:
        """Return the reason the outputs are not available, or '' unless the box saying so is ticked."""
        data = getattr(self, "cleaned_data", {})
        return data.get("outputs_not_available_reason", "") if data.get("outputs_not_available") else ""

    @classmethod
    def initial_for(cls, progress: ProgressReport | None, suggested_rag: str = "") -> dict:
        """Return what the form shows first: the saved entry, with the RAG the outputs suggest where none is chosen."""
        if progress is None:
            return {"version": 0, "rag": suggested_rag}
        return {"narrative": progress.narrative, "rag": progress.rag or suggested_rag, "version": progress.version,
                "rag_reason": progress.rag_reason, "outputs_achieved": plain_number(progress.outputs_achieved),
                "outputs_not_available": bool(progress.outputs_not_available_reason),
                "outputs_not_available_reason": progress.outputs_not_available_reason}


class IndicatorValueForm(GovukFormMixin, forms.Form):
    """A data expert's value for one indicator in one period.

    One row of the values page's single form, named by its prefix (indicator-<pk>-value), so that one Save or Submit
    carries every row.
    """

    value = forms.CharField(
        label="Value", required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )
    commentary = GovukTextareaField(
        IndicatorValue._meta.get_field("commentary"), noun="Commentary", rows=4, label="Commentary",
        help_text="What the figure shows, and why it misses its target if it does",
    )
    confirm_outlier = forms.BooleanField(label="I have checked this value and it is right", required=False)
    version = VersionField()

    def __init__(self, *args, value_label: str = "", value_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if value_label:
            self.fields["value"].label = value_label
        if value_hint:
            self.fields["value"].help_text = value_hint

    @staticmethod
    def initial_for(entry, decimal_places: int) -> dict:
        if entry is None:
            return {"version": 0}
        return {"value": f"{entry.value:.{decimal_places}f}", "commentary": entry.commentary,
                "confirm_outlier": entry.outlier_confirmed, "version": entry.version}


class SendBackForm(GovukFormMixin, forms.Form):
    """Send chosen items of a return back: the progress entries and values ticked, each with a comment of its own
    or the comment for all ticked items.

    The fields come in page order (the error summary lists them so): the ticks, a comment box under each item,
    then the comment for all.
    """

    items = forms.MultipleChoiceField(
        label="Which items need work?", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Only these go back to their officers; the rest stay as they are.",
        error_messages={
            "invalid_choice": "An item you selected can no longer be sent back: it has been sent back, signed off or "
                              "changed since you opened this page. Select from the list below",
        },
    )

    def __init__(self, *args, progress: list[ProgressReport], values: list[IndicatorValue], **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = {}
        self.groups = []
        index = 0
        for group_id, heading, entries in (
            ("progress", "Progress on delivery actions", progress), ("values", "Indicator values", values),
        ):
            rows = []
            for entry in entries:
                key = services.send_back_key(entry)
                label, hint = _send_back_label(entry)
                name = services.send_back_comment_field(key)
                self.fields[name] = GovukTextareaField(
                    ProgressReport._meta.get_field("reviewer_comment"), noun="Your comment", rows=3,
                    label=f"What needs to change in {label}?",
                )
                self.entries[key] = entry
                rows.append({"key": key, "label": label, "hint": hint, "name": name, "index": index})
                index += 1
            if rows:
                self.groups.append({"id": group_id, "heading": heading, "rows": rows})
        self.fields["items"].choices = [(key, key) for key in self.entries]
        self.fields["comment"] = GovukTextareaField(  # kept as each item's reviewer comment and in its history
            ProgressReport._meta.get_field("reviewer_comment"), noun="The comment for all selected items",
            label="Comment for all the items you selected (optional)",
            help_text="Used for each selected item you have not written a comment for. The officers see it on their "
                      "returns page and in an email",
        )

    def rows(self):
        """Yield each group of items with, for each item, whether it is ticked and its comment box."""
        chosen = set(self["items"].value() or [])
        for group in self.groups:
            yield {**group, "rows": [
                {**row, "checked": row["key"] in chosen, "field": self[row["name"]]} for row in group["rows"]
            ]}

    def chosen_items(self) -> list[services.SendBackItem]:
        return [
            services.SendBackItem(self.entries[key], self.cleaned_data.get(services.send_back_comment_field(key), ""))
            for key in self.cleaned_data.get("items", [])
        ]


def _send_back_label(entry: ProgressReport | IndicatorValue) -> tuple[str, str]:
    """Return an item's label (the action or indicator) and hint (who reports it, and its status)."""
    if isinstance(entry, ProgressReport):
        action = entry.action
        label = " ".join(filter(None, [action.reference, action.title]))
        reporter = action.who_reports()
        who = reporter.name if reporter else "A performance officer"
    else:
        indicator = entry.indicator
        label = indicator.code or indicator.name
        who = indicator.data_expert.name if indicator.data_expert else "No data expert"
    return label, f"{who}: {entry.get_status_display().lower()}"


class ReopenForm(GovukFormMixin, forms.Form):
    """Reopen a signed-off return: the reason is recorded with the move."""

    reason = GovukTextareaField(
        WorkflowEvent._meta.get_field("comment"), noun="The reason", label="Why does this return need to be reopened?",
        help_text="This is kept in the return's history with your name",
    )


class ConfirmForm(GovukFormMixin, forms.Form):
    """A form with no fields, for a button that confirms a move (close a round, sign a return off)."""
