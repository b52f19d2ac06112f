"""HTML to PDF with WeasyPrint, and parts joined into one PDF with pypdf.

Every report is a Django template extending templates/monitoring/reports/print/base_print.html, which holds the
page size, margins, running header, footer and watermark; static/print/report.css holds the rest of the print styles.
Reports fetch nothing: the stylesheet is read here and charts are SVG carried in the page as data: URLs, the one
kind of URL the renderer takes, so a plan's text can never make it open a file or a URL.

A long document is made of parts rendered one at a time (memory stays that of the largest part) and joined.
Their footers leave the page number out; once every part's length is known, light documents of blank pages,
at most NUMBERS_PER_PART pages each, carry "Page x of y" for the whole and are laid over the joined pages, so
each part is laid out once.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from weasyprint import CSS, HTML, Document, URLFetcher
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from monitoring.reports.context import CHART_URL_PREFIX

# WeasyPrint logs every page it lays out at INFO: noise in a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

AUTHOR = "Partnership Monitor"
LANGUAGE = "en-GB"
PRINT_CSS = Path(settings.BASE_DIR) / "static" / "print" / "report.css"
# The page-number layer is laid out this many pages at a time, so that its memory does not grow with the pack.
NUMBERS_PER_PART = 100


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


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """Return this thread's font configuration: fonts are looked up and loaded once, not once per document.

    Per thread, as Pango's font maps are not safe to share between threads.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def render_html(template: str, context: dict) -> str:
    return render_to_string(template, context)


def layout(html: str) -> Document:
    """Lay the HTML out as pages (WeasyPrint's document), for a part that picks which pages it keeps."""
    started = time.perf_counter()
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_FetchNothing()).render(
        stylesheets=_stylesheets(), font_config=_font_config()
    )
    timings.weasyprint += time.perf_counter() - started
    return document


def write(document: Document) -> Rendered:
    """Write the laid-out pages as PDF; title, author and language come from the template's head."""
    started = time.perf_counter()
    data = document.write_pdf()
    timings.weasyprint += time.perf_counter() - started
    return Rendered(data, len(document.pages))


def html_to_pdf(html: str) -> Rendered:
    """Lay the HTML out and write it as PDF."""
    return write(layout(html))


class TooLong(Exception):
    """A document past its Budget: too long to draw while someone waits. The message says where it stopped."""


@dataclass
class Budget:
    """What a document drawn while someone waits may take: seconds in all, characters of HTML, and pages.

    WeasyPrint cannot be stopped part way through a layout, and the layout takes nearly all the time. So the
    budget is checked between the stages (context, HTML, layout, PDF), and the layout is bounded before it starts
    by the size of its HTML, which its time follows (about 14 s a megabyte on the benchmark machine), and after it
    by its pages, before they are written. Running the layout in a process that could be killed at the deadline
    would bound it exactly, at the cost of a process and the fonts loaded again for every report.
    """

    seconds: float
    max_html: int
    max_pages: int
    started: float = field(default_factory=time.monotonic)

    def check(self, stage: str, *, html: str | None = None, pages: int | None = None) -> None:
        """Raise TooLong if the time is up, or the HTML or the pages are more than the budget allows."""
        elapsed = time.monotonic() - self.started
        if elapsed >= self.seconds:
            raise TooLong(f"{elapsed:.1f} s after {stage}, of {self.seconds} s")
        if html is not None and len(html) > self.max_html:
            raise TooLong(f"{len(html):,} characters of HTML, of {self.max_html:,}")
        if pages is not None and pages > self.max_pages:
            raise TooLong(f"{pages} pages, of {self.max_pages}")


def render_pdf(template: str, context: dict, *, budget: Budget | None = None) -> Rendered:
    """Render the template as PDF; with a budget, stop with TooLong between stages once it is spent."""
    if budget is None:
        return html_to_pdf(render_html(template, context))
    html = render_html(template, context)
    budget.check("the HTML", html=html)
    document = layout(html)
    budget.check("the layout", pages=len(document.pages))
    return write(document)


@dataclass
class Part:
    """A rendered part of a joined document, kept on disk until the join: its file, pages and bookmark."""

    path: Path
    pages: int
    title: str


