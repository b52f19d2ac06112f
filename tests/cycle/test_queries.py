"""Each page of the reporting cycle runs the same number of queries for a small plan and a large one, and no more
than 13 (12 before partnerships: the 13th finds the request's partnership).

Small: 3 actions and 2 indicators; large: 30 actions and 12 indicators. Every third action has no lead officer
(a performance officer reports it). The return has been through a whole cycle: submitted, signed off, reopened
and changed, so that its history and "Changed since sign-off" are full too.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring import services
from monitoring.models import ProgressReport
from tests.cycle_builders import Cycle, make_cycle, sign_off, submit_everything, submit_progress, submit_value

pytestmark = pytest.mark.django_db

SMALL = {"actions": 3, "indicators": 2}
LARGE = {"actions": 30, "indicators": 12}
# 12 before partnerships; the 13th is the request's partnership (monitoring.partnership_scope).
MOST_QUERIES = 13
# A progress save reads the action's output target for the year too: blank outputs are refused where one is set.
MOST_SAVE_QUERIES = 14  # 13 before partnerships: one more finds the request's partnership

PAGES = {
    "rounds": (lambda c: reverse("rounds"), "performance_officer"),
    "round_detail": (lambda c: reverse("round_detail", args=[c.round.pk]), "performance_officer"),
    "round_close": (lambda c: reverse("round_close", args=[c.round.pk]), "performance_officer"),
    "my_returns-officer": (lambda c: reverse("my_returns"), "officer"),
    "my_returns-expert": (lambda c: reverse("my_returns"), "expert"),
    "my_returns-owner": (lambda c: reverse("my_returns"), "owner"),
    "my_returns-performance_officer": (lambda c: reverse("my_returns"), "performance_officer"),
    "progress_edit": (lambda c: reverse("progress_edit", args=[c.report.pk, c.action.pk]), "officer"),
    "values_edit": (lambda c: reverse("values_edit", args=[c.report.pk]), "expert"),
    "return_detail-owner": (lambda c: reverse("return_detail", args=[c.report.pk]), "owner"),
    "return_detail-viewer": (lambda c: reverse("return_detail", args=[c.report.pk]), "viewer"),
    "return_detail-performance_officer": (lambda c: reverse("return_detail", args=[c.report.pk]), "performance_officer"),
    "return_sign_off": (lambda c: reverse("return_sign_off", args=[c.report.pk]), "owner"),
    "return_send_back": (lambda c: reverse("return_send_back", args=[c.report.pk]), "owner"),
    "return_reopen": (lambda c: reverse("return_reopen", args=[c.report.pk]), "performance_officer"),
    "return_history": (lambda c: reverse("return_history", args=[c.report.pk]), "viewer"),
}


def through_a_whole_cycle(size: dict) -> Cycle:
    cycle = make_cycle(**size, unassigned_every=3)
    sign_off(submit_everything(cycle))
    services.return_reopen(report=cycle.report, user=cycle["performance_officer"], reason="Figures revised")
    cycle.refresh()
    for action in cycle.actions:
        submit_progress(cycle, action, narrative=f"Revised progress on {action.title}",
                        outputs=Decimal(90) if action == cycle.action else None)
    for indicator in cycle.indicators[1:]:
        submit_value(cycle, indicator, "125")
    return cycle


def queries(client, size: dict, page: str) -> int:
    """Build a plan of the size, open the page once to warm caches, and count the queries of a second visit."""
    url, role = PAGES[page]
    with transaction.atomic():
        cycle = through_a_whole_cycle(size)
        client.force_login(cycle[role])
        assert client.get(url(cycle)).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(cycle))
        assert response.status_code == 200
        client.logout()
        transaction.set_rollback(True)  # leave the database empty for the other size
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_actions_or_indicators(client, page):
    small, large = queries(client, SMALL, page), queries(client, LARGE, page)
    print(f"{page}: {small} queries with 3 actions and 2 indicators, {large} with 30 and 12")
    assert small == large, f"{page}: {small} queries for the small plan, {large} for the large one"
    assert large <= MOST_QUERIES, f"{page}: {large} queries, more than {MOST_QUERIES}"


def save_queries(client, size: dict) -> int:
    """Count the queries of a lead officer's second save of their progress, for a plan of the size."""
    with transaction.atomic():
        cycle = through_a_whole_cycle(size)
        client.force_login(cycle["officer"])
        url = reverse("progress_edit", args=[cycle.report.pk, cycle.action.pk])
        form = {"narrative": "Two more job clubs opened", "rag": "green", "outputs_achieved": "12", "move": "draft"}
        for attempt in range(2):
            version = ProgressReport.objects.get(report=cycle.report, action=cycle.action).version
            with CaptureQueriesContext(connection) as captured:
                response = client.post(url, {**form, "version": version})
            assert response.status_code == 302, f"save {attempt + 1} was refused"
        client.logout()
        transaction.set_rollback(True)
    return len(captured.captured_queries)


def test_saving_progress_costs_the_same_queries_for_a_small_plan_and_a_large_one(client):
    small, large = save_queries(client, SMALL), save_queries(client, LARGE)
    print(f"progress save: {small} queries with 3 actions, {large} with 30")
    assert small == large
    assert large <= MOST_SAVE_QUERIES
