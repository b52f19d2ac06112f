"""Compare one page's server time in two checkouts of the code, on a machine too noisy to compare two runs.

    .venv/bin/python bench/compare.py OLD_CHECKOUT USERNAME [URL] [--rounds N]

Each round starts a fresh process in each checkout, the order alternating, and times `--requests` GETs of the URL
(the overview by default) as the user, against the database in DATABASE_URL: both checkouts see the same data and
each moment of the machine is shared out evenly between them. Prints each round's medians, the median of each, and
the median of the rounds' ratios (this checkout over the old one), which a busy minute moves far less than either.

Make the old checkout with `git worktree add /tmp/old <commit>`; the database must already hold both checkouts'
migrations. A round's own figures come from this file run with --one.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def one(checkout: str, username: str, url: str, requests: int) -> float:
    """Time the page in this process, with the code of the checkout; return the median in milliseconds."""
    sys.path.insert(0, checkout)
    os.chdir(checkout)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.test_settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from monitoring.startup import load_and_freeze

    setup_test_environment()
    load_and_freeze()
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    for _ in range(5):
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} in {checkout}")
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("username")
    parser.add_argument("url", nargs="?", default="/dashboards/")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the checkout to time in this process
    args = parser.parse_args()
    if args.one:
        print(one(args.one, args.username, args.url, args.requests))
        return
    checkouts = {"old": str(Path(args.old).resolve()), "this": str(HERE)}
    medians: dict[str, list[float]] = {"old": [], "this": []}
    for round_number in range(args.rounds):
        order = ["old", "this"] if round_number % 2 == 0 else ["this", "old"]
        for name in order:
            result = subprocess.run(
                [sys.executable, __file__, args.old, args.username, args.url, "--requests", str(args.requests),
                 "--one", checkouts[name]],
                capture_output=True, text=True, check=True,
            )
            medians[name].append(float(result.stdout.strip().splitlines()[-1]))
        print(f"round {round_number + 1}: old {medians['old'][-1]:.1f} ms, this {medians['this'][-1]:.1f} ms")
    ratios = [new / old for old, new in zip(medians["old"], medians["this"], strict=True)]
    print(f"median of the rounds: old {statistics.median(medians['old']):.1f} ms, "
          f"this {statistics.median(medians['this']):.1f} ms; ratio {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
