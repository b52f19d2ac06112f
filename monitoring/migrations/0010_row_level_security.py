"""PostgreSQL's row-level security on every partnership-owned table: the database's own wall between partnerships.

The application already limits every query to the partnerships in scope (plans.partnerships). Behind it, on
PostgreSQL, each partnership-owned table refuses to show, or take, a row outside the scope that every statement
carries in the setting `app.partnerships` ('*' for every partnership, else ids; unset, none), set by
plans.partnerships.tell_the_database. FORCE makes the policies bind the tables' owner too; only a superuser or a
role with BYPASSRLS passes them, which the web and worker processes must not be (docs/deployment.md).

A table with a partnership column is checked on it; the rest through the row they belong to (an action through its
plan), whose own policy then applies, so each rule is written once. A history table (django-simple-history) is
checked through its row's parent. SQLite has no row-level security: there the application's scoping stands alone.
"""

from django.db import migrations

EVERY = "coalesce(current_setting('app.partnerships', true), '') = '*'"

VISIBLE_FUNCTION = """
CREATE OR REPLACE FUNCTION partnership_in_scope(partnership bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE coalesce(current_setting('app.partnerships', true), '')
        WHEN '*' THEN true
        WHEN '' THEN false
        ELSE partnership = ANY (string_to_array(current_setting('app.partnerships', true), ',')::bigint[])
    END
$$
"""


def own(column: str = "partnership_id") -> str:
    return f"partnership_in_scope({column})"


def through(parent: str, column: str) -> str:
    return f"EXISTS (SELECT 1 FROM {parent} AS parent WHERE parent.id = {column})"  # noqa: S608 (constants only)


# Each partnership-owned table, and the condition under which a row of it is in scope.
RULES = {
    "plans_partnership": own("id"),
    "plans_membership": own(),
    "plans_person": (f"{own()} OR EXISTS (SELECT 1 FROM plans_membership AS member "  # noqa: S608 (constants)
                     "WHERE member.user_id = plans_person.user_id)"),
    "plans_plan": own(),
    "plans_corporateobjective": own(),
    "indicators_indicator": own(),
    "monitoring_reportinground": own(),
    "monitoring_reportjob": own(),
    "monitoring_importrecord": own(),
    "plans_planrole": through("plans_plan", "plan_id"),
    "plans_section": through("plans_plan", "plan_id"),
    "plans_priority": through("plans_plan", "plan_id"),
    "plans_actiongroup": through("plans_plan", "plan_id"),
    "plans_deliveryaction": through("plans_plan", "plan_id"),
    "plans_keymeasure": through("plans_plan", "plan_id"),
    "plans_risk": through("plans_plan", "plan_id"),
    "plans_seal": through("plans_plan", "plan_id"),
    "indicators_planindicator": through("plans_plan", "plan_id"),
    "funding_fundingline": through("plans_plan", "plan_id"),
    "funding_budgettable": through("plans_plan", "plan_id"),
    "monitoring_return": through("plans_plan", "plan_id"),
    "monitoring_historicalreturn": through("plans_plan", "plan_id"),
    "plans_corporateoutcome": through("plans_corporateobjective", "objective_id"),
    "plans_objectivecontribution": through("plans_priority", "priority_id"),
    "plans_objectivecontribution_outcomes": through("plans_objectivecontribution", "objectivecontribution_id"),
    "plans_actiontarget": through("plans_deliveryaction", "action_id"),
    "plans_deliveryaction_lead_organisations": through("plans_deliveryaction", "deliveryaction_id"),
    "plans_keymeasure_objectives": through("plans_keymeasure", "keymeasure_id"),
    "indicators_indicator_owners": through("indicators_indicator", "indicator_id"),
    "indicators_indicatortarget": through("indicators_indicator", "indicator_id"),
    "indicators_indicatorvalue": through("indicators_indicator", "indicator_id"),
    "indicators_historicalindicatorvalue": through("indicators_indicator", "indicator_id"),
    "indicators_valueseal": through("plans_seal", "seal_id"),
    "funding_fundingamount": through("funding_fundingline", "line_id"),
    "funding_budgetyear": through("funding_budgettable", "table_id"),
    "funding_budgetentry": through("funding_budgettable", "table_id"),
    "monitoring_progressreport": through("monitoring_return", "report_id"),
    "monitoring_historicalprogressreport": through("monitoring_return", "report_id"),
    "monitoring_workflowevent": through("monitoring_return", "report_id"),
    "monitoring_remindersent": through("monitoring_reportinground", "round_id"),
    "monitoring_reportjob_plans": through("monitoring_reportjob", "reportjob_id"),
}

POLICY = "partnership_wall"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(VISIBLE_FUNCTION)
    for table, condition in RULES.items():
        # Every partnership in scope (commands, migrations, a site administrator) passes without the join.
        rule = f"{EVERY} OR {condition}"
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"CREATE POLICY {POLICY} ON {table} FOR ALL USING ({rule}) WITH CHECK ({rule})")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in RULES:
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    schema_editor.execute("DROP FUNCTION IF EXISTS partnership_in_scope(bigint)")


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0009_partnerships'),
        ('funding', '0002_text_lengths'),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
