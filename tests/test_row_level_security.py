"""PostgreSQL's row-level security holds the wall between partnerships even where the application's scoping is
bypassed (monitoring migrations 0010 and 0013).

Each test acts as a role like the web's: not the tables' owner, not a superuser, no BYPASSRLS (a superuser, as the
test database's own connection is, passes every policy). The rows are read past the application's scope, through
each model's unscoped base manager and through raw SQL, under partnership B's scope: none of A's may come back.
"""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from funding.models import INPUT_ROWS, BudgetEntry, BudgetYear, FundingAmount
from indicators.models import Forecast
from monitoring.models import Return
from plans import partnerships
from plans.models import (
    ActionTarget,
    CorporateObjective,
    CorporateOutcome,
    DeliveryAction,
    ObjectiveContribution,
    Partnership,
    Period,
    Plan,
)
from tests.test_partnership_walls import build_world, owned_models

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"),
]

APP_ROLE = "partnership_monitor_app_test"
# The policies in force: 0013 restated every table's. A table added later brings its policy in its own migration,
# whose rules join these here.
rules = importlib.import_module("monitoring.migrations.0013_partnership_on_every_row")


@pytest.fixture
def world(settings, tmp_path):
    """build_world's two partnerships, with A holding a row in every partnership-owned table."""
    settings.MEDIA_ROOT = str(tmp_path)
    world = build_world(tmp_path)
    plan = world.open.plan
    priority = plan.priorities.get()
    objective = CorporateObjective.objects.get(partnership=world.a)
    outcome = CorporateOutcome.objects.create(objective=objective, letter="A", text="Alphaville outcome")
    ObjectiveContribution.objects.create(priority=priority, objective=objective, contributes=True).outcomes.add(outcome)
    plan.key_measures.get().objectives.add(objective)
    action = world.open.actions[0]
    action.lead_organisations.add(plan.lead_organisation)
    world.open.indicators[0].owners.add(world.a_po.person)
    line = plan.funding_lines.get()
    FundingAmount.objects.create(line=line, year=2008, amount=Decimal(1000))
    table = plan.budget_table
    BudgetYear.objects.create(table=table, year=2012)
    BudgetEntry.objects.create(table=table, row=INPUT_ROWS[0], year=2012, amount=Decimal(10))
    Forecast.objects.create(indicator=world.open.indicators[0], period=Period.for_code("2008/09-Q1"),
                            made_at=timezone.now(), year=2008, points=4, value=Decimal(1))
    return world


@pytest.fixture
def as_app_role():
    """Switch this test's transaction to a role that, like the web's, must pass the policies."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}'")
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def tables_of_models() -> dict[str, type]:
    """Every partnership-owned table: the models' own, their many-to-many tables and their history tables."""
    tables = {}
    for model in owned_models():
        tables[model._meta.db_table] = model
        for field in model._meta.local_many_to_many:
            tables[field.remote_field.through._meta.db_table] = field.remote_field.through
    for model in apps.get_models():
        instance_type = getattr(model, "instance_type", None)  # a simple-history model
        if instance_type is not None and issubclass(instance_type, tuple(owned_models())):
            tables[model._meta.db_table] = model
    return tables


def counts(scope) -> dict[str, int]:
    with partnerships.within(scope), connection.cursor() as cursor:
        found = {}
        for table in sorted(tables_of_models()):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (table names from the models)
            found[table] = cursor.fetchone()[0]
        return found


def test_every_partnership_owned_table_has_its_policy_and_forces_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity")
        forced = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT tablename FROM pg_policies WHERE policyname = 'partnership_wall'")
        with_policy = {row[0] for row in cursor.fetchall()}
    expected = set(tables_of_models())
    assert expected == set(rules.RULES), (
        "a partnership-owned table without its rule in monitoring 0013 (or a later migration), or the reverse"
    )
    assert expected <= forced and expected <= with_policy


def test_bypassing_the_application_finds_no_row_of_another_partnership(world, as_app_role):
    a_only, b_only, everything = counts([world.a.pk]), counts([world.b.pk]), counts(partnerships.EVERY_PARTNERSHIP)

    # A's data is in every table, so that each table's policy is really tried.
    empty = [table for table, count in a_only.items() if count == 0]
    assert not empty, f"the test's data has no row of A in {empty}"
    for table in everything:
        assert a_only[table] + b_only[table] <= everything[table], table
    assert b_only["plans_plan"] == 1 and b_only["plans_partnership"] == 1

    # Under B's scope, the models read past the application's filter (their base managers) and see none of A's.
    with partnerships.within([world.b.pk]):
        for table, model in tables_of_models().items():
            rows = list(model._base_manager.all().values_list("pk", flat=True))
            assert len(rows) == b_only[table], table
        assert list(Plan._base_manager.values_list("pk", flat=True)) == [world.b_plan.pk]
        assert list(Partnership._base_manager.values_list("name", flat=True)) == [world.b.name]


