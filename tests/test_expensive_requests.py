"""Expensive requests: a person's PDFs and downloads are made one at a time, so that one person's six parallel
reports cannot hold every worker; a plan's report drawn while its reader waits keeps within its budget; and a
committee pack waits for the person's last one. Every refusal says in words what to do instead."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from monitoring import reports
from monitoring.models import ReportJob
from monitoring.reports import pdf, views
from plans.models import Period
from tests.cycle_builders import make_cycle

pytestmark = pytest.mark.django_db

BUSY_HEADING = '<h1 class="govuk-heading-l">You already have a report or download being made</h1>'
BUSY_ADVICE = "Wait for it to finish, then try again."
TOO_LONG = ("The monitoring report for NI 152 2008/09 Q1 is too long to make while you wait. Ask for a committee "
            "pack for 2008/09 Q1 with only NI 152 ticked: it is made in the background and kept for you.")


@pytest.fixture
def cycle():
    return make_cycle(actions=1, indicators=1)


@pytest.fixture
def viewer(cycle, client):
    client.force_login(cycle["viewer"])
    return client


def get_report(client, cycle, period="2008/09-Q1", **kwargs):
    return client.get(reverse("plan_report", args=[cycle.plan.pk]), {"period": period}, **kwargs)


def while_a_report_is_drawn(monkeypatch, *requests) -> list:
    """Make the requests (each a function returning a response) while the first plan report is being drawn."""
    answers, started = [], []
    draw = reports.plan_report_pdf

    def drawing(report, **kwargs):
        if not started:
            started.append(True)
            answers.extend(request() for request in requests)
        return draw(report, **kwargs)

    monkeypatch.setattr(reports, "plan_report_pdf", drawing)
    return answers


# ---------------------------------------------------------------------------------------------------------
# One expensive request at a time per person


def test_while_a_report_is_drawn_the_same_persons_reports_and_downloads_wait_in_words(cycle, viewer, monkeypatch):
    answers = while_a_report_is_drawn(
        monkeypatch,
        lambda: get_report(viewer, cycle),
        lambda: viewer.get(reverse("export"), {"what": "values", "format": "csv"}),
        lambda: viewer.get(reverse("plan_workbook", args=[cycle.plan.pk])),
    )

    first = get_report(viewer, cycle)

    assert (first.status_code, first["Content-Type"]) == (200, "application/pdf")
    assert [(answer.status_code, answer["Retry-After"]) for answer in answers] == [(429, "10")] * 3
    page = answers[0].content.decode()
    assert BUSY_HEADING in page and BUSY_ADVICE in page
    assert answers[0]["Cache-Control"] == "private, no-store"


def test_while_a_report_is_drawn_pages_and_other_people_are_not_held_up(cycle, viewer, monkeypatch):
    officer = Client()
    officer.force_login(cycle["officer"])
    answers = while_a_report_is_drawn(
        monkeypatch,
        lambda: viewer.get("/"),
        lambda: viewer.get(reverse("dashboard_overview")),
        lambda: viewer.get(reverse("dashboard_overview"), {"_export": "csv"}),  # a table's CSV costs what its page does
        lambda: get_report(officer, cycle),
        lambda: officer.get(reverse("export"), {"what": "values", "format": "csv"}),
    )

    assert get_report(viewer, cycle).status_code == 200
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 200]


def test_each_report_in_turn_is_drawn_even_after_one_that_failed(cycle, viewer):
    statuses = [get_report(viewer, cycle, period).status_code for period in ["2008/09-Q1", "2012/13-H1", "2008/09-Q1"]]
    assert statuses == [200, 404, 200]
    assert viewer.get(reverse("export"), {"what": "values", "format": "csv"}).status_code == 200


def test_if_requests_cannot_be_counted_the_report_is_still_sent_and_the_log_says_why(cycle, viewer, caplog):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE expensive_requests")

    with caplog.at_level(logging.ERROR, logger="security"):
        response = get_report(viewer, cycle)

    assert response.status_code == 200
    assert any("manage.py createcachetable" in record.getMessage() for record in caplog.records)


# ---------------------------------------------------------------------------------------------------------
# A committee pack waits for the person's last one


def test_a_person_waits_for_their_pack_being_built_before_asking_for_another(cycle, viewer):
    period = Period.for_code("2008/09-Q1")
    job = ReportJob.objects.create(period=period, requested_by=cycle["viewer"], status=ReportJob.Status.RUNNING)

    response = viewer.post(reverse("committee_pack"), {"period": period.pk})

    page = response.content.decode()
    assert (response.status_code, response["Retry-After"]) == (429, "60")
    assert '<h1 class="govuk-heading-l">You already have a committee pack being built</h1>' in page
    assert "Your committee pack for 2008/09 Q1 is still being built." in page
    assert f'href="{job.get_absolute_url()}"' in page
    assert ReportJob.objects.count() == 1

    # Someone else may ask meanwhile; once the pack is finished, so may its requester.
    officer = Client()
    officer.force_login(cycle["officer"])
    assert officer.post(reverse("committee_pack"), {"period": period.pk}).status_code == 302
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED)
    assert viewer.post(reverse("committee_pack"), {"period": period.pk}).status_code == 302
    assert ReportJob.objects.count() == 3


def test_a_pack_left_unfinished_for_over_an_hour_no_longer_holds_its_requester_back(cycle, viewer):
    period = Period.for_code("2008/09-Q1")
    ReportJob.objects.create(period=period, requested_by=cycle["viewer"],
                             requested_at=timezone.now() - timedelta(hours=1, minutes=1))

    assert viewer.post(reverse("committee_pack"), {"period": period.pk}).status_code == 302


# ---------------------------------------------------------------------------------------------------------
# A plan's report drawn while its reader waits keeps within its budget


def count_stages(monkeypatch) -> Counter:
    """Count WeasyPrint's two stages, layout and writing the PDF, as the report goes through them."""
    counts = Counter()

    def counting(name: str):
        stage = getattr(pdf, name)

        def counted(*args, **kwargs):
            counts[name] += 1
            return stage(*args, **kwargs)
        return counted

    for name in ("layout", "write"):
        monkeypatch.setattr(pdf, name, counting(name))
    return counts


