"""Which partnership each request works in: the middleware that puts every request's reads in scope
(plans.partnerships), and the choice of partnership a person with roles in several makes.

Someone with roles in one partnership works in it. Someone with roles in several works in one at a time, the one
they last chose (kept in their session), and switches between them from the header. A site administrator (a
superuser) sees every partnership until they choose one (on an install of one partnership, works in it). A person
with no role anywhere sees no partnership's data.

The scope is asked of the database on every request, in one query, so that a role taken away ends that person's
access at their next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.http import FileResponse
from django.shortcuts import render

from plans import partnerships
from plans.models import Partnership

SESSION_KEY = "partnership"


@dataclass(frozen=True)
class Choice:
    """The partnerships a user may work in, and the one this request works in (None: every one, for a site
    administrator who has not chosen)."""

    available: tuple[tuple[int, str], ...] = ()  # (id, name) of each, by name
    chosen: int | None = None
    everything: bool = False

    @property
    def scope(self) -> partnerships.Scope:
        if self.everything and self.chosen is None:
            return partnerships.EVERY_PARTNERSHIP
        return frozenset([self.chosen]) if self.chosen is not None else partnerships.NO_PARTNERSHIP

    @property
    def chosen_name(self) -> str:
        return dict(self.available).get(self.chosen, "")

    @property
    def may_switch(self) -> bool:
        return len(self.available) > 1 or self.everything


def choice_for(user, session) -> Choice:
    """Return the partnerships the user may work in and the one chosen, in one query."""
    if not (user.is_authenticated and user.is_active):
        return Choice()
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        available = Partnership.objects.filter(is_active=True)
        if not user.is_superuser:
            available = available.filter(memberships__user=user).distinct()
        rows = tuple(available.order_by("name").values_list("pk", "name"))
    ids = {pk for pk, _name in rows}
    wanted = session.get(SESSION_KEY) if session is not None else None
    if user.is_superuser:
        if wanted not in ids:
            wanted = rows[0][0] if len(rows) == 1 else None  # an install of one partnership: nothing to choose
        return Choice(rows, wanted, True)
    if not rows:
        return Choice()
    return Choice(rows, wanted if wanted in ids else rows[0][0], False)


class PartnershipScopeMiddleware:
    """Run each request inside the scope of the partnership its user works in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        choice = choice_for(request.user, getattr(request, "session", None))
        request.partnership_choice = choice
        with partnerships.within(choice.scope) as scope:
            response = self.get_response(request)
        if response.streaming and not isinstance(response, FileResponse):
            # A streamed download is produced after the view has returned: it reads in the same scope.
            response.streaming_content = partnerships.scoped_iterator(response.streaming_content, scope)
        return response


def works_in_one_partnership(view):
    """Let a view that makes something a partnership owns (a round, a committee pack, an import) run only for
    someone working in one partnership: a site administrator who sees every one is asked to choose first."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        choice = getattr(request, "partnership_choice", None)
        if choice is not None and choice.scope is partnerships.EVERY_PARTNERSHIP:
            return render(request, "monitoring/pages/choose_partnership_first.html", status=409)
        return view(request, *args, **kwargs)

    return wrapped
