"""Moving an install from before partnerships into one partnership loses nothing.

The demo (with its history: values, progress, sign-offs, seals) is loaded, the database is taken back to the schema
of before partnerships (the migrations' reverse drops the partnership columns and keeps every other row), and then
migrated forward again, as an install upgraded from that version is: every figure must read as it did, each row
now in the one partnership the migration made.
"""

from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from funding.models import BudgetEntry, FundingAmount
from indicators.models import Indicator, IndicatorTarget, IndicatorValue
from monitoring.demo import load_demo
from monitoring.models import ProgressReport, ReportingRound, Return
from plans.models import ActionTarget, CorporateObjective, DeliveryAction, Membership, Partnership, Person, Plan, Seal
from tests.test_row_level_security import copies_out_of_step

BEFORE_PARTNERSHIPS = [
    ("plans", "0006_action_reporter"),
    ("indicators", "0006_planindicator_key_measure"),
    ("monitoring", "0008_progress_rag_reason"),
]


def figures() -> dict:
    """Every figure and state of the data, keyed by what a person would call it, the partnership left out."""
    return {
        "plans": sorted(Plan.objects.values_list("reference", "title", "first_year", "last_year")),
        "people": sorted(Person.objects.values_list("name", "job_title", "user__username")),
        "objectives": sorted(CorporateObjective.objects.values_list("number", "title")),
        "indicators": sorted(Indicator.objects.values_list("code", "name", "unit", "polarity", "baseline_value")),
        "targets": sorted(IndicatorTarget.objects.values_list("indicator__code", "year", "value")),
        "values": sorted(IndicatorValue.objects.values_list(
            "indicator__code", "period__kind", "period__start", "value", "status", "commentary", "entered_by__username")),
        "action targets": sorted(ActionTarget.objects.values_list("action__plan__reference", "action__position",
                                                                  "year", "value")),
        "actions": sorted(DeliveryAction.objects.values_list("plan__reference", "position", "title",
                                                             "lead_officer__name", "reporter__name")),
        "funding": sorted(FundingAmount.objects.values_list("line__plan__reference", "line__position", "year",
                                                            "amount", "status")),
        "budget": sorted(BudgetEntry.objects.values_list("table__plan__reference", "row", "year", "amount")),
        "rounds": sorted(ReportingRound.objects.values_list("period__kind", "period__start", "due_date", "status")),
        "returns": sorted(Return.objects.values_list("plan__reference", "round__period__start", "status",
                                                      "signed_off_by__username")),
        "progress": sorted(ProgressReport.objects.values_list(
            "report__plan__reference", "report__round__period__start", "action__position", "status", "rag",
            "narrative", "outputs_achieved", "rag_reason")),
        "seals": sorted(Seal.objects.values_list("plan__reference", "period__start")),
    }


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_an_install_from_before_partnerships_moves_into_one_partnership_without_loss():
    load_demo(with_logins=True, today=date(2009, 7, 10))
    before = figures()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    assert before["values"] and before["progress"] and before["seals"]  # the demo's history is there to compare

    migrate(BEFORE_PARTNERSHIPS)
    # Before partnerships, roles were groups: the demo's logins held these.
    for username, group in [("admin", "Performance officers"), ("viewer", "Strategic group"),
                            ("officer", "Lead officers")]:
        User.objects.get(username=username).groups.add(Group.objects.get_or_create(name=group)[0])
    migrate(latest)

    assert figures() == before
    if connection.vendor == "postgresql":  # and every child row has its copy of the partnership (monitoring 0013)
        assert copies_out_of_step() == {}
    only = Partnership.objects.get()
    assert only.name == "Our partnership"
    for model in (Plan, Person, CorporateObjective, Indicator, ReportingRound):
        assert set(model.objects.values_list("partnership", flat=True)) == {only.pk}, model.__name__
    # Each login's role group became its role in the one partnership.
    assert sorted(Membership.objects.values_list("user__username", "role")) == [
        ("admin", "performance_officer"), ("officer", "lead_officer"), ("viewer", "strategic_group"),
    ]