def join_parts(parts: list[Part], output: Path, *, title: str, produced) -> int:
    """Join the parts in order into output, number every page "Page x of y", set the metadata; return pages.

    The output is written part by part (_JoinedPdf), so the join's memory is that of one part, however many
    parts there are. A part without a title continues the one before it: it gets no bookmark of its own.
    """
    total = sum(part.pages for part in parts)
    numbers = _page_numbers(total, title=title, produced=produced)
    with output.open("wb") as stream:
        joined = _JoinedPdf(stream)
        for part in parts:
            joined.add(part, numbers)
        joined.finish({"/Title": title, "/Author": AUTHOR, "/Creator": AUTHOR})
    return total


def _page_numbers(total: int, *, title: str, produced):
    """Yield the page-number layer's pages, "Page 1 of y" to "Page y of y", laid out NUMBERS_PER_PART at a time."""
    for first in range(0, total, NUMBERS_PER_PART):
        numbers = render_pdf("monitoring/reports/print/page_numbers.html", {
            "numbers": range(first + 1, min(first + NUMBERS_PER_PART, total) + 1), "total": total,
            "produced": produced, "title": title, "numbers_only": True,
        })
        yield from PdfReader(BytesIO(numbers.data)).pages


class _JoinedPdf:
    """A PDF written to a stream one part at a time: each part's objects are written as soon as it is added,
    renumbered after those before them, and only the page list and the bookmarks wait for the end.

    pypdf copies each part (its pages, their fonts and its own bookmarks) into a writer of its own; that writer's
    objects are then written out and dropped. The page tree, the outline, the catalog and the document
    information are the first four objects, written last.
    """

    CATALOG, PAGES, OUTLINES, INFO = 1, 2, 3, 4

    def __init__(self, stream):
        self.stream = stream
        self.offsets: dict[int, int] = {}
        self.next = 5
        self.kids: list[IndirectObject] = []
        self.bookmarks: list[DictionaryObject] = []
        stream.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def add(self, part: Part, numbers) -> None:
        writer = PdfWriter()
        writer.append(str(part.path))
        around = _layer_streams(writer)
        for page in writer.pages:
            _lay_over(writer, page, next(numbers), around)
        root = writer.root_object
        outline = root.get("/Outlines") if part.title else None
        if outline is not None and "/First" not in outline:
            outline = None
        bookmark = self._number() if part.title else None
        # The part's page tree becomes the document's, its outline's root becomes the part's bookmark.
        ids = {_number_of(root.raw_get("/Pages")): self.PAGES}
        starts = [page.indirect_reference for page in writer.pages]
        if outline is not None:
            ids[_number_of(root.raw_get("/Outlines"))] = bookmark
            starts += [outline.raw_get("/First")]
        found = _reachable(starts, set(ids))
        for number in sorted(found):
            ids[number] = self._number()
        for number in sorted(found):
            self._write(ids[number], _renumbered(found[number], ids))
        self.kids += [IndirectObject(ids[page.indirect_reference.idnum], 0, None) for page in writer.pages]
        if bookmark is not None:
            item = DictionaryObject({
                NameObject("/Title"): TextStringObject(part.title),
                NameObject("/Parent"): IndirectObject(self.OUTLINES, 0, None),
                NameObject("/Dest"): ArrayObject([self.kids[-len(writer.pages)], NameObject("/Fit")]),
            })
            if outline is not None:
                for key in ("/First", "/Last", "/Count"):
                    item[NameObject(key)] = _renumbered(outline.raw_get(key), ids)
            item.indirect_number = bookmark
            self.bookmarks.append(item)

    def finish(self, information: dict[str, str]) -> None:
        """Write the bookmarks, the page tree, the outline, the catalog, the information and the cross-references."""
        for index, item in enumerate(self.bookmarks):
            if index:
                item[NameObject("/Prev")] = IndirectObject(self.bookmarks[index - 1].indirect_number, 0, None)
            if index + 1 < len(self.bookmarks):
                item[NameObject("/Next")] = IndirectObject(self.bookmarks[index + 1].indirect_number, 0, None)
            self._write(item.indirect_number, item)
        self._write(self.PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(self.kids),
            NameObject("/Count"): NumberObject(len(self.kids)),
        }))
        outline = DictionaryObject({NameObject("/Type"): NameObject("/Outlines")})
        if self.bookmarks:
            outline[NameObject("/First")] = IndirectObject(self.bookmarks[0].indirect_number, 0, None)
            outline[NameObject("/Last")] = IndirectObject(self.bookmarks[-1].indirect_number, 0, None)
            outline[NameObject("/Count")] = NumberObject(
                len(self.bookmarks) + sum(max(int(item.get("/Count", 0)), 0) for item in self.bookmarks))
        self._write(self.OUTLINES, outline)
        self._write(self.CATALOG, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(self.PAGES, 0, None),
            NameObject("/Outlines"): IndirectObject(self.OUTLINES, 0, None),
            # The document's language, and viewers show its title rather than its file name.
            NameObject("/Lang"): TextStringObject(LANGUAGE),
            NameObject("/ViewerPreferences"): DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)}),
        }))
        self._write(self.INFO, DictionaryObject(
            {NameObject(key): TextStringObject(value) for key, value in information.items()}))
        start = self.stream.tell()
        lines = [b"xref\n0 %d\n" % self.next, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % self.offsets[number] for number in range(1, self.next)]
        lines.append(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                     % (self.next, self.CATALOG, self.INFO, start))
        self.stream.write(b"".join(lines))

    def _number(self) -> int:
        self.next += 1
        return self.next - 1

    def _write(self, number: int, obj) -> None:
        self.offsets[number] = self.stream.tell()
        self.stream.write(b"%d 0 obj\n" % number)
        obj.write_to_stream(self.stream)
        self.stream.write(b"\nendobj\n")


