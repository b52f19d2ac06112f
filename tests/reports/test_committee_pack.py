"""The committee pack: cover, contents with the right page numbers, exception report first, each plan's report,
"Page x of y" across the joined parts; built in the background through the pages, and kept for its requester."""

import re
from datetime import date
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from monitoring import permissions, reports
from monitoring.models import ReportJob
from monitoring.reports import ExceptionRow, pack, pdf
from plans.models import Period, Section
from tests.builders import make_plan
from tests.cycle_builders import make_cycle, make_user, sign_off, submit_everything, submit_progress

pytestmark = pytest.mark.django_db

WATERMARK = "DRAFT - not signed off"


def add_sections(plan):
    for position, kind in enumerate([Section.Kind.DELIVERY_PLAN, Section.Kind.INDICATORS], start=1):
        Section.objects.create(plan=plan, position=position, number=str(position), heading=kind.label, kind=kind)


@pytest.fixture
def cycle(settings, tmp_path):
    """NI 152 signed off and NI 117 still open, both in the 2008/09 Q1 round."""
    settings.MEDIA_ROOT = tmp_path / "media"
    second = make_plan("NI 117", title="16-18 year olds not in education, training or employment",
                       first_year=2007, last_year=2010)
    add_sections(second)
    cycle = make_cycle(actions=2, indicators=1)
    add_sections(cycle.plan)
    submit_everything(cycle)
    submit_progress(cycle, cycle.actions[1], narrative="Placements stalled: the provider withdrew", rag="red")
    sign_off(cycle)
    cycle.extra["second"] = second
    return cycle


def pack_pages(cycle, tmp_path, **kwargs) -> tuple[reports.PackResult, list[str], PdfReader]:
    output = tmp_path / "pack.pdf"
    result = reports.committee_pack(Period.for_code("2008/09-Q1"), output, produced=date(2026, 11, 24), **kwargs)
    reader = PdfReader(BytesIO(output.read_bytes()))
    return result, [page.extract_text() for page in reader.pages], reader


def start_page(pages: list[str], heading: str) -> int:
    return next(number for number, text in enumerate(pages, start=1) if heading in " ".join(text.split()))


def test_the_pack_has_a_cover_contents_the_exception_report_first_then_each_plan(cycle, tmp_path):
    result, pages, _ = pack_pages(cycle, tmp_path)
    assert (result.plans, result.pages) == (2, len(pages))
    assert "Partnership performance monitoring reports" in pages[0]
    assert "2008/09 Q1 (April to June 2008)" in pages[0]
    assert re.search(r"NI 117 16-18 year olds .* Not signed off: DRAFT", " ".join(pages[0].split()))
    # The watermark lies over the page, drawn after its text: the page's own words come first.
    assert pages[1].startswith("Contents") and WATERMARK in pages[1]
    exceptions = start_page(pages, "Exception report Every indicator and action")
    ni117 = start_page(pages, "NI 117: 16-18 year olds not in education, training or employment Monitoring report for")
    ni152 = start_page(pages, "NI 152: Working age people on out of work benefits Monitoring report for")
    assert exceptions == 3 < ni117 < ni152
    contents = " ".join(pages[1].split())
    assert f"Exception report Red and amber indicators and actions, with commentary {exceptions}" in contents
    assert f"NI 117: 16-18 year olds not in education, training or employment Not signed off: DRAFT {ni117}" in contents
    assert f"NI 152: Working age people on out of work benefits Signed off {ni152}" in contents


def test_the_exception_report_lists_red_and_amber_indicators_and_actions_with_commentary(cycle, tmp_path):
    result, pages, _ = pack_pages(cycle, tmp_path)
    text = " ".join(" ".join(pages[2:4]).split())
    assert result.exceptions == 2
    assert "1 red, 1 amber" in text
    assert "LAA NI 152 Indicator Working age people on out of work benefits AMBER 14.5% against a target of 14.3% " \
           "Redundancies still in the figures Myles Mackie" in text
    assert "2 Action Action 2 RED" in text and "Placements stalled: the provider withdrew Andy Williams" in text


def test_every_page_is_numbered_across_the_joined_pack(cycle, tmp_path):
    _, pages, reader = pack_pages(cycle, tmp_path)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert text.count(" of ") >= 1 and "Produced 24 November 2026" in text
    assert reader.metadata.title == "Committee pack 2008/09 Q1: monitoring reports"
    assert reader.metadata.author == "Partnership Monitor"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert [item.title for item in reader.outline if not isinstance(item, list)][:3] == [
        "Cover", "Contents", "Exception report"]


