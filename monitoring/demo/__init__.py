"""The demo data: the seed plans (data), the demo logins (logins), an illustrative history made through the real
services (history), and a generated council of any size for benchmarks (council)."""

from datetime import date

from monitoring.demo.data import PLAN_FILES, load_corporate_plan, load_plan, read_fixture
from monitoring.demo.history import load_demo_history
from monitoring.demo.logins import load_demo_logins


def load_demo(with_logins: bool, today: date | None = None) -> list[str]:
    """Load the corporate plan, both seed plans and, if asked, the demo logins; return one line per step.

    With the logins comes the illustrative history, whose open round is due three weeks after today (the local
    date unless given).
    """
    lines = [load_corporate_plan()]
    for name in PLAN_FILES:
        lines.append(load_plan(read_fixture(name)))
    if with_logins:
        lines.append(load_demo_logins())
        # The illustrative history is made through the real services, so it needs the demo people.
        lines.append(load_demo_history(today))
    else:
        lines.append("Demo logins: skipped (DEBUG is off; pass --demo-logins to create them).")
    return lines
