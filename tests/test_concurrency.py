"""Lost updates: concurrent saves of one entry through monitoring.services never overwrite each other.

Each save carries the version its writer read; the service claims the row with a conditional UPDATE
(`version = version + 1 WHERE version = <read>`), so of two saves from the same version exactly one wins and the
other raises StaleEdit, which the page shows with the typed text kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection, connections

from monitoring import services
from monitoring.models import ProgressReport, Return
from plans.models import DeliveryAction
from tests.cycle_builders import make_cycle, submit_progress

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 4
UPDATES = 300


def save(report, action, user, version, narrative):
    return services.progress_save(
        report=report, action=action, user=user, narrative=narrative, rag="green", outputs_achieved=None,
        version=version, submit=False,
    )


# ---------------------------------------------------------------------------------------------------------
# On any database, one step at a time


@pytest.mark.django_db
def test_of_two_saves_from_the_same_version_the_second_is_refused():
    cycle = make_cycle(actions=1)
    first = submit_progress(cycle, cycle.action, narrative="First", submit=False)
    officer = cycle["officer"]

    saved = save(cycle.report, cycle.action, officer, first.version, "Mine")
    with pytest.raises(services.StaleEdit):
        save(cycle.report, cycle.action, officer, first.version, "Theirs")

    progress = ProgressReport.objects.get(pk=first.pk)
    assert (progress.version, progress.narrative) == (first.version + 1, "Mine") == (saved.version, saved.narrative)


@pytest.mark.django_db
def test_the_conditional_update_refuses_a_version_that_moved_on_between_read_and_write():
    # The window the version check alone cannot close: both writers passed the check, one wrote first.
    cycle = make_cycle(actions=1)
    progress = submit_progress(cycle, cycle.action, narrative="First", submit=False)
    save(cycle.report, cycle.action, cycle["officer"], progress.version, "Won the race")

    with pytest.raises(services.StaleEdit):
        services._bump_version(ProgressReport, progress.pk, progress.version)

    assert ProgressReport.objects.get(pk=progress.pk).version == progress.version + 1


@pytest.mark.django_db
def test_a_stale_save_through_the_page_is_refused_visibly_and_keeps_the_typed_text(client):
    cycle = make_cycle(actions=1)
    progress = submit_progress(cycle, cycle.action, narrative="First", submit=False)
    save(cycle.report, cycle.action, cycle["officer"], progress.version, "Someone else's")
    client.force_login(cycle["officer"])

    response = client.post(
        f"/returns/{cycle.report.pk}/actions/{cycle.action.pk}/",
        {"narrative": "My words", "rag": "amber", "outputs_achieved": "", "version": progress.version, "move": "draft"},
    )

    content = response.content.decode()
    assert response.status_code == 409
    assert services.STALE_EDIT.split(":")[0] in content.replace("&#x27;", "'")
    assert "My words" in content
    assert ProgressReport.objects.get(pk=progress.pk).narrative == "Someone else's"


# ---------------------------------------------------------------------------------------------------------
# Four writers at once: on PostgreSQL, and on SQLite in a file (the embedded default) through a subprocess


@dataclass
class Tally:
    successes: list[tuple[int, int, str]] = field(default_factory=list)  # (version read, version saved, narrative)
    stale: int = 0
    errors: list[str] = field(default_factory=list)


def writer(number: int, ids: dict, start: threading.Barrier, tally: Tally, lock: threading.Lock) -> None:
    """Read the entry's version, save from it, UPDATES times; count wins and refusals. Own connection."""
    try:
        report = Return.objects.get(pk=ids["report"])
        action = DeliveryAction.objects.select_related("lead_officer__user").get(pk=ids["action"])
        user = action.lead_officer.user
        start.wait()
        for update in range(UPDATES):
            version = ProgressReport.objects.values_list("version", flat=True).get(pk=ids["progress"])
            narrative = f"writer {number} update {update}"
            try:
                saved = save(report, action, user, version, narrative)
            except services.StaleEdit:
                with lock:
                    tally.stale += 1
            else:
                with lock:
                    tally.successes.append((version, saved.version, narrative))
    except Exception as error:  # noqa: BLE001 - reported by the test, with the writer's number
        with lock:
            tally.errors.append(f"writer {number}: {error!r}")
    finally:
        connections.close_all()


def each_thread_can_connect() -> bool:
    """Return True if threads can each open a connection of their own to the test database.

    PostgreSQL, or SQLite in a file; not the suite's usual in-memory SQLite database, which only one connection sees.
    """
    return connection.vendor == "postgresql" or not connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_writers_lose_no_update(record_property):
    if not each_thread_can_connect():
        pytest.skip(
            "Needs PostgreSQL or SQLite in a file: the in-memory SQLite database has one connection for every "
            "thread. test_on_sqlite_in_a_file_four_concurrent_writers_lose_no_update runs this in a subprocess."
        )
    cycle = make_cycle(actions=1)
    progress = submit_progress(cycle, cycle.action, narrative="Start", submit=False)
    assert progress.version == 1
    ids = {"report": cycle.report.pk, "action": cycle.action.pk, "progress": progress.pk}
    tally, lock, start = Tally(), threading.Lock(), threading.Barrier(WRITERS)
    threads = [threading.Thread(target=writer, args=(number, ids, start, tally, lock)) for number in range(WRITERS)]

    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    seconds = time.monotonic() - began

    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert tally.errors == []
    successes = len(tally.successes)
    final = ProgressReport.objects.get(pk=progress.pk)
    summary = f"{successes} saved, {tally.stale} refused as stale, final version {final.version}, {seconds:.1f}s"
    record_property("concurrency", summary)
    print(f"\n4 writers x {UPDATES} updates: {summary}")

    assert successes + tally.stale == WRITERS * UPDATES
    # Every successful save raised the version by exactly one, and no two saves won from the same version.
    assert all(saved == read + 1 for read, saved, _ in tally.successes)
    assert Counter(read for read, _, _ in tally.successes).most_common(1)[0][1] == 1
    assert sorted(saved for _, saved, _ in tally.successes) == list(range(2, successes + 2))
    assert final.version == 1 + successes
    # The row holds the last winner's words, and the history has one record per save.
    assert final.narrative == max(tally.successes)[2]
    assert final.history.count() == 1 + successes
    # The writers did collide, so the refusals were exercised.
    assert tally.stale > 0


@pytest.mark.django_db
def test_on_sqlite_in_a_file_four_concurrent_writers_lose_no_update(tmp_path):
    """SQLite, the embedded default, loses no save either: WAL lets readers on while one writer writes, writers
    begin IMMEDIATE transactions so that they queue behind the busy timeout rather than fail at once ("database
    is locked" lost 48 of 400 saves), and the version check refuses the stale ones as on PostgreSQL.

    The suite's SQLite database is in memory, which threads cannot share; the test above runs in a subprocess
    against a database file of its own.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        pytest.skip("The test above runs in this process on this database.")
    env = {
        **os.environ, "ENV_FILE": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TEST_DATABASE_NAME": str(tmp_path / "test.sqlite3"),
    }
    test = f"{Path(__file__).relative_to(ROOT)}::test_four_concurrent_writers_lose_no_update"
    result = subprocess.run(  # noqa: S603 - this interpreter, this test
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", test],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    output = result.stdout + result.stderr
    print(output[-500:])
    assert "database is locked" not in output
    assert result.returncode == 0, output[-4000:]
    assert "1 passed" in result.stdout and "skipped" not in result.stdout
