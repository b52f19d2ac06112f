"""Reads for the pages of the reporting cycle: one function per page, returning what its template shows.

Every function runs a fixed number of queries, whatever the number of actions or indicators: lists are fetched
whole and joined in Python, and counts are annotated in the queryset (tests/cycle/test_queries.py holds them
to this at two sizes).

- rounds: the rounds list, a round's returns, and "my returns".
- entry: the progress form and the indicator values form.
- returns: the return page, and the officers its send-back form offers.
- history: a return's changes, filtered by item, person and kind, and what changed since its sign-off.
- outputs: an action's outputs against the year's target (also read by the plan report).
- indicator_rows: a return's indicators with their values, targets and earlier values.
- access: who the user is, and which actions or indicators they may act on, in few queries.

The views call the page functions below through this package.
"""

from monitoring.cycle.selectors.entry import (
    action_for_progress,
    latest_progress,
    latest_value,
    progress_page,
    values_page,
)
from monitoring.cycle.selectors.history import HistoryFilter, return_history
from monitoring.cycle.selectors.returns import return_for_page, return_page, send_back_page_items
from monitoring.cycle.selectors.rounds import my_returns_page, round_returns, rounds_list

__all__ = [
    "action_for_progress",
    "latest_progress",
    "latest_value",
    "my_returns_page",
    "progress_page",
    "return_for_page",
    "return_history",
    "HistoryFilter",
    "return_page",
    "round_returns",
    "rounds_list",
    "send_back_page_items",
    "values_page",
]