def test_no_scope_sees_nothing(world, as_app_role):
    with partnerships.within(partnerships.NO_PARTNERSHIP):
        assert not Plan._base_manager.exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM indicators_indicatorvalue")
            assert cursor.fetchone()[0] == 0


def test_a_row_cannot_be_written_into_another_partnership(world, as_app_role):
    a_plan = world.open.plan
    with partnerships.within([world.b.pk]):
        updated = Plan._base_manager.filter(pk=a_plan.pk).update(title="Taken over")
        assert updated == 0  # not even found
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Plan._base_manager.create(partnership_id=world.a.pk, reference="X 1", title="Planted", kind="laa",
                                      reporting_frequency="quarter", first_year=2008, last_year=2008,
                                      lead_organisation_id=a_plan.lead_organisation_id)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Plan._base_manager.filter(pk=world.b_plan.pk).update(partnership_id=world.a.pk)
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        assert Plan.objects.get(pk=a_plan.pk).title == a_plan.title
        assert not Plan.objects.filter(reference="X 1").exists()


def copies_out_of_step() -> dict[str, int]:
    """Return {table: rows} of the rows whose copy of their partnership is not their parent's (none, if all is well)."""
    wrong = {}
    with partnerships.within(partnerships.EVERY_PARTNERSHIP), connection.cursor() as cursor:
        for table, (column, parent) in rules.CHILDREN.items():
            source = rules.partnership_column(parent)
            cursor.execute(
                f"SELECT count(*) FROM {table} AS child JOIN {parent} AS parent "  # noqa: S608 (constants only)
                f"ON parent.id = child.{column} WHERE child.{rules.COPY} IS DISTINCT FROM parent.{source}"
            )
            if count := cursor.fetchone()[0]:
                wrong[table] = count
    return wrong


def copy_of(table: str, pk: int) -> int | None:
    with partnerships.within(partnerships.EVERY_PARTNERSHIP), connection.cursor() as cursor:
        cursor.execute(f"SELECT {rules.COPY} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (constants only)
        return cursor.fetchone()[0]


def test_every_row_carries_its_parents_partnership(world, as_app_role):
    """The triggers filled each child's copy as the rows were written, every table of it (A has a row in each)."""
    assert copies_out_of_step() == {}
    with partnerships.within(partnerships.EVERY_PARTNERSHIP), connection.cursor() as cursor:
        for table in rules.CHILDREN:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {rules.COPY} IS NULL")  # noqa: S608 (constants)
            assert cursor.fetchone()[0] == 0, table
    target = ActionTarget.objects.filter(action__plan=world.open.plan).first()
    assert copy_of("plans_actiontarget", target.pk) == world.a.pk


def test_nobody_writes_another_partnership_into_a_copy(world, as_app_role):
    target = ActionTarget.objects.filter(action__plan=world.open.plan).first()
    with partnerships.within(partnerships.EVERY_PARTNERSHIP), connection.cursor() as cursor:
        # Even seeing every partnership, a raw write of the copy is put back to the parent's partnership.
        cursor.execute(f"UPDATE plans_actiontarget SET {rules.COPY} = %s WHERE id = %s", [world.b.pk, target.pk])
    assert copy_of("plans_actiontarget", target.pk) == world.a.pk
    with partnerships.within([world.b.pk]):
        assert not ActionTarget._base_manager.filter(pk=target.pk).exists()
        # A row hung from A's action, written under B's scope: its copy cannot be B's, so the policy refuses it.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            ActionTarget._base_manager.create(action_id=target.action_id, year=2030, value=Decimal(5))


def test_a_plan_moved_to_another_partnership_takes_its_rows_with_it(world, as_app_role):
    b_plan, b_return = world.b_plan, world.b_return
    action = DeliveryAction.objects.create(plan=b_plan, position=1, title="Bravo action")
    target = ActionTarget.objects.create(action=action, year=2008, value=Decimal(12))  # a grandchild of the plan
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        Plan._base_manager.filter(pk=b_plan.pk).update(partnership_id=world.a.pk)
    assert copies_out_of_step() == {}
    assert [copy_of("monitoring_return", b_return.pk), copy_of("plans_actiontarget", target.pk)] == [world.a.pk] * 2
    with partnerships.within([world.a.pk]):
        assert Return._base_manager.filter(pk=b_return.pk).exists()
        assert ActionTarget._base_manager.get(pk=target.pk).value == Decimal(12)
    with partnerships.within([world.b.pk]):
        assert not Return._base_manager.filter(pk=b_return.pk).exists()
        assert not ActionTarget._base_manager.filter(pk=target.pk).exists()


def test_a_plan_with_signed_off_returns_cannot_move(world, as_app_role):
    """Its copies would change rows the seal guards: the seal's trigger refuses, and the plan stays where it was."""
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        with pytest.raises(DatabaseError, match="sealed"), transaction.atomic():
            Plan._base_manager.filter(pk=world.open.plan.pk).update(partnership_id=world.b.pk)
        assert Plan._base_manager.get(pk=world.open.plan.pk).partnership_id == world.a.pk
