"""Uploads judged by their content, never their name: `check_upload` tells a spreadsheet or CSV file apart and
refuses one too large, packed or unpacked. A workbook is judged by what it would unpack to before anything parses
it: its zip index first (sizes, packing ratio, number of parts), then each part unpacked a piece at a time with its
XML read by expat, keeping only counts, so that a zip bomb or a sheet of millions of empty rows costs next to
nothing to refuse.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from django.core.exceptions import ValidationError

XLSX = "xlsx"
CSV = "csv"
TOO_LARGE = "The selected file must be smaller than {limit}"
NOT_A_SPREADSHEET = "The selected file must be an Excel workbook (.xlsx) or a CSV file"
EMPTY = "The selected file is empty"


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # XLSX or CSV
    size: int


def _size_label(size: int) -> str:
    return f"{size // (1024 * 1024)}MB" if size >= 1024 * 1024 else f"{size // 1024}KB"


def check_upload(uploaded, *, max_size: int, kinds: tuple[str, ...] = (XLSX, CSV)) -> CheckedUpload:
    """Return what the uploaded file is, judged by its bytes, or raise ValidationError in GOV.UK words.

    An .xlsx workbook is a zip archive holding xl/workbook.xml; a CSV file is UTF-8 text (a byte-order mark
    allowed) with no control characters but tab and line ends. The name and the browser's content type are
    ignored: both are the sender's say-so. The file is read in chunks, never whole into memory, and left rewound.
    `max_size` is the caller's limit in bytes (imports use IMPORT_MAX_UPLOAD_BYTES). A workbook is also unpacked,
    a piece at a time and keeping nothing, and refused if it would unpack to more than the server should read
    (see _check_unpacked).
    """
    limit = max_size
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(TOO_LARGE.format(limit=_size_label(limit)), code="too_large")
    uploaded.seek(0)
    head = uploaded.read(8192)
    if not head:
        raise ValidationError(EMPTY, code="empty")
    try:
        if head.startswith(b"PK\x03\x04") and XLSX in kinds and _is_workbook(uploaded):
            size = _measured(uploaded, limit)
            _check_unpacked(uploaded)
            return CheckedUpload(XLSX, size)
        if CSV in kinds and _is_text(uploaded, limit):
            return CheckedUpload(CSV, _measured(uploaded, limit))
    finally:
        uploaded.seek(0)
    raise ValidationError(NOT_A_SPREADSHEET, code="wrong_type")


def _measured(uploaded, limit: int) -> int:
    uploaded.seek(0, 2)
    size = uploaded.tell()
    if size > limit:
        raise ValidationError(TOO_LARGE.format(limit=_size_label(limit)), code="too_large")
    return size


def _is_workbook(uploaded) -> bool:
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return "xl/workbook.xml" in names and "[Content_Types].xml" in names


# Workbooks that would unpack to more than the server should read.
#
# A workbook is a zip archive of XML parts, and the upload limit applies to the packed file: one of 107 KB held a
# 100 MB cell (reading it took a worker to 576 MB), one of 424 KB three million empty rows (it held a worker until
# it was killed). So before openpyxl opens a workbook, its parts are judged twice: by the sizes the zip's index
# declares, which costs nothing, then by unpacking each part 64 KB at a time through expat, keeping nothing, since
# an index can lie. Every limit is far above what Excel or our own exports write, and the first one passed refuses
# the file. Rows, columns and filled cells are limited as the rows are read (monitoring.spreadsheets.files).

# Unpacked bytes of all the parts together. Our export of 100,000 values (the most rows an import takes) packs to
# 3.9 MB and unpacks to 46 MB: twice that admits any real workbook under the upload limit.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# How many times its packed size a part may unpack to. Excel's parts and our exports unpack to 5 to 15 times (the
# most repetitive sheet we could write, 15); a zip bomb to about 1,000 times (a 100 MB cell in 100 KB: 1,026).
MAX_PACKING_RATIO = 100
# Parts smaller than this unpacked are not judged by their ratio: a few styles may pack tightly, and cost nothing.
RATIO_FROM_BYTES = 1024 * 1024
# Parts in the archive: a workbook of 1,000 sheets has about 2,000.
MAX_PARTS = 10_000
# The most characters Excel keeps in a cell, and so the most an import reads from one.
MAX_CELL_CHARS = 32_767
# Characters of XML text inside one cell or shared string before it is refused: its value, its formula (at most
# 8,192 in Excel) and phonetic guide, with room for the _x000D_ escapes Excel writes for control characters. The
# value itself is held to MAX_CELL_CHARS when it is read.
MAX_CELL_XML_CHARS = 4 * MAX_CELL_CHARS
# Bytes the XML parser may hold for one tag, comment or instruction: it keeps each whole until it ends.
MAX_TOKEN_BYTES = 1024 * 1024
# Elements nested in elements: a sheet's XML goes 6 deep, a chart's about 15.
MAX_XML_DEPTH = 64
# Elements openpyxl holds while it reads a part: those inside one row or shared string, cleared when it ends, and
# the rest, kept to the end of the part (a shared-string table of a million strings keeps a million).
MAX_RECORD_ELEMENTS = 100_000
MAX_KEPT_ELEMENTS = 1_000_000
UNPACK_PIECE = 64 * 1024

UNPACKED_TOO_LARGE = ("The selected file must be smaller than {limit} once unpacked (an Excel workbook is a zip "
                      "archive): this one unpacks to {size}. Split it into smaller files")
TOO_TIGHTLY_PACKED = ("Part of the selected file unpacks to {ratio:,} times its packed size, as no Excel workbook "
                      "does (theirs unpack to about 10 times). Save it again from Excel, or save it as CSV")
CELL_TOO_LONG = ("The selected file has a cell longer than {limit:,} characters, the most a cell of an Excel "
                 "workbook holds{where}. Shorten it, or split it across rows")
DAMAGED_WORKBOOK = "The selected file is a damaged workbook: {why}. Save it again from Excel"
PART_MISMATCH = "a part of it does not match the size or checksum its index gives"
UNUSUAL_XML = "The selected file holds XML that no spreadsheet program writes ({what}). Save it again from Excel"
_CELL_REFERENCE = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")


def _check_unpacked(uploaded) -> None:
    """Raise ValidationError if the workbook would unpack to more than the limits above allow."""
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            parts = archive.infolist()
            _check_index(parts)
            left = MAX_UNPACKED_BYTES
            for part in parts:
                left -= _unpack_part(archive, part, left)
    except (zipfile.BadZipFile, zlib.error, EOFError):  # a checksum or size that does not match, a broken stream
        raise ValidationError(DAMAGED_WORKBOOK.format(why=PART_MISMATCH), code="damaged") from None
    except (OSError, RuntimeError, NotImplementedError, ValueError) as error:  # encrypted, unknown compression
        why = f"it could not be unpacked ({type(error).__name__})"
        raise ValidationError(DAMAGED_WORKBOOK.format(why=why), code="damaged") from None


def _check_index(parts: list[zipfile.ZipInfo]) -> None:
    """Judge the parts by the sizes the zip's index declares: free, and enough for an honest zip bomb."""
    if len(parts) > MAX_PARTS:
        raise ValidationError(DAMAGED_WORKBOOK.format(why=f"it has more than {MAX_PARTS:,} parts"), code="damaged")
    for part in parts:
        if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_PACKING_RATIO * part.compress_size:
            ratio = part.file_size // max(part.compress_size, 1)
            raise ValidationError(TOO_TIGHTLY_PACKED.format(ratio=ratio), code="too_tightly_packed")
    declared = sum(part.file_size for part in parts)
    if declared > MAX_UNPACKED_BYTES:
        raise ValidationError(UNPACKED_TOO_LARGE.format(limit=_size_label(MAX_UNPACKED_BYTES),
                                                        size=_size_label(declared)), code="unpacked_too_large")