@pytest.mark.parametrize(("limit", "value", "stages"), [
    ("PLAN_REPORT_SECONDS", 0, {}),
    ("PLAN_REPORT_MAX_HTML", 1000, {}),
    ("PLAN_REPORT_MAX_PAGES", 0, {"layout": 1}),
], ids=["time", "html-size", "pages"])
def test_a_report_past_its_budget_is_refused_in_words_and_drawn_no_further(cycle, viewer, monkeypatch, caplog, limit,
                                                                           value, stages):
    monkeypatch.setattr(views, limit, value)
    counts = count_stages(monkeypatch)

    with caplog.at_level(logging.WARNING, logger="monitoring.reports.views"):
        response = get_report(viewer, cycle, follow=True)

    assert response.redirect_chain == [(reverse("plan_reports", args=[cycle.plan.pk]), 302)]
    assert escape(TOO_LONG) in response.content.decode()
    assert counts == Counter(stages)
    assert any(record.getMessage().startswith("plan report NI 152 2008/09 Q1 not drawn") for record in caplog.records)


def test_within_its_budget_a_report_is_laid_out_and_written_once(cycle, viewer, monkeypatch):
    counts = count_stages(monkeypatch)
    assert get_report(viewer, cycle).status_code == 200
    assert counts == Counter({"layout": 1, "write": 1})


def test_the_report_command_has_no_budget(cycle, monkeypatch, tmp_path):
    # No one waits on a web worker at the command line.
    monkeypatch.setattr(views, "PLAN_REPORT_SECONDS", 0)
    monkeypatch.setattr(views, "PLAN_REPORT_MAX_PAGES", 0)
    output = tmp_path / "ni152.pdf"
    call_command("report", "NI 152", "2008/09-Q1", "-o", str(output), stdout=StringIO())
    assert output.read_bytes().startswith(b"%PDF")
