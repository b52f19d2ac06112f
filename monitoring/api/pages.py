"""The "API tokens" page of a person's account: make a token (its key shown once), see one's tokens, revoke one.

Every view works on the signed-in user's own tokens only: another person's token is not found (404). Making and
revoking are POSTs with CSRF, like every form of the site; the key appears on the page that answers the POST and
nowhere else (it is never stored, and the page is not cached: monitoring.security.PrivateResponseMiddleware).
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from monitoring.api import tokens
from monitoring.forms import GovukFormMixin

LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("180", "6 months"), ("365", "1 year")]


class TokenForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, required=False,
        help_text="What the token is for, such as the data warehouse's nightly load",
    )
    lifetime = forms.ChoiceField(
        label="When should the token expire?", choices=LIFETIMES, initial="90", widget=forms.RadioSelect,
        error_messages={"required": "Choose when the token expires",
                        "invalid_choice": "Choose one of the expiry periods listed"},
    )

    def save(self, user) -> tuple[tokens.ApiToken, str] | None:
        """Make the token, or put the service's reasons on the form and return None."""
        expires_on = timezone.localdate() + timedelta(days=int(self.cleaned_data["lifetime"]))
        try:
            return tokens.token_create(user=user, name=self.cleaned_data["name"], expires_on=expires_on)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                self.add_error(field if field in self.fields else "lifetime", messages_)
            return None


def api_tokens(request):
    """List the user's tokens and make a new one; the new key is shown on the answer to the POST only."""
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        made = form.save(request.user)
        if made is not None:
            new_key = made[1]
            form = TokenForm()
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "monitoring/api/tokens.html", {
        "form": form, "errors": form.error_summary(), "new_key": new_key, "now": timezone.now(),
        "tokens": tokens.ApiToken.objects.filter(user=request.user).order_by("-created"),
    }, status=status)


@require_POST
def api_token_revoke(request, pk: int):
    try:
        token = tokens.token_revoke(user=request.user, token_id=pk)
    except tokens.ApiToken.DoesNotExist:
        raise Http404("No such token of yours.") from None
    messages.success(request, f"The token ‘{token.name}’ has been revoked. Anything using it can no longer connect.")
    return redirect("api_tokens")
