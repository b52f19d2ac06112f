"""Workbooks built to exhaust the server are refused before they are unpacked or parsed whole, with a message in
words, on every route an import takes (the upload page, `manage.py import_data`, the whole-plan workbook).

Each hostile file is built here, small on disk: a 100 MB cell in 100 KB, a cell hidden in many rich-text runs,
millions of empty rows with no dimension record, a zip whose declared sizes lie, a row reaching column XFD. The
tests that matter most measure what refusing them costs: tracemalloc's peak stays under 10 MB, where the same
files once took a worker to 576 MB or held it for minutes.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from monitoring import uploads
from monitoring.models import ImportRecord
from monitoring.spreadsheets import files, imports, workbook
from tests.cycle_builders import make_cycle

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_END = b"</sheetData></worksheet>"
HEADINGS = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Indicator</t></is></c></row>'
# What refusing a hostile file may hold at its peak, by tracemalloc: the 100 MB cell once took a worker to 576 MB.
# Measured: 0.02 MB for it, 0.7 MB for a cell of prose or a lying index, 3.3 MB for a 2 MB comment (expat holds
# up to 1 MB of one, and grows its buffer by doubling).
REFUSAL_PEAK_BYTES = 10 * MB

HUGE_CELL = ("The selected file has a cell longer than 32,767 characters, the most a cell of an Excel workbook "
             "holds (cell A2). Shorten it, or split it across rows")
TOO_TIGHTLY_PACKED = ("Part of the selected file unpacks to {ratio:,} times its packed size, as no Excel workbook "
                      "does (theirs unpack to about 10 times). Save it again from Excel, or save it as CSV")


@pytest.fixture
def c():
    return make_cycle()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def plain_workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Indicator", "Period", "Value"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_with_sheet(*pieces: bytes, repeat: tuple[bytes, int] | None = None, middle: bytes = b"",
                        start: bytes = SHEET_START) -> bytes:
    """Return an .xlsx whose first sheet is written in pieces: the start, `repeat` (a piece and how many times),
    the middle, then the end. The sheet is streamed into the zip, so that a 100 MB sheet never sits in memory."""
    base = zipfile.ZipFile(io.BytesIO(plain_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            if info.filename != SHEET:
                archive.writestr(info.filename, base.read(info))
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(start)
            for piece in pieces:
                sheet.write(piece)
            if repeat:
                piece, times = repeat
                for _ in range(times):
                    sheet.write(piece)
            sheet.write(middle)
            sheet.write(SHEET_END)
    return buffer.getvalue()


def huge_cell_workbook(megabytes: int) -> bytes:
    """A heading, then one cell of `megabytes` MB of the letter A: the issue's 107 KB file with a 100 MB cell."""
    return workbook_with_sheet(HEADINGS, b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
                               repeat=(b"A" * MB, megabytes), middle=b"</t></is></c></row>")


def incompressible_text(size: int) -> bytes:
    """Letters that deflate hardly shrinks (a workbook of prose packs about 3 to 1, never 100 to 1)."""
    seed = bytearray()
    state = 12345
    while len(seed) < size:
        state = (state * 1103515245 + 12345) % 2**31
        seed.append(97 + state % 26)
    return bytes(seed)


def with_declared_size(content: bytes, name: str, declared: int) -> bytes:
    """Return the zip with the uncompressed size of one member rewritten to `declared` in its central directory
    entry (where zipfile and openpyxl read it) and its local header: a zip whose index lies."""
    data = bytearray(content)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(name)
    if struct.unpack_from("<I", data, info.header_offset + 22)[0] != 0xFFFFFFFF:  # not moved to a ZIP64 field
        struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = len(data)
    while (central := data.rfind(b"PK\x01\x02", 0, central)) != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + name_length]) == name.encode():
            struct.pack_into("<I", data, central + 24, declared)
            break
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name).file_size == declared
    return bytes(data)


def refusal(content: bytes) -> str:
    with pytest.raises(files.ImportFileError) as error:
        files.read_file(content)
    return str(error.value)