def _unpack_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, left: int) -> int:
    """Unpack one part a piece at a time, reading its XML as it comes; return its real size.

    zipfile never unpacks more than the size a part declares, and checks the checksum at its end: a part whose
    index lies is refused as damaged once its declared size has been read, never after more.
    """
    xml = _PartXml()
    size = 0
    with archive.open(part) as stream:
        while piece := stream.read(UNPACK_PIECE):
            size += len(piece)
            if size > left:
                limit = _size_label(MAX_UNPACKED_BYTES)
                raise ValidationError(UNPACKED_TOO_LARGE.format(limit=limit, size=f"more than {limit}"),
                                      code="unpacked_too_large")
            xml.feed(piece)
    xml.close()
    if size != part.file_size:
        raise ValidationError(DAMAGED_WORKBOOK.format(why=PART_MISMATCH), code="damaged")
    return size


def _unusual(what: str) -> ValidationError:
    return ValidationError(UNUSUAL_XML.format(what=what), code="unusual_xml")


class _PartXml:
    """Read one part's XML as it is unpacked, keeping nothing but counts; raise at the first limit passed.

    Every part is read, whatever its name, since a workbook's index can make openpyxl read any part as a sheet.
    A part that is not well-formed XML (a picture, or one of Excel's legacy VML drawings, which may hold HTML's
    <br>) is read no further than its first fault: openpyxl's parser, the same expat, stops there too.
    """

    CELLS = frozenset({"c", "si"})  # a sheet's cell and a shared string: openpyxl joins all the text inside one
    RECORDS = frozenset({"row", "c", "si"})  # what openpyxl clears as soon as it has read it

    def __init__(self):
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.reading = True
        self.fed = self.depth = self.cell_depth = self.record_depth = 0
        self.text = self.record_elements = self.kept_elements = 0
        self.cell = ""

    def feed(self, piece: bytes) -> None:
        if not self.reading:
            return
        self.fed += len(piece)
        try:
            self.parser.Parse(piece, False)
        except expat.ExpatError:
            self.reading = False
            return
        # After a piece, expat's byte index stays at the start of a tag, comment or instruction it has not seen
        # the end of (text moves it on): what lies between is what it holds.
        if self.fed - max(self.parser.CurrentByteIndex, 0) > MAX_TOKEN_BYTES:
            raise _unusual(f"a tag, comment or instruction longer than {_size_label(MAX_TOKEN_BYTES)}")

    def close(self) -> None:
        if self.reading:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError:
                self.reading = False

    def _start(self, name: str, attributes: dict) -> None:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise _unusual(f"elements nested more than {MAX_XML_DEPTH} deep")
        local = name.rpartition(":")[2]
        if self.record_depth:
            self.record_elements += 1
            if self.record_elements > MAX_RECORD_ELEMENTS:
                raise _unusual(f"a row or string of more than {MAX_RECORD_ELEMENTS:,} elements")
        else:
            self.kept_elements += 1
            if self.kept_elements > MAX_KEPT_ELEMENTS:
                raise _unusual(f"a part of more than {MAX_KEPT_ELEMENTS:,} rows, strings or other elements")
            if local in self.RECORDS:
                self.record_depth, self.record_elements = self.depth, 0
        if not self.cell_depth and local in self.CELLS:
            reference = attributes.get("r", "")
            self.cell_depth, self.cell = self.depth, reference if _CELL_REFERENCE.fullmatch(reference) else ""
        if not self.cell_depth or self.cell_depth == self.depth:
            self.text = 0  # outside a cell, text is counted from one tag to the next

    def _end(self, name: str) -> None:
        if self.depth == self.cell_depth:
            self.cell_depth = 0
        if self.depth == self.record_depth:
            self.record_depth = 0
        if not self.cell_depth:
            self.text = 0
        self.depth -= 1

    def _text(self, data: str) -> None:
        self.text += len(data)
        if self.text > MAX_CELL_XML_CHARS:
            if self.cell_depth:
                where = f" (cell {self.cell})" if self.cell else ""
                raise ValidationError(CELL_TOO_LONG.format(limit=MAX_CELL_CHARS, where=where), code="cell_too_long")
            raise _unusual(f"text of more than {MAX_CELL_XML_CHARS:,} characters outside any cell")


# C0 control characters other than tab, line feed, form feed and carriage return never occur in a CSV file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _is_text(uploaded, limit: int) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    uploaded.seek(0)
    read = 0
    while chunk := uploaded.read(64 * 1024):
        read += len(chunk)
        if read > limit or b"\x00" in chunk:
            return False
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        if _CONTROL.search(text):
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
