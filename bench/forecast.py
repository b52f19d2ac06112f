"""Backtest the year-end forecasts (indicators.forecast) on the generated council; print one JSON object.

Run by bench/run.py against the scale-10 council (`generate_council --scale 10`: five years of quarterly and
six-monthly values). For every indicator and every year whose year-end is signed off, the forecast is made from the
end of each period but the last (Q1, Q2 and Q3; H1), from the values up to then only, as it would have been made
at that sign-off, and set against what happened:

- coverage: the share of the 80% ranges that held the real year-end (goal 70% to 90%);
- Brier score: the mean squared gap between the probability of meeting the target and what happened (1 met, 0 not;
  lower is better, 0.25 is what "50%" every time scores), beside two baselines where "the current RAG carries on":
  green or amber counts as meeting it with probability 1 and red with 0; or each RAG gets the share of its cases
  that did meet the target (calibrated on the same backtest, which flatters the baseline). The current RAG is the
  latest value's against the target, as the dashboards show it; for a count to date it is the value so far
  against the target spread evenly over the year (performance.action_profile), as a count so far is never
  compared with the year's whole target;
- time: forecasting the latest year for every indicator of the council from values already read (goal under 1 s).

Usage: DATABASE_URL=... python bench/forecast.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.test_settings")

import django  # noqa: E402

django.setup()

from indicators import performance  # noqa: E402
from indicators.forecast import (  # noqa: E402
    ABOUT_EVEN,
    LIKELY,
    UNLIKELY,
    VERY_LIKELY,
    VERY_UNLIKELY,
    Point,
    forecast_year_end,
    probability_band,
)
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue  # noqa: E402
from plans import partnerships, periods  # noqa: E402

COVERAGE_GOAL = (0.70, 0.90)
TIME_GOAL_SECONDS = 1.0


def read():
    """Return the council's indicators, their points (oldest first) and their targets by year, in three queries."""
    indicators = list(Indicator.objects.filter(code__startswith="GEN-").order_by("pk"))
    points: dict[int, list[Point]] = defaultdict(list)
    rows = IndicatorValue.objects.filter(indicator__in=indicators).select_related("period").order_by("period__start")
    for row in rows:
        points[row.indicator_id].append(Point(row.period.span, row.value, row.status == EntryStatus.SIGNED_OFF))
    targets: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for indicator_id, year, value in IndicatorTarget.objects.filter(indicator__in=indicators).values_list(
        "indicator_id", "year", "value"
    ):
        targets[indicator_id][year] = value
    return indicators, points, targets


def current_rag(indicator, latest: Point, target: Decimal, per_year: int) -> str | None:
    if indicator.year_end == Indicator.YearEnd.YEAR_TO_DATE:
        profile = performance.action_profile(target, latest.period.number, per_year)
        return performance.rag(indicator, latest.value, profile)
    return performance.rag(indicator, latest.value, target)


def backtest(indicators, points, targets) -> dict:
    cases = []
    for indicator in indicators:
        signed = [point for point in points[indicator.pk] if point.signed_off]
        if not signed:
            continue
        kind = signed[-1].period.kind
        per_year = 12 // periods.MONTHS_IN[kind]
        year_ends = {point.period.financial_year: point.value for point in signed if point.period.number == per_year}
        for year, actual in sorted(year_ends.items()):
            target = targets[indicator.pk].get(year)
            for cut in periods.periods_in_year(year, kind)[:-1]:
                known = [point for point in signed if point.period <= cut]
                made = forecast_year_end(indicator, known, year=year, target=target)
                if not made.enough_history:
                    continue
                met = performance.target_met(indicator, actual, target)
                cases.append({
                    "method": made.method, "period": f"{'Q' if kind == periods.QUARTER else 'H'}{cut.number}",
                    "inside": made.low <= actual <= made.high, "probability": made.probability,
                    "met": met, "rag": current_rag(indicator, known[-1], target, per_year) if target else None,
                    "error": abs(float(made.value - actual)), "scale": abs(float(actual)) or 1.0,
                })
    return summarise(cases)


def brier(pairs) -> float | None:
    pairs = list(pairs)
    return round(statistics.fmean((p - (1.0 if met else 0.0)) ** 2 for p, met in pairs), 4) if pairs else None


def summarise(cases) -> dict:
    scored = [case for case in cases if case["probability"] is not None and case["met"] is not None]
    by_rag = defaultdict(list)
    for case in scored:
        by_rag[case["rag"]].append(case["met"])
    shares = {rag: sum(found) / len(found) for rag, found in by_rag.items()}

    def coverage(group) -> dict:
        return {"forecasts": len(group), "coverage": round(sum(case["inside"] for case in group) / len(group), 3)}

    groups = defaultdict(list)
    for case in cases:
        groups[f"method: {case['method']}"].append(case)
        groups[f"from {case['period']}"].append(case)
    return {
        "forecasts": len(cases),
        "coverage of the 80% ranges": round(sum(case["inside"] for case in cases) / len(cases), 3),
        "coverage goal": list(COVERAGE_GOAL),
        "coverage by method and by period": {name: coverage(group) for name, group in sorted(groups.items())},
        "median absolute error, share of the year-end": round(
            statistics.median(case["error"] / case["scale"] for case in cases), 4),
        "scored forecasts (with a target)": len(scored),
        "share meeting the target": round(sum(case["met"] for case in scored) / len(scored), 3),
        "Brier score: forecast": brier((case["probability"], case["met"]) for case in scored),
        "Brier score: current RAG carries on (green or amber 1, red 0)": brier(
            (1.0 if case["rag"] in (performance.GREEN, performance.AMBER) else 0.0, case["met"]) for case in scored),
        "Brier score: current RAG carries on (each RAG's share met, calibrated in sample)": brier(
            (shares[case["rag"]], case["met"]) for case in scored),
        "RAG shares met": {str(rag): round(share, 3) for rag, share in sorted(shares.items(), key=str)},
        "calibration by band (forecasts, mean probability, share met)": reliability(scored),
    }


def reliability(scored) -> dict:
    """Return, for each band of probability, how many forecasts fell in it, their mean and the share that met it."""
    bands = defaultdict(list)
    for case in scored:
        bands[probability_band(case["probability"])].append(case)
    return {
        band: [len(bands[band]), round(statistics.fmean(case["probability"] for case in bands[band]), 3),
               round(sum(case["met"] for case in bands[band]) / len(bands[band]), 3)]
        for band in (VERY_UNLIKELY, UNLIKELY, ABOUT_EVEN, LIKELY, VERY_LIKELY) if bands[band]
    }


def time_all(indicators, points, targets) -> dict:
    """Time one forecast per indicator for the latest year, drafts included as the data expert sees them."""
    latest = max(point.period.financial_year for found in points.values() for point in found)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for indicator in indicators:
            forecast_year_end(indicator, points[indicator.pk], year=latest, target=targets[indicator.pk].get(latest),
                              include_drafts=True)
        runs.append(time.perf_counter() - started)
    return {"indicators": len(indicators), "median_seconds": round(statistics.median(runs), 3),
            "goal_seconds": TIME_GOAL_SECONDS}


def main():
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        indicators, points, targets = read()
    if not indicators:
        print(json.dumps({"skipped": "no generated council in this database"}))
        return
    started = time.perf_counter()
    results = backtest(indicators, points, targets)
    results["backtest_seconds"] = round(time.perf_counter() - started, 1)
    results["time to forecast every indicator"] = time_all(indicators, points, targets)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
