"""Time the main pages against the database in DATABASE_URL: query count, median and 95th-percentile server time.

Run by bench/run.py after `generate_council`; prints one JSON object. Requests go through Django's test client
(the full middleware stack and the real views), so the time is the server's, without network or browser.
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from monitoring.models import ProgressReport, ReportingRound, Return  # noqa: E402
from monitoring.startup import load_and_freeze  # noqa: E402
from plans.models import DeliveryAction, Plan, PlanRole  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
WARM_UP = 3


def first_url(names, *args):
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def measure(client, method, url, data_for_run=None):
    timings, queries, status = [], None, None
    for run in range(WARM_UP + RUNS):
        data = data_for_run() if data_for_run else None
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(url, data) if method == "POST" else client.get(url)
            elapsed = time.perf_counter() - started
        status = response.status_code
        if run >= WARM_UP:
            timings.append(elapsed * 1000)
            queries = len(captured)
    timings.sort()
    return {
        "url": url, "method": method, "status": status, "queries": queries,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
    }


def main():
    setup_test_environment()
    load_and_freeze()  # as each web process does at start-up (monitoring.wsgi)
    plan = Plan.objects.filter(reference__startswith="GEN-", reporting_frequency="quarter").order_by("reference").first()
    # The generated plan's open return (the demo data, loaded beside it, has open rounds of its own).
    report = Return.objects.get(round__status=ReportingRound.Status.OPEN, plan=plan)
    action = DeliveryAction.objects.filter(plan=plan, lead_officer__user__isnull=False).order_by("position").first()
    officer = action.lead_officer.user
    owner = PlanRole.objects.filter(plan=plan, role="indicator_owner").select_related("person__user").first().person.user
    viewer = owner

    results = {}
    client = Client()
    client.force_login(viewer)
    results["plan list"] = measure(client, "GET", reverse("plan_list"))
    results["plan page"] = measure(client, "GET", reverse("plan_detail", args=[plan.pk]))
    overview = first_url(["dashboard_overview", "overview", "dashboard", "dashboards"])
    if overview:
        results["overview dashboard"] = measure(client, "GET", overview)
    plan_dashboard = first_url(["plan_dashboard", "dashboard_plan"], plan.pk)
    if plan_dashboard:
        results["plan dashboard"] = measure(client, "GET", plan_dashboard)

    officer_client = Client()
    officer_client.force_login(officer)
    results["my returns"] = measure(officer_client, "GET", reverse("my_returns"))

    def next_save():
        progress = ProgressReport.objects.filter(report=report, action=action).first()
        return {"narrative": f"Benchmark narrative {time.time()}", "rag": "green", "outputs_achieved": "12",
                "version": progress.version if progress else 0, "move": "draft"}

    # The return must be open for saving: the generator leaves the last round open.
    results["progress form save"] = measure(
        officer_client, "POST", reverse("progress_edit", args=[report.pk, action.pk]), next_save
    )
    owner_client = Client()
    owner_client.force_login(owner)
    results["sign-off page"] = measure(owner_client, "GET", reverse("return_sign_off", args=[report.pk]))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
