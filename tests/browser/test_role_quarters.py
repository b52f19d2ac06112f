"""Each role's quarter walked in a real browser from their home page, clicking links and buttons by their names as a
person would (issue 13's "Done when"): the lead officer puts right an item sent back to them, the data expert enters
every value in one save and loses nothing typed on an error, the indicator owner sends back one item of seven and
signs off once it comes back, and the performance officer follows a round's completeness, reports an item nobody
with a login can report, and closes the round once every return is signed off.

Uses the shared fixtures of tests/browser/conftest.py (Debian's Chromium through Playwright, the built front end);
the data comes from tests/cycle_builders.py, and what other people do meanwhile goes through the services.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from monitoring.models import ProgressReport, ReportingRound, Return
from tests.browser.test_return_workflow import sign_in_as
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_progress, submit_value

pytestmark = pytest.mark.browser

PERIOD = "2008/09 Q1"
RETURN = f"NI 152, {PERIOD}"


@pytest.fixture
def site(transactional_db, live_server):
    """Return the live server's address, with no data: each test builds its own (not the demo plans of conftest)."""
    return live_server.url


def go_home(page, site: str) -> None:
    """Follow "Home" in the service navigation, as a person would."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home", exact=True).click()
    page.wait_for_url(f"{site}/")


def statuses(report: Return) -> dict[int, str]:
    return dict(ProgressReport.objects.filter(report=report).values_list("action__position", "status"))


def saved_values(cycle) -> dict[str, tuple[Decimal, str]]:
    """Return the period's values as saved, by indicator code, each with its status."""
    rows = IndicatorValue.objects.filter(period=cycle.round.period).values_list("indicator__code", "value", "status")
    return {code: (value, status) for code, value, status in rows}


# ---------------------------------------------------------------------------------------------------------
# Lead officer


def send_back_action_1(cycle):
    """Have the owner send the officer's Action 1 back, with a comment, from a return with everything submitted."""
    progress = ProgressReport.objects.get(report=cycle.report, action=cycle.action)
    services.return_send_back(
        report=cycle.report, user=cycle["owner"],
        items=[services.SendBackItem(progress, "Count the lone parents as well.")],
    )
    return cycle


def test_the_lead_officer_puts_right_from_home_the_item_sent_back_with_a_comment(page, site):
    cycle = send_back_action_1(submit_everything(make_cycle(actions=3, indicators=1)))
    sign_in_as(page, site, "officer")  # lands on the home page

    # The home lists the returned action, with the owner's comment, and counts what is done.
    actions = page.get_by_role("region", name="Your actions")
    expect(actions).to_contain_text("1 of your 2 actions in open rounds submitted.")
    task = actions.locator(".govuk-task-list__item")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("Returned with comments")
    expect(task).to_contain_text("Comment: Count the lone parents as well.")
    expect(task).to_contain_text(f"NI 152, {PERIOD}: due 31 July 2008")

    # One click to the action; the form shows the comment; the officer puts it right and submits.
    actions.get_by_role("link", name="1. Action 1").click()
    page.wait_for_url(f"{site}/returns/{cycle.report.pk}/actions/{cycle.action.pk}/")
    expect(page.locator("#reviewer-comment")).to_contain_text("Count the lone parents as well.")
    expect(page.get_by_label("Progress in this period")).to_have_value("Progress on Action 1")
    expect(page.get_by_label("Outputs achieved in this period")).to_have_value("80")
    page.get_by_label("Progress in this period").fill("Eighty people into work, twelve of them lone parents.")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(f"{site}/my-returns/")
    expect(page.get_by_text("Your progress on “Action 1” has been submitted.")).to_be_visible()

    # Home again: nothing is listed as returned, and both of the officer's actions are done.
    go_home(page, site)
    actions = page.get_by_role("region", name="Your actions")
    expect(actions).to_contain_text("2 of your 2 actions in open rounds submitted.")
    expect(actions).to_contain_text("Nothing to report in an open round.")
    expect(actions).not_to_contain_text("Returned with comments")
    expect(actions).not_to_contain_text("Count the lone parents")
    assert statuses(cycle.report) == {1: EntryStatus.SUBMITTED, 2: EntryStatus.SUBMITTED, 3: EntryStatus.SUBMITTED}
    assert page.errors == []


