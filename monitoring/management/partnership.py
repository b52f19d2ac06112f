"""The `--partnership` option of the management commands that read or write one partnership's data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from plans import partnerships
from plans.models import Partnership


class PartnershipCommand(BaseCommand):
    """A command run inside one partnership's scope (`--partnership NAME`), or every partnership's.

    A command whose work is one partnership's (a report, a committee pack, an import, an export) sets
    `one_partnership`: on an install of several it must be told which, and on an install of one it works in that
    one. Others (reminders) work across every partnership unless told otherwise.
    """

    one_partnership = False

    def add_arguments(self, parser):
        parser.add_argument("--partnership", metavar="NAME",
                            help="Work in this partnership only, by its name (for example 'Coventry Partnership').")

    def execute(self, *args, **options):
        with partnerships.within(self.scope(options.get("partnership"))):
            return super().execute(*args, **options)

    def scope(self, name: str | None) -> partnerships.Scope:
        try:
            with partnerships.within(partnerships.EVERY_PARTNERSHIP):
                names = dict(Partnership.objects.values_list("name", "pk"))
        except DatabaseError:
            # A database not migrated yet holds no partnership's data: the command goes on to say what else is wrong.
            names = {}
        if name:
            if name not in names:
                known = ", ".join(sorted(names)) or "none yet"
                raise CommandError(f"There is no partnership called {name!r}. Partnerships: {known}.")
            return frozenset([names[name]])
        if not self.one_partnership:
            return partnerships.EVERY_PARTNERSHIP
        if len(names) == 1:
            return frozenset(names.values())
        if not names:
            return partnerships.EVERY_PARTNERSHIP  # nothing to keep apart: the command finds nothing to work on
        raise CommandError(f"Name the partnership with --partnership: this install has {len(names)} "
                           f"({', '.join(sorted(names))}).")
