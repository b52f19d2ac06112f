"""HTML to PDF with WeasyPrint, and parts joined into one PDF with pypdf.

Every report is a Django template extending templates/reports/base_print.html, which holds the page size,
margins, running header, footer and watermark; static/print/report.css holds the rest of the print styles.
Reports fetch nothing: the stylesheet is read here and charts are SVG carried in the page as data: URLs, the one
kind of URL the renderer takes, so a plan's text can never make it open a file or a URL.

A long document is made of parts rendered one at a time (memory stays that of the largest part) and joined.
Their footers leave the page number out; once every part's length is known, one light document of blank
pages carries "Page x of y" for the whole and is laid over the joined pages, so each part is laid out once.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

from monitoring.reports.context import CHART_URL_PREFIX

# WeasyPrint logs every page it lays out at INFO: noise in a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

AUTHOR = "Partnership Monitor"
LANGUAGE = "en-GB"
PRINT_CSS = Path(settings.BASE_DIR) / "static" / "print" / "report.css"


@dataclass
class Timings:
    """Seconds spent inside WeasyPrint (layout and PDF writing), for the benchmark's share of the total."""

    weasyprint: float = 0.0

    def reset(self) -> None:
        self.weasyprint = 0.0


timings = Timings()


class _FetchNothing(URLFetcher):
    """Refuse every URL but a chart's SVG carried in the document itself: a report's resources are all inline."""

    def fetch(self, url, headers=None):
        if url.startswith(CHART_URL_PREFIX):
            svg = base64.b64decode(url.removeprefix(CHART_URL_PREFIX), validate=True)
            return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})
        raise ValueError(f"Reports load nothing from outside the document: {url[:80]}")


@cache
def _stylesheets() -> list[CSS]:
    """Return the print stylesheet, parsed once per process and shared by every document and part."""
    return [CSS(filename=str(PRINT_CSS), url_fetcher=_FetchNothing())]


@dataclass
class Rendered:
    """A rendered PDF: its bytes and how many pages it has."""

    data: bytes
    pages: int


def render_html(template: str, context: dict) -> str:
    return render_to_string(template, context)


def html_to_pdf(html: str) -> Rendered:
    """Lay the HTML out and write it as PDF; title, author and language come from the template's head."""
    started = time.perf_counter()
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_FetchNothing()).render(
        stylesheets=_stylesheets()
    )
    data = document.write_pdf()
    pages = len(document.pages)
    timings.weasyprint += time.perf_counter() - started
    return Rendered(data, pages)


def render_pdf(template: str, context: dict) -> Rendered:
    return html_to_pdf(render_html(template, context))


@dataclass
class Part:
    """A rendered part of a joined document, kept on disk until the join: its file, pages and bookmark."""

    path: Path
    pages: int
    title: str


def join_parts(parts: list[Part], output: Path, *, title: str, produced) -> int:
    """Join the parts in order into output, number every page "Page x of y", set the metadata; return pages."""
    total = sum(part.pages for part in parts)
    numbers = render_pdf(
        "reports/page_numbers.html",
        {"pages": range(total), "produced": produced, "title": title, "numbered": True, "numbers_only": True},
    )
    writer = PdfWriter()
    for part in parts:
        writer.append(str(part.path), outline_item=part.title)
    overlay = PdfReader(BytesIO(numbers.data))
    for page, numbered in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(numbered)
    writer.add_metadata({"/Title": title, "/Author": AUTHOR, "/Creator": AUTHOR})
    set_language(writer)
    writer.compress_identical_objects()
    with output.open("wb") as stream:
        writer.write(stream)
    return total


def set_language(writer: PdfWriter) -> None:
    """Declare the document's language and ask viewers to show its title rather than its file name."""
    writer._root_object[NameObject("/Lang")] = TextStringObject(LANGUAGE)
    writer.create_viewer_preferences().display_doctitle = True

