"""Reads for the dashboards, a module a page.

- overview: the overview of every plan (OverviewRows, read a page at a time; read_overview_rows for a page's facts);
- not_reported: who has not reported in a round (not_reported_page, default_round);
- plan_dashboard: a plan's dashboard (plan_dashboard);
- indicator: an indicator's page (indicator_page, indicator_for_page);
- series: an indicator's chart data and the table beside it, for the plan dashboard and the indicator page;
- common: what several pages share (what counts as done, year ends, the year a plan's row speaks of, an
  indicator's assessment as the pages show it).

Each page runs a fixed number of queries, whatever the number of plans, actions, indicators, values or risks:
lists are fetched whole, counts and sums are annotated in the queryset, and everything else is put together
in Python (tests/dashboards/test_queries.py holds them to this at two sizes). RAG, direction of travel, trend,
"target met" and trajectories come from indicators.performance, the one place those rules live; year-end forecasts
from indicators.forecast, through monitoring.forecasts (whose figures each reader sees), from the values already read.
"""

from monitoring.dashboards.selectors.indicator import indicator_for_page, indicator_page
from monitoring.dashboards.selectors.not_reported import default_round, not_reported_page
from monitoring.dashboards.selectors.overview import OverviewRows
from monitoring.dashboards.selectors.plan_dashboard import plan_dashboard

__all__ = ["default_round", "indicator_for_page", "indicator_page", "not_reported_page", "OverviewRows", "plan_dashboard"]
