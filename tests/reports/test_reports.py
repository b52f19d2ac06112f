"""Plan monitoring reports as PDF: the seed's figures, the progress entered, page furniture and the watermark rule."""

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from pypdf import PdfReader

from monitoring import reports
from plans.models import Section
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_progress

PRODUCED = date(2026, 11, 24)
WATERMARK = "DRAFT - not signed off"


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def flat(pages: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(pages))


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")


def read_in_order(data: bytes) -> list[str]:
    """Return each page's text as a reader lays it out: plain `pdftotext` (reading order, not -raw)."""
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True, timeout=60)
    return result.stdout.decode().split("\f")[:-1]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo plans and their reporting history once for the module, and undo them afterwards.

    Tests using it take no `db` fixture, so pytest-django runs them after the module's `db` tests, which build
    their own data: the two never meet.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--demo-logins", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def render(reference: str, code: str) -> reports.Rendered:
    report = reports.find_return(reports.find_plan(reference), reports.find_period(code))
    return reports.plan_report_pdf(report, produced=PRODUCED)


@pytest.fixture(scope="module")
def ni152_year_end(demo, django_db_blocker):
    with django_db_blocker.unblock():
        rendered = render("NI 152", "2008/09-Q4")
    return rendered, pdf_pages(rendered.data)


@pytest.fixture(scope="module")
def service_plan(demo, django_db_blocker):
    with django_db_blocker.unblock():
        rendered = render("CS 2012/13", "2012/13-H1")
    return rendered, pdf_pages(rendered.data)


def test_the_laa_report_prints_the_seed_figures(ni152_year_end):
    _, pages = ni152_year_end
    text = flat(pages)
    assert "14.8% May 2007" in text
    assert "TOTAL £12,945,888" in text
    assert "LAA TARGET - ACTION PLAN" in text
    assert "Technical Data Expert Myles Mackie" in text


def test_the_laa_report_has_sections_1_to_7_in_the_seed_order(ni152_year_end):
    text = flat(ni152_year_end[1])
    headings = ["1: LAA Target", "2: Equalities Implications", "3: Strategic Summary",
                "4: Delivery Plan – Performance Monitoring of Actions", "5: Performance Indicators",
                "6: Funding & Planned Spend", "7: Risk Assessment"]
    positions = [text.index(heading) for heading in headings]
    assert positions == sorted(positions)


def test_the_progress_column_holds_the_returns_narrative_rag_and_outputs(ni152_year_end):
    text = flat(ni152_year_end[1])
    assert "Progress 2008/09 Q4" in text
    assert "Illustrative progress for 2008/09 Q4: delivery on track" in text
    assert re.search(r"(GREEN|AMBER|RED) Illustrative progress for 2008/09 Q4", text)
    assert re.search(r"Outputs: [\d,]+ this quarter; [\d,]+ of 275 in 2008/09 \(\d+%\)", text)


def test_the_indicators_table_fills_the_years_quarters_and_says_whether_the_target_was_met(ni152_year_end):
    text = flat(ni152_year_end[1])
    # NI 152 rose through the year (illustrative figures): 14.6, 14.9, 15.4, 16.2 against a target of 14.3%.
    assert re.search(r"LAA NI 152 Working age people on out of work benefits\. 14\.8% May 2007 14\.3% "
                     r"14\.6% 14\.9% 15\.4% 16\.2% RED No", text)
    assert "Target Met Yes/No" in text


def test_every_page_carries_the_header_and_page_x_of_y_with_the_production_date(ni152_year_end):
    rendered, pages = ni152_year_end
    assert rendered.pages == len(pages) > 5
    for number, text in enumerate(pages, start=1):
        assert "NI 152: Working age people on out of work benefits" in text
        assert "Monitoring report 2008/09 Q4" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Produced 24 November 2026" in text


def test_a_signed_off_return_has_no_watermark(ni152_year_end):
    assert not any(WATERMARK in text for text in ni152_year_end[1])


def test_the_pdf_has_a_title_author_and_language_and_text_that_copies_cleanly(ni152_year_end):
    rendered, pages = ni152_year_end
    reader = PdfReader(BytesIO(rendered.data))
    assert reader.metadata.title == "NI 152: Working age people on out of work benefits – monitoring report 2008/09 Q4"
    assert reader.metadata.author == "Partnership Monitor"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    text = "".join(pages)
    assert not set(text) & {"\ufb00", "\ufb01", "\ufb02", "\ufb03", "\ufb04", "\u00ad"}  # ligatures, soft hyphens
    assert "benefits" in text and "identified" in text


def test_the_charts_are_embedded_with_their_titles(ni152_year_end):
    text = flat(ni152_year_end[1])
    assert "Charts: values by quarter against the baseline and each year's target" in text
    assert "Value (signed off)" in text  # the chart's legend is text, not a picture


def test_an_earlier_quarter_shows_only_the_quarters_reported_by_then(demo, django_db_blocker):
    with django_db_blocker.unblock():
        text = flat(pdf_pages(render("NI 152", "2008/09-Q1").data))
    # 14.6% is within 5% of the 14.3% target: amber. Q2 to Q4 are not reported yet, and no year is complete.
    assert re.search(r"14\.8% May 2007 14\.3% 14\.6% AMBER Other indicators", text)
    table = text.split("5: Performance Indicators")[1].split("Commentary on")[0]
    assert "14.9%" not in table and "15.4%" not in table
    assert "Target met is given once the year is complete." in table


