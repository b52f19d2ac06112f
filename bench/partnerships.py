"""Time the main pages on an install of many partnerships (`generate_council --partnerships N`), for a person of
one partnership and for a site administrator who sees every one; prints one JSON object.

bench/run.py runs it twice against the same database: connected as a superuser, which PostgreSQL's row-level
security lets past, and as a role that must pass the policies, as the web's does. The two runs' times give the cost
of row-level security as a ratio.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.test_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.pages import measure  # noqa: E402
from plans.models import DeliveryAction, Partnership, Plan, PlanRole  # noqa: E402

SITE_ADMINISTRATOR = "bench_superadmin"


def main():
    setup_test_environment()
    partnership = Partnership.objects.order_by("name").first()
    plan = Plan.objects.filter(partnership=partnership, reporting_frequency="quarter").order_by("reference").first()
    member = PlanRole.objects.filter(plan=plan, role="indicator_owner").select_related("person__user").first()
    officer = DeliveryAction.objects.filter(plan=plan, lead_officer__user__isnull=False).order_by("position").first()
    administrator = get_user_model().objects.filter(username=SITE_ADMINISTRATOR).first()
    if administrator is None:
        administrator = get_user_model().objects.create_superuser(SITE_ADMINISTRATOR, "bench@example.org", None)

    results = {"partnerships": Partnership.objects.count(), "plans": Plan.objects.count()}
    for who, user in (("one partnership", member.person.user), ("site administrator", administrator)):
        client = Client()
        client.force_login(user)
        results[f"plan list ({who})"] = measure(client, "GET", reverse("plan_list"))
        results[f"overview dashboard ({who})"] = measure(client, "GET", reverse("dashboard_overview"))
        results[f"plan page ({who})"] = measure(client, "GET", reverse("plan_detail", args=[plan.pk]))
        results[f"plan dashboard ({who})"] = measure(client, "GET", reverse("plan_dashboard", args=[plan.pk]))
    officer_client = Client()
    officer_client.force_login(officer.lead_officer.user)
    results["my returns (one partnership)"] = measure(officer_client, "GET", reverse("my_returns"))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
