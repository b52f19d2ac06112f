"""Benchmark of the PDF reports: seconds and peak memory for the NI 152 report and a 50-plan committee pack.

    python bench/reports.py            # both, each in a fresh process so that their peaks do not mix
    python bench/reports.py --json     # the same figures as one JSON object (for make bench)

It uses DATABASE_URL when set (the database must hold the demo data: `manage.py load_demo`), else a throwaway
SQLite database with the demo data loaded. The pack is the NI 152 2008/09 Q4 report fifty times over (a
50-plan pack of plans the size of the seed's), plus its cover, contents and exception report. "Outside
WeasyPrint" is the share of the time spent before and after WeasyPrint lays out and writes the PDFs: reading
the data, drawing the charts, rendering the templates, joining the parts.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN, PERIOD, PACK_PLANS = "NI 152", "2008/09-Q4", 50


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _case(name: str) -> dict:
    """Run one case in this process and return its figures."""
    _setup()
    from monitoring import reports
    from monitoring.reports import pdf
    from monitoring.reports.pack import committee_pack_of

    report = reports.find_return(reports.find_plan(PLAN), reports.find_period(PERIOD))
    reports.plan_report_pdf(report)  # warm up: fonts, stylesheet, templates, matplotlib
    pdf.timings.reset()
    started = time.perf_counter()
    if name == "report":
        rendered = reports.plan_report_pdf(report)
        pages = rendered.pages
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = committee_pack_of([report] * PACK_PLANS, report.round.period, Path(folder) / "pack.pdf")
            pages = result.pages
    seconds = time.perf_counter() - started
    return {
        "case": name,
        "pages": pages,
        "seconds": round(seconds, 2),
        "weasyprint_seconds": round(pdf.timings.weasyprint, 2),
        "outside_weasyprint_share": round(1 - pdf.timings.weasyprint / seconds, 3),
        # The process's peak resident memory (WeasyPrint's layout, fonts and all), warm-up included.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _database() -> dict:
    """Return the environment for the cases: the given database, or a fresh SQLite one with the demo data."""
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        folder = tempfile.mkdtemp(prefix="bench-reports-")
        env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        env.setdefault("DEBUG", "true")
        for command in (["migrate", "--noinput", "-v0"], ["createcachetable"], ["load_demo"]):
            subprocess.run([sys.executable, str(ROOT / "manage.py"), *command], env=env, check=True,
                           stdout=subprocess.DEVNULL)
    return env


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--case":
        print(json.dumps(_case(sys.argv[2])))
        return
    env = _database()
    results = {}
    for name in ("report", "pack"):
        done = subprocess.run([sys.executable, __file__, "--case", name], env=env, check=True,
                              capture_output=True, text=True)
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
        return
    labels = {"report": f"{PLAN} report {PERIOD}", "pack": f"{PACK_PLANS}-plan committee pack"}
    print(f"{'case':<28} {'pages':>6} {'seconds':>8} {'outside WeasyPrint':>19} {'peak RSS MB':>12}")
    for name, row in results.items():
        print(f"{labels[name]:<28} {row['pages']:>6} {row['seconds']:>8} {row['outside_weasyprint_share']:>19.1%} "
              f"{row['peak_rss_mb']:>12}")


if __name__ == "__main__":
    main()