# ---------------------------------------------------------------------------------------------------------
# Data expert


def test_the_data_expert_saves_every_value_at_once_and_an_error_keeps_every_typed_value(page, site):
    cycle = make_cycle(actions=1, indicators=3)  # NI 152 and two counts
    local_1, local_2 = cycle.indicators[1:]
    sign_in_as(page, site, "expert")

    # The home lists the period's values, not yet entered, with the due date.
    values = page.get_by_role("region", name="Indicator values to enter")
    task = values.locator(".govuk-task-list__item")
    expect(task).to_have_count(1)
    expect(task).to_contain_text(f"NI 152, {PERIOD}: due 31 July 2008")
    expect(task).to_contain_text("Overdue")
    values.get_by_role("link", name="3 values, 0 submitted").click()
    page.wait_for_url(f"{site}/returns/{cycle.report.pk}/values/")

    # Every value of the period, typed on the one page, saved by one "Save as draft".
    boxes = {
        "ni152": page.get_by_label(f"Value of NI 152 for {PERIOD}"),
        "local_1": page.get_by_label(f"Value of LOCAL 1 for {PERIOD}"),
        "local_2": page.get_by_label(f"Value of LOCAL 2 for {PERIOD}"),
    }
    commentary = page.locator(f"#id_indicator-{local_2.pk}-commentary")
    boxes["ni152"].fill("14.2")
    boxes["local_1"].fill("100")
    boxes["local_2"].fill("75")
    commentary.fill("Counted at the new centre")
    expect(page.get_by_role("button", name="Save as draft all values")).to_have_count(1)
    page.get_by_role("button", name="Save as draft all values").click()
    expect(page.get_by_text("3 values saved as drafts.")).to_be_visible()
    drafts = {"NI 152": (Decimal("14.2"), "draft"), "LOCAL 1": (100, "draft"), "LOCAL 2": (75, "draft")}
    assert saved_values(cycle) == drafts
    expect(boxes["ni152"]).to_have_value("14.2")
    expect(boxes["local_1"]).to_have_value("100")
    expect(boxes["local_2"]).to_have_value("75")

    # A second go with an impossible percentage: one error summary, nothing saved, every typed value still there.
    boxes["ni152"].fill("140")
    boxes["local_1"].fill("1,250")
    boxes["local_2"].fill("82")
    commentary.fill("Counted at both centres")
    page.get_by_role("button", name="Save as draft all values").click()
    expect(page).to_have_title(re.compile(rf"^Error: Indicator values for {re.escape(str(cycle.report))}"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a value from 0% to 100%.")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(boxes["ni152"]).to_have_value("140")
    expect(boxes["local_1"]).to_have_value("1,250")
    expect(boxes["local_2"]).to_have_value("82")
    expect(commentary).to_have_value("Counted at both centres")
    assert saved_values(cycle) == drafts, "nothing saved"

    # Put right, one Submit submits all three; the home says so.
    boxes["ni152"].fill("14.1")
    page.get_by_role("button", name="Submit all values").click()
    expect(page.get_by_text("3 values submitted.")).to_be_visible()
    assert saved_values(cycle) == {
        "NI 152": (Decimal("14.1"), "submitted"), "LOCAL 1": (1250, "submitted"), "LOCAL 2": (82, "submitted"),
    }
    go_home(page, site)
    task = page.get_by_role("region", name="Indicator values to enter").locator(".govuk-task-list__item")
    expect(task.get_by_role("link", name="3 values, 3 submitted")).to_be_visible()
    expect(task).to_contain_text("Submitted")
    assert page.errors == []


# ---------------------------------------------------------------------------------------------------------
# Indicator owner


def test_the_indicator_owner_sends_back_one_item_of_seven_and_signs_off_once_it_comes_back(page, site):
    cycle = submit_everything(make_cycle(actions=5, indicators=2))  # seven items: five actions, two values
    action_3 = cycle.actions[2]
    sign_in_as(page, site, "owner")

    # The home lists the return as ready; the owner opens it and chooses the items to send back.
    owner = page.get_by_role("region", name="Returns you sign off")
    expect(owner.get_by_role("listitem").filter(has_text=RETURN)).to_contain_text("all 7 items submitted")
    owner.get_by_role("link", name=RETURN, exact=True).click()
    page.wait_for_url(f"{site}{cycle.report.get_absolute_url()}")
    page.get_by_role("link", name="Choose the items that need work and send them back").click()
    for label in ["1 Action 1", "2 Action 2", "3 Action 3", "4 Action 4", "5 Action 5", "NI 152", "LOCAL 1"]:
        expect(page.get_by_label(label, exact=True)).not_to_be_checked()
    page.get_by_label("3 Action 3", exact=True).check()
    page.get_by_label("What needs to change in 3 Action 3?").fill("Say which wards the new centre serves.")
    page.get_by_role("button", name="Send back").click()
    expect(page.get_by_text("Sent back 1 item.")).to_be_visible()

    # On the return, that one item is returned with its comment; the other six stay submitted.
    progress = page.locator("#progress")
    for position in (1, 2, 4, 5):
        expect(progress.get_by_role("row").filter(has_text=f"Action {position}")).to_contain_text("Submitted")
    returned = progress.get_by_role("row").filter(has_text="Action 3")
    expect(returned).to_contain_text("Returned with comments")
    expect(returned).to_contain_text("Sent back: Say which wards the new centre serves.")
    indicators = page.locator("#indicators")
    for code in ("NI 152", "LOCAL 1"):
        expect(indicators.get_by_role("row").filter(has_text=code)).to_contain_text("Submitted")
    expect(indicators).not_to_contain_text("Returned with comments")
    expect(page.locator("#blockers")).to_contain_text("Action 3")
    expect(page.get_by_role("button", name="Sign off this return")).to_have_count(0)
    assert statuses(cycle.report) == {1: "submitted", 2: "submitted", 3: "returned", 4: "submitted", 5: "submitted"}

    # The home now shows the return waiting on the officer for that one action.
    go_home(page, site)
    owner = page.get_by_role("region", name="Returns you sign off")
    expect(owner).to_contain_text("No return is ready for you to sign off.")
    card = owner.locator(".govuk-summary-card")
    expect(card).to_contain_text(f"{RETURN}: 6 of 7 items submitted")
    expect(card.locator(".govuk-summary-list__row")).to_have_text(["Pat Morgan 1 action (3)"], use_inner_text=True)

    # The lead officer puts it right and submits it again.
    submit_progress(cycle, action_3, narrative="The centre serves Eastfield and Northgate.")

    # The home shows it came back and the return is ready; the owner signs off from there.
    go_home(page, site)
    owner = page.get_by_role("region", name="Returns you sign off")
    expect(owner.get_by_role("listitem").filter(has_text="all 7 items submitted")).to_contain_text(RETURN)
    expect(owner.get_by_role("listitem").filter(has_text="Action 3")).to_have_text(f"Action 3 ({RETURN})")
    expect(owner).to_contain_text("No return you sign off is waiting on anyone.")
    owner.get_by_role("link", name=RETURN, exact=True).click()
    page.wait_for_url(f"{site}{cycle.report.get_absolute_url()}")
    expect(page.locator("#progress").get_by_role("row").filter(has_text="Action 3")).to_contain_text(
        "The centre serves Eastfield and Northgate.")
    page.get_by_role("button", name="Sign off this return").click()
    expect(page.get_by_text("has been signed off and is now locked")).to_be_visible()
    expect(page.locator("#return-status")).to_contain_text("Signed off by Jane Beaver")
    expect(page.get_by_role("button", name="Sign off this return")).to_have_count(0)
    expect(page.get_by_role("link", name="Choose the items that need work and send them back")).to_have_count(0)
    assert Return.objects.get(pk=cycle.report.pk).is_signed_off

    go_home(page, site)
    owner = page.get_by_role("region", name="Returns you sign off")
    expect(owner).to_contain_text("No return is ready for you to sign off.")
    expect(owner).to_contain_text("No return you sign off is waiting on anyone.")
    assert page.errors == []


# ---------------------------------------------------------------------------------------------------------
# Performance officer


def round_card(page):
    return page.get_by_role("region", name="Open rounds").locator(".govuk-summary-card").filter(
        has_text=f"Round {PERIOD}")


def test_the_performance_officer_follows_the_round_reports_an_unled_item_and_closes_the_round(page, site):
    cycle = make_cycle(actions=3, indicators=1, unassigned_every=3)  # Action 3 has no lead officer
    sign_in_as(page, site, "performance_officer")

    # The home shows the open round's completeness and the item nobody with a login can report.
    card = round_card(page)
    expect(card.locator(".govuk-summary-list__row").filter(has_text="Returns signed off")).to_contain_text("0 of 1")
    expect(card.locator(".govuk-summary-list__row").filter(has_text="Items submitted")).to_contain_text("0 of 4 (0%)")
    section = page.get_by_role("region", name="Open rounds")
    expect(section).to_contain_text("No open round has all its returns signed off.")
    unreported = section.locator(".govuk-task-list__item")
    expect(unreported).to_have_count(1)
    expect(unreported.get_by_role("link", name="Action 3")).to_be_visible()
    expect(unreported).to_contain_text("A performance officer reports it")

    # Who has not reported, one click from the round's card.
    card.get_by_role("link", name=f"Who has not reported in round {PERIOD}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Who has not reported in {PERIOD}")
    people = page.get_by_role("region", name="Outstanding by person")
    for name, actions, values in (("Pat Morgan", "1", "0"), ("Andy Williams", "1", "0"), ("Myles Mackie", "0", "1")):
        cells = people.get_by_role("row").filter(has_text=name).get_by_role("cell")
        expect(cells.nth(1)).to_have_text(actions)
        expect(cells.nth(2)).to_have_text(values)
    go_home(page, site)

    # The performance officer reports it from the home.
    unreported.get_by_role("link", name="Action 3").click()
    page.wait_for_url(f"{site}/returns/{cycle.report.pk}/actions/{cycle.actions[2].pk}/")
    page.get_by_label("Progress in this period").fill("The partners met twice; the referral route is agreed.")
    page.get_by_label("Green").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(f"{site}/my-returns/")
    expect(page.get_by_text("Your progress on “Action 3” has been submitted.")).to_be_visible()
    go_home(page, site)
    card = round_card(page)
    expect(card.locator(".govuk-summary-list__row").filter(has_text="Items submitted")).to_contain_text("1 of 4 (25%)")
    expect(page.get_by_role("region", name="Open rounds").locator(".govuk-task-list__item")).to_have_count(0)

    # Everyone else reports and the owner signs the return off.
    submit_progress(cycle, cycle.actions[0])
    submit_progress(cycle, cycle.actions[1])
    submit_value(cycle, cycle.ni152, "14.2")
    sign_off(cycle)

    # The home now offers to close the round; the performance officer closes it.
    go_home(page, site)
    card = round_card(page)
    expect(card.locator(".govuk-summary-list__row").filter(has_text="Returns signed off")).to_contain_text("1 of 1")
    expect(card).to_contain_text("Every return is signed off")
    closable = page.get_by_role("region", name="Open rounds").get_by_role("listitem").filter(
        has_text=f"Close round {PERIOD}")
    expect(closable).to_contain_text("all 1 return signed off")
    closable.get_by_role("link", name=f"Close round {PERIOD}").click()
    page.get_by_role("button", name="Close the round").click()
    page.wait_for_url(f"{site}{cycle.round.get_absolute_url()}")
    expect(page.get_by_text(f"Round {PERIOD} closed.")).to_be_visible()
    expect(page.locator(".govuk-summary-list__row").filter(has_text="Status")).to_contain_text("Closed")
    assert ReportingRound.objects.get(pk=cycle.round.pk).status == ReportingRound.Status.CLOSED

    go_home(page, site)
    expect(page.get_by_role("region", name="Open rounds")).to_contain_text("No round is open.")
    assert page.errors == []