def test_an_open_returns_report_is_marked_draft_on_every_page(demo, django_db_blocker):
    with django_db_blocker.unblock():
        data = render("NI 152", "2009/10-Q1").data
    pages = pdf_pages(data)
    assert all(WATERMARK in text for text in pages)
    assert "Not signed off." in pages[0]
    if shutil.which("pdftotext"):
        # Laid out as a reader lays it out, the watermark reads as words on every page, not letters strewn about.
        in_order = read_in_order(data)
        assert len(in_order) == len(pages)
        assert all(WATERMARK in text.splitlines() for text in in_order)


def test_the_funding_totals_say_which_years_they_cover(ni152_year_end):
    text = flat(ni152_year_end[1])
    assert "DAF £1,070,000 £1,070,000 (2008/09 only)" in text
    assert "ESF Adult £88,237 £221,355 £309,592 (2008/09 and 2009/10 only)" in text
    assert "LEGI £650,000 tbc tbc £650,000 plus tbc" in text
    assert ("TOTAL £12,945,888 £221,355 plus tbc (incomplete) tbc (incomplete) £13,167,243 plus tbc (incomplete)"
            in text)
    assert "Neither is the funding for 2008/09 to 2010/11." in text


def test_the_lead_officer_column_names_the_officer_the_plan_names(ni152_year_end):
    text = flat(ni152_year_end[1])
    assert "LEGI BID CCC – Andy Williams, LEGI Delivery Manager" in text


def test_the_service_plan_prints_its_budget_and_six_monthly_progress_on_each_key_activity(service_plan):
    rendered, pages = service_plan
    text = flat(pages)
    assert "Proposed Base Budget 21,180 21,149 21,149 20,971" in text
    # 2012/13 balances: its Deficit / (Surplus) is blank, as the seed prints it, not 0.
    assert "Deficit / (Surplus) 178 582 Additional Stretch Reductions" in text
    assert "People & Communities Children's Service Service Action Plan" in text
    assert text.count("Progress 2012/13 H1") >= 6  # a key activities table per priority (headers repeat on new pages)
    assert "Illustrative progress for 2012/13 H1" in text
    assert "Appendix 1 – Key Performance Measures and Targets 2012/13" in text
    assert not any(WATERMARK in page for page in pages)
    assert all(f"of {rendered.pages}" in page for page in pages)


# A small plan built in the test: the watermark follows the return's sign-off, and entered progress is printed.


@pytest.fixture
def cycle(db):
    cycle = make_cycle(actions=2, indicators=1)
    for position, kind in enumerate([Section.Kind.DELIVERY_PLAN, Section.Kind.INDICATORS], start=1):
        Section.objects.create(plan=cycle.plan, position=position, number=str(position), heading=kind.label, kind=kind)
    return cycle


def test_the_watermark_is_on_every_page_until_sign_off_and_gone_after(cycle):
    submit_everything(cycle)
    # 76 outputs by Q1 is 5% short of the profile of 80: amber, as the outputs suggest.
    submit_progress(cycle, cycle.action, narrative="Thirty people started <b>work</b> placements", rag="amber",
                    outputs=Decimal(76))
    before = pdf_pages(reports.plan_report_pdf(cycle.report, produced=PRODUCED).data)
    assert all(WATERMARK in text for text in before)
    text = flat(before)
    # Printed as typed, never as markup; the entry's status shows until sign-off.
    assert "AMBER SUBMITTED Thirty people started <b>work</b> placements" in text
    assert "14.5%" in text and "Redundancies still in the figures" in text

    sign_off(cycle)
    after = pdf_pages(reports.plan_report_pdf(cycle.report, produced=PRODUCED).data)
    assert not any(WATERMARK in text for text in after)
    assert "Signed off by Jane Beaver on" in flat(after)


@needs_pdftotext
def test_the_watermark_reads_as_words_in_reading_order(cycle):
    submit_everything(cycle)
    draft = reports.plan_report_pdf(cycle.report, produced=PRODUCED).data

    pages = read_in_order(draft)

    assert pages and all(WATERMARK in page.splitlines() for page in pages)
    assert all("DRAFT" in page.split() for page in pages)
    # No letter of it is left on a line of its own, as text set at a slant comes out.
    assert not any(line.strip() in set("DRAFT") for page in pages for line in page.splitlines())

    sign_off(cycle)
    signed = read_in_order(reports.plan_report_pdf(cycle.report, produced=PRODUCED).data)
    assert not any("DRAFT" in page for page in signed)


def test_a_report_needs_a_known_plan_a_period_and_a_return(cycle):
    with pytest.raises(reports.ReportError, match="No plan has the reference 'NI 999'."):
        reports.find_plan("NI 999")
    with pytest.raises(reports.ReportError, match="is not a period"):
        reports.find_period("2008/09-Q5")
    with pytest.raises(reports.ReportError, match="No reporting round has been opened for 2010/11 Q2."):
        reports.find_period("2010/11-Q2")
    assert reports.find_plan("ni 152") == cycle.plan
    assert reports.plan_report_filename(cycle.report) == "ni-152-2008-09-q1.pdf"
