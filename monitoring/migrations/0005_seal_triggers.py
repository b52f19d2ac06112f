"""The database's own guard of signed-off returns, on SQLite and PostgreSQL alike.

While a seal stands (plans.Seal, with the indicators it covers in indicators.ValueSeal), these triggers refuse
any insert, update or delete of what it holds: the values of its indicators for its period, the progress entries
of its return, the return itself, and its period's dates. A seal itself can be removed only once a reopening of
its return has been recorded (a 'reopen' workflow event after the seal), which is what the reopening service
does first. Every refusal is an integrity error whose message starts with SEALED_ERROR, which the application
turns into words (monitoring.seals).

Python checks the same rules first for a message in the user's words; these stand behind every route, raw SQL
included. On SQLite, the embedded default for one machine, only inserts and updates are refused here: SQLite has no
TRUNCATE, so `manage.py flush` (and the test suite between tests) empties tables with DELETE, which a delete trigger
would refuse; deletes there are refused by the models and the admin. PostgreSQL's flush truncates, which row
triggers do not see, so it refuses deletes too.
"""

from django.db import migrations

SEALED_ERROR = "sealed"

VALUE_SEALED = """EXISTS (SELECT 1 FROM indicators_valueseal v JOIN plans_seal s ON s.id = v.seal_id
    WHERE v.indicator_id = {row}.indicator_id AND s.period_id = {row}.period_id)"""
RETURN_SEALED = """EXISTS (SELECT 1 FROM monitoring_return r
    JOIN monitoring_reportinground g ON g.id = r.round_id
    JOIN plans_seal s ON s.plan_id = r.plan_id AND s.period_id = g.period_id
    WHERE r.id = {row}.{column})"""
REOPENING_RECORDED = """EXISTS (SELECT 1 FROM monitoring_workflowevent e
    JOIN monitoring_return r ON r.id = e.report_id
    JOIN monitoring_reportinground g ON g.id = r.round_id
    WHERE r.plan_id = {seal}.plan_id AND g.period_id = {seal}.period_id AND e.move = 'reopen'
      AND e.progress_id IS NULL AND e.indicator_value_id IS NULL AND e.at >= {seal}.sealed_at)"""
PERIOD_SEALED = "EXISTS (SELECT 1 FROM plans_seal s WHERE s.period_id = {row}.id)"
PERIOD_MOVED = "(OLD.kind <> NEW.kind OR OLD.start <> NEW.start OR OLD.\"end\" <> NEW.\"end\")"


def rules():
    """Return (name, table, event, condition, what) for every trigger: refuse `event` on `table` when `condition`."""
    value_seal_reopened = (
        f"NOT EXISTS (SELECT 1 FROM plans_seal s2 WHERE s2.id = OLD.seal_id AND {REOPENING_RECORDED.format(seal='s2')})"  # noqa: S608 (constants only)
    )
    return [
        ("value_insert", "indicators_indicatorvalue", "INSERT", VALUE_SEALED.format(row="NEW"), "an indicator value"),
        ("value_update", "indicators_indicatorvalue", "UPDATE",
         f"{VALUE_SEALED.format(row='OLD')} OR {VALUE_SEALED.format(row='NEW')}", "an indicator value"),
        ("value_delete", "indicators_indicatorvalue", "DELETE", VALUE_SEALED.format(row="OLD"), "an indicator value"),
        ("progress_insert", "monitoring_progressreport", "INSERT",
         RETURN_SEALED.format(row="NEW", column="report_id"), "a progress entry"),
        ("progress_update", "monitoring_progressreport", "UPDATE",
         f"{RETURN_SEALED.format(row='OLD', column='report_id')} OR {RETURN_SEALED.format(row='NEW', column='report_id')}",
         "a progress entry"),
        ("progress_delete", "monitoring_progressreport", "DELETE",
         RETURN_SEALED.format(row="OLD", column="report_id"), "a progress entry"),
        ("return_update", "monitoring_return", "UPDATE", RETURN_SEALED.format(row="OLD", column="id"), "a return"),
        ("return_delete", "monitoring_return", "DELETE", RETURN_SEALED.format(row="OLD", column="id"), "a return"),
        ("period_update", "plans_period", "UPDATE", f"{PERIOD_MOVED} AND {PERIOD_SEALED.format(row='OLD')}",
         "the dates of a period"),
        ("period_delete", "plans_period", "DELETE", PERIOD_SEALED.format(row="OLD"), "a period"),
        ("seal_update", "plans_seal", "UPDATE", "1 = 1", "a seal"),
        ("seal_delete", "plans_seal", "DELETE", "NOT " + REOPENING_RECORDED.format(seal="OLD"), "a seal"),
        ("valueseal_update", "indicators_valueseal", "UPDATE", "1 = 1", "a seal"),
        ("valueseal_delete", "indicators_valueseal", "DELETE", value_seal_reopened, "a seal"),
    ]


def message(what: str) -> str:
    """Return the trigger's error: plain words, no quotes (they would end the SQL string)."""
    return f"{SEALED_ERROR}: {what} of a signed-off return cannot change until the return is reopened"


def seal_signed_off_returns(apps, schema_editor):
    """Seal the returns signed off before seals existed, with the indicators their plans hold now."""
    Return = apps.get_model("monitoring", "Return")
    Seal = apps.get_model("plans", "Seal")
    ValueSeal = apps.get_model("indicators", "ValueSeal")
    PlanIndicator = apps.get_model("indicators", "PlanIndicator")
    for report in Return.objects.filter(status="signed_off").select_related("round"):
        seal, _ = Seal.objects.get_or_create(plan_id=report.plan_id, period_id=report.round.period_id)
        indicators = PlanIndicator.objects.filter(plan_id=report.plan_id).values_list("indicator_id", flat=True)
        ValueSeal.objects.bulk_create(
            [ValueSeal(seal=seal, indicator_id=indicator) for indicator in indicators], ignore_conflicts=True
        )


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, event, condition, what in rules():
        trigger = f"seal_{name}"
        if vendor == "sqlite" and event != "DELETE":
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE {event} ON {table} FOR EACH ROW WHEN {condition} "
                f"BEGIN SELECT RAISE(ABORT, '{message(what)}'); END"
            )
        elif vendor == "postgresql":
            row = "OLD" if event == "DELETE" else "NEW"
            schema_editor.execute(
                f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION '{message(what)}' USING ERRCODE = 'integrity_constraint_violation'; "
                f"END IF; RETURN {row}; END $$"
            )
            schema_editor.execute(f"CREATE TRIGGER {trigger} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {trigger}()")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, _event, _condition, _what in rules():
        trigger = f"seal_{name}"
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}()")


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_seals"),
        ("indicators", "0003_seals"),
        ("plans", "0003_seals"),
    ]

    operations = [
        migrations.RunPython(seal_signed_off_returns, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
