"""Form machinery every page shares: sign-in, the GOV.UK error summary, the GOV.UK date input, and service errors
put back beside the fields. The reporting cycle's own forms are in monitoring.cycle.forms."""

from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core import validators
from django.core.exceptions import ValidationError


class SignInForm(AuthenticationForm):
    """Django's sign-in form, saying what to do rather than what went wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask your partnership's performance team to switch it on.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        # Django sets the field's max_length from the user model but adds no validator for it. A longer username
        # names no account; refused here, it never reaches authenticate() and so never django-axes, whose
        # 255-character column refused a 256-character one with a 500 on PostgreSQL.
        username.validators.append(validators.MaxLengthValidator(
            username.max_length, message=f"Username must be {username.max_length} characters or fewer",
        ))



class GovukFormMixin:
    """Give a form the links of a GOV.UK error summary: each message, linking to the field it is about."""

    def anchor(self, name: str | None) -> str:
        """Return the id of the input an error about this field should take the reader to."""
        if name is None or name not in self.fields:
            name = next(iter(self.visible_fields()), None)
            return name.id_for_label if name else ""
        bound = self[name]
        widget = self.fields[name].widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"{bound.auto_id}_0"
        if isinstance(widget, forms.MultiWidget):
            return f"{bound.auto_id}_day"
        return bound.id_for_label

    def error_summary(self) -> list[dict[str, str]]:
        """Return the form's errors in page order, each with the href of its field."""
        if not self.is_bound:
            return []
        summary = [{"href": f"#{self.anchor(None)}", "text": message} for message in self.non_field_errors()]
        for name in self.fields:
            summary += [{"href": f"#{self.anchor(name)}", "text": message} for message in self.errors.get(name, [])]
        return summary


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it names, the rest at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class GovukTextareaField(forms.CharField):
    """A textarea for a model's free-text field, holding no more than the field does, with a GOV.UK message past it.

    The limit is the model field's max_length; templates/includes/_field_textarea.html shows it with the GOV.UK
    character count. A line break counts as one character, as the count counts it, however the browser sent it.
    """

    def __init__(self, model_field, *, noun: str, rows: int = 5, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(max_length=model_field.max_length, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)
        self.error_messages["max_length"] = f"{noun} must be {model_field.max_length:,} characters or fewer"

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


class GovukDateWidget(forms.MultiWidget):
    """The three boxes of a GOV.UK date input: day, month and year."""

    def __init__(self):
        numeric = {"inputmode": "numeric"}
        super().__init__({"day": forms.TextInput(numeric), "month": forms.TextInput(numeric),
                          "year": forms.TextInput(numeric)})

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the messages the GOV.UK date input pattern uses."""

    widget = GovukDateWidget

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun
        parts = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(parts, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {noun}"

    def compress(self, data_list):
        day, month, year = ((part or "").strip() for part in (data_list or ["", "", ""]))
        if not (day or month or year):
            return None
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"The {self.noun} must include a {' and '.join(missing)}")
        if len(year) != 4:
            raise ValidationError(f"The year of the {self.noun} must have 4 numbers, like 2008")
        try:
            typed = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise ValidationError(f"The {self.noun} must be a real date, like 31 7 2008") from None
        return typed

    def parts(self, bound_field) -> dict[str, str]:
        values = bound_field.value() if bound_field.form.is_bound else self.widget.decompress(bound_field.initial)
        if not isinstance(values, list | tuple):
            values = self.widget.decompress(values)
        return dict(zip(("day", "month", "year"), ("" if part is None else str(part) for part in values), strict=True))