def _number_of(item) -> int:
    """Return the object number of a reference, or of an object that pypdf holds directly."""
    return item.idnum if isinstance(item, IndirectObject) else item.indirect_reference.idnum


def _reachable(starts: list[IndirectObject], stops: set[int]) -> dict[int, object]:
    """Return the objects reachable from the references, by number, not going through the stops."""
    found: dict[int, object] = {}
    pending = list(starts)
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in found or item.idnum in stops:
                continue
            found[item.idnum] = item = item.get_object()
        if isinstance(item, DictionaryObject):
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return found


def _renumbered(item, ids: dict[int, int]):
    """Return a copy of the object whose references use the new numbers; stream data is shared, not copied."""
    if isinstance(item, IndirectObject):
        return IndirectObject(ids[item.idnum], 0, None)
    if isinstance(item, StreamObject):
        copy = DecodedStreamObject()
        copy.set_data(item.get_data() if isinstance(item, ContentStream) else item._data)
        copy.update({key: _renumbered(value, ids) for key, value in item.items()})
        return copy
    if isinstance(item, DictionaryObject):
        return DictionaryObject({key: _renumbered(value, ids) for key, value in item.items()})
    if isinstance(item, ArrayObject):
        return ArrayObject([_renumbered(value, ids) for value in item])
    return item


def _lay_over(writer: PdfWriter, page: PageObject, layer: PageObject, around: tuple[IndirectObject, IndirectObject]):
    """Draw the layer's page over the page, as a form XObject drawn after the page's own content.

    Unlike pypdf's merge_page, this leaves the page's content stream as it is, compressed and unparsed, so the
    join's memory is that of the joined file rather than of every page's drawing operations.
    """
    form = DecodedStreamObject()
    form.set_data(layer.get_contents().get_data())
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(layer.mediabox),
        NameObject("/Resources"): layer["/Resources"].clone(writer),
    })
    form = writer._add_object(form.flate_encode())
    # The page's resources may be shared with other pages: the page gets its own copy that names the form.
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject(_LAYER)] = form
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    contents = page.raw_get("/Contents")  # the reference, not the stream: a stream is never direct in an array
    contents = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    save, restore = around
    page[NameObject("/Contents")] = ArrayObject([save, *contents, restore])


_LAYER = "/PageNumberLayer"


def _layer_streams(writer: PdfWriter) -> tuple[IndirectObject, IndirectObject]:
    """Return the two streams put around each page's content: the first saves the graphics state, the second
    restores it (so that the page's own transformations do not reach the layer) and draws the layer."""
    streams = []
    for data in (b"q\n", b"\nQ q " + _LAYER.encode() + b" Do Q\n"):
        stream = DecodedStreamObject()
        stream.set_data(data)
        streams.append(writer._add_object(stream))
    return streams[0], streams[1]
