"""Unconfirmed uploads do not pile up: each person keeps only their newest few, and none outlives a day, whether
someone uploads again or the nightly command clears them."""

from __future__ import annotations

import os
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from monitoring.spreadsheets import pending
from tests.cycle_builders import make_cycle

pytestmark = pytest.mark.django_db

VALUES = "Indicator,Period,Value,Commentary\nNI 152,2008/09-Q1,{value},Redundancies\n"
DAY = 24 * 60 * 60


@pytest.fixture
def c():
    return make_cycle()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, value: str) -> str:
    response = client.post(reverse("imports"), {
        "kind": "values", "file": SimpleUploadedFile("values.csv", VALUES.format(value=value).encode()),
    })
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def kept(tmp_path: Path) -> list[Path]:
    root = tmp_path / "imports" / "pending"
    return sorted(root.iterdir()) if root.exists() else []


def age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_person_keeps_only_their_newest_three_unconfirmed_uploads(client, c, tmp_path):
    client.force_login(c["expert"])

    tokens = [upload(client, f"14.{number}") for number in range(5)]

    assert pending.KEPT_PER_PERSON == 3
    assert len(kept(tmp_path)) == 3
    oldest = client.post(reverse("import_confirm"), {"token": tokens[0]}, follow=True)
    assert "That upload has already been imported or has expired. Upload the file again." in oldest.content.decode()
    newest = client.post(reverse("import_confirm"), {"token": tokens[-1]})
    assert newest.status_code == 302
    assert len(kept(tmp_path)) == 2


def test_the_cap_is_per_person_not_per_sign_in(client, c, tmp_path):
    """Signing in again (a new session) does not give a fresh allowance."""
    for number in range(4):
        client.force_login(c["expert"])
        upload(client, f"14.{number}")
        client.logout()

    assert len(kept(tmp_path)) == 3


def test_one_persons_uploads_never_push_out_anothers(client, c, tmp_path):
    client.force_login(c["performance_officer"])
    theirs = upload(client, "14.1")
    expert = type(client)()
    expert.force_login(c["expert"])
    for number in range(4):
        upload(expert, f"14.{number}")

    assert len(kept(tmp_path)) == 4
    assert client.post(reverse("import_confirm"), {"token": theirs}).status_code == 302


def test_an_upload_older_than_a_day_is_deleted_at_the_next_upload_by_anyone(client, c, tmp_path):
    client.force_login(c["performance_officer"])
    upload(client, "14.1")
    upload(client, "14.2")
    stale, fresh = kept(tmp_path)
    age(stale, DAY + 60)
    age(fresh, DAY - 60)

    client.force_login(c["expert"])
    upload(client, "14.3")

    assert not stale.exists() and fresh.exists()
    assert len(kept(tmp_path)) == 2


def test_the_command_deletes_unconfirmed_uploads_older_than_a_day(client, c, tmp_path):
    client.force_login(c["expert"])
    for number in range(3):
        upload(client, f"14.{number}")
    files = kept(tmp_path)
    age(files[0], DAY + 60)
    age(files[1], 2 * DAY)
    out = StringIO()

    call_command("clear_pending_uploads", stdout=out)

    assert out.getvalue() == "Deleted 2 unconfirmed uploads older than a day.\n"
    assert kept(tmp_path) == [files[2]]
    again = StringIO()
    call_command("clear_pending_uploads", stdout=again)
    assert again.getvalue() == "Deleted 0 unconfirmed uploads older than a day.\n"


def test_the_command_clears_uploads_kept_before_they_were_named_by_person(c, tmp_path):
    """Uploads kept by the earlier code are named by their token alone."""
    root = tmp_path / "imports" / "pending"
    root.mkdir(parents=True)
    (root / "old-token").write_bytes(b"Indicator\n")
    age(root / "old-token", DAY + 60)
    (root / "new-token").write_bytes(b"Indicator\n")

    call_command("clear_pending_uploads", stdout=StringIO())

    assert sorted(path.name for path in root.iterdir()) == ["new-token"]
