"""Row-level security that checks each row on its own: every partnership-owned row carries its partnership.

0010 (and indicators 0008) checked a child row through its parent: an action target through its action, then the
action's plan, each a subquery under its own policy. Measured on 2,000 plans (docs/benchmarks.md), that nesting cost
a page more in planning than in running (a plan page's action query: 1.0 ms to plan as the owner, 5.2 ms under the
policies), and PostgreSQL sometimes chose to hash a whole parent table to check a hundred rows. So, on PostgreSQL only:

- each table that had no partnership column gets `rls_partnership_id`, a copy of its parent's partnership kept by
  triggers: set from the parent on every insert, and again on any update that changes the parent or the copy (so
  nobody can write another value into it), and carried down when a parent moves to another partnership. The parent
  is read under the writer's own policies, so a row whose parent is out of the writer's scope gets no partnership,
  and the policy's WITH CHECK refuses it, as 0010's did;
- every policy compares the row's own column with the scope, read once a statement: `(SELECT
  every_partnership_in_scope())` and `(SELECT partnerships_in_scope())` are uncorrelated subqueries, which PostgreSQL
  works out once (an InitPlan) and not for every row as 0010's partnership_in_scope() was.

The application never reads or writes the copy (the models do not know it): on SQLite, which has no row-level
security, nothing changes. A new partnership-owned table must join CHILDREN (or have a partnership column) and get
its policy in its own migration; tests/test_row_level_security.py fails until it does. 0010's partnership_in_scope()
stays in the database, unused, for 0010's own reversal.
"""

import importlib

from django.db import migrations

POLICY = "partnership_wall"
COPY = "rls_partnership_id"

FUNCTIONS = """
CREATE OR REPLACE FUNCTION every_partnership_in_scope() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('app.partnerships', true), '') = '*'
$$;
CREATE OR REPLACE FUNCTION partnerships_in_scope() RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN coalesce(current_setting('app.partnerships', true), '') IN ('', '*') THEN '{}'::bigint[]
        ELSE string_to_array(current_setting('app.partnerships', true), ',')::bigint[]
    END
$$
"""

# Tables with a partnership column of their own.
OWN = {
    "plans_partnership": "id",
    "plans_membership": "partnership_id",
    "plans_person": "partnership_id",
    "plans_plan": "partnership_id",
    "plans_corporateobjective": "partnership_id",
    "indicators_indicator": "partnership_id",
    "monitoring_reportinground": "partnership_id",
    "monitoring_reportjob": "partnership_id",
    "monitoring_importrecord": "partnership_id",
}

# Every other partnership-owned table: the column naming its parent, and the parent. A parent comes before its
# children, so that filling the copies in this order reads each parent's copy once it is there.
CHILDREN = {
    "plans_planrole": ("plan_id", "plans_plan"),
    "plans_section": ("plan_id", "plans_plan"),
    "plans_priority": ("plan_id", "plans_plan"),
    "plans_actiongroup": ("plan_id", "plans_plan"),
    "plans_deliveryaction": ("plan_id", "plans_plan"),
    "plans_keymeasure": ("plan_id", "plans_plan"),
    "plans_risk": ("plan_id", "plans_plan"),
    "plans_seal": ("plan_id", "plans_plan"),
    "indicators_planindicator": ("plan_id", "plans_plan"),
    "funding_fundingline": ("plan_id", "plans_plan"),
    "funding_budgettable": ("plan_id", "plans_plan"),
    "monitoring_return": ("plan_id", "plans_plan"),
    "monitoring_historicalreturn": ("plan_id", "plans_plan"),
    "plans_corporateoutcome": ("objective_id", "plans_corporateobjective"),
    "plans_objectivecontribution": ("priority_id", "plans_priority"),
    "plans_objectivecontribution_outcomes": ("objectivecontribution_id", "plans_objectivecontribution"),
    "plans_actiontarget": ("action_id", "plans_deliveryaction"),
    "plans_deliveryaction_lead_organisations": ("deliveryaction_id", "plans_deliveryaction"),
    "plans_keymeasure_objectives": ("keymeasure_id", "plans_keymeasure"),
    "indicators_indicator_owners": ("indicator_id", "indicators_indicator"),
    "indicators_indicatortarget": ("indicator_id", "indicators_indicator"),
    "indicators_indicatorvalue": ("indicator_id", "indicators_indicator"),
    "indicators_historicalindicatorvalue": ("indicator_id", "indicators_indicator"),
    "indicators_forecast": ("indicator_id", "indicators_indicator"),
    "indicators_valueseal": ("seal_id", "plans_seal"),
    "funding_fundingamount": ("line_id", "funding_fundingline"),
    "funding_budgetyear": ("table_id", "funding_budgettable"),
    "funding_budgetentry": ("table_id", "funding_budgettable"),
    "monitoring_progressreport": ("report_id", "monitoring_return"),
    "monitoring_historicalprogressreport": ("report_id", "monitoring_return"),
    "monitoring_workflowevent": ("report_id", "monitoring_return"),
    "monitoring_remindersent": ("round_id", "monitoring_reportinground"),
    "monitoring_reportjob_plans": ("reportjob_id", "monitoring_reportjob"),
}


