"""Lost updates, for batches of values: concurrent batches (monitoring.services.indicator_values_save, which the
single save is a batch of one of) never overwrite each other.

A batch locks the stored values it changes while it reads their versions (PostgreSQL: SELECT ... FOR UPDATE; SQLite:
its writers queue whole transactions), so of two batches from the same versions exactly one wins and the other is
refused as stale, whole; of two first entries of the same value, the database's unique constraint refuses the
second, which is refused as stale too. Run like tests/test_concurrency.py: threads on PostgreSQL or SQLite in a file,
and from the in-memory SQLite suite in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection, connections

from indicators.models import Indicator, IndicatorValue
from monitoring import services
from monitoring.models import Return
from tests.cycle_builders import make_cycle, submit_value
from tests.test_concurrency import each_thread_can_connect

ROOT = Path(__file__).resolve().parent.parent.parent
WRITERS = 4
BATCHES = 60


@dataclass
class Tally:
    successes: list[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)  # (versions read, saved)
    stale: int = 0
    errors: list[str] = field(default_factory=list)


def writer(number: int, ids: dict, rounds: int, start: threading.Barrier, tally: Tally, lock: threading.Lock) -> None:
    """Read the values' versions (None: not yet entered), save a batch from them, `rounds` times. Own connection."""
    try:
        report = Return.objects.select_related("round__period").get(pk=ids["report"])
        indicators = list(Indicator.objects.select_related("data_expert").filter(pk__in=ids["indicators"])
                          .order_by("pk"))
        user = indicators[0].data_expert.user
        start.wait()
        for batch in range(rounds):
            stored = dict(IndicatorValue.objects.filter(indicator__in=indicators, period=report.round.period_id)
                          .values_list("indicator_id", "version"))
            read = tuple(stored.get(indicator.pk) for indicator in indicators)
            items = [services.ValueItem(indicator, str(100 + number * 1000 + batch), version=version)
                     for indicator, version in zip(indicators, read, strict=True)]
            try:
                saved = services.indicator_values_save(report=report, user=user, items=items, submit=False)
            except services.ValuesRefused as refused:
                kinds = {type(error) for error in refused.problems.values()}
                with lock:
                    if kinds == {services.StaleEdit}:
                        tally.stale += 1
                    else:
                        tally.errors.append(f"writer {number}: {refused.problems!r}")
            else:
                with lock:
                    tally.successes.append((read, tuple(entry.version for entry in saved)))
    except Exception as error:  # noqa: BLE001 - reported by the test, with the writer's number
        with lock:
            tally.errors.append(f"writer {number}: {error!r}")
    finally:
        connections.close_all()


def race(cycle, indicators, rounds: int) -> Tally:
    ids = {"report": cycle.report.pk, "indicators": [indicator.pk for indicator in indicators]}
    tally, lock, start = Tally(), threading.Lock(), threading.Barrier(WRITERS)
    threads = [threading.Thread(target=writer, args=(number, ids, rounds, start, tally, lock))
               for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert tally.errors == []
    return tally


def needs_threads():
    if not each_thread_can_connect():
        pytest.skip("Needs PostgreSQL or SQLite in a file: test_on_sqlite_in_a_file_... runs these in a subprocess.")


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_batches_lose_no_update():
    needs_threads()
    cycle = make_cycle(indicators=3)
    indicators = cycle.indicators[1:]
    for indicator in indicators:
        submit_value(cycle, indicator, "50", submit=False)

    tally = race(cycle, indicators, BATCHES)

    successes = len(tally.successes)
    assert successes + tally.stale == WRITERS * BATCHES
    # Every winning batch raised each of its values' versions by exactly one, and no two won from the same versions.
    assert all(saved == tuple(version + 1 for version in read) for read, saved in tally.successes)
    assert Counter(read for read, _ in tally.successes).most_common(1)[0][1] == 1
    final = IndicatorValue.objects.filter(indicator__in=indicators, period=cycle.round.period).order_by("pk")
    assert sorted(final.values_list("version", flat=True)) == [1 + successes] * 2
    assert [value.history.count() for value in final] == [1 + successes] * 2
    assert tally.stale > 0  # the batches did collide


@pytest.mark.django_db(transaction=True)
def test_of_four_concurrent_first_entries_of_the_same_values_one_wins():
    needs_threads()
    cycle = make_cycle(indicators=3)
    indicators = cycle.indicators[1:]

    tally = race(cycle, indicators, 1)

    assert [saved for _, saved in tally.successes] == [(1, 1)]
    assert tally.stale == WRITERS - 1
    final = IndicatorValue.objects.filter(indicator__in=indicators, period=cycle.round.period)
    assert [(value.version, value.history.count()) for value in final] == [(1, 1), (1, 1)]


@pytest.mark.django_db
def test_on_sqlite_in_a_file_concurrent_batches_lose_no_update(tmp_path):
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        pytest.skip("The tests above run in this process on this database.")
    env = {
        **os.environ, "ENV_FILE": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TEST_DATABASE_NAME": str(tmp_path / "test.sqlite3"),
    }
    test = str(Path(__file__).relative_to(ROOT))
    result = subprocess.run(  # noqa: S603 - this interpreter, these tests
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not sqlite_in_a_file", test],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    output = result.stdout + result.stderr
    assert "database is locked" not in output
    assert result.returncode == 0, output[-4000:]
    assert "2 passed" in result.stdout and "skipped" not in result.stdout
