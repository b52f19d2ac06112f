"""manage.py backup and restore: a round trip loses nothing; restore refuses to mix databases."""

from __future__ import annotations

import gzip
import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from indicators.models import IndicatorValue
from monitoring import services
from monitoring.management.commands.backup import backed_up_models, row_counts
from monitoring.models import ProgressReport, WorkflowEvent
from plans.models import Membership
from tests.cycle_builders import make_cycle, sign_off, submit_everything
from tests.pages.test_pages import build_laa_plan, build_service_plan
from tests.test_row_level_security import copies_out_of_step


def serialised_rows() -> dict[str, list]:
    """Every backed-up row as natural-key data, per model: what a round trip must give back unchanged."""
    rows = {}
    for model in backed_up_models():
        data = serializers.serialize(
            "python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True, use_natural_primary_keys=True
        )
        rows[model._meta.label] = sorted(data, key=repr)
    return rows


def build_everything(client):
    """A return signed off and reopened (with history), both plan kinds, a group with a permission, a sign-in."""
    cycle = sign_off(submit_everything(make_cycle(actions=4, indicators=3)))
    services.return_reopen(report=cycle.report, user=cycle["performance_officer"], reason="A late correction")
    build_laa_plan(reference="NI 999")
    build_service_plan()
    group = Group.objects.create(name="Administrators")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="plans")[:3])
    cycle["officer"].groups.add(group)  # a login's groups (admin permissions) and roles (memberships) both restore
    client.post("/accounts/login/", {"username": "officer", "password": "correct-horse-battery"})
    return cycle


@pytest.mark.django_db(transaction=True)
def test_a_round_trip_through_an_emptied_database_loses_nothing(client, tmp_path):
    cycle = build_everything(client)
    counts, rows = row_counts(), serialised_rows()
    assert counts["monitoring.HistoricalProgressReport"] > 0 and counts["axes.AccessLog"] == 1
    backup = tmp_path / "monitor.json.gz"

    call_command("backup", str(backup), stdout=StringIO())
    call_command("flush", "--no-input", verbosity=0)  # a new database: migrated, no rows, new content type ids
    ContentType.objects.clear_cache()
    assert sum(row_counts().values()) == 0
    out = StringIO()
    call_command("restore", str(backup), stdout=out)

    assert row_counts() == counts
    assert serialised_rows() == rows
    assert f"Restored {sum(n for label, n in counts.items() if label.count('.') == 1)} rows" in out.getvalue()
    # A sample read back through the models, as the pages read them.
    value = IndicatorValue.objects.get(indicator__code="NI 152", period=cycle.round.period_id)
    assert (str(value.value), value.commentary, value.entered_by.username) == (
        "14.5000", "Redundancies still in the figures", "expert")
    assert WorkflowEvent.objects.filter(report=cycle.report.pk, comment="A late correction").exists()
    assert ProgressReport.history.filter(report_id=cycle.report.pk).count() == counts[
        "monitoring.HistoricalProgressReport"]
    if connection.vendor == "postgresql":  # each restored row carries its parent's partnership for the policies
        assert copies_out_of_step() == {}


@pytest.mark.django_db
def test_the_backup_is_json_with_natural_keys_and_without_sessions(client, tmp_path):
    build_everything(client)
    backup = tmp_path / "monitor.json.gz"

    call_command("backup", str(backup), stdout=StringIO())

    data = json.loads(gzip.decompress(backup.read_bytes()))
    models = {row["model"] for row in data}
    assert {"plans.plan", "monitoring.return", "indicators.historicalindicatorvalue", "auth.user"} <= models
    assert not models & {"sessions.session", "contenttypes.contenttype", "auth.permission", "admin.logentry",
                         "axes.accessattempt"}
    user = next(row for row in data if row["model"] == "auth.user")
    assert "pk" not in user  # natural primary key: the username
    assert not list(tmp_path.glob(".partial-*"))


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_data(client, tmp_path):
    build_everything(client)
    backup = tmp_path / "monitor.json"
    call_command("backup", str(backup), stdout=StringIO())
    before = row_counts()

    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(backup), stdout=StringIO())

    assert row_counts() == before


@pytest.mark.django_db
def test_restore_with_force_replaces_the_data(client, tmp_path):
    cycle = build_everything(client)
    backup = tmp_path / "monitor.json"
    call_command("backup", str(backup), stdout=StringIO())
    counts, rows = row_counts(), serialised_rows()
    # Changes after the backup: the restore must take the database back to the backup.
    ProgressReport.objects.filter(report=cycle.report).update(narrative="Written after the backup")
    Group.objects.create(name="Added after the backup")

    call_command("restore", str(backup), "--force", stdout=StringIO())

    assert row_counts() == counts
    assert serialised_rows() == rows
    assert not Group.objects.filter(name="Added after the backup").exists()


@pytest.mark.django_db
def test_a_restored_database_gives_new_rows_fresh_ids(client, tmp_path):
    cycle = build_everything(client)
    backup = tmp_path / "monitor.json"
    call_command("backup", str(backup), stdout=StringIO())
    restored_event = WorkflowEvent.objects.order_by("pk").last().pk
    restored_history = ProgressReport.history.order_by("history_id").last().history_id

    call_command("restore", str(backup), "--force", stdout=StringIO())  # --force starts every id sequence again

    # New rows in tables the restore filled, many-to-many and history tables among them: none takes a restored id.
    build_laa_plan(reference="NI 998")
    progress = ProgressReport.objects.filter(report=cycle.report.pk).first()
    progress.narrative = "Written after the restore"
    progress.save()
    event = WorkflowEvent.objects.create(report_id=cycle.report.pk, move="note", from_status="", to_status="")
    group = Group.objects.create(name="Added after the restore")
    group.permissions.add(Permission.objects.get(codename="view_plan"))
    user = User.objects.create_user("newcomer")
    user.groups.add(group)
    assert event.pk > restored_event
    assert ProgressReport.history.order_by("history_id").last().history_id > restored_history
    assert User.objects.get(username="officer").groups.exists() and user.groups.get() == group
    assert Membership.objects.filter(user__username="officer", role=Membership.Role.LEAD_OFFICER).exists()


@pytest.mark.django_db
def test_a_restore_that_fails_changes_nothing(client, tmp_path):
    build_everything(client)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([{"model": "plans.plan", "pk": 1, "fields": {"reference": None}}]))
    before = serialised_rows()

    with pytest.raises(Exception):  # noqa: B017 - loaddata's own error, whatever its class
        call_command("restore", str(broken), "--force", stdout=StringIO())

    assert serialised_rows() == before


@pytest.mark.django_db
def test_backup_and_restore_want_a_json_file_name(tmp_path):
    with pytest.raises(CommandError, match="Name the backup file"):
        call_command("backup", str(tmp_path / "monitor.bak"))
    with pytest.raises(CommandError, match="no backup file"):
        call_command("restore", str(tmp_path / "missing.json"))


@pytest.mark.django_db
def test_restore_refuses_an_unmigrated_database(tmp_path, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    backup = tmp_path / "monitor.json"
    backup.write_text("[]")
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("plans", "0099_next")])

    with pytest.raises(CommandError, match="not fully migrated"):
        call_command("restore", str(backup))
