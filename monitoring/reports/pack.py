"""The committee pack for a period: a cover, contents with page numbers, the exception report, each plan's report.

Each plan's report is laid out on its own and written to a temporary file, so memory holds one plan's layout at
a time however many plans the pack has; the exception report's rows are gathered on the way, from the same
contexts. Once every part's length is known, the contents can give each part's first page, and the parts are
joined and numbered "Page x of y" across the whole (monitoring.reports.pdf.join_parts).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify

from monitoring.models import Return
from monitoring.reports.context import ExceptionRow, months_label, plan_report, returns_in_period
from monitoring.reports.pdf import Part, join_parts, render_pdf
from monitoring.reports.plan import PLAN_TEMPLATE, plan_report_context
from plans.models import Period

# Called with (steps done, steps in all, what is being done now).
Progress = Callable[[int, int, str], None]

# The contents are laid out again until their own length settles, which it does at the second pass.
CONTENTS_PASSES = 3


@dataclass
class PackResult:
    pages: int
    plans: int
    exceptions: int
    is_draft: bool


@dataclass
class ContentsEntry:
    title: str
    note: str
    page: int = 0


@dataclass
class PlanEntry:
    """A plan in the pack, as the cover lists it."""

    reference: str
    title: str
    signed_off: bool
    signed_off_at: object


def committee_pack_filename(period: Period) -> str:
    """Return the pack's file name: 'committee-pack-2008-09-q1.pdf'."""
    return f"committee-pack-{slugify(period.code.replace('/', '-'))}.pdf"


def committee_pack(
    period: Period,
    output: Path,
    *,
    references: list[str] | None = None,
    produced: date | None = None,
    on_progress: Progress | None = None,
) -> PackResult:
    """Write the committee pack for the period to output: every plan with a return then, or the named plans."""
    returns = returns_in_period(period, references)
    return committee_pack_of(returns, period, output, produced=produced, on_progress=on_progress)


def committee_pack_of(
    returns: list[Return], period: Period, output: Path, *, produced: date | None = None,
    on_progress: Progress | None = None,
) -> PackResult:
    """Write the committee pack of these returns, in this order, to output."""
    produced = produced or timezone.localdate()
    steps = len(returns) + 2
    progress = on_progress or (lambda done, total, stage: None)
    title = f"Committee pack {period.label}: monitoring reports"
    is_draft = any(not report.is_signed_off for report in returns)
    with tempfile.TemporaryDirectory(prefix="committee-pack-") as folder:
        folder = Path(folder)
        plan_parts, exceptions = _plan_parts(returns, folder, produced, progress, steps)
        progress(len(returns), steps, "Writing the exception report")
        page = {
            "period": period, "period_months": months_label(period), "produced": produced, "is_draft": is_draft,
            "numbered": False, "header_right": f"Committee pack {period.label}",
        }
        exceptions_part = _part(
            folder / "exceptions.pdf", "Exception report", "reports/pack_exceptions.html",
            {**page, "title": title, "header_left": "Exception report: red and amber indicators and actions",
             "groups": _by_plan(exceptions), "red": sum(row.rag == "red" for row in exceptions),
             "amber": sum(row.rag == "amber" for row in exceptions)},
        )
        progress(len(returns) + 1, steps, "Writing the cover and contents, and joining the parts")
        plans = [
            PlanEntry(report.plan.reference, report.plan.title, report.is_signed_off, report.signed_off_at)
            for report in returns
        ]
        cover = _part(folder / "cover.pdf", "Cover", "reports/pack_cover.html",
                      {**page, "title": title, "header_left": "Committee pack", "plans": plans,
                       "exceptions": len(exceptions)})
        entries = [ContentsEntry("Exception report", "Red and amber indicators and actions, with commentary")] + [
            ContentsEntry(part.title, "Signed off" if report.is_signed_off else "Not signed off: DRAFT")
            for part, report in zip(plan_parts, returns, strict=True)
        ]
        contents = _contents(folder, entries, [exceptions_part, *plan_parts], cover.pages,
                             {**page, "title": title, "header_left": "Contents"})
        total = join_parts([cover, contents, exceptions_part, *plan_parts], output, title=title, produced=produced)
        progress(steps, steps, "Ready")
    return PackResult(pages=total, plans=len(returns), exceptions=len(exceptions), is_draft=is_draft)


def _plan_parts(returns: list[Return], folder: Path, produced: date, progress: Progress, steps: int):
    """Render each plan's report to its own file, one at a time; return the parts and the exception rows."""
    parts, exceptions = [], []
    for index, report in enumerate(returns):
        progress(index, steps, f"Writing the report for {report.plan.reference}")
        context = plan_report(report, produced=produced)
        exceptions.extend(context.exceptions)
        rendered = render_pdf(PLAN_TEMPLATE, plan_report_context(context, numbered=False))
        path = folder / f"plan-{index:04d}.pdf"
        path.write_bytes(rendered.data)
        parts.append(Part(path, rendered.pages, context.title))
    return parts, exceptions


def _part(path: Path, title: str, template: str, context: dict) -> Part:
    rendered = render_pdf(template, context)
    path.write_bytes(rendered.data)
    return Part(path, rendered.pages, title)


def _contents(folder: Path, entries: list[ContentsEntry], parts: list[Part], cover_pages: int, page: dict) -> Part:
    """Render the contents with each part's first page; its own length decides where the parts begin."""
    contents_pages = 1
    for _ in range(CONTENTS_PASSES):
        start = cover_pages + contents_pages + 1
        for entry, part in zip(entries, parts, strict=True):
            entry.page = start
            start += part.pages
        contents = _part(folder / "contents.pdf", "Contents", "reports/pack_contents.html",
                         {**page, "entries": entries})
        if contents.pages == contents_pages:
            return contents
        contents_pages = contents.pages
    raise RuntimeError("The contents' length did not settle.")  # pragma: no cover - page numbers have a fixed width


@dataclass
class PlanExceptions:
    reference: str
    title: str
    rows: list[ExceptionRow]


def _by_plan(rows: list[ExceptionRow]) -> list[PlanExceptions]:
    groups: dict[int, PlanExceptions] = {}
    for row in rows:
        groups.setdefault(row.plan.pk, PlanExceptions(row.plan.reference, row.plan.title, [])).rows.append(row)
    return list(groups.values())
