"""manage.py restore FILE: load a `manage.py backup` file into a migrated database, all of it or nothing.

It refuses a database that already holds data, unless --force, which first deletes every row the backup
would hold, together with sessions, the admin log and the task queue, and then loads the backup, all in one
transaction: if any row fails to load, the database is left exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from monitoring.management.commands.backup import backed_up_models, check_file_name, check_migrated, row_counts

# Tables a restore keeps: they are made by migrate and the backup refers to them by natural key.
KEPT_MODELS = ["contenttypes.contenttype", "auth.permission"]

NOT_EMPTY = (
    "This database already holds data ({examples}). Restoring would mix two databases. Restore into a new, "
    "migrated database, or pass --force to delete everything in this one first."
)


def tables_to_clear(connection) -> list[str]:
    kept = {apps.get_model(label)._meta.db_table for label in KEPT_MODELS}
    existing = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return sorted(table for table in existing if table not in kept)


class Command(BaseCommand):
    help = (
        "Load FILE, written by `manage.py backup`, into this database in one transaction. Run `manage.py migrate` "
        "first. Refuses a database that already holds data unless --force, which deletes everything in it "
        "(users, plans, returns, history, sessions) before loading."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A file written by manage.py backup")
        parser.add_argument(
            "--force", action="store_true",
            help="Delete every row of this database first. Everything not in the backup is lost.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file: str, force: bool, database: str, verbosity: int = 1, **options):
        path = Path(file).resolve()
        check_file_name(path)
        if not path.is_file():
            raise CommandError(f"There is no backup file at {path}.")
        connection = connections[database]
        check_migrated(connection)

        with transaction.atomic(using=database):
            held = {label: count for label, count in row_counts(database).items() if count}
            if held and not force:
                examples = ", ".join(f"{count} {label}" for label, count in sorted(held.items())[:3])
                raise CommandError(NOT_EMPTY.format(examples=examples))
            if force:
                if connection.vendor == "postgresql":
                    # TRUNCATE refuses tables with foreign-key checks still pending in this transaction.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                statements = connection.ops.sql_flush(
                    no_style(), tables_to_clear(connection), reset_sequences=True, allow_cascade=False
                )
                connection.ops.execute_sql_flush(statements)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            call_command("loaddata", str(path), database=database, verbosity=0)
            counts = row_counts(database)
        if verbosity:
            rows = sum(count for label, count in counts.items() if label.count(".") == 1)
            self.stdout.write(f"Restored {rows} rows of {len(backed_up_models())} models from {path}.")
            if verbosity > 1:
                for label, count in sorted(counts.items()):
                    self.stdout.write(f"  {label}: {count}")
