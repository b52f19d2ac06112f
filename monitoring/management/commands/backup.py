"""manage.py backup FILE: every row of the database as one consistent JSON file, for `manage.py restore FILE`.

What is left out is what the database rebuilds or does without: content types and permissions (made by
`migrate`, and referred to by natural key), sessions (everyone signs in again), the admin's change log,
django-axes' running count of failed sign-ins, and the queue of background tasks. Users, groups and
everything they own are written with natural keys, so a restore into a freshly migrated database joins them up
whatever ids that database hands out.

Uploaded files and generated reports live in MEDIA_ROOT, not the database: copy that folder with the backup.
"""

from __future__ import annotations

import bz2
import datetime
import gzip
import lzma
import os
from collections import Counter
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Prefetch

# App labels and app_label.Model names that a backup leaves out (see the module's docstring).
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "django_tasks_database",
]
SUFFIXES = (".json", ".json.gz", ".json.bz2", ".json.xz")


def is_backed_up(model) -> bool:
    meta = model._meta
    return (
        meta.app_label not in EXCLUDED and meta.label_lower not in EXCLUDED
        and not meta.proxy and meta.managed
    )


def backed_up_models() -> list:
    """Return the models whose rows a backup holds (many-to-many tables travel with their models)."""
    return [model for model in apps.get_models() if is_backed_up(model)]


def row_counts(using: str = DEFAULT_DB_ALIAS) -> Counter:
    """Return {model label: rows} for every backed-up model, and every many-to-many table."""
    counts = Counter()
    for model in backed_up_models():
        counts[model._meta.label] = model._base_manager.using(using).count()
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                counts[f"{model._meta.label}.{field.name}"] = through._base_manager.using(using).count()
    return counts


def check_file_name(path: Path) -> None:
    if not path.name.endswith(SUFFIXES):
        raise CommandError(f"Name the backup file with one of these endings: {', '.join(SUFFIXES)}")


def check_migrated(connection) -> None:
    """Refuse a database whose tables are not those of this code: run migrate first."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError("This database is not fully migrated: run `manage.py migrate` first.")


class ExactJSONEncoder(DjangoJSONEncoder):
    """Write times to the microsecond: Django's encoder (and so dumpdata) cuts them to the millisecond.

    Moves and history records made within one millisecond would otherwise come back equal, and the history's
    "changed since sign-off" compares such times.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def open_backup(path: Path, mode: str):
    """Open a backup file for text, through the compression its name asks for."""
    return OPENERS.get(path.suffix, open)(path, mode + "t", encoding="utf-8")


def has_natural_key(model) -> bool:
    return hasattr(model, "natural_key") and hasattr(model._default_manager, "get_by_natural_key")


def rows_of(model, using: str = DEFAULT_DB_ALIAS):
    """Every row of model in id order, with what the serialiser reads for natural keys and many-to-many fields
    fetched alongside, a batch of rows at a time, rather than with a query per row."""
    queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
    natural = [
        field.name for field in model._meta.concrete_fields
        if field.is_relation and has_natural_key(field.related_model)
    ]
    if natural:
        queryset = queryset.select_related(*natural)
    for field in model._meta.many_to_many:
        if field.remote_field.through._meta.auto_created:
            target = field.related_model
            # The target's natural key may read its own foreign keys (a permission's content type).
            related = target._default_manager.select_related() if has_natural_key(target) else target._default_manager.all()
            queryset = queryset.prefetch_related(Prefetch(field.name, queryset=related.using(using)))
    return queryset.iterator(chunk_size=2000)


def dump(stream, using: str = DEFAULT_DB_ALIAS) -> None:
    """Write every backed-up row to the stream as a Django JSON fixture, models in dependency order.

    What dumpdata does with --natural-foreign --natural-primary --all, with times written exactly.
    """
    by_app: dict = {}
    for model in backed_up_models():
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    models = serializers.sort_dependencies(by_app.items(), allow_cycles=True)

    def rows():
        for model in models:
            yield from rows_of(model, using)

    serializers.serialize(
        "json", rows(), stream=stream, use_natural_foreign_keys=True, use_natural_primary_keys=True,
        cls=ExactJSONEncoder,
    )


class Command(BaseCommand):
    help = (
        "Write every row of the database (but sessions, content types, permissions, the admin log, sign-in "
        "throttling and the task queue) to FILE as JSON with natural keys, read in one transaction so that it "
        "is consistent while the site runs. FILE ends in .json, .json.gz, .json.bz2 or .json.xz (compressed). "
        "Restore it with `manage.py restore FILE`. Copy MEDIA_ROOT alongside: files are not in the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the backup, e.g. monitor-2026-11-24.json.gz")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file: str, database: str, verbosity: int = 1, **options):
        path = Path(file).resolve()
        check_file_name(path)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        # Written beside the target and renamed at the end, so that a failed run never leaves half a backup
        # under the real name.
        partial = path.with_name(f".partial-{os.getpid()}-{path.name}")
        connection = connections[database]
        check_migrated(connection)
        outermost = not connection.in_atomic_block
        try:
            with transaction.atomic(using=database):
                if connection.vendor == "postgresql" and outermost:
                    # One snapshot for every table: rows written while the backup runs are either all in or all out.
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                counts = row_counts(database)
                with open_backup(partial, "w") as stream:
                    dump(stream, database)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        if verbosity:
            rows = sum(count for label, count in counts.items() if label.count(".") == 1)
            self.stdout.write(f"Backed up {rows} rows of {len(backed_up_models())} models to {path}.")
            if verbosity > 1:
                for label, count in sorted(counts.items()):
                    self.stdout.write(f"  {label}: {count}")

