"""Which partnership an API request works in, once DRF knows who is asking.

The web's middleware (monitoring.partnership_scope) scopes a request by its session's user before the view
runs; a token's user is only known inside DRF's `initial()`. So the API works out the same Choice there, with the
same function, and runs the rest of the request within its scope:

- someone with roles in one partnership works in it;
- someone with roles in several names one with the `X-Partnership: <id>` header (or `?partnership=<id>`); a
  browser session without either works in the partnership chosen on the site, a token without either is refused
  (400), since a script should not depend on the order of partnerships' names;
- a site administrator sees every partnership unless they name one;
- naming a partnership the caller holds no role in, or one that does not exist, is refused alike (403).
"""

from __future__ import annotations

from contextlib import ExitStack

from rest_framework import exceptions, status

from monitoring import audit
from monitoring.api.tokens import ApiToken
from monitoring.partnership_scope import SESSION_KEY, Choice, choice_for
from plans import partnerships

HEADER = "X-Partnership"
QUERY_PARAMETER = "partnership"

NOT_A_NUMBER = "The X-Partnership header must be a partnership's id, a whole number."
NOT_YOURS = "You hold no role in partnership {id}."
AMBIGUOUS = ("You hold roles in several partnerships: name the one this request is for with the X-Partnership "
             "header, one of {ids}.")
NO_ROLE = "You hold no role in any partnership, so there is nothing for you to see."
TOKEN_DETAIL = "token “{name}” ({prefix}…)"
SESSION_DETAIL = "signed-in session"


class ChoosePartnership(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = AMBIGUOUS
    default_code = "choose_partnership"


def _wanted(request) -> int | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        raw = request.query_params.get(QUERY_PARAMETER)
    if raw is None or raw == "":
        return None
    try:
        wanted = int(raw.strip())
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"partnership": [NOT_A_NUMBER]}) from None
    if not 0 < wanted < 2**63:
        raise exceptions.PermissionDenied(NOT_YOURS.format(id=wanted))
    return wanted


def api_choice(request) -> Choice:
    """Return the partnership(s) the authenticated request works in; raise a 400 or 403 if it cannot say."""
    wanted = _wanted(request)
    by_token = isinstance(request.auth, ApiToken)
    session = None if by_token else getattr(request._request, "session", None)
    choice = choice_for(request.user, {SESSION_KEY: wanted} if wanted is not None else session)
    ids = [pk for pk, _name in choice.available]
    if wanted is not None and wanted not in ids:
        raise exceptions.PermissionDenied(NOT_YOURS.format(id=wanted))
    if not choice.available and not choice.everything:
        raise exceptions.PermissionDenied(NO_ROLE)
    if wanted is None and len(ids) > 1 and not choice.everything and session is None:
        raise ChoosePartnership(AMBIGUOUS.format(ids=", ".join(str(pk) for pk in ids)))
    return choice


def channel_detail(auth) -> str:
    """Return how the audit names the request's credentials: the token's name and prefix, or the session."""
    if not isinstance(auth, ApiToken):
        return SESSION_DETAIL
    room = audit.DETAIL_LENGTH - len(TOKEN_DETAIL.format(name="", prefix=auth.prefix))
    return TOKEN_DETAIL.format(name=audit.shorten(auth.name, room), prefix=auth.prefix)


class PartnershipScoped:
    """Mixin of every API view: run the request, after authentication, within the caller's partnership scope and
    with its writes audited as made through the API."""

    def dispatch(self, request, *args, **kwargs):
        self._partnership_scope = ExitStack()
        with self._partnership_scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        # Authentication, then the scope, then permissions and throttles (which may read scoped rows).
        self.perform_authentication(request)
        if request.user.is_authenticated:
            # Every write of the request is audited as made through the API, with its token (monitoring.audit).
            self._partnership_scope.enter_context(audit.through(audit.Via.API, detail=channel_detail(request.auth)))
            choice = api_choice(request)
            request.partnership_choice = choice
            self._partnership_scope.enter_context(partnerships.within(choice.scope))
        super().initial(request, *args, **kwargs)
