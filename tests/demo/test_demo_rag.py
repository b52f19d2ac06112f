"""The demo history's RAG agrees with the figures: an action with an output target is rated as its outputs so far
suggest against the profile of its target (monitoring.action_rag), unless its officer gave a reason."""

from io import StringIO

import pytest
from django.core.management import call_command

from monitoring import action_rag
from monitoring.cycle.selectors.outputs import outputs_for
from monitoring.models import ProgressReport, Return

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once and read every entry of every return with its outputs and the RAG they suggest."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            call_command("load_demo", "--demo-logins", stdout=StringIO())
            rows = []
            for report in Return.objects.select_related("round__period", "plan"):
                entries = {entry.action_id: entry for entry in
                           ProgressReport.objects.filter(report=report).select_related("action")}
                outputs = outputs_for(report, [entry.action for entry in entries.values()], entries)
                for pk, entry in entries.items():
                    suggestion = action_rag.suggest_from_outputs(outputs[pk], report.round.period.span)
                    rows.append((report, entry, outputs[pk], suggestion))
            transaction.set_rollback(True)
    return rows


def test_no_demo_action_with_a_target_has_a_rag_its_outputs_do_not_suggest_without_a_reason(demo):
    rated = [(report, entry, suggestion) for report, entry, outputs, suggestion in demo if outputs.target]
    assert len(rated) > 40  # the ten NI 152 actions with a target, over five quarters

    disagreeing = [
        f"{report.plan.reference} {report.round.period.label} {entry.action.title}: {entry.rag}, "
        f"the outputs suggest {suggestion.rag} ({suggestion.summary})"
        for report, entry, suggestion in rated
        if suggestion and entry.rag and entry.rag != suggestion.rag and not entry.rag_reason
    ]
    assert disagreeing == []


def test_actions_past_their_target_at_the_year_end_are_green(demo):
    year_end = {
        entry.action.title.split(" (")[0]: (entry.rag, outputs.share) for report, entry, outputs, _ in demo
        if report.plan.reference == "NI 152" and report.round.period.code == "2008/09-Q4" and outputs.target
    }

    # Rated red and amber before the rule, at 104% and 108% of their targets.
    assert year_end["JCP Mainstream provision"] == ("green", 104)
    assert year_end["Local Enterprise Growth Initiative"] == ("green", 108)


def test_every_action_with_a_target_is_rated_as_its_outputs_suggest(demo):
    rated = [(entry, suggestion) for _, entry, outputs, suggestion in demo if outputs.target and suggestion]

    assert rated and all(entry.rag == suggestion.rag for entry, suggestion in rated)
