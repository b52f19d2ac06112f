"""Which way the current write came in (the web page, the API, an import or a command), for the audit.

The record of a write already says who and when; this says through what. The route sets the channel once, where a
request or a command starts, and the audit reads it where it is written:

    with audit.through(audit.Via.API, detail="token “Warehouse loader” (pm_ab12cde…)"):
        services.indicator_value_save(...)  # unchanged

- monitoring.workflow.make_move stamps each WorkflowEvent with the channel (`via`, `via_detail`);
- `name_the_api`, a simple-history receiver connected in MonitoringConfig.ready, gives each history record made
  through the API a change reason naming the API and the token, unless the write gave it a reason of its own
  (`history_reason`, which a bulk copy to the history asks too).

Why a context variable rather than an argument: the services' signatures stay the same for every route (the forms,
the API, imports and commands call the same functions), no route can forget to hand the channel down through the
layers, and each thread and asyncio task has its own, so concurrent requests never see each other's. Outside any
`through` the channel is the web page, so the forms set nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models

# A change reason is at most 100 characters (simple-history's column): the prefix and the detail fit in it.
API_REASON = "Through the API: "
DETAIL_LENGTH = 100 - len(API_REASON)


class Via(models.TextChoices):
    """The channels, named as ImportRecord.Via names the two it shares (page, command)."""

    PAGE = "page", "Web page"
    API = "api", "API"
    IMPORT = "import", "Import"
    COMMAND = "command", "Command line"


@dataclass(frozen=True)
class Channel:
    via: str = Via.PAGE
    detail: str = ""  # which token, file or command, in a reader's words


WEB_PAGE = Channel()  # frozen: the one default every context shares
_channel: ContextVar[Channel] = ContextVar("audit_channel", default=WEB_PAGE)


def current() -> Channel:
    """Return the channel of the write under way: the web page unless a route said otherwise."""
    return _channel.get()


def shorten(text: str, limit: int) -> str:
    """Return the text cut to `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


@contextmanager
def through(via: str, detail: str = "") -> Iterator[Channel]:
    """Make `via` (with its detail) the channel of every write inside the block, or the decorated function."""
    reset = _channel.set(Channel(Via(via), shorten(detail, DETAIL_LENGTH)))
    try:
        yield _channel.get()
    finally:
        _channel.reset(reset)


def api_reason(detail: str) -> str:
    """Return the change reason of a write through the API: "Through the API: token “…” (pm_…)"."""
    return API_REASON + detail if detail else API_REASON.removesuffix(": ")


THROUGH = {Via.API: "through the API", Via.IMPORT: "by an import", Via.COMMAND: "from the command line"}


def through_label(via: str | None, detail: str = "") -> str:
    """Return how a write came in, as the history shows it beside who made it: "through the API, token “…” (pm_…)".

    Nothing for the web page, the usual way. Nothing either for a move recorded before the channel was kept (None,
    before migration 0012): the pages were the usual way then too (the API came with the same issue), and the
    history does not claim a channel it did not record.
    """
    words = THROUGH.get(via, "")
    return f"{words}, {detail}" if words and detail else words


def reason_label(reason: str | None) -> str:
    """Return the label of a history record's change reason if it names the API (see `api_reason`), else ""."""
    if not reason or not reason.startswith(api_reason("")):
        return ""
    return through_label(Via.API, reason.removeprefix(API_REASON) if reason.startswith(API_REASON) else "")


def history_reason(reason: str | None = None) -> str | None:
    """Return the change reason for a history record written now: the write's own if it gave one (an import names
    itself), else the API and the token if the write came through the API, else the one given (none).

    Saves of a model record it through `name_the_api`; a service that copies rows to their history in bulk
    (plans.sheets.bulk.copy_to_history, which sends no signal) passes `reason=audit.history_reason()`.
    """
    channel = current()
    if channel.via == Via.API and not reason:
        return api_reason(channel.detail)
    return reason


def name_the_api(sender, history_instance, **kwargs) -> None:
    """simple-history's pre_create_historical_record: name the API (and the token) as the reason for the change."""
    history_instance.history_change_reason = history_reason(history_instance.history_change_reason)
