"""The admin's progress entries: shown with their outputs as printed and the reason they are not available, never
written. Outputs are read only by the progress form and the services below it (tests/cycle/test_outputs.py reads
"1,200" as 1200 and refuses part of an output against a whole target), so the admin is no second route around
those rules: a change posted to it, "1,200" or 12.5 against the whole target of 320, is refused and changes
nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from monitoring.models import ProgressReport
from tests.cycle_builders import make_cycle, submit_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return make_cycle()  # the first action has a 2008/09 output target of 320


@pytest.fixture
def root(client):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "a long admin password"))
    return client


def change_url(progress: ProgressReport) -> str:
    return reverse("admin:monitoring_progressreport_change", args=[progress.pk])


@pytest.mark.parametrize("typed", ["1,200", "12.5"])
def test_the_admin_change_form_refuses_outputs_whatever_is_typed(root, c, typed):
    submit_progress(c, c.action, outputs=Decimal(80), submit=False)
    progress = ProgressReport.objects.get(report=c.report, action=c.action)

    page = root.get(change_url(progress)).content.decode()
    response = root.post(change_url(progress), {"outputs_achieved": typed, "narrative": progress.narrative,
                                                 "rag": progress.rag, "version": progress.version})

    assert 'name="outputs_achieved"' not in page  # no box to type into: the progress form is the one route
    assert response.status_code == 403
    progress.refresh_from_db()
    assert progress.outputs_achieved == Decimal(80)


def test_the_admin_prints_outputs_as_the_pages_do(root, c):
    submit_progress(c, c.action, outputs=Decimal(1200), submit=False)
    progress = ProgressReport.objects.get(report=c.report, action=c.action)

    listing = root.get(reverse("admin:monitoring_progressreport_changelist")).content.decode()
    page = root.get(change_url(progress)).content.decode()

    assert "1,200" in listing and "1200.00" not in listing and "1,200.00" not in listing
    assert "1,200" in page and "1,200.00" not in page


def test_the_admin_shows_why_the_outputs_are_not_available(root, c):
    submit_progress(c, c.action, not_available_reason="The DWP data is late", submit=False)
    progress = ProgressReport.objects.get(report=c.report, action=c.action)

    page = root.get(change_url(progress)).content.decode()
    inline = root.get(reverse("admin:monitoring_return_change", args=[c.report.pk])).content.decode()

    assert "The DWP data is late" in page
    assert "Outputs not available this period" in inline and "The DWP data is late" in inline
