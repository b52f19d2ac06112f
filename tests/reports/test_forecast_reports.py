"""The year-end forecast in the committee's documents: beside each indicator in a plan's report, shaded on its
chart, and in the committee pack's exception report for every indicator unlikely to meet its target, even one
that is green today. The committee's forecasts rest on signed-off figures only: drafts never reach them.

Figures from tests/forecast_builders.py: NI 152 falling 0.2 a quarter through 2007/08 forecasts 13.4% for 2008/09,
very likely (over 99%) to meet 14.3%; rising 0.4 a quarter, with 14.3% signed off for 2008/09 Q1 (on target,
green), it forecasts 15.4%, very unlikely (1%).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from monitoring import reports
from plans.models import Period, Section
from tests.cycle_builders import make_cycle, sign_off, submit_progress
from tests.forecast_builders import FALLING, RISING, enter, with_history

pytestmark = pytest.mark.django_db

PRODUCED = date(2026, 11, 24)


def flat(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages))


def add_sections(plan):
    for position, kind in enumerate([Section.Kind.DELIVERY_PLAN, Section.Kind.INDICATORS], start=1):
        Section.objects.create(plan=plan, position=position, number=str(position), heading=kind.label, kind=kind)


def ready(cycle, raw: str, commentary: str):
    """Submit every action and the local measure, and NI 152's value for 2008/09 Q1."""
    add_sections(cycle.plan)
    for action in cycle.actions:
        submit_progress(cycle, action, outputs=Decimal(80) if action == cycle.action else None)
    enter(cycle, raw, commentary=commentary, submit=True)
    enter(cycle, "120", submit=True, indicator=cycle.indicators[1])
    return cycle


def test_the_plan_report_prints_the_forecast_beside_each_indicator_from_signed_off_figures_only():
    cycle = ready(with_history(make_cycle(), FALLING), "15.2", "A large employer closed in May")  # not signed off
    html = reports.plan_report_html(cycle.report, produced=PRODUCED)
    table = html[html.index("Year-end forecasts for 2008/09"):]
    table = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table[:table.index("</table>")]))
    assert "NI 152 Working age people on out of work benefits 14.3% 13.4% 13.4% to 13.4% Very likely (over 99%) " \
           "From 4 quarters; linear trend" in table
    assert "15.2%" not in table and "Provisional" not in table  # the draft stays out of the committee's forecast

    text = flat(reports.plan_report_pdf(cycle.report, produced=PRODUCED).data)
    assert "Year-end forecasts for 2008/09" in text
    assert "13.4% to 13.4% Very likely (over 99%) From 4 quarters; linear trend" in text
    assert "Forecasts from signed-off figures only, up to 2008/09 Q1." in text
    assert "with the year-end forecast's 80% range shaded" in text


def test_the_report_chart_shades_the_forecast_range_and_says_so():
    cycle = ready(with_history(make_cycle(), FALLING), "14.0", "")
    context = reports.plan_report(cycle.report, produced=PRODUCED)
    assert ("Forecast for 2008/09 Q4: 13.4%, with an 80% range of 13.4% to 13.4%, shown as a shaded band; very likely "
            "(over 99%) to meet the target.") in context.headline.chart_description
    assert "Forecast range (80%)" in context.headline.chart_svg


def test_the_exception_report_lists_an_indicator_unlikely_to_meet_its_target_though_green_today(tmp_path):
    cycle = ready(with_history(make_cycle(), RISING), "14.3", "Two large employers closed in May")
    sign_off(cycle)
    output = tmp_path / "pack.pdf"
    result = reports.committee_pack(Period.for_code("2008/09-Q1"), output, produced=PRODUCED)
    text = flat(output.read_bytes())
    assert result.exceptions == 1
    assert "1 indicator unlikely to meet its target for the year" in text  # the cover
    assert ("NI 152 Indicator Working age people on out of work benefits GREEN 14.3% against a target of 14.3% "
            "Two large employers closed in May Myles Mackie Year-end forecast for 2008/09: 15.4% (80% range 15.1% "
            "to 15.8%); very unlikely (1%) to meet the target of 14.3%; from 5 quarters; linear trend.") in text


def test_drafts_never_reach_the_committees_forecasts(tmp_path):
    """NI 152's draft of 15.2% makes its data expert's forecast unlikely (19%); the pack's stays very likely."""
    ready(with_history(make_cycle(), FALLING), "15.2", "A large employer closed in May")
    output = tmp_path / "pack.pdf"
    reports.committee_pack(Period.for_code("2008/09-Q1"), output, produced=PRODUCED)
    text = flat(output.read_bytes())
    assert "Unlikely (19%)" not in text and "unlikely (19%)" not in text
    assert "13.4% to 13.4% Very likely (over 99%)" in text
    assert "Year-end forecast for 2008/09:" not in text  # no indicator in the exception report for its forecast
    assert "from signed-off figures), whatever its RAG: 0." in text
