"""Items nobody with a login can report: every action has a reporter (DeliveryAction.who_reports).

Its lead officer when they have a login; else the person a performance officer names for it, who must have a login;
else a performance officer. The named reporter reports that action and no other; a performance officer no longer
reports it once someone is named. Their My returns lists it, and the owner's sign-off blockers say who must act.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monitoring import permissions, services
from plans.models import DeliveryAction, Person
from tests.cycle_builders import Cycle, make_cycle, make_user, submit_progress

pytestmark = pytest.mark.django_db


def text(content: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


@pytest.fixture
def c() -> Cycle:
    """NI 152 with four actions: Pat Morgan leads 1, Andy Williams 2; 3 is led by "Multiple Leads" (no person)
    and names Ann Smith to report it; 4 is led by Kim Lee of CCC, who has no login, and names nobody."""
    cycle = make_cycle(actions=4)
    ann = make_user("reporter", "Ann Smith", permissions.LEAD_OFFICERS)
    kim = Person.objects.create(name="Kim Lee", partnership=cycle.plan.partnership)
    multiple, ccc = cycle.actions[2], cycle.actions[3]
    DeliveryAction.objects.filter(pk=multiple.pk).update(lead_officer=None, lead_text="Multiple Leads",
                                                          reporter=ann.person)
    DeliveryAction.objects.filter(pk=ccc.pk).update(lead_officer=kim, lead_text="CCC")
    cycle.users["reporter"] = ann
    cycle.actions = list(DeliveryAction.objects.filter(plan=cycle.plan).with_reporters().order_by("position"))
    return cycle


def progress_url(c: Cycle, action: DeliveryAction) -> str:
    return reverse("progress_edit", args=[c.report.pk, action.pk])


# ---------------------------------------------------------------------------------------------------------
# The rule


def test_who_reports_is_the_lead_with_a_login_else_the_named_reporter_else_nobody(c):
    first, second, multiple, ccc = c.actions
    assert first.who_reports() == c["officer"].person
    assert second.who_reports() == c["other_officer"].person
    assert multiple.who_reports() == c["reporter"].person
    assert ccc.who_reports() is None  # a performance officer reports it


def test_a_reporter_who_loses_their_login_hands_the_action_back_to_a_performance_officer(c):
    c["reporter"].delete()  # Person.user is SET_NULL
    multiple = DeliveryAction.objects.with_reporters().get(pk=c.actions[2].pk)
    assert multiple.who_reports() is None
    assert permissions.may_report_progress(c["performance_officer"], multiple)


def test_the_query_agrees_with_the_rule_for_every_action(c):
    for role in ("officer", "other_officer", "reporter", "performance_officer", "owner"):
        user = c[role]
        listed = set(DeliveryAction.objects.reported_by(user).values_list("pk", flat=True))
        assert listed == {a.pk for a in c.actions if permissions.reports_action(user, a)}, role
    fallen = set(DeliveryAction.objects.reported_by_performance_officers().values_list("pk", flat=True))
    assert fallen == {a.pk for a in c.actions if a.who_reports() is None}


def test_with_reporters_answers_who_reports_without_a_query(c, django_assert_num_queries):
    actions = list(DeliveryAction.objects.filter(plan=c.plan).with_reporters())
    with django_assert_num_queries(0):
        assert [a.who_reports() is None for a in actions] == [False, False, False, True]


def test_a_reporter_must_have_a_login(c):
    multiple = c.actions[2]
    multiple.reporter = Person.objects.create(name="Lee Grant", partnership=c.plan.partnership)
    with pytest.raises(ValidationError) as error:
        multiple.full_clean()
    assert error.value.message_dict["reporter"] == ["Choose someone with a login to report this action."]


def test_a_reporter_is_only_for_an_action_whose_lead_has_no_login(c):
    first = c.actions[0]
    first.reporter = c["reporter"].person
    with pytest.raises(ValidationError) as error:
        first.full_clean()
    assert error.value.message_dict["reporter"] == [
        "Leave the reporter blank: the lead officer, Pat Morgan, has a login and reports this action. A reporter is "
        "for an action whose lead has no login."
    ]


# ---------------------------------------------------------------------------------------------------------
# Through the pages, with real permissions


@pytest.mark.parametrize(("role", "action", "status"), [
    ("reporter", 2, 200),  # named for Multiple Leads' action
    ("performance_officer", 2, 403),  # no longer, once someone is named
    ("officer", 2, 403),
    ("reporter", 3, 403),  # CCC's: nobody named, so a performance officer's
    ("performance_officer", 3, 200),
    ("reporter", 0, 403),  # Pat Morgan's own
    ("performance_officer", 0, 403),
])
def test_who_may_open_the_progress_form(client, c, role, action, status):
    client.force_login(c[role])
    assert client.get(progress_url(c, c.actions[action])).status_code == status


def test_the_named_reporter_reports_progress_and_nobody_else_can_post_it(client, c):
    multiple = c.actions[2]
    data = {"narrative": "Twelve partners met", "rag": "amber", "version": 0, "move": "submit"}
    client.force_login(c["performance_officer"])
    assert client.post(progress_url(c, multiple), data).status_code == 403
    client.force_login(c["reporter"])
    assert client.post(progress_url(c, multiple), data).status_code == 302
    entry = multiple.progress_reports.get(report=c.report)
    assert (entry.status, entry.updated_by) == ("submitted", c["reporter"])
    with pytest.raises(PermissionDenied, match="actions you lead or are named to report"):
        services.progress_save(report=c.report, action=c.actions[3], user=c["reporter"], narrative="Not mine",
                               rag="green", outputs_achieved=None, version=None, submit=False)


def test_my_returns_lists_the_actions_a_person_reports(client, c):
    client.force_login(c["reporter"])
    page = client.get(reverse("my_returns"))
    assert [row.action.title for row in page.context["page"].actions] == ["Action 3"]
    words = text(page.content.decode())
    assert "Led by Multiple Leads, with no login: you report it." in words

    client.force_login(c["performance_officer"])
    page = client.get(reverse("my_returns"))
    assert [row.action.title for row in page.context["page"].actions] == ["Action 4"]
    assert "Led by CCC, with no login: you report it." in text(page.content.decode())


def test_the_navigation_offers_my_returns_to_a_named_reporter(client, c):
    client.force_login(c["reporter"])
    assert f'href="{reverse("my_returns")}"' in client.get(reverse("home")).content.decode()


def test_the_owner_is_told_who_must_act_on_each_blocker(client, c):
    submit_progress(c, c.actions[0])
    expected = [
        "Action 2, “Action 2”: progress not submitted. Andy Williams reports it.",
        "Action 3, “Action 3”: progress not submitted. Ann Smith reports it.",
        "Action 4, “Action 4”: progress not submitted. Nobody with a login is named to report it: a performance "
        "officer does.",
    ]
    assert services.sign_off_blockers(c.report)[:3] == expected
    client.force_login(c["owner"])
    words = text(client.get(c.report.get_absolute_url()).content.decode())
    for blocker in expected:
        assert blocker in words
    response = client.post(reverse("return_sign_off", args=[c.report.pk]))
    assert response.status_code == 409
    assert expected[1] in text(response.content.decode())


# ---------------------------------------------------------------------------------------------------------
# The plan's administration


def admin_form_data(response) -> dict:
    """Return the data the admin change form would post back unchanged: its fields and every inline's forms."""
    data = {}
    for form in [response.context["adminform"].form] + [
        inline.formset for inline in response.context["inline_admin_formsets"]
    ]:
        forms = form.forms + [form.management_form] if hasattr(form, "forms") else [form]
        for each in forms:
            for name in each.fields:
                value = each[name].value()
                if value is None or value is False:
                    continue
                data[each.add_prefix(name)] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


