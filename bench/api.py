"""Time the REST API against the database in DATABASE_URL (the generated council); print one JSON object.

Run by bench/run.py at the largest scale. Requests go through Django's test client with a real token in the
Authorization header (DRF, the throttle, the partnership scope, the views and the services), so the time is the
server's, without network:

- a page of 100 indicator values (`/api/v1/indicator-values/?page_size=100`) read with the token of one of the
  council's data experts: queries, median and 95th percentile over BENCH_RUNS requests (30 by default);
- a batch of 1,000 values posted to one return (`POST /api/v1/returns/{id}/values/`): in a partnership of its own
  made here, one plan of 1,000 indicators whose data expert is the caller, each with a target and a year of
  signed-off quarterly history (so that the outlier, target and forecast rules have something to read). Every run
  posts to a fresh quarter's open round and return: first entries, then the same 1,000 changed (with versions).

Usage: DATABASE_URL=... python bench/api.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.test_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator  # noqa: E402
from monitoring.api.tokens import token_create  # noqa: E402
from monitoring.models import ReportingRound, Return  # noqa: E402
from plans import partnerships  # noqa: E402
from plans.models import Membership, Organisation, Partnership, Period, Person, Plan  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import RUNS, measure  # noqa: E402

BATCH = 1000
BATCH_RUNS = int(os.environ.get("BENCH_BATCH_RUNS", "5"))  # after one warm-up run
FIRST_YEAR = 2040  # the history's financial year; the runs post to the quarters after it
PAGE_GOAL_MS, BATCH_GOAL_SECONDS = 100, 1.0


def token_client(user, partnership_id: int) -> Client:
    key = token_create(user=user, name=f"Benchmark {time.time_ns()}", expires_on=timezone.localdate() + timedelta(30))[1]
    return Client(headers={"Authorization": f"Bearer {key}", "X-Partnership": str(partnership_id)})


def read_a_page() -> dict:
    """A page of 100 values, read by a data expert of the generated council."""
    indicator = (Indicator.objects.filter(code__startswith="GEN-", data_expert__user__isnull=False)
                 .select_related("data_expert__user").order_by("pk").first())
    if indicator is None:
        return {"skipped": "no generated council in this database"}
    client = token_client(indicator.data_expert.user, indicator.partnership_id)
    url = "/api/v1/indicator-values/?page_size=100"
    found = measure(client, "GET", url)
    found["rows"] = len(client.get(url).json()["results"])
    found["goal_p95_ms"] = PAGE_GOAL_MS
    return found


def quarter(n: int) -> Period:
    """The n-th quarter after the history's year (n from 0)."""
    year = FIRST_YEAR + 1 + n // 4
    return Period.for_code(f"{year}/{(year + 1) % 100:02d}-Q{n % 4 + 1}")


def build_plan():
    """A partnership of its own with one plan of BATCH indicators, all looked after by one data expert."""
    stamp = time.time_ns()
    partnership = Partnership.objects.create(name=f"API benchmark {stamp}")
    user = get_user_model().objects.create_user(f"api-bench-{stamp}", f"api-bench-{stamp}@example.org")
    Membership.objects.create(user=user, partnership=partnership, role=Membership.Role.DATA_EXPERT)
    expert = Person.objects.create(name="Bench Expert", user=user, partnership=partnership)
    organisation = Organisation.objects.create(short_name=f"B{stamp % 10**12}", name="API benchmark body")
    plan = Plan.objects.create(
        partnership=partnership, kind=Plan.Kind.LAA_TARGET, reference="API 1000", title="A thousand indicators",
        lead_organisation=organisation, reporting_frequency=Plan.Frequency.QUARTERLY,
        first_year=FIRST_YEAR, last_year=FIRST_YEAR + 5,
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(partnership=partnership, code=f"API {n}", name=f"Measure {n}", unit=Indicator.Unit.COUNT,
                  decimal_places=0, data_expert=expert)
        for n in range(BATCH)
    )
    PlanIndicator.objects.bulk_create(
        PlanIndicator(plan=plan, indicator=indicator, position=n) for n, indicator in enumerate(indicators))
    IndicatorTarget.objects.bulk_create(
        IndicatorTarget(indicator=indicator, year=year, value=Decimal(100))
        for indicator in indicators for year in range(FIRST_YEAR, FIRST_YEAR + 6))
    history = [Period.for_code(f"{FIRST_YEAR}/{(FIRST_YEAR + 1) % 100:02d}-Q{n}") for n in range(1, 5)]
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicator, period=period, value=Decimal(100 + 2 * step), status=EntryStatus.SIGNED_OFF)
        for indicator in indicators for step, period in enumerate(history))
    if connection.vendor == "postgresql":  # as generate_council does: the planner sees the rows just loaded
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return partnership, user, plan, indicators


def timed_post(client, url: str, values: list[dict]) -> tuple[float, int, int]:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.post(url, {"values": values}, content_type="application/json")
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"the batch was refused ({response.status_code}): {response.content[:2000]!r}")
    return elapsed, len(captured), len(response.json()["values"])


def write_a_batch() -> dict:
    partnership, user, plan, indicators = build_plan()
    client = token_client(user, partnership.pk)
    runs = {"first entries": [], "changes": []}
    queries = {}
    for n in range(1 + BATCH_RUNS):
        period = quarter(n)
        reporting_round = ReportingRound.objects.create(
            partnership=partnership, period=period, due_date=period.end + timedelta(days=30), opened_by=user)
        report = Return.objects.create(round=reporting_round, plan=plan)
        url = f"/api/v1/returns/{report.pk}/values/"
        figure = 108 + 2 * n  # the line the history draws: no outlier, no miss, no forecast at risk
        first = [{"indicator": indicator.pk, "value": str(figure)} for indicator in indicators]
        changed = [{"indicator": indicator.pk, "value": str(figure + 1), "version": 1, "commentary": "Revised"}
                   for indicator in indicators]
        for label, values in (("first entries", first), ("changes", changed)):
            seconds, count, saved = timed_post(client, url, values)
            assert saved == BATCH, saved
            if n:  # the first run warms up
                runs[label].append(seconds)
            queries[label] = count
    return {
        label: {"values": BATCH, "runs": len(seconds), "queries": queries[label],
                "median_seconds": round(statistics.median(seconds), 3), "max_seconds": round(max(seconds), 3),
                "goal_seconds": BATCH_GOAL_SECONDS}
        for label, seconds in runs.items()
    }


def main():
    setup_test_environment()
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        results = {"database": connection.vendor, "runs": RUNS, "indicator values page": read_a_page()}
        results["batch of 1,000 values"] = write_a_batch()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