def test_draft_plans_carry_the_watermark_and_signed_off_plans_do_not(cycle, tmp_path):
    _, pages, _ = pack_pages(cycle, tmp_path)
    ni152 = start_page(pages, "NI 152: Working age people on out of work benefits Monitoring report for")
    assert all(WATERMARK in text for text in pages[:ni152 - 1])  # cover to NI 117: the pack holds a draft
    assert not any(WATERMARK in text for text in pages[ni152 - 1:])


def test_the_pack_can_hold_only_the_named_plans(cycle, tmp_path):
    result, pages, _ = pack_pages(cycle, tmp_path, references=["NI 152"])
    assert result.plans == 1 and not result.is_draft
    assert not any("NI 117" in text for text in pages)
    assert not any(WATERMARK in text for text in pages)


# The background job, through the pages (the test settings run tasks at once).


def test_asking_for_a_pack_builds_it_and_offers_the_download(cycle, client):
    client.force_login(cycle["viewer"])
    period = Period.for_code("2008/09-Q1")
    response = client.post(reverse("committee_pack"), {"period": period.pk, "plans": [cycle.plan.pk]})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report_job", args=[job.pk])
    assert (job.status, job.progress, job.requested_by) == (ReportJob.Status.READY, 100, cycle["viewer"])
    page = client.get(response["Location"])
    assert "The pack is ready" in page.content.decode() and "Refresh" not in page
    download = client.get(reverse("report_job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert 'filename="committee-pack-2008-09-q1.pdf"' in download["Content-Disposition"]
    pages = PdfReader(BytesIO(b"".join(download.streaming_content))).pages
    assert len(pages) == job.pages and "NI 152" in pages[-1].extract_text()


def test_only_the_requester_and_performance_officers_open_a_pack(cycle, client):
    job = ReportJob.objects.create(period=Period.for_code("2008/09-Q1"), requested_by=cycle["viewer"])
    for user, status in [(cycle["officer"], 403), (cycle["performance_officer"], 200), (cycle["viewer"], 200)]:
        client.force_login(user)
        assert client.get(reverse("report_job", args=[job.pk])).status_code == status
        # Not ready yet: nothing to download, whoever asks.
        assert client.get(reverse("report_job_download", args=[job.pk])).status_code in {403, 404}
    client.logout()
    assert client.get(reverse("report_job", args=[job.pk])).status_code == 302


def test_a_pack_being_built_shows_its_progress_and_reloads_itself(cycle, client):
    job = ReportJob.objects.create(
        period=Period.for_code("2008/09-Q1"), requested_by=cycle["viewer"], status=ReportJob.Status.RUNNING,
        progress=40, stage="Writing the report for NI 152",
    )
    client.force_login(cycle["viewer"])
    response = client.get(reverse("report_job", args=[job.pk]))
    html = response.content.decode()
    assert response["Refresh"] == "3"
    assert '<progress class="app-progress" id="progress-bar" max="100" value="40">40%</progress>' in html
    assert "Writing the report for NI 152" in html


def test_the_form_refuses_a_plan_with_no_return_in_the_period(cycle, client):
    late = make_plan("NI 40", first_year=2007, last_year=2010)
    client.force_login(cycle["viewer"])
    response = client.post(reverse("committee_pack"), {"period": Period.for_code("2008/09-Q1").pk, "plans": [late.pk]})
    assert response.status_code == 200
    assert "NI 40 has no return for 2008/09 Q1." in response.content.decode()
    assert not ReportJob.objects.exists()


def test_a_failed_build_says_so(cycle, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports, "committee_pack", broken)
    client.force_login(cycle["viewer"])
    client.post(reverse("committee_pack"), {"period": Period.for_code("2008/09-Q1").pk})
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.FAILED and "could not be built" in job.error
    assert "disk full" not in job.error


# Plan report downloads from the pages.


def test_any_member_of_the_partnership_downloads_a_plans_report_and_nobody_else(cycle, client):
    outsider = make_user("outsider", "Olive Outsider")  # no role in any partnership
    client.force_login(outsider)
    assert client.get(reverse("plan_report", args=[cycle.plan.pk]), {"period": "2008/09-Q1"}).status_code == 404
    member = make_user("member", "Mia Member", permissions.STRATEGIC_GROUP)
    client.force_login(member)
    response = client.get(reverse("plan_report", args=[cycle.plan.pk]), {"period": "2008/09-Q1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="ni-152-2008-09-q1.pdf"' in response["Content-Disposition"]
    latest = client.get(reverse("plan_report", args=[cycle.plan.pk]))
    assert latest.status_code == 200
    assert client.get(reverse("plan_report", args=[cycle.plan.pk]), {"period": "2012/13-H1"}).status_code == 404
    listing = client.get(reverse("plan_reports", args=[cycle.plan.pk])).content.decode()
    assert "Download the 2008/09 Q1 report" in listing
    assert reverse("plan_report", args=[cycle.plan.pk]) in client.get(cycle.plan.get_absolute_url()).content.decode()
    assert "monitoring report (PDF)" in client.get(cycle.report.get_absolute_url()).content.decode()


def test_a_plan_with_no_return_sends_the_user_to_its_reports_page(cycle, client):
    client.force_login(cycle["viewer"])
    response = client.get(reverse("plan_report", args=[cycle.extra["second"].pk]) + "x", follow=False)
    assert response.status_code == 404
    plan = make_plan("NI 40", first_year=2007, last_year=2010)
    response = client.get(reverse("plan_report", args=[plan.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("plan_reports", args=[plan.pk])
    assert "NI 40 has no returns yet" in response.content.decode()


# Memory: the pack is laid out in parts of bounded size, whatever the number of plans, and reads the same.


def exception_rows(plans: int, rows: int) -> list[ExceptionRow]:
    return [
        ExceptionRow(
            plan=SimpleNamespace(pk=plan, reference=f"NI {plan}", title=f"Plan {plan}"), kind="Action",
            reference=str(number), title=f"Action {number} of plan {plan}", rag="red" if number % 2 else "amber",
            figure=f"{number} of 40", commentary=f"Commentary on action {number} of plan {plan}. " * (number % 4 + 1),
            reported_by="Andy Williams",
        )
        for plan in range(1, plans + 1)
        for number in range(1, rows + 1)
    ]


def lay_out_exceptions(tmp_path, monkeypatch, rows: list[ExceptionRow], per_part: int) -> tuple[list[str], int, int]:
    """Return the exception report's page texts, how many documents WeasyPrint laid out, and how many parts."""
    laid_out = []
    monkeypatch.setattr(pack, "EXCEPTION_ROWS_PER_PART", per_part)
    monkeypatch.setattr(pack, "layout", lambda html: laid_out.append(html) or pdf.layout(html))
    folder = tmp_path / str(per_part)
    folder.mkdir()
    page = {"period": SimpleNamespace(label="2008/09 Q1"), "period_months": "April to June 2008", "produced": None,
            "is_draft": False, "numbered": False, "title": "Pack", "header_left": "Exceptions", "header_right": "",
            "red": 0, "amber": 0}
    parts = pack._exception_parts(folder, rows, page)
    assert [part.title for part in parts] == ["Exception report"] + [""] * (len(parts) - 1)
    texts = [" ".join(page.extract_text().split()) for part in parts for page in PdfReader(part.path).pages]
    assert sum(part.pages for part in parts) == len(texts)
    return texts, len(laid_out), len(parts)


def test_a_long_exception_report_is_laid_out_a_stretch_at_a_time_and_reads_as_if_laid_out_whole(tmp_path, monkeypatch):
    rows = exception_rows(plans=4, rows=14)
    whole, documents, parts = lay_out_exceptions(tmp_path, monkeypatch, rows, per_part=10_000)
    assert (documents, parts) == (1, 1) and len(whole) >= 4
    stretched, documents, parts = lay_out_exceptions(tmp_path, monkeypatch, rows, per_part=12)
    assert parts >= 3 and documents >= parts
    assert stretched == whole
    assert sum(text.count("Plan 2") for text in stretched) == 1  # a plan's heading once, where it begins


def test_the_page_numbers_are_laid_out_a_stretch_at_a_time_and_the_pack_is_well_formed(cycle, tmp_path, monkeypatch):
    laid_out = []
    monkeypatch.setattr(pdf, "NUMBERS_PER_PART", 3)
    monkeypatch.setattr(pdf, "render_pdf", lambda template, context: laid_out.append(template) or pdf.html_to_pdf(
        pdf.render_html(template, context)))
    _, pages, _ = pack_pages(cycle, tmp_path)
    assert laid_out.count("monitoring/reports/print/page_numbers.html") == -(-len(pages) // 3) > 1
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    # The pack is written part by part: it must still be a well-formed PDF that a strict reader takes.
    assert len(PdfReader(tmp_path / "pack.pdf", strict=True).pages) == len(pages)


@pytest.mark.parametrize("code", ["0000/01-Q1", "9999/00-Q1"])
def test_an_impossible_year_on_the_report_pages_is_answered_with_the_period_rule(cycle, client, code):
    client.force_login(cycle["viewer"])
    message = escape(f"'{code}' is not a period: periods fall in the financial years 1990/91 to 2100/01, "
                     "April 1990 to March 2101.")
    report = client.get(reverse("plan_report", args=[cycle.plan.pk]), {"period": code}, follow=True)
    assert report.redirect_chain == [(reverse("plan_reports", args=[cycle.plan.pk]), 302)]
    assert message in report.content.decode()
    pack = client.get(reverse("committee_pack"), {"period": code})
    assert pack.status_code == 200
    assert message in pack.content.decode()
