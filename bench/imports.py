"""Benchmark: import 10,000 indicator values, validated and all or nothing, and report rows per second and peak memory.

Run against any migrated database (it migrates an empty one first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pm_bench .venv/bin/python bench/imports.py
    .venv/bin/python bench/imports.py            # SQLite, db.sqlite3

It builds its own plan ('BENCH IMPORTS', 250 indicators over ten years of quarters), times the whole import as the
upload page and `manage.py import_data` run it (read the file, check every row, write in batches with history,
record the import), then deletes everything it made. It prints a table and, last, one line of JSON (which
`bench/run.py` keeps in bench/results.json). Peak memory is measured in a separate run under tracemalloc, which
slows Python down, so it never distorts the timings.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
os.environ.setdefault("ALLOW_INSECURE_SECRET_KEY", "true")

import django  # noqa: E402
import openpyxl  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from indicators.models import Indicator, IndicatorValue, PlanIndicator  # noqa: E402
from monitoring.models import ImportRecord  # noqa: E402
from monitoring.spreadsheets import (
    files,  # noqa: E402
    imports,  # noqa: E402
)
from monitoring.spreadsheets.outcome import Outcome  # noqa: E402
from plans import partnerships, periods  # noqa: E402
from plans.models import Organisation, Partnership, Plan  # noqa: E402

REFERENCE = "BENCH IMPORTS"
INDICATORS = 250
FIRST_YEAR = 2000
YEARS = 10  # 250 indicators x 40 quarters = 10,000 values


def build():
    organisation, _ = Organisation.objects.get_or_create(short_name="BENCH", defaults={"name": "Benchmark body"})
    plan = Plan.objects.create(
        kind=Plan.Kind.LAA_TARGET, reference=REFERENCE, title="Import benchmark", lead_organisation=organisation,
        reporting_frequency=Plan.Frequency.QUARTERLY, first_year=FIRST_YEAR, last_year=FIRST_YEAR + YEARS - 1,
        is_active=False,
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(code=f"BENCH {number:03d}", name=f"Benchmark measure {number}", unit=Indicator.Unit.COUNT,
                  decimal_places=1)
        for number in range(1, INDICATORS + 1)
    )
    PlanIndicator.objects.bulk_create(
        PlanIndicator(plan=plan, indicator=indicator, position=position)
        for position, indicator in enumerate(indicators, start=1)
    )
    user = get_user_model().objects.create_superuser("bench-importer", "bench@example.org", None)
    return plan, indicators, user


def values_file(indicators, offset: str, fmt: str) -> bytes:
    quarters = [span.code for year in range(FIRST_YEAR, FIRST_YEAR + YEARS)
                for span in periods.periods_in_year(year, periods.QUARTER)]
    rows = [[indicator.code, quarter, f"{100 + index % 500}.{offset}", ""]
            for index, (indicator, quarter) in enumerate((i, q) for i in indicators for q in quarters)]
    headers = ["Indicator", "Period", "Value", "Commentary"]
    if fmt == "csv":
        return files.write_csv(headers, rows)
    # As Excel saves a workbook (shared strings), which is what people upload after editing a sheet.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row[0], row[1], float(row[2]), row[3]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed_import(content: bytes, user, name: str, *, apply: bool = True) -> tuple[float, Outcome]:
    started = time.perf_counter()
    outcome = imports.import_file(kind="values", content=content, file_name=name, user=user, apply=apply)
    seconds = time.perf_counter() - started
    if not outcome.ok:
        raise SystemExit("The benchmark file was refused: " + "; ".join(map(str, outcome.problems[:5])))
    return seconds, outcome


def clear_values(indicators):
    IndicatorValue.history.filter(indicator_id__in=[i.pk for i in indicators]).delete()
    IndicatorValue.objects.filter(indicator__in=indicators).delete()


def clean_up(plan, indicators, user):
    clear_values(indicators)
    ImportRecord.objects.filter(user=user).delete()
    PlanIndicator.objects.filter(plan=plan).delete()
    Indicator.objects.filter(pk__in=[i.pk for i in indicators]).delete()
    plan.delete()
    user.delete()
    # Periods the benchmark created are left: they are shared, one row per quarter, and other data may use them.


def main():
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    Plan.objects.filter(reference=REFERENCE).delete()  # what an interrupted run left behind
    get_user_model().objects.filter(username="bench-importer").delete()
    Indicator.objects.filter(code__startswith="BENCH ").delete()
    plan, indicators, user = build()
    rows = INDICATORS * YEARS * 4
    results = {"database": connection.vendor, "rows": rows}
    try:
        csv_new, csv_changed = values_file(indicators, "5", "csv"), values_file(indicators, "7", "csv")
        xlsx_new = values_file(indicators, "5", "xlsx")

        runs = {}
        runs["preview of new values (CSV)"] = timed_import(csv_new, user, "values.csv", apply=False)[0]
        runs["new values (CSV)"] = timed_import(csv_new, user, "values.csv")[0]
        runs["changed values (CSV)"] = timed_import(csv_changed, user, "values-changed.csv")[0]
        runs["unchanged values (CSV)"] = timed_import(csv_changed, user, "values-changed.csv")[0]
        clear_values(indicators)
        runs["new values (XLSX)"] = timed_import(xlsx_new, user, "values.xlsx")[0]
        clear_values(indicators)

        tracemalloc.start()
        timed_import(csv_new, user, "values.csv")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        results["runs"] = {name: {"seconds": round(seconds, 3), "rows_per_second": round(rows / seconds)}
                           for name, seconds in runs.items()}
        results["peak_memory_mb"] = round(peak / 2**20, 1)
        results["csv_bytes"], results["xlsx_bytes"] = len(csv_new), len(xlsx_new)
    finally:
        clean_up(plan, indicators, user)

    print(f"Importing {rows:,} indicator values on {connection.vendor} ({date.today():%d %B %Y})")
    print(f"{'run':32}{'seconds':>10}{'rows/s':>10}")
    for name, run in results["runs"].items():
        print(f"{name:32}{run['seconds']:>10.2f}{run['rows_per_second']:>10,}")
    print(f"peak memory of a new-values import (tracemalloc): {results['peak_memory_mb']} MB")
    print(json.dumps(results))


BENCH_PARTNERSHIP = "Benchmark imports"


def in_own_partnership():
    """Run the benchmark inside a partnership of its own, beside whatever the database holds."""
    partnership = Partnership.objects.get_or_create(name=BENCH_PARTNERSHIP)[0]
    with partnerships.within([partnership.pk]):
        main()


if __name__ == "__main__":
    in_own_partnership()
