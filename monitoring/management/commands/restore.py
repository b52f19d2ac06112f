"""manage.py restore FILE: load a `manage.py backup` file into a migrated database, all of it or nothing.

It refuses a database that already holds data, unless --force, which first deletes every row the backup
would hold, together with sessions, the admin log and the task queue, and then loads the backup, all in one
transaction: if any row fails to load, the database is left exactly as it was.

The rows go in as loaddata would put them (raw, so no save() logic, signals or auto_now stamps change what was
backed up), but a model's rows at a time in multi-row INSERTs, and with natural keys (users, groups, content types,
permissions) looked up in a dictionary read once per model rather than with a query per row. Foreign keys are
checked once, at the end; then the id sequences are moved past the restored ids so that new rows get fresh ones.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction

from monitoring.management.commands.backup import (
    backed_up_models,
    check_file_name,
    check_migrated,
    open_backup,
    row_counts,
)

# Tables a restore keeps: they are made by migrate and the backup refers to them by natural key.
KEPT_MODELS = ["contenttypes.contenttype", "auth.permission"]

NOT_EMPTY = (
    "This database already holds data ({examples}). Restoring would mix two databases. Restore into a new, "
    "migrated database, or pass --force to delete everything in this one first."
)

# Rows per INSERT (fewer where the database limits the parameters of one statement, as SQLite does).
BATCH_SIZE = 2000


def tables_to_clear(connection) -> list[str]:
    kept = {apps.get_model(label)._meta.db_table for label in KEPT_MODELS}
    existing = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return sorted(table for table in existing if table not in kept)


def has_natural_key(model) -> bool:
    return hasattr(model, "natural_key") and hasattr(model._default_manager, "get_by_natural_key")


def is_natural_key(value) -> bool:
    return isinstance(value, list | tuple)


class Loader:
    """Load serialised rows (Django's fixture format, as `manage.py backup` writes it) into one database.

    Rows are converted as django.core.serializers.python.Deserializer converts them and inserted as
    Model.save_base(raw=True) inserts them, a batch of one model's rows per statement.
    """

    def __init__(self, using: str):
        self.using = using
        self.connection = connections[using]
        self.by_natural_key: dict = {}  # model: {natural key: instance}, read on first use
        self.pending: list = []  # (instance, {many-to-many field: [target pks]}) of one model
        self.pending_model = None
        self.loaded_models: set = set()
        self.rows = 0

    def load(self, objects) -> None:
        for obj in objects:
            model = self.model(obj)
            if model is not self.pending_model or len(self.pending) >= BATCH_SIZE:
                self.flush()
                self.pending_model = model
            self.pending.append(self.build(model, obj))
        self.flush()

    # Converting rows -------------------------------------------------------------------------------------------

    @staticmethod
    def model(obj):
        try:
            return apps.get_model(obj["model"])
        except (LookupError, TypeError, KeyError):
            raise DeserializationError(f"Invalid model identifier: {obj.get('model')!r}") from None

    def build(self, model, obj):
        opts = model._meta
        data, many = {}, {}
        pk = obj.get("pk")
        try:
            if pk is not None:
                data[opts.pk.attname] = opts.pk.to_python(pk)
            for name, value in obj["fields"].items():
                field = opts.get_field(name)
                if field.many_to_many:
                    target = field.remote_field.model
                    many[field] = [
                        self.natural(target, item).pk if is_natural_key(item) else target._meta.pk.to_python(item)
                        for item in value
                    ]
                elif field.many_to_one or field.one_to_one:
                    data[field.attname] = self.foreign_key(field, value)
                else:
                    data[field.name] = field.to_python(value)
        except (DeserializationError, CommandError):
            raise
        except Exception as error:
            raise DeserializationError.WithData(error, obj["model"], pk, None) from error
        return model(**data), many

    def foreign_key(self, field, value):
        """The stored value of a foreign key, as django.core.serializers.base.deserialize_fk_value gives it."""
        if value is None:
            return None
        target = field.remote_field.model
        to_field = field.remote_field.field_name
        if is_natural_key(value) and has_natural_key(target):
            value = getattr(self.natural(target, value), to_field)
            return value.pk if target._meta.pk.remote_field else value
        return target._meta.get_field(to_field).to_python(value)

    def natural(self, model, key):
        """The row of model with this natural key, from a dictionary of them all read once."""
        key = tuple(key)
        if model is self.pending_model and self.pending:
            self.flush()  # rows referring to rows of their own model: put those in first
        if model not in self.by_natural_key:
            rows = model._default_manager.db_manager(self.using).select_related()
            self.by_natural_key[model] = {row.natural_key(): row for row in rows}
        found = self.by_natural_key[model].get(key)
        if found is None:
            try:  # the dictionary's key may be typed differently from the backup's: ask as loaddata would
                found = model._default_manager.db_manager(self.using).get_by_natural_key(*key)
            except ObjectDoesNotExist:
                raise CommandError(
                    f"The backup refers to {model._meta.label} {list(key)}, which is neither in the backup (before "
                    "the reference) nor in this database."
                ) from None
        return found

    # Inserting rows --------------------------------------------------------------------------------------------

    def flush(self) -> None:
        model, rows = self.pending_model, self.pending
        if not rows:
            return
        self.pending = []
        opts = model._meta
        instances = [instance for instance, _ in rows]
        if opts.parents:
            # Multi-table inheritance spreads a row over several tables: leave that to save_base (none here today).
            for instance in instances:
                models.Model.save_base(instance, using=self.using, raw=True, force_insert=True)
        else:
            fields = [field for field in opts.local_concrete_fields if not field.generated]
            with_pk = [instance for instance in instances if instance.pk is not None]
            without_pk = [instance for instance in instances if instance.pk is None]
            self.insert(model, with_pk, fields)
            # Rows backed up by natural key alone (users, groups) get their ids from the database, as with loaddata.
            self.insert(model, without_pk, [field for field in fields if field is not opts.pk], returning=True)
        self.by_natural_key.pop(model, None)  # read again, with these rows, when next needed
        self.loaded_models.add(model)
        self.rows += len(instances)

        for field in opts.many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue
            source = through._meta.get_field(field.m2m_field_name()).attname
            target = through._meta.get_field(field.m2m_reverse_field_name()).attname
            links = [
                through(**{source: instance.pk, target: pk})
                for instance, many in rows for pk in dict.fromkeys(many.get(field, ()))
            ]
            through._base_manager.using(self.using).bulk_create(links, batch_size=BATCH_SIZE)
            self.loaded_models.add(through)

    def insert(self, model, instances, fields, returning: bool = False) -> None:
        if not instances:
            return
        manager = model._base_manager.using(self.using)
        ops, features = self.connection.ops, self.connection.features
        size = max(1, min(BATCH_SIZE, ops.bulk_batch_size(fields, instances)))
        returning_fields = model._meta.db_returning_fields if returning else None
        for start in range(0, len(instances), size):
            batch = instances[start:start + size]
            if returning and not features.can_return_rows_from_bulk_insert:
                for instance in batch:
                    models.Model.save_base(instance, using=self.using, raw=True, force_insert=True)
                continue
            try:
                returned = manager._insert(batch, fields=fields, returning_fields=returning_fields, raw=True)
            except DatabaseError as error:
                pks = [instance.pk for instance in batch]
                where = f" (ids {pks[0]} to {pks[-1]})" if pks[0] is not None else ""
                error.args = (f"Could not load {model._meta.label}{where}: {error}",)
                raise
            for instance, values in zip(batch, returned or (), strict=False):
                for field, value in zip(returning_fields, values, strict=True):
                    setattr(instance, field.attname, value)

    def finish(self) -> None:
        """Check every foreign key now, and move id sequences past the restored ids."""
        loaded = sorted(self.loaded_models, key=lambda model: model._meta.db_table)
        self.connection.check_constraints(table_names=[model._meta.db_table for model in loaded])
        statements = self.connection.ops.sequence_reset_sql(no_style(), loaded)
        if statements:
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def load_backup(path: Path, using: str = DEFAULT_DB_ALIAS) -> int:
    """Insert every row of the backup file at path; return how many model rows. Run inside a transaction."""
    with open_backup(path, "r") as stream:
        try:
            objects = json.load(stream)
        except ValueError as error:
            raise CommandError(f"{path} is not a backup: {error}") from None
    if not isinstance(objects, list):
        raise CommandError(f"{path} is not a backup: it holds no list of rows.")
    loader = Loader(using)
    with connections[using].constraint_checks_disabled():
        loader.load(objects)
    loader.finish()
    return loader.rows


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
            load_backup(path, database)
            counts = row_counts(database)
        if connection.vendor == "postgresql":
            # Give the planner the new tables' sizes now, rather than when autovacuum next comes by.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if verbosity:
            rows = sum(count for label, count in counts.items() if label.count(".") == 1)
            self.stdout.write(f"Restored {rows} rows of {len(backed_up_models())} models from {path}.")
            if verbosity > 1:
                for label, count in sorted(counts.items()):
                    self.stdout.write(f"  {label}: {count}")