def peak_while(call) -> int:
    """Return the most memory Python held while `call` ran, by tracemalloc, beyond what it held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


# --- a huge cell ---------------------------------------------------------------------------------------------


def test_a_100_kb_workbook_holding_a_100_mb_cell_is_refused_from_its_index():
    content = huge_cell_workbook(100)
    assert len(content) < 200 * 1024

    assert refusal(content) == TOO_TIGHTLY_PACKED.format(ratio=1026) + "."


def test_refusing_the_100_mb_cell_holds_a_few_megabytes_not_hundreds():
    content = huge_cell_workbook(100)

    peak = peak_while(lambda: pytest.raises(files.ImportFileError, files.read_file, content))

    assert peak < REFUSAL_PEAK_BYTES


def test_a_long_cell_that_packs_like_prose_is_refused_while_unpacking_without_being_held_whole():
    content = workbook_with_sheet(HEADINGS, b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
                                  incompressible_text(4 * MB), b"</t></is></c></row>")
    assert len(content) > 2 * MB  # it packs about 2 to 1, as prose does: nothing in its index gives it away

    peak = peak_while(lambda: pytest.raises(files.ImportFileError, files.read_file, content))

    assert refusal(content) == HUGE_CELL + "."
    assert peak < REFUSAL_PEAK_BYTES


def test_a_cell_hidden_in_many_rich_text_runs_is_counted_whole():
    run = b"<r><t>" + incompressible_text(20_000) + b"</t></r>"
    content = workbook_with_sheet(HEADINGS, b'<row r="2"><c r="A2" t="inlineStr"><is>', run * 10,
                                  b"</is></c></row>")

    assert refusal(content) == HUGE_CELL + "."


def test_a_cell_one_character_over_excels_limit_is_refused_with_its_sheet_and_place():
    """Written by hand: openpyxl itself cuts what it writes to 32,767 characters, but a file may hold more."""
    content = workbook_with_sheet(HEADINGS, b'<row r="2"><c r="A2" t="inlineStr"><is><t>NI 152</t></is></c>'
                                  b'<c r="B2" t="inlineStr"><is><t>' + b"x" * 32_768 + b"</t></is></c></row>")

    assert refusal(content) == ("Sheet 'Sheet', cell B2 holds 32,768 characters: a cell can hold at most 32,767, as "
                                "in Excel. Shorten it, or split it across rows.")
    assert refusal(f"Indicator,Commentary\nNI 152,{'x' * 32_768}\n".encode()) == (
        "Cell B2 holds 32,768 characters: a cell can hold at most 32,767, as in Excel. Shorten it, or split it "
        "across rows.")


def test_a_cell_of_exactly_excels_limit_is_read():
    book = openpyxl.Workbook()
    book.active.append(["Indicator", "Commentary"])
    book.active.append(["NI 152", "x" * 32_767])
    buffer = io.BytesIO()
    book.save(buffer)

    _, tables = files.read_file(buffer.getvalue())

    assert len(tables[0].rows[0][1]) == 32_767


# --- rows and columns ----------------------------------------------------------------------------------------


def test_three_million_empty_rows_without_a_dimension_are_refused_quickly_and_cheaply():
    content = workbook_with_sheet(HEADINGS, repeat=(b"<row/>" * 1000, 3000))  # a row without r= is the next row
    assert len(content) < 100 * 1024

    peak = peak_while(lambda: pytest.raises(files.ImportFileError, files.read_file, content))

    assert refusal(content).startswith("Part of the selected file unpacks to ")
    assert peak < REFUSAL_PEAK_BYTES


def test_a_sheet_reaching_past_row_100001_is_refused_at_that_row_without_reading_on():
    """Rows left out of a sheet's XML are still rows: one cell at row 3,000,000 makes 3 million of them."""
    content = workbook_with_sheet(HEADINGS, b'<row r="3000000"><c r="A3000000"><v>1</v></c></row>')

    peak = peak_while(lambda: pytest.raises(files.ImportFileError, files.read_file, content))

    assert refusal(content) == ("The sheet 'Sheet' has more than 100,000 rows (empty rows that Excel keeps count "
                                "too). Split it into smaller files, or delete the empty rows below the table.")
    assert peak < REFUSAL_PEAK_BYTES