def partnership_column(table: str) -> str:
    return COPY if table in CHILDREN else OWN[table]


EVERY = "(SELECT every_partnership_in_scope())"


def in_scope(column: str) -> str:
    return f"{column} = ANY ((SELECT partnerships_in_scope())::bigint[])"


# Each partnership-owned table, and the condition under which a row of it is in scope (as well as EVERY).
RULES = {table: in_scope(partnership_column(table)) for table in [*OWN, *CHILDREN]}
# A person is seen by the partnerships that hold a membership of their login, besides their own.
RULES["plans_person"] += (" OR EXISTS (SELECT 1 FROM plans_membership AS member "
                          "WHERE member.user_id = plans_person.user_id)")


def policy_statements(rules: dict[str, str], every: str):
    for table, condition in rules.items():
        rule = f"{every} OR {condition}"
        yield f"DROP POLICY IF EXISTS {POLICY} ON {table}"
        yield f"CREATE POLICY {POLICY} ON {table} FOR ALL USING ({rule}) WITH CHECK ({rule})"


def copy_statements(table: str, column: str, parent: str):
    """The copy's column on a child table, filled from its parent, and the trigger that keeps it."""
    source = partnership_column(parent)
    yield f"ALTER TABLE {table} ADD COLUMN {COPY} bigint"
    # The seal triggers refuse updates of signed-off rows; filling the copy changes nothing they guard.
    yield f"ALTER TABLE {table} DISABLE TRIGGER USER"
    yield (f"UPDATE {table} SET {COPY} = parent.{source} FROM {parent} AS parent "  # noqa: S608 (constants only)
           f"WHERE parent.id = {table}.{column}")
    yield f"ALTER TABLE {table} ENABLE TRIGGER USER"
    read_parent = f"SELECT parent.{source} FROM {parent} AS parent WHERE parent.id = NEW.{column}"  # noqa: S608
    yield (f"CREATE FUNCTION partnership_copy_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
           f"BEGIN NEW.{COPY} := ({read_parent}); RETURN NEW; END $$")
    yield (f"CREATE TRIGGER partnership_copy BEFORE INSERT ON {table} "
           f"FOR EACH ROW EXECUTE FUNCTION partnership_copy_{table}()")
    yield (f"CREATE TRIGGER partnership_copy_again BEFORE UPDATE ON {table} FOR EACH ROW "
           f"WHEN (NEW.{column} IS DISTINCT FROM OLD.{column} OR NEW.{COPY} IS DISTINCT FROM OLD.{COPY}) "
           f"EXECUTE FUNCTION partnership_copy_{table}()")


def cascade_statements(parent: str):
    """When a parent's partnership changes, its children's copies follow (and theirs, through their own trigger)."""
    source = partnership_column(parent)
    updates = "\n".join(
        f"    UPDATE {table} SET {COPY} = NEW.{source} WHERE {column} = NEW.id;"  # noqa: S608 (constants only)
        for table, (column, of) in CHILDREN.items() if of == parent
    )
    yield f"""CREATE FUNCTION partnership_cascade_{parent}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{updates}
    RETURN NULL;
END $$"""
    yield (f"CREATE TRIGGER partnership_cascade AFTER UPDATE ON {parent} FOR EACH ROW "
           f"WHEN (NEW.{source} IS DISTINCT FROM OLD.{source}) EXECUTE FUNCTION partnership_cascade_{parent}()")


def parents() -> list[str]:
    return list(dict.fromkeys(parent for _column, parent in CHILDREN.values()))


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for table, (column, parent) in CHILDREN.items():
        for statement in copy_statements(table, column, parent):
            schema_editor.execute(statement)
    for parent in parents():
        for statement in cascade_statements(parent):
            schema_editor.execute(statement)
    for statement in policy_statements(RULES, EVERY):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    before = importlib.import_module("monitoring.migrations.0010_row_level_security")
    forecasts = importlib.import_module("indicators.migrations.0008_forecasts")
    for statement in policy_statements({**before.RULES, **forecasts.RULES}, before.EVERY):
        schema_editor.execute(statement)
    for parent in parents():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS partnership_cascade ON {parent}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS partnership_cascade_{parent}()")
    for table in CHILDREN:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS partnership_copy ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS partnership_copy_again ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS partnership_copy_{table}()")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {COPY}")
    schema_editor.execute("DROP FUNCTION IF EXISTS partnerships_in_scope()")
    schema_editor.execute("DROP FUNCTION IF EXISTS every_partnership_in_scope()")


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0012_workflow_event_via'),
        ('indicators', '0008_forecasts'),
        ('funding', '0002_text_lengths'),
        ('plans', '0007_partnerships'),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
