"""Writing many rows at once: plain multi-row INSERTs, one parameterised UPDATE, and history rows copied by
the database itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, models
from django.utils import timezone

# Django's bulk_create() compiles an expression per value, bulk_update() a CASE WHEN per field per row (30 s for
# 10,000 values on PostgreSQL), and django-simple-history's bulk helpers build a model instance per history row.
# An import of 10,000 values spent most of its time there, so rows are inserted with plain multi-row INSERTs,
# updated with one parameterised UPDATE run for every row, and their history rows are copied from the saved rows
# by the database itself, one INSERT ... SELECT per batch. The history rows hold exactly what simple-history's own
# helpers would write: every field, the time, the user, the reason and the type ('+' created, '~' changed).

HISTORY_BATCH = 900  # primary keys per INSERT ... SELECT: under SQLite's oldest limit of 999 parameters


NATIVE_TYPES = {  # fields whose Python values both database drivers take as they are
    "CharField", "TextField", "BooleanField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SmallIntegerField", "BigIntegerField", "ForeignKey",
}


def _adapter(model_field) -> Callable:
    if model_field.get_internal_type() in NATIVE_TYPES:
        return lambda value: value
    return lambda value: model_field.get_db_prep_save(value, connection)


def insert_rows(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert the objects with multi-row INSERT ... RETURNING statements and set their primary keys, as
    bulk_create() does, without compiling an expression per value."""
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objects)
        return
    fields = [model_field for model_field in model._meta.concrete_fields if not model_field.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    adapters = list(zip(fields, [_adapter(model_field) for model_field in fields], strict=True))
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608 (quoted names from the model; values are parameters)
    tail = f" RETURNING {quote(model._meta.pk.column)}"
    batch = max(1, connection.ops.bulk_batch_size(fields, objects))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start:start + batch]
            params = []
            for obj in chunk:
                for model_field in stamped:
                    model_field.pre_save(obj, True)
                params.extend(adapt(getattr(obj, model_field.attname)) for model_field, adapt in adapters)
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def update_rows(model: type[models.Model], objects: list[models.Model], field_names: Iterable[str]) -> None:
    """Write the named fields of every object with one UPDATE statement run once per row."""
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Table and column names come from the model, quoted; every value is a parameter.
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg2's executemany() makes a round trip per row; execute_batch() sends them in pages.
            from psycopg2.extras import execute_batch

            execute_batch(cursor.cursor, sql, rows, page_size=500)
        else:
            cursor.executemany(sql, rows)


def copy_to_history(model: type[models.Model], pks: list[int], history_type: str, *, user, reason: str) -> None:
    """Add a history row for each of the rows, copied from the table as it now stands."""
    history = model.history.model
    quote = connection.ops.quote_name
    source_columns = {field.attname: field.column for field in model._meta.concrete_fields}
    targets, selects, params = [], [], []
    extra = {
        "history_date": connection.ops.adapt_datetimefield_value(timezone.now()),
        "history_change_reason": reason or None,
        "history_type": history_type,
        "history_user_id": user.pk if user is not None and user.pk else None,
    }
    for history_field in history._meta.concrete_fields:
        if history_field.attname == "history_id":
            continue
        targets.append(quote(history_field.column))
        if history_field.attname in extra:
            selects.append("%s")
            params.append(extra[history_field.attname])
        else:
            selects.append(quote(source_columns[history_field.attname]))
    # Table and column names come from the models, quoted; every value is a parameter.
    insert = f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(targets)}) "
    select = f"SELECT {', '.join(selects)} FROM {quote(model._meta.db_table)} "  # noqa: S608
    sql = insert + select + f"WHERE {quote(model._meta.pk.column)} IN "
    with connection.cursor() as cursor:
        for start in range(0, len(pks), HISTORY_BATCH):
            batch = pks[start:start + HISTORY_BATCH]
            cursor.execute(sql + f"({', '.join(['%s'] * len(batch))})", params + batch)