def test_a_row_reaching_column_xfd_is_refused():
    content = workbook_with_sheet(HEADINGS, b'<row r="2"><c r="XFD2"><v>1</v></c></row>')

    assert refusal(content) == ("The sheet 'Sheet' has more than 500 columns (row 2 reaches column XFD). Delete the "
                                "columns to the right of the table.")


def test_a_declared_dimension_of_the_whole_sheet_costs_nothing():
    """A dimension record is the sender's say-so: A1:XFD1048576 must not make every row 16,384 cells wide."""
    content = workbook_with_sheet(HEADINGS, b'<row r="2"><c r="A2" t="inlineStr"><is><t>NI 152</t></is></c></row>',
                                  start=SHEET_START.replace(b"<sheetData>",
                                                            b'<dimension ref="A1:XFD1048576"/><sheetData>'))

    _, tables = files.read_file(content)

    assert (tables[0].headers, tables[0].rows) == (["Indicator"], [["NI 152"]])


# --- the zip itself ------------------------------------------------------------------------------------------


def test_a_zip_whose_declared_sizes_lie_is_refused_as_damaged_without_unpacking_what_it_hides():
    honest = huge_cell_workbook(100)
    lying = with_declared_size(honest, SHEET, 900 * 1024)  # 100 MB said to be 900 KB: packed 9 to 1, it seems

    peak = peak_while(lambda: pytest.raises(files.ImportFileError, files.read_file, lying))

    assert refusal(lying) in {
        "The selected file is a damaged workbook: a part of it does not match the size or checksum its index gives. "
        "Save it again from Excel.",
        HUGE_CELL + ".",
    }
    assert peak < REFUSAL_PEAK_BYTES


def test_a_zip_whose_declared_size_is_too_small_for_an_innocent_sheet_is_damaged():
    honest = workbook_with_sheet(HEADINGS, b'<row r="2"><c r="A2" t="inlineStr"><is><t>NI 152</t></is></c></row>')
    lying = with_declared_size(honest, SHEET, 100)

    assert refusal(lying) == ("The selected file is a damaged workbook: a part of it does not match the size or "
                              "checksum its index gives. Save it again from Excel.")


def test_a_workbook_over_the_unpacked_limit_is_refused_by_its_index(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 1 * MB)
    content = workbook_with_sheet(HEADINGS, incompressible_text(2 * MB))

    assert refusal(content).startswith("The selected file must be smaller than 1MB once unpacked (an Excel workbook "
                                       "is a zip archive): this one unpacks to 2MB.")


def test_a_comment_too_long_for_the_parser_to_hold_is_refused():
    """expat holds a comment whole until it ends, and '<' inside one hides it from any count of tags."""
    content = workbook_with_sheet(HEADINGS, b"<!-- ", incompressible_text(2 * MB).replace(b"a", b"<"), b" -->")

    peak = peak_while(lambda: pytest.raises(files.ImportFileError, files.read_file, content))

    assert refusal(content) == ("The selected file holds XML that no spreadsheet program writes (a tag, comment or "
                                "instruction longer than 1MB). Save it again from Excel.")
    assert peak < REFUSAL_PEAK_BYTES


@pytest.mark.parametrize(("limit", "value", "xml", "what"), [
    ("MAX_XML_DEPTH", 8, b"<a>" * 8 + b"</a>" * 8, "elements nested more than 8 deep"),
    ("MAX_RECORD_ELEMENTS", 50, b'<row r="2">' + b"<c/>" * 51 + b"</row>", "a row or string of more than 50 elements"),
    ("MAX_KEPT_ELEMENTS", 50, b"<x/>" * 51, "a part of more than 50 rows, strings or other elements"),
])
def test_xml_that_openpyxl_would_have_to_hold_too_much_of_is_refused(monkeypatch, limit, value, xml, what):
    """The limits are far above any real workbook; lowered here, so that a small file shows each one at work."""
    monkeypatch.setattr(uploads, limit, value)

    assert refusal(workbook_with_sheet(HEADINGS, xml)) == (
        f"The selected file holds XML that no spreadsheet program writes ({what}). Save it again from Excel.")