@pytest.fixture
def root(client):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "a long admin password"))


def reporter_field(response, action: DeliveryAction) -> str:
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.model is DeliveryAction)
    [form] = [form for form in formset.forms if form.instance.pk == action.pk]
    return form.add_prefix("reporter")


def test_the_plans_admin_shows_and_sets_who_reports_each_action(client, c, root):
    url = reverse("admin:plans_plan_change", args=[c.plan.pk])
    response = client.get(url)
    words = text(response.content.decode())
    assert "Who reports each action" in words
    assert "Ann Smith" in words
    data = admin_form_data(response)
    data[reporter_field(response, c.actions[3])] = str(c["reporter"].person.pk)

    assert client.post(url, data).status_code == 302
    assert DeliveryAction.objects.get(pk=c.actions[3].pk).reporter == c["reporter"].person


def test_the_plans_admin_refuses_a_reporter_with_no_login_in_words(client, c, root):
    url = reverse("admin:plans_plan_change", args=[c.plan.pk])
    response = client.get(url)
    data = admin_form_data(response)
    data[reporter_field(response, c.actions[3])] = str(Person.objects.get(name="Kim Lee").pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Choose someone with a login to report this action." in text(response.content.decode())
    assert DeliveryAction.objects.get(pk=c.actions[3].pk).reporter is None


def test_the_plans_admin_refuses_a_reporter_for_an_action_whose_lead_has_a_login(client, c, root):
    url = reverse("admin:plans_plan_change", args=[c.plan.pk])
    response = client.get(url)
    data = admin_form_data(response)
    data[reporter_field(response, c.actions[0])] = str(c["reporter"].person.pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Leave the reporter blank: the lead officer, Pat Morgan, has a login" in text(response.content.decode())


# ---------------------------------------------------------------------------------------------------------
# Who has not reported, and the reminders


def test_who_has_not_reported_lists_the_named_reporter_and_the_reminder_goes_to_them(client, c):
    from django.core import mail

    from monitoring import notifications

    client.force_login(c["performance_officer"])
    page = client.get(reverse("dashboard_not_reported") + f"?round={c.round.pk}").context["page"]
    items = {row.person.name if row.person else None: [item.label for item in row.items] for row in page.people}
    assert items["Ann Smith"] == ["3 Action 3"]
    assert items["Kim Lee"] == ["4 Action 4"]  # no reporter named: its lead, told by email
    assert {person.name for person in notifications.outstanding_people(c.round)} >= {"Ann Smith", "Kim Lee"}

    mail.outbox.clear()
    notifications.round_opened(c.round)
    assert "reporter@example.org" in [message.to[0] for message in mail.outbox]


def test_the_send_back_form_names_who_reports_each_item(client, c):
    submit_progress(c, c.actions[2], narrative="Reported by Ann")
    submit_progress(c, c.actions[3], narrative="Reported by a performance officer")
    client.force_login(c["owner"])

    page = text(client.get(reverse("return_send_back", args=[c.report.pk])).content.decode())

    assert "Ann Smith: submitted" in page
    assert "A performance officer: submitted" in page
    assert "Kim Lee" not in page  # the lead without a login reports nothing
