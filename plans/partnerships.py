"""Which partnerships' rows the running code may see: the one place every read of partnership-owned data is scoped.

A partnership owns its plans and everything that hangs from them (actions, values, funding, risks, rounds, returns,
imports, reports). Each partnership-owned model's default manager is a `ScopedManager`, which adds the current
scope's filter to every queryset it makes, so that a page, the admin, an import or a report cannot forget it: an
object of another partnership is simply not found (404), as if it did not exist.

The scope is a context variable:

- a web request runs `within()` the partnerships its user may see (monitoring.partnership_scope sets it);
- a management command or the worker sees every partnership unless told otherwise (`--partnership`), as the
  process default of manage.py is `EVERY_PARTNERSHIP`;
- a WSGI process sees nothing outside a request (`close_by_default()`), so code running after its request's scope
  has ended finds no rows rather than every row.

Forward foreign keys (`action.plan`) read through Django's base manager and are not filtered: they start from a row
that was already in scope. On PostgreSQL, row-level security stands behind this (see docs/deployment.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.db.models import Q


class _Everything:
    """The scope of code that may see every partnership: commands, migrations, a site administrator's pages."""

    def __repr__(self):
        return "EVERY_PARTNERSHIP"


EVERY_PARTNERSHIP = _Everything()
NO_PARTNERSHIP: frozenset[int] = frozenset()

Scope = frozenset[int] | _Everything

_scope: ContextVar[Scope | None] = ContextVar("partnership_scope", default=None)
_process_default: list[Scope] = [EVERY_PARTNERSHIP]


def close_by_default() -> None:
    """Make the process see no partnership outside an explicit scope (the web server's processes)."""
    _process_default[0] = NO_PARTNERSHIP


def current() -> Scope:
    """Return the scope in force: EVERY_PARTNERSHIP, or the ids of the partnerships that may be seen."""
    scope = _scope.get()
    return _process_default[0] if scope is None else scope


def sees_everything() -> bool:
    return current() is EVERY_PARTNERSHIP


def visible_ids() -> frozenset[int] | None:
    """Return the ids of the partnerships in scope, or None when every partnership is."""
    scope = current()
    return None if scope is EVERY_PARTNERSHIP else scope


@contextmanager
def within(scope: Scope | Iterable[int]) -> Iterator[Scope]:
    """Run the block seeing only the given partnerships (ids), or every one (EVERY_PARTNERSHIP)."""
    if scope is not EVERY_PARTNERSHIP:
        scope = frozenset(int(pk) for pk in scope)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def scoped_iterator(iterator: Iterable, scope: Scope) -> Iterator:
    """Yield from the iterator inside the scope: a streamed response is produced after its view has returned."""
    with within(scope):
        yield from iterator


class ScopedManager(models.Manager):
    """The default manager of a partnership-owned model: every queryset it makes is limited to the current scope.

    The model says how a row reaches its partnership, as `partnership_path` ("plan__partnership"), or, where a row
    may be seen by several (a person), by overriding the `_partnership_condition(ids)` classmethod.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        ids = visible_ids()
        if ids is None:
            return queryset
        return queryset.filter(self.model._partnership_condition(ids))


class PartnershipOwned(models.Model):
    """Mixin of a partnership-owned model: its default manager is scoped (see the module's docstring)."""

    partnership_path = ""  # how a row reaches its partnership: "partnership", "plan__partnership"

    objects = ScopedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Code that sees every partnership (a command, a test) on an install of one partnership need not name it.
        if self.partnership_path == "partnership" and self.partnership_id is None:
            self.partnership_id = self._meta.get_field("partnership").related_model.implied_id()
        super().save(*args, **kwargs)

    @classmethod
    def _partnership_condition(cls, ids: frozenset[int]) -> Q:
        """Return the condition that a row's partnership, reached through partnership_path, is one of the ids."""
        path = cls.partnership_path
        field = "pk" if path == "self" else f"{path}_id" if path.endswith("partnership") else f"{path}__pk"
        return Q(**{f"{field}__in": sorted(ids)})


# --- the same scope in PostgreSQL: row-level security -------------------------------------------------------------

# The setting that PostgreSQL's row-level security policies read (monitoring migration 0010): '*' for every
# partnership, else the ids, comma-separated; unset or empty, no partnership's row is seen.
DATABASE_SETTING = "app.partnerships"


def database_scope(scope: Scope) -> str:
    """Return the scope as the database's setting holds it."""
    if scope is EVERY_PARTNERSHIP:
        return "*"
    return ",".join(str(int(pk)) for pk in sorted(scope))


_READS_OR_WRITES_ROWS = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|MERGE)\b", re.IGNORECASE)


def tell_the_database(execute, sql, params, many, context):
    """Run each statement with the current scope set for it, as a local setting of its own transaction.

    The setting is sent in the same round trip as the statement it guards ("SELECT set_config(...); <statement>"):
    in autocommit the two run as one transaction, and inside a transaction it is set again before every statement.
    Being local to the transaction, it can never outlive it, so the connection is safe to share through a pooler in
    transaction mode. The value is built from integers only, so it is written into the statement as a literal.
    """
    if not _READS_OR_WRITES_ROWS.match(sql):  # CREATE DATABASE, VACUUM and the like run alone, and read no row
        return execute(sql, params, many, context)
    value = database_scope(current())
    return execute(f"SELECT set_config('{DATABASE_SETTING}', '{value}', true); {sql}", params, many, context)


def statement_of(sql: str) -> str:
    """Return a logged statement without the scope that tell_the_database put before it (PostgreSQL logs both)."""
    prefix = f"SELECT set_config('{DATABASE_SETTING}', "
    return sql.split("; ", 1)[1] if sql.startswith(prefix) and "; " in sql else sql


def install_on(connection, **kwargs) -> None:
    """Put the scope into every statement of a new PostgreSQL connection (connected to connection_created)."""
    if connection.vendor == "postgresql" and tell_the_database not in connection.execute_wrappers:
        connection.execute_wrappers.append(tell_the_database)
