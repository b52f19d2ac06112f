"""The page on which someone with roles in several partnerships chooses the one to work in."""

from __future__ import annotations

from django import forms

from monitoring.forms import GovukFormMixin
from monitoring.partnership_scope import SESSION_KEY, Choice

EVERY = "every"


class PartnershipChoiceForm(GovukFormMixin, forms.Form):
    partnership = forms.ChoiceField(
        label="Which partnership do you want to work in?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a partnership", "invalid_choice": "Choose one of the partnerships listed"},
    )

    def __init__(self, *args, choice: Choice, **kwargs):
        super().__init__(*args, **kwargs)
        options = [(str(pk), name) for pk, name in choice.available]
        if choice.everything:
            options.insert(0, (EVERY, "Every partnership"))
        self.fields["partnership"].choices = options
        self.fields["partnership"].initial = str(choice.chosen) if choice.chosen is not None else EVERY

    def save(self, session) -> None:
        """Remember the choice in the session: the next request works in it."""
        chosen = self.cleaned_data["partnership"]
        if chosen == EVERY:
            session.pop(SESSION_KEY, None)
        else:
            session[SESSION_KEY] = int(chosen)
