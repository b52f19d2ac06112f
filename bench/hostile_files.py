"""Benchmark: workbooks built to exhaust the server are refused quickly, holding little memory.

    .venv/bin/python bench/hostile_files.py

Builds each hostile file under a temporary folder, then reads it in a fresh Python process, as the upload page,
`manage.py import_data` and the whole-plan import do (monitoring.spreadsheets.files.read_file), and reports the
seconds the refusal took and the process's peak resident memory (VmHWM, Django loaded included) with what the
refusal added to it. The target (issue 12): a 5 MB zip bomb refused in under 1 s with under 100 MB of memory.
It needs no database. It prints a table and, last, one line of JSON (which `bench/run.py` keeps).
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
START = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
         b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Indicator</t></is></c></row>')
END = b"</sheetData></worksheet>"
OPEN_CELL = b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
CLOSE_CELL = b"</t></is></c></row>"
BOMB = "5 MB zip bomb (one 5 GB cell)"
LIMIT_SECONDS, LIMIT_MB = 1.0, 100


def workbook(*pieces: tuple[bytes, int], level: int = 6) -> bytes:
    """Return an .xlsx whose first sheet holds the pieces, each (bytes, times), streamed into the zip."""
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    base = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for info in base.infolist():
            if info.filename != SHEET:
                archive.writestr(info.filename, base.read(info))
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            for piece, times in [(START, 1), *pieces, (END, 1)]:
                for _ in range(times):
                    sheet.write(piece)
    return out.getvalue()


def cell_of(megabytes: int) -> list[tuple[bytes, int]]:
    return [(OPEN_CELL, 1), (b"A" * MB, megabytes), (CLOSE_CELL, 1)]


def declaring(content: bytes, name: str, size: int) -> bytes:
    """Return the zip with one part's unpacked size in its central directory rewritten: an index that lies."""
    data = bytearray(content)
    end = len(data)
    while (entry := data.rfind(b"PK\x01\x02", 0, end)) != -1:
        end = entry
        length = struct.unpack_from("<H", data, entry + 28)[0]
        if bytes(data[entry + 46:entry + 46 + length]) != name.encode():
            continue
        if struct.unpack_from("<I", data, entry + 24)[0] != 0xFFFFFFFF:
            struct.pack_into("<I", data, entry + 24, size)
        else:  # the size is in the ZIP64 extra field, first of its 8-byte values
            extra = entry + 46 + length
            while struct.unpack_from("<H", data, extra)[0] != 1:
                extra += 4 + struct.unpack_from("<H", data, extra + 2)[0]
            struct.pack_into("<Q", data, extra + 4, size)
        return bytes(data)
    raise ValueError(name)


def hostile_files() -> dict[str, bytes]:
    bomb = workbook(*cell_of(5 * 1024), level=9)
    return {
        BOMB: bomb,
        "the same bomb, its index saying 90 MB": declaring(bomb, SHEET, 90 * MB),
        "100 MB cell in 100 KB (issue 12)": workbook(*cell_of(100)),
        "4 MB cell of text that packs like prose": workbook(
            (OPEN_CELL, 1), (bytes(97 + byte % 26 for byte in random.Random(12).randbytes(4 * MB)), 1), (CLOSE_CELL, 1)),
        "3,000,000 empty rows, no dimension": workbook((b"<row/>" * 100_000, 30)),
        "one cell at row 3,000,000": workbook((b'<row r="3000000"><c r="A3000000"><v>1</v></c></row>', 1)),
    }


def measure(path: str) -> None:
    """In a fresh process: read the file as every import does; print seconds, peak and added memory as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
    os.environ.setdefault("ALLOW_INSECURE_SECRET_KEY", "true")
    import django

    django.setup()
    from monitoring.spreadsheets import files

    content = Path(path).read_bytes()
    before = memory("VmRSS")
    started = time.perf_counter()
    try:
        files.read_file(content)
        message = "accepted"
    except files.ImportFileError as error:
        message = str(error)
    seconds = time.perf_counter() - started
    peak = memory("VmHWM")
    print(json.dumps({"seconds": round(seconds, 3), "peak_rss_mb": round(peak / MB, 1),
                      "added_mb": round((peak - before) / MB, 1), "message": message}))


def memory(field: str) -> int:
    """Return a figure of /proc/self/status in bytes: VmRSS (resident now) or VmHWM (the most resident yet)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, content in hostile_files().items():
            path = Path(folder) / "hostile.xlsx"
            path.write_bytes(content)
            child = subprocess.run([sys.executable, __file__, "--measure", str(path)], cwd=ROOT, text=True,
                                   capture_output=True, check=True)
            results[name] = {"file_bytes": len(content), **json.loads(child.stdout.strip().splitlines()[-1])}
    bomb = results[BOMB]
    results["target"] = {"seconds": bomb["seconds"], "peak_rss_mb": bomb["peak_rss_mb"],
                         "met": bomb["message"] != "accepted" and bomb["seconds"] < LIMIT_SECONDS
                         and bomb["peak_rss_mb"] < LIMIT_MB}
    print(f"{'file':40}{'size':>10}{'seconds':>9}{'peak MB':>9}{'added':>7}  refused with")
    for name, row in results.items():
        if name != "target":
            print(f"{name:40}{row['file_bytes'] / MB:>9.2f}M{row['seconds']:>9.3f}{row['peak_rss_mb']:>9.1f}"
                  f"{row['added_mb']:>7.1f}  {row['message'][:70]}")
    print(json.dumps(results))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2])
    else:
        main()
