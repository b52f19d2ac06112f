"""Outputs not available this period: the reason is in the return's history beside the outputs, and the progress
form reveals its box only when the officer says the outputs are not available (GOV.UK conditional reveal; without
JavaScript the box is simply shown). tests/browser/test_outputs_reveal.py drives the reveal in a browser."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.cycle.test_history import rows
from tests.cycle_builders import make_cycle, submit_progress

pytestmark = pytest.mark.django_db

REASON = "The DWP data is late"


@pytest.fixture
def c():
    return make_cycle()  # the first action has a 2008/09 output target of 320


def history_rows(client, c) -> list[list[str]]:
    client.force_login(c["viewer"])
    response = client.get(reverse("return_history", args=[c.report.pk]))
    assert response.status_code == 200
    return rows(response.content.decode(), "all-changes")


def test_the_history_shows_the_reason_outputs_are_not_available(client, c):
    submit_progress(c, c.action, not_available_reason=REASON, submit=False)

    found = [(what, field, before, after) for _, _, what, field, before, after in history_rows(client, c)]

    assert ("Action 1", "Outputs not available this period", "(blank)", REASON) in found


def test_the_history_shows_the_reason_giving_way_to_the_outputs_beside_them(client, c):
    submit_progress(c, c.action, not_available_reason=REASON, submit=False)
    submit_progress(c, c.action, outputs=Decimal(1200), submit=False)

    found = [(field, before, after) for _, _, what, field, before, after in history_rows(client, c)
             if what == "Action 1" and field.startswith("Outputs")]

    # Newest first: the outputs arrive and the reason goes in the same save, listed together.
    assert found[:2] == [("Outputs achieved", "(blank)", "1,200"),
                         ("Outputs not available this period", REASON, "(blank)")]
    assert found[2:] == [("Outputs not available this period", "(blank)", REASON)]


def test_the_history_filter_offers_the_reason_as_a_kind_of_change(client, c):
    submit_progress(c, c.action, not_available_reason=REASON, submit=False)
    client.force_login(c["viewer"])

    page = client.get(reverse("return_history", args=[c.report.pk]),
                      {"kind": "Outputs not available this period"}).content.decode()

    assert [row[3] for row in rows(page, "all-changes")] == ["Outputs not available this period"]


# ---------------------------------------------------------------------------------------------------------
# The progress form's conditional reveal


def form_page(client, c, data: dict | None = None) -> str:
    client.force_login(c["officer"])
    url = reverse("progress_edit", args=[c.report.pk, c.action.pk])
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def reveal_parts(page: str) -> tuple[str, str]:
    """Return the 'not available' checkbox's tag and the opening tag of the block it reveals."""
    checkbox = re.search(r'<input[^>]*name="outputs_not_available"[^>]*>', page)[0]
    block = re.search(r'<div[^>]*id="conditional-id_outputs_not_available"[^>]*>', page)[0]
    return checkbox, block


def test_the_reason_box_sits_in_a_block_the_checkbox_reveals(client, c):
    page = form_page(client, c)
    checkbox, block = reveal_parts(page)

    assert 'data-aria-controls="conditional-id_outputs_not_available"' in checkbox
    assert "govuk-checkboxes__conditional" in block
    # Hidden only by GOV.UK Frontend's styles once its script runs (.govuk-frontend-supported): without JavaScript
    # the box is shown.
    assert "govuk-checkboxes__conditional--hidden" in block and " hidden" not in block
    revealed = page.split(block, 1)[1]
    assert revealed.index('name="outputs_not_available_reason"') < revealed.index('name="move"')
    assert re.search(r'<div class="govuk-checkboxes[^"]*" data-module="govuk-checkboxes"', page)


def test_the_reason_box_is_shown_when_the_outputs_were_not_available(client, c):
    submit_progress(c, c.action, not_available_reason=REASON, submit=False)

    page = form_page(client, c)
    checkbox, block = reveal_parts(page)

    assert " checked" in checkbox
    assert "govuk-checkboxes__conditional--hidden" not in block
    assert f">{REASON}</textarea>" in page


def test_an_error_keeps_the_tick_and_the_typed_reason_and_shows_the_box(client, c):
    page = form_page(client, c, {
        "narrative": "", "rag": "green", "version": 0, "move": "submit", "outputs_achieved": "",
        "outputs_not_available": "on", "outputs_not_available_reason": REASON,
    })
    checkbox, block = reveal_parts(page)

    assert "Describe the progress made before you submit." in page
    assert " checked" in checkbox and "govuk-checkboxes__conditional--hidden" not in block
    assert f">{REASON}</textarea>" in page


def test_a_missing_reason_is_an_error_beside_the_revealed_box(client, c):
    page = form_page(client, c, {
        "narrative": "Forty people into work", "rag": "green", "version": 0, "move": "submit",
        "outputs_achieved": "", "outputs_not_available": "on", "outputs_not_available_reason": "",
    })
    _, block = reveal_parts(page)

    assert "govuk-checkboxes__conditional--hidden" not in block
    revealed = page.split(block, 1)[1]
    assert revealed.index("Say why the outputs are not available this period") < revealed.index('name="move"')
    assert 'href="#id_outputs_not_available_reason"' in page
