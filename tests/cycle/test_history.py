"""A return's history page: filtered by item, person and kind of change, with sign-off and reopening one row each,
and "Changed since sign-off" newest first like the rest of the history."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from monitoring import services
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_progress, submit_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    """A return signed off, reopened by the performance officer, then changed by the officer and the expert."""
    cycle = sign_off(submit_everything(make_cycle()))
    services.return_reopen(report=cycle.report, user=cycle["performance_officer"], reason="The DWP revised the figures.")
    cycle.refresh()
    submit_progress(cycle, cycle.action, narrative="Forty-two people into work")
    submit_value(cycle, cycle.ni152, "14.4", commentary="Revised by the DWP")
    return cycle


def rows(page: str, table_id: str) -> list[list[str]]:
    """Return the cells of each body row of the table with the id: When, Who, What, Field, Before, After."""
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody", 1)[1]
    return [[text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def history(client, c, **filters) -> str:
    client.force_login(c["viewer"])
    response = client.get(reverse("return_history", args=[c.report.pk]), filters)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_sign_off_and_the_reopening_as_one_row_each(client, c):
    found = rows(history(client, c), "all-changes")

    status_rows = [(who, what, before, after) for _, who, what, field, before, after in found if field == "Status"
                   and after.startswith(("Signed off", "Open"))]
    assert status_rows == [
        ("Sam Patel", "The return", "Signed off", "Open Reason: The DWP revised the figures."),
        ("Jane Beaver", "The return", "Open", "Signed off"),
    ]


def test_changed_since_sign_off_is_newest_first_like_the_history(client, c):
    page = history(client, c)

    since = [(what, field, after) for _, _, what, field, _, after in rows(page, "changed-since-sign-off")]
    assert since == [
        ("NI 152", "Value", "14.4%"),  # one save: its fields in the form's order
        ("NI 152", "Commentary", "Revised by the DWP"),
        ("Action 1", "Progress", "Forty-two people into work"),
        ("The return", "Status", "Open Reason: The DWP revised the figures."),
    ]
    everything = [(what, field, after) for _, _, what, field, _, after in rows(page, "all-changes")]
    assert everything[:len(since)] == since


def test_it_filters_by_item(client, c):
    found = rows(history(client, c, item="Action 1"), "all-changes")

    assert found and {what for _, _, what, _, _, _ in found} == {"Action 1"}


def test_it_filters_by_person(client, c):
    found = rows(history(client, c, person="Myles Mackie"), "all-changes")

    assert found and {(who, what) for _, who, what, _, _, _ in found} == {("Myles Mackie", "NI 152"),
                                                                         ("Myles Mackie", "LOCAL 1")}


def test_it_filters_by_kind_of_change(client, c):
    page = history(client, c, kind="Sign-off")

    assert [(who, what, field, after) for _, who, what, field, _, after in rows(page, "all-changes")] == [
        ("Jane Beaver", "The return", "Status", "Signed off")]
    assert 'id="changed-since-sign-off"' not in page  # nothing since the sign-off matches


def test_the_filter_form_offers_each_item_person_and_kind_and_keeps_the_choice(client, c):
    page = history(client, c, item="NI 152", kind="Value")

    form = page.split('<form method="get"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<label class="govuk-label" for="item">Item</label>', form)
    assert re.search(r'<label class="govuk-label" for="person">Person</label>', form)
    assert re.search(r'<label class="govuk-label" for="kind">Kind of change</label>', form)
    options = {name: re.findall(r'<option value="([^"]*)"', form.split(f'name="{name}"', 1)[1].split("</select>")[0])
               for name in ("item", "person", "kind")}
    assert options["item"] == ["", "The return", "Action 1", "Action 2", "Action 3", "LOCAL 1", "NI 152"]
    assert options["person"] == ["", "Andy Williams", "Jane Beaver", "Myles Mackie", "Pat Morgan", "Sam Patel"]
    assert {"", "Sign-off", "Reopening", "Submission", "Progress", "Value", "Commentary"} <= set(options["kind"])
    assert '<option value="NI 152" selected>' in form and '<option value="Value" selected>' in form
    assert [(what, field) for _, _, what, field, _, _ in rows(page, "all-changes")] == [
        ("NI 152", "Value"), ("NI 152", "Value")]
    assert "Clear filters" in form


def test_it_says_so_when_no_change_matches_the_filters(client, c):
    page = history(client, c, item="Action 2", person="Myles Mackie")

    assert "No changes match these filters." in page
    assert 'id="all-changes"' not in page
