"""The committee pack for a period: a cover, contents with page numbers, the exception report, each plan's report.

Each plan's report is laid out on its own and written to a temporary file, so memory holds one plan's layout at
a time however many plans the pack has; the exception report's rows are gathered on the way, from the same
contexts, and it too is laid out a stretch of rows at a time (_exception_parts), as it grows with the pack.
Once every part's length is known, the contents can give each part's first page, and the parts are joined and
numbered "Page x of y" across the whole (monitoring.reports.pdf.join_parts).
"""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify

from monitoring.models import Return
from monitoring.reports.context import ExceptionRow, months_label, plan_report, returns_in_period
from monitoring.reports.pdf import Part, join_parts, layout, render_html, render_pdf, write
from monitoring.reports.plan import PLAN_TEMPLATE, plan_report_context
from plans.models import Period

# Called with (steps done, steps in all, what is being done now).
Progress = Callable[[int, int, str], None]

# The contents are laid out again until their own length settles, which it does at the second pass.
CONTENTS_PASSES = 3
# The exception report is laid out this many rows (plan headings included) at a time: some ten pages.
EXCEPTION_ROWS_PER_PART = 120


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
        exception_parts = _exception_parts(
            folder, exceptions,
            {**page, "title": title, "header_left": "Exception report: red and amber, and unlikely to meet the target",
             "red": sum(row.rag == "red" for row in exceptions),
             "amber": sum(row.rag == "amber" for row in exceptions),
             "at_risk": sum(bool(row.forecast) for row in exceptions)},
        )
        progress(len(returns) + 1, steps, "Writing the cover and contents, and joining the parts")
        plans = [
            PlanEntry(report.plan.reference, report.plan.title, report.is_signed_off, report.signed_off_at)
            for report in returns
        ]
        cover = _part(folder / "cover.pdf", "Cover", "monitoring/reports/print/pack_cover.html",
                      {**page, "title": title, "header_left": "Committee pack", "plans": plans,
                       "exceptions": sum(row.rag in ("red", "amber") for row in exceptions),
                       "at_risk": sum(bool(row.forecast) for row in exceptions)})
        entries = [ContentsEntry("Exception report", "Red and amber indicators and actions, with commentary")] + [
            ContentsEntry(part.title, "Signed off" if report.is_signed_off else "Not signed off: DRAFT")
            for part, report in zip(plan_parts, returns, strict=True)
        ]
        lengths = [sum(part.pages for part in exception_parts)] + [part.pages for part in plan_parts]
        contents = _contents(folder, entries, lengths, cover.pages, {**page, "title": title, "header_left": "Contents"})
        total = join_parts([cover, contents, *exception_parts, *plan_parts], output, title=title, produced=produced)
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
        del context, rendered
        gc.collect()  # a laid-out document is a web of cycles: free it before the next plan is laid out
    return parts, exceptions


def _exception_parts(folder: Path, exceptions: list[ExceptionRow], page: dict) -> list[Part]:
    """Render the exception report a stretch of rows at a time; return its parts, the first titled.

    Each stretch is laid out from the row that begins its first page, and all its pages but the last are kept;
    the next stretch begins with the first row of that last page. So the pages are those of the report laid out
    whole, page for page, while memory holds some ten pages at a time.
    """
    rows = _numbered_rows(exceptions)
    parts, start = [], 0
    while True:
        size = EXCEPTION_ROWS_PER_PART
        while True:
            stretch = rows[start:start + size]
            document = layout(render_html("monitoring/reports/print/pack_exceptions.html", {
                **page, "groups": _stretch_groups(stretch), "continued": start > 0,
            }))
            end = start + size >= len(rows)
            following = None if end else _restart_row(document)
            if end or following is not None and following > start:
                break
            size *= 2  # the last page holds all the stretch, or starts inside a row: lay out more rows at once
        if following is not None:
            document = document.copy(document.pages[:-1])
        path = folder / f"exceptions-{len(parts):03d}.pdf"
        rendered = write(document)
        path.write_bytes(rendered.data)
        parts.append(Part(path, rendered.pages, "" if parts else "Exception report"))
        del document, rendered
        gc.collect()
        if following is None:
            return parts
        start = following


def _part(path: Path, title: str, template: str, context: dict) -> Part:
    rendered = render_pdf(template, context)
    path.write_bytes(rendered.data)
    return Part(path, rendered.pages, title)


def _contents(folder: Path, entries: list[ContentsEntry], lengths: list[int], cover_pages: int, page: dict) -> Part:
    """Render the contents with each entry's first page, given each entry's length in pages; its own length
    decides where the entries begin."""
    contents_pages = 1
    for _ in range(CONTENTS_PASSES):
        start = cover_pages + contents_pages + 1
        for entry, pages in zip(entries, lengths, strict=True):
            entry.page = start
            start += pages
        contents = _part(folder / "contents.pdf", "Contents", "monitoring/reports/print/pack_contents.html",
                         {**page, "entries": entries})
        if contents.pages == contents_pages:
            return contents
        contents_pages = contents.pages
    raise RuntimeError("The contents' length did not settle.")  # pragma: no cover - page numbers have a fixed width


@dataclass
class NumberedRow:
    """A line of the exception report's table: a plan's heading (row None) or one of its rows; number is its place."""

    number: int
    plan: object
    row: ExceptionRow | None


@dataclass
class PlanExceptions:
    reference: str
    title: str
    rows: list[NumberedRow]
    heading: int | None  # the heading's number; None where the heading was printed in an earlier stretch


def _numbered_rows(rows: list[ExceptionRow]) -> list[NumberedRow]:
    """Return the report's lines in order: each plan's heading, then its rows (the rows come plan by plan)."""
    lines: list[NumberedRow] = []
    plan = None
    for row in rows:
        if plan is None or row.plan.pk != plan.pk:
            plan = row.plan
            lines.append(NumberedRow(len(lines), plan, None))
        lines.append(NumberedRow(len(lines), plan, row))
    return lines


def _stretch_groups(lines: list[NumberedRow]) -> list[PlanExceptions]:
    groups: list[PlanExceptions] = []
    for line in lines:
        if line.row is None or not groups:
            groups.append(PlanExceptions(line.plan.reference, line.plan.title, [],
                                         line.number if line.row is None else None))
        if line.row is not None:
            groups[-1].rows.append(line)
    return groups


def _restart_row(document) -> int | None:
    """Return the number of the line that begins the document's last page, if it begins there (not carried over
    from the page before, as a row too tall for a page is); None if the page has none."""
    *_, before, last = [None, *document.pages]
    first = next(_line_numbers(last), None)
    if first is None or before is not None and first in set(_line_numbers(before)):
        return None
    return first


def _line_numbers(page):
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == "tr" and element.get("data-line"):
            yield int(element.get("data-line"))
        stack.extend(reversed(getattr(box, "children", ())))
