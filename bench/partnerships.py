"""Time the main pages on an install of many partnerships (`generate_council --partnerships N`), for a person of
one partnership and for a site administrator who sees every one; prints one JSON object.

The cost of PostgreSQL's row-level security is measured in one process, request by request: connected as the
tables' owner (a superuser, whom row-level security lets past), each timed request runs once as the owner and once
after `SET ROLE <BENCH_APP_ROLE>`, a role like the web's that every policy applies to, the order alternating. Both
halves of a pair see the same machine at the same moment, so the ratio of their medians holds on a busy machine,
where two runs one after the other would compare two different loads. Without BENCH_APP_ROLE, only the owner's
times are taken.

Whole requests on a shared machine still vary by 10% or more from one run to the next, more than the cost being
measured. So the cost is also taken where it arises, in the database: each page's statements, as a request sent them
(with their scope), are run again straight on the connection, owner and application role alternately, and the
medians summed. That difference, as a share of the page's median time, is the figure the target is checked on.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.test_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.pages import RUNS, WARM_UP  # noqa: E402
from monitoring.startup import load_and_freeze  # noqa: E402
from plans.models import DeliveryAction, Partnership, Plan, PlanRole  # noqa: E402

SITE_ADMINISTRATOR = "bench_superadmin"
APP_ROLE = os.environ.get("BENCH_APP_ROLE", "")
OWNER, APP = "without row-level security", "with row-level security"


def become(who: str) -> None:
    """Run the next statements as the tables' owner, or as the application's role (row-level security on)."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE" if who == OWNER else f"SET ROLE {connection.ops.quote_name(APP_ROLE)}")


def _summary(url: str, timings: list[float], queries: int | None) -> dict:
    timings.sort()
    return {
        "url": url, "queries": queries, "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
    }


def measure_pair(client: Client, url: str) -> dict[str, dict]:
    """Time GET url as the owner and as the application's role, alternately; return each one's summary."""
    sides = [OWNER, APP] if APP_ROLE else [OWNER]
    timings: dict[str, list[float]] = {side: [] for side in sides}
    queries: dict[str, int | None] = dict.fromkeys(sides)
    for run in range(WARM_UP + RUNS):
        for side in sides if run % 2 == 0 else reversed(sides):
            become(side)
            client.get(url)  # the first request after a switch pays for the switch, not the page
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code} {side}")
            if run >= WARM_UP:
                timings[side].append(elapsed * 1000)
                queries[side] = len(captured)
    become(OWNER)
    return {side: _summary(url, timings[side], queries[side]) for side in sides}


DATABASE_RUNS = 21


def database_time(client: Client, url: str) -> dict[str, float]:
    """Return the median time (ms) of the page's statements in the database, summed, as the owner and as the
    application's role: each statement as the request sent it, scope included, run on the raw connection."""
    become(OWNER)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    raw = connection.connection.cursor()  # the DB-API cursor: no execute wrapper adds a scope of its own
    totals = dict.fromkeys([OWNER, APP], 0.0)
    for query in captured.captured_queries:
        times: dict[str, list[float]] = {OWNER: [], APP: []}
        for run in range(DATABASE_RUNS):
            for side in (OWNER, APP) if run % 2 == 0 else (APP, OWNER):
                become(side)
                started = time.perf_counter()
                raw.execute(query["sql"])
                if raw.description is not None:
                    raw.fetchall()
                times[side].append((time.perf_counter() - started) * 1000)
        for side in totals:
            totals[side] += statistics.median(times[side])
    become(OWNER)
    return {side: round(total, 2) for side, total in totals.items()}


def main():
    setup_test_environment()
    load_and_freeze()  # as each web process does at start-up (monitoring.wsgi)
    partnership = Partnership.objects.order_by("name").first()
    plan = Plan.objects.filter(partnership=partnership, reporting_frequency="quarter").order_by("reference").first()
    member = PlanRole.objects.filter(plan=plan, role="indicator_owner").select_related("person__user").first()
    officer = DeliveryAction.objects.filter(plan=plan, lead_officer__user__isnull=False).order_by("position").first()
    administrator = get_user_model().objects.filter(username=SITE_ADMINISTRATOR).first()
    if administrator is None:
        administrator = get_user_model().objects.create_superuser(SITE_ADMINISTRATOR, "bench@example.org", None)

    pages = []
    for who, user in (("one partnership", member.person.user), ("site administrator", administrator)):
        pages += [
            (f"plan list ({who})", user, reverse("plan_list")),
            (f"overview dashboard ({who})", user, reverse("dashboard_overview")),
            (f"plan page ({who})", user, reverse("plan_detail", args=[plan.pk])),
            (f"plan dashboard ({who})", user, reverse("plan_dashboard", args=[plan.pk])),
        ]
    pages.append(("my returns (one partnership)", officer.lead_officer.user, reverse("my_returns")))

    results = {"partnerships": Partnership.objects.count(), "plans": Plan.objects.count(), OWNER: {}, APP: {}}
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        for side, summary in measure_pair(client, url).items():
            results[side][name] = summary
        if APP_ROLE:
            database = database_time(client, url)
            results[OWNER][name]["database_ms"] = database[OWNER]
            results[APP][name]["database_ms"] = database[APP]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
