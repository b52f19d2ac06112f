"""No user text reaches a page unescaped: a script tag in every text field of every model, and every page shows it
as text.

The data is built through the services first (so that the history holds it too), then every CharField and
TextField of every row of the project's models, and the users' names, is overwritten with the payload and a
marker naming the model, field and row. The payload starts by closing an attribute, so that an attribute
printed without quotes or escaping would show as well as a text node.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse

from indicators.models import IndicatorValue
from monitoring import services
from monitoring.models import ProgressReport
from plans.models import Section
from tests.cycle_builders import make_cycle, reporter_of, sign_off, submit_progress, submit_value
from tests.pages.test_pages import build_laa_plan, build_service_plan

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
PAYLOAD = "\"'><" + SCRIPT[1:]
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
SHORT = "<xss>"  # for fields too short for the script tag
APPS = ["plans", "indicators", "funding", "monitoring"]
# Fields whose text is an identifier parsed by code, not user prose.
NOT_PROSE = {("plans", "period")}
NOT_PROSE_FIELDS = {"move", "from_status", "to_status"}


def marked(label: str, pk: int) -> str:
    return f"{PAYLOAD}[{label}#{pk}]"


def escaped(label: str) -> str:
    """The start of a marked payload as an escaped page shows it, for any row."""
    return f"{ESCAPED_SCRIPT}[{label}#"


def text_fields(model) -> list[models.Field]:
    return [
        field for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices
        and field.name not in NOT_PROSE_FIELDS and not field.primary_key
    ]


def fill_every_text_field() -> list[str]:
    """Overwrite every text field of every row with a marked payload; return the labels filled."""
    filled = set()
    targets = [model for label in APPS for model in apps.get_app_config(label).get_models()
               if not model.__name__.startswith("Historical") and (label, model._meta.model_name) not in NOT_PROSE]
    for model in targets:
        fields = text_fields(model)
        for pk in model.objects.values_list("pk", flat=True):
            values = {}
            for field in fields:
                label = f"{model.__name__}.{field.name}"
                value = marked(label, pk)
                if field.max_length and len(value) > field.max_length:
                    value = f"{SHORT}{pk}"
                    if len(value) > field.max_length:
                        continue
                values[field.name] = value
                filled.add(label)
            model.objects.filter(pk=pk).update(**values)
    for user in get_user_model().objects.all():
        get_user_model().objects.filter(pk=user.pk).update(
            first_name=marked("User.first_name", user.pk)[:150], last_name=f"{SHORT}{user.pk}"
        )
    return sorted(filled)


@pytest.fixture
def world():
    """A return taken through every move with payloads typed in, two plans with every part, then every text field
    overwritten."""
    cycle = make_cycle(actions=3, indicators=2)
    for action in cycle.actions:
        submit_progress(cycle, action, narrative=marked("typed narrative", action.pk),
                        outputs=Decimal(80) if action == cycle.action else None)
    submit_value(cycle, cycle.ni152, "14.5", commentary=marked("typed commentary", 1))
    submit_value(cycle, cycle.indicators[1], "120", commentary=marked("typed commentary", 2))
    services.return_send_back(report=cycle.report, user=cycle["owner"], items=[
        services.SendBackItem(entry) for entry in cycle.report.progress_reports.filter(
            action__lead_officer=cycle["officer"].person)
    ], comment=marked("typed send-back comment", 1))
    for action in cycle.actions:
        if action.lead_officer_id == cycle["officer"].person.pk:
            submit_progress(cycle, action, narrative=marked("typed amended narrative", action.pk))
    sign_off(cycle)
    services.return_reopen(report=cycle.report, user=cycle["performance_officer"], reason=marked("typed reason", 1))
    cycle.refresh()
    for position, kind in enumerate([Section.Kind.TARGET, Section.Kind.DELIVERY_PLAN, Section.Kind.INDICATORS]):
        Section.objects.create(plan=cycle.plan, position=position, number=str(position + 1), heading=kind.label, kind=kind)
    laa, service = build_laa_plan(reference="NI 999"), build_service_plan()
    filled = fill_every_text_field()
    return {"cycle": cycle, "laa": laa, "service": service, "filled": filled}


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_only_escaped(content: str, url: str) -> None:
    assert SCRIPT not in content, url
    assert SHORT not in content, url
    assert ESCAPED_SCRIPT in content, f"{url} shows no payload at all: the check proves nothing there"


def test_every_prose_field_of_the_models_was_filled(world):
    for label in ["Plan.title", "Plan.introduction", "Section.heading", "Section.body", "DeliveryAction.title",
                  "DeliveryAction.description", "ProgressReport.narrative", "ProgressReport.reviewer_comment",
                  "IndicatorValue.commentary", "Indicator.name", "FundingLine.name", "FundingLine.comment",
                  "Risk.risk", "Risk.mitigation", "Priority.details", "KeyMeasure.measure", "Person.name",
                  "WorkflowEvent.comment", "Organisation.name"]:
        assert label in world["filled"]


@pytest.mark.parametrize("plan", ["laa", "service"])
def test_a_plan_page_shows_every_text_only_escaped(client, world, plan):
    content = page(client, world["cycle"]["viewer"], world[plan].get_absolute_url())

    assert_only_escaped(content, plan)
    expected = {
        "laa": ["Plan.title", "Section.heading", "Section.body", "DeliveryAction.title", "DeliveryAction.description",
                "FundingLine.name", "FundingLine.comment", "Risk.risk", "Risk.mitigation", "Indicator.name",
                "Person.name"],
        "service": ["Plan.title", "Priority.details", "Priority.impact", "DeliveryAction.title", "KeyMeasure.measure",
                    "CorporateObjective.title"],
    }[plan]
    assert [label for label in expected if escaped(label) not in content] == []


def test_the_return_page_shows_progress_and_commentary_only_escaped(client, world):
    cycle = world["cycle"]

    content = page(client, cycle["owner"], cycle.report.get_absolute_url())

    assert_only_escaped(content, "return")
    for label in ["ProgressReport.narrative", "IndicatorValue.commentary", "DeliveryAction.title", "Plan.title"]:
        assert escaped(label) in content, label


def test_the_history_page_shows_old_and_new_text_only_escaped(client, world):
    cycle = world["cycle"]

    content = page(client, cycle["owner"], reverse("return_history", args=[cycle.report.pk]))

    assert_only_escaped(content, "history")
    for label in ["typed narrative", "typed amended narrative", "typed commentary", "WorkflowEvent.comment",
                  "DeliveryAction.title", "Person.name"]:
        assert escaped(label) in content, label


def test_the_entry_forms_and_lists_show_text_only_escaped(client, world):
    cycle = world["cycle"]
    progress = ProgressReport.objects.get(report=cycle.report, action=cycle.action)
    value = IndicatorValue.objects.get(indicator=cycle.ni152, period=cycle.round.period)
    pages = [
        (reporter_of(cycle, cycle.action), reverse("progress_edit", args=[cycle.report.pk, cycle.action.pk])),
        (cycle["expert"], reverse("values_edit", args=[cycle.report.pk])),
        (cycle["officer"], reverse("my_returns")),
        (cycle["performance_officer"], reverse("rounds")),
        (cycle["performance_officer"], reverse("round_detail", args=[cycle.round.pk])),
        (cycle["owner"], reverse("return_send_back", args=[cycle.report.pk])),
        (cycle["owner"], reverse("return_sign_off", args=[cycle.report.pk])),
        (cycle["viewer"], reverse("plan_list")),
        (cycle["officer"], reverse("home")),
    ]
    for user, url in pages:
        content = page(client, user, url)
        assert SCRIPT not in content, url
        assert SHORT not in content, url
    forms = page(client, reporter_of(cycle, cycle.action), pages[0][1]) + page(client, cycle["expert"], pages[1][1])
    assert escaped("ProgressReport.narrative") in forms and progress.narrative.startswith(PAYLOAD)
    assert escaped("IndicatorValue.commentary") in forms and value.commentary.startswith(PAYLOAD)


def test_the_report_pdf_is_drawn_from_html_that_shows_text_only_escaped(world):
    from monitoring.reports.plan import plan_report_html

    content = plan_report_html(world["cycle"].report)

    assert_only_escaped(content, "plan report")
    for label in ["Plan.title", "ProgressReport.narrative", "IndicatorValue.commentary", "DeliveryAction.title"]:
        assert escaped(label) in content, label
