"""PostgreSQL's row-level security holds the wall between partnerships even where the application's scoping is
bypassed (monitoring migration 0010).

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
from plans import partnerships
from plans.models import CorporateObjective, CorporateOutcome, ObjectiveContribution, Partnership, Period, Plan
from tests.test_partnership_walls import build_world, owned_models

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"),
]

APP_ROLE = "partnership_monitor_app_test"
rules = importlib.import_module("monitoring.migrations.0010_row_level_security")
# Tables added after 0010 bring their policies in their own migrations.
LATER_RULES = importlib.import_module("indicators.migrations.0008_forecasts").RULES


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
    assert expected == set(rules.RULES) | set(LATER_RULES), (
        "a partnership-owned table without its rule in monitoring 0010 (or a later migration), or the reverse"
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