def test_a_file_of_more_filled_cells_than_an_import_holds_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_CELLS", 5)
    content = workbook_with_sheet(HEADINGS, b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (row, row)
                                                     for row in range(2, 7)))

    assert refusal(content) == "The file has more than 5 filled cells. Split it into smaller files."


def test_a_short_comment_or_cdata_section_is_harmless_and_read():
    content = workbook_with_sheet(
        b"<!-- written by hand -->", b'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[Indicator]]></t></is></c>'
        b"</row>")

    _, tables = files.read_file(content)

    assert tables[0].headers == ["Indicator"]


def test_a_sheet_declaring_entities_is_refused_as_damaged():
    """openpyxl's parser (defusedxml) refuses entities, which no spreadsheet program writes: a billion laughs."""
    content = workbook_with_sheet(HEADINGS, start=SHEET_START.replace(
        b"<worksheet ", b'<!DOCTYPE worksheet [<!ENTITY lol "lol">]><worksheet '))

    assert refusal(content).startswith("The workbook could not be opened: it may be damaged (")


def test_a_workbook_as_excel_or_openpyxl_writes_it_still_reads(c):
    content = files.write_xlsx([files.Sheet("Values", ["Indicator", "Period", "Value", "Commentary"],
                                            [["NI 152", "2008/09-Q1", 14.5, "é & < > \" ' 😀"]])])

    assert uploads.check_upload(ContentFile(content), max_size=5 * MB).kind == uploads.XLSX
    _, tables = files.read_file(content)
    assert tables[0].rows == [["NI 152", "2008/09-Q1", "14.5", "é & < > \" ' 😀"]]


# --- every route ---------------------------------------------------------------------------------------------


def test_the_upload_page_refuses_a_hostile_workbook_at_the_file_field_and_keeps_nothing(client, c, tmp_path):
    client.force_login(c["performance_officer"])

    response = client.post(reverse("imports"), {
        "kind": "values", "file": SimpleUploadedFile("values.xlsx", huge_cell_workbook(100)),
    })

    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert TOO_TIGHTLY_PACKED.format(ratio=1026) in html
    assert not (tmp_path / "imports").exists()
    assert not ImportRecord.objects.exists()


def test_the_check_upload_gate_names_what_it_refused():
    with pytest.raises(ValidationError) as error:
        uploads.check_upload(ContentFile(huge_cell_workbook(100)), max_size=5 * MB)
    assert error.value.code == "too_tightly_packed"


def test_import_data_refuses_a_hostile_workbook(c, tmp_path: Path):
    path = tmp_path / "values.xlsx"
    path.write_bytes(huge_cell_workbook(100))

    with pytest.raises(CommandError) as error:
        call_command("import_data", "values", str(path))

    assert TOO_TIGHTLY_PACKED.format(ratio=1026) in str(error.value)
    assert not ImportRecord.objects.exists()


def test_the_whole_plan_import_refuses_a_hostile_workbook(c):
    content = workbook_with_sheet(HEADINGS, b'<row r="3000000"><c r="A3000000"><v>1</v></c></row>')

    outcome = workbook.import_workbook(content=content, file_name="plan.xlsx", user=None, apply=True)

    assert [str(problem) for problem in outcome.problems] == [
        "The sheet 'Sheet' has more than 100,000 rows (empty rows that Excel keeps count too). Split it into "
        "smaller files, or delete the empty rows below the table."]
    assert not outcome.applied


def test_a_single_table_import_refuses_a_hostile_workbook(c):
    outcome = imports.import_file(kind="values", content=huge_cell_workbook(100), file_name="values.xlsx",
                                  user=c["performance_officer"], apply=True)

    assert [str(problem) for problem in outcome.problems] == [TOO_TIGHTLY_PACKED.format(ratio=1026) + "."]
