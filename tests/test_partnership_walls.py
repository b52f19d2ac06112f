"""The walls between partnerships, proved through every address of the site and the admin.

Partnership A (the test partnership, built by make_cycle) holds an object of every kind any address takes an id
for; partnership B has its own performance officer (staff), strategic group member and a plan with a round. Each
address that takes an id is asked, as each of B's people, with A's ids, by GET and by POST: the answer must be
the one a made-up id gets (404, or 405 where the view does not take the method), and nothing of A may change.
A new address with an argument this file does not know fails the suite, so no future route escapes it.

The pages without an id (lists, dashboards, forms) are read by B's people and must show nothing of A; the query
strings and form fields that take ids (?round=, ?plan=, the committee pack's plans) are tried with A's ids. In
the admin, B's performance officer, staff with every model permission, finds none of A's rows: not on a
changelist, not by its id on the change, delete or history page. A's own performance officer, asking the same
addresses, is answered (not 404), so that the test cannot pass by everything answering 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from simple_history.admin import SimpleHistoryAdmin

from funding.models import BudgetTable, FundingLine
from indicators.models import Forecast, IndicatorValue
from monitoring import services
from monitoring.api.tokens import token_create
from monitoring.models import ImportRecord, ReminderSent, ReportingRound, ReportJob, Return
from plans import partnerships
from plans.models import (
    ActionGroup,
    CorporateObjective,
    DeliveryAction,
    KeyMeasure,
    Membership,
    Partnership,
    Period,
    Plan,
    Priority,
    Risk,
    Section,
)
from plans.partnerships import PartnershipOwned
from tests.builders import make_partnership, make_plan, test_partnership
from tests.cycle_builders import NAMES, Cycle, make_cycle, make_user, sign_off, submit_everything

pytestmark = pytest.mark.django_db

MARKER = "Alphaville"  # in the names of A's plan, actions, indicators and other rows: never on a page of B's
A_WORDS = [MARKER, *NAMES.values()]  # A's people by name, too
MISSING = 10**7  # an id nothing has

PO, VIEWER = "performance_officer", "viewer"
B_ROLES = [PO, VIEWER]


# ---------------------------------------------------------------------------------------------------------
# The two partnerships


@dataclass
class World:
    a: Partnership
    b: Partnership
    signed_off: Cycle  # A's 2008/09 Q1: everything submitted and signed off (sealed)
    open: Cycle  # A's 2008/09 Q2: everything submitted, waiting for sign-off
    job: ReportJob
    record: ImportRecord
    b_users: dict[str, User]
    b_plan: Plan
    b_round: ReportingRound
    b_return: Return
    extra: dict = field(default_factory=dict)

    @property
    def a_po(self) -> User:
        return self.open["performance_officer"]


def build_world(media_root) -> World:
    a = test_partnership()
    cycle = make_cycle()
    plan = cycle.plan
    Plan.objects.filter(pk=plan.pk).update(title=f"{MARKER} worklessness")
    for action in cycle.actions:
        DeliveryAction.objects.filter(pk=action.pk).update(title=f"{MARKER} action {action.position}")
    for indicator in cycle.indicators:
        type(indicator).objects.filter(pk=indicator.pk).update(name=f"{MARKER} {indicator.name}")
    for obj in [plan, *cycle.actions, *cycle.indicators]:
        obj.refresh_from_db()
    po = cycle["performance_officer"]

    # Every other kind of row a plan holds, so that the admin has one of each of A's to look for.
    Section.objects.create(plan=plan, position=1, heading=f"{MARKER} section")
    ActionGroup.objects.create(plan=plan, title=f"{MARKER} group")
    priority = Priority.objects.create(plan=plan, number=1, details=f"{MARKER} priority")
    CorporateObjective.objects.create(partnership=a, number=1, title=f"{MARKER} objective")
    KeyMeasure.objects.create(plan=plan, priority=priority, position=1, measure=f"{MARKER} measure")
    Risk.objects.create(plan=plan, position=1, risk=f"{MARKER} risk")
    FundingLine.objects.create(plan=plan, position=1, name=f"{MARKER} funding")
    BudgetTable.objects.create(plan=plan, title=f"{MARKER} budget")

    submit_everything(cycle)
    sign_off(cycle)  # seals Q1

    q2 = services.round_open(period=Period.for_code("2008/09-Q2"), due_date=date(2008, 10, 31), user=po, partnership=a)
    open_cycle = Cycle(plan, q2, q2.returns.get(plan=plan), cycle.users, cycle.actions, cycle.indicators)
    submit_everything(open_cycle)
    ReminderSent.objects.get_or_create(round=q2, person=po.person, kind=ReminderSent.Kind.OPENED)

    record = ImportRecord.objects.create(
        partnership=a, kind="values", file_name=f"{MARKER}.xlsx", file_size=100, checksum="0" * 64, user=po, rows=3,
    )
    job = ReportJob.objects.create(
        partnership=a, period=q2.period, requested_by=po, status=ReportJob.Status.READY, progress=100, pages=2,
    )
    job.plans.set([plan])
    job.file.save(f"{MARKER}.pdf", ContentFile(b"%PDF-1.4 " + MARKER.encode()))

    b = make_partnership("Bravo Partnership")
    b_po = make_user("bravo_po", "Bea Bravo", Membership.Role.PERFORMANCE_OFFICER, partnership=b)
    User.objects.filter(pk=b_po.pk).update(is_staff=True)
    b_po.refresh_from_db()
    b_viewer = make_user("bravo_viewer", "Bob Bravo", Membership.Role.STRATEGIC_GROUP, partnership=b)
    b_plan = make_plan("B 1", partnership=b, title="Bravo plan", first_year=2007, last_year=2010)
    b_round = services.round_open(period=Period.for_code("2008/09-Q1"), due_date=date(2008, 7, 31), user=b_po,
                                  partnership=b)
    return World(a, b, cycle.refresh(), open_cycle.refresh(), job, record, {PO: b_po, VIEWER: b_viewer}, b_plan,
                 b_round, b_round.returns.get(plan=b_plan))


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    return build_world(tmp_path)


def owned_models() -> list[type]:
    return [model for model in apps.get_models() if issubclass(model, PartnershipOwned)]


def snapshot(partnership: Partnership) -> dict:
    """Every row the partnership owns, field by field, read past the scope: what any write to it would change."""
    ids = frozenset([partnership.pk])
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        return {
            model._meta.label: list(
                model._base_manager.filter(model._partnership_condition(ids)).order_by("pk").values()
            )
            for model in owned_models()
        }


def assert_unchanged(before: dict, after: dict) -> None:
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"A's rows changed: {changed}"


# ---------------------------------------------------------------------------------------------------------
# Every address of the site


def walk(patterns=None, prefix: str = "") -> list[tuple[str, str | None, list[str]]]:
    """Return (route, name, argument names) of every address of the site outside the admin."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or pattern.app_name == "admin" or route.startswith("admin/"):
                continue
            found.extend(walk(pattern.url_patterns, route))
        elif isinstance(pattern, URLPattern):
            if route.startswith("static/") or "static" in (pattern.name or ""):
                continue
            converters = getattr(pattern.pattern, "converters", None)
            arguments = list(converters) if converters is not None else list(pattern.pattern.regex.groupindex)
            if not arguments and pattern.pattern.regex.groups:
                arguments = [f"group{n}" for n in range(pattern.pattern.regex.groups)]
            found.append((route, pattern.name, arguments))
    return found


ROUTES = walk()


@dataclass(frozen=True)
class IdRoute:
    kwargs: Callable[[World], dict]
    data: Callable[[World], dict] = lambda w: {}


def _progress_data(w: World) -> dict:
    return {"narrative": "Leaked", "rag": "red", "rag_reason": "Leaked", "outputs_achieved": "1", "version": 1,
            "move": "submit"}


def _values_data(w: World) -> dict:
    prefix = f"indicator-{w.open.ni152.pk}"
    return {f"{prefix}-value": "99.9", f"{prefix}-commentary": "Leaked", f"{prefix}-version": 1,
            f"{prefix}-confirm_outlier": "on", "move": "submit"}


def _send_back_data(w: World) -> dict:
    progress = w.open.report.progress_reports.get(action=w.open.action)
    return {"items": [f"progress-{progress.pk}"], "comment": "Leaked"}


def _a_value(w: World):
    return IndicatorValue.objects.filter(indicator=w.open.ni152, period=w.open.round.period).get()


def _a_token(w: World):
    """Return a token of A's performance officer: the token pages answer only their own user, whatever the
    partnership, so B's people must not find it either."""
    if "token" not in w.extra:
        w.extra["token"] = token_create(user=w.a_po, name=MARKER, expires_on=date.today() + timedelta(days=30))[0]
    return w.extra["token"]


def _a_forecast(w: World) -> Forecast:
    """Return a forecast A's sign-off stored (one is made at every sign-off, even with too little history)."""
    return Forecast.objects.filter(indicator=w.signed_off.ni152).earliest("pk")


# Each address that takes an id, with A's objects for its arguments (where a view takes two ids, both A's).
ID_ROUTES: dict[str, IdRoute] = {
    "plan_detail": IdRoute(lambda w: {"pk": w.open.plan.pk}),
    "round_detail": IdRoute(lambda w: {"pk": w.open.round.pk}),
    "round_close": IdRoute(lambda w: {"pk": w.open.round.pk}),
    "round_reopen": IdRoute(lambda w: {"pk": w.signed_off.round.pk}),
    "return_detail": IdRoute(lambda w: {"pk": w.open.report.pk}),
    "progress_edit": IdRoute(lambda w: {"pk": w.open.report.pk, "action_pk": w.open.action.pk}, _progress_data),
    "values_edit": IdRoute(lambda w: {"pk": w.open.report.pk}, _values_data),
    "return_sign_off": IdRoute(lambda w: {"pk": w.open.report.pk}),
    "return_send_back": IdRoute(lambda w: {"pk": w.open.report.pk}, _send_back_data),
    "return_reopen": IdRoute(lambda w: {"pk": w.signed_off.report.pk}, lambda w: {"reason": "Leaked"}),
    "return_history": IdRoute(lambda w: {"pk": w.signed_off.report.pk}),
    "dashboard_remind": IdRoute(lambda w: {"pk": w.open.round.pk}),
    "plan_dashboard": IdRoute(lambda w: {"pk": w.open.plan.pk}),
    "indicator_detail": IdRoute(lambda w: {"pk": w.open.ni152.pk}),
    "plan_report": IdRoute(lambda w: {"pk": w.open.plan.pk}),
    "plan_reports": IdRoute(lambda w: {"pk": w.open.plan.pk}),
    "report_job": IdRoute(lambda w: {"pk": w.job.pk}),
    "report_job_download": IdRoute(lambda w: {"pk": w.job.pk}),
    "import_record": IdRoute(lambda w: {"pk": w.record.pk}),
    "plan_workbook": IdRoute(lambda w: {"pk": w.open.plan.pk}),
    # The API (monitoring.api): the same walls for a browser session as for a token (tests/api/test_scope.py).
    "api-partnership-detail": IdRoute(lambda w: {"pk": w.a.pk}),
    "api-plan-detail": IdRoute(lambda w: {"pk": w.open.plan.pk}),
    "api-indicator-detail": IdRoute(lambda w: {"pk": w.open.ni152.pk}),
    "api-indicator-forecast": IdRoute(lambda w: {"pk": w.open.ni152.pk}),
    "api-forecast-detail": IdRoute(lambda w: {"pk": _a_forecast(w).pk}),
    "api-indicator-value-detail": IdRoute(lambda w: {"pk": _a_value(w).pk}),
    "api-funding-line-detail": IdRoute(lambda w: {"pk": FundingLine.objects.get(plan=w.open.plan).pk}),
    "api-risk-detail": IdRoute(lambda w: {"pk": Risk.objects.get(plan=w.open.plan).pk}),
    "api-round-detail": IdRoute(lambda w: {"pk": w.open.round.pk}),
    "api-return-detail": IdRoute(lambda w: {"pk": w.open.report.pk}),
    "api-return-values": IdRoute(lambda w: {"pk": w.open.report.pk}),
    "api-return-value": IdRoute(lambda w: {"pk": w.open.report.pk, "indicator_id": w.open.ni152.pk}),
    "api-return-progress": IdRoute(lambda w: {"pk": w.open.report.pk, "action_id": w.open.action.pk}),
    "api-return-sign-off": IdRoute(lambda w: {"pk": w.open.report.pk}),
    "api-return-send-back": IdRoute(lambda w: {"pk": w.open.report.pk}),
    "api-return-reopen": IdRoute(lambda w: {"pk": w.signed_off.report.pk}),
    "api_token_revoke": IdRoute(lambda w: {"pk": _a_token(w).pk}),
}
# Addresses whose arguments name no object (a template's kind and format).
ARGUMENTS_NOT_IDS = {"import_template"}
# Addresses without arguments that are not pages of data.
# choose_partnership answers 404 to anyone who works in one partnership only, as B's people do.
NOT_DATA_PAGES = {"login", "logout", "accessibility", "choose_partnership"}
# The API's answer to an address of no resource (404 problem details), under /api/v1/.
NOT_DATA_PAGES |= {"api-not-found"}

# ---------------------------------------------------------------------------------------------------------
# Every address that takes an id answers B as for an id that does not exist, and changes nothing of A


def test_every_address_with_an_argument_is_known():
    """A new address with an id must join ID_ROUTES, so that no route escapes this test."""
    with_arguments = {name for route, name, arguments in ROUTES if arguments}
    assert with_arguments - set(ID_ROUTES) - ARGUMENTS_NOT_IDS == set(), "addresses with ids this test does not know"
    assert set(ID_ROUTES) - with_arguments == set(), "ID_ROUTES names addresses that are gone"


def test_every_id_route_maps_its_arguments(world):
    arguments = {name: set(names) for route, name, names in ROUTES}
    for name, route in ID_ROUTES.items():
        assert set(route.kwargs(world)) == arguments[name], name


ID_CASES = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name in ID_ROUTES
    for method in ("GET", "POST")
    for role in B_ROLES
]


def _ask(client, method: str, url: str, data: dict):
    return client.post(url, data) if method == "POST" else client.get(url)


@pytest.mark.parametrize(("name", "method", "role"), ID_CASES)
def test_b_cannot_reach_a_by_id(client, world, name, method, role):
    route = ID_ROUTES[name]
    client.force_login(world.b_users[role])
    before = snapshot(world.a)
    url = reverse(name, kwargs=route.kwargs(world))
    missing = reverse(name, kwargs=dict.fromkeys(route.kwargs(world), MISSING))

    response = _ask(client, method, url, route.data(world))
    probe = _ask(client, method, missing, route.data(world))

    assert response.status_code in (404, 405), f"{name} {method}: {response.status_code}"
    assert response.status_code == probe.status_code, f"{name} {method}: A's id answers unlike a missing one"
    assert_unchanged(before, snapshot(world.a))


def test_b_cannot_mix_its_return_with_as_action(client, world):
    client.force_login(world.b_users[PO])
    before = snapshot(world.a)
    url = reverse("progress_edit", kwargs={"pk": world.b_return.pk, "action_pk": world.open.action.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, _progress_data(world)).status_code == 404
    assert_unchanged(before, snapshot(world.a))


# ---------------------------------------------------------------------------------------------------------
# A's own performance officer is answered: the walls are not everything answering 404

POST_ONLY = {"round_reopen", "dashboard_remind", "api_token_revoke"}


@pytest.mark.parametrize("name", list(ID_ROUTES))
def test_a_reaches_its_own(client, world, name):
    route = ID_ROUTES[name]
    client.force_login(world.a_po)
    url = reverse(name, kwargs=route.kwargs(world))
    response = client.post(url, route.data(world)) if name in POST_ONLY else client.get(url)
    assert response.status_code not in (404, 500), f"{name}: {response.status_code}"


# ---------------------------------------------------------------------------------------------------------
# Pages without an id show nothing of A

LIST_PAGES = [name for route, name, arguments in ROUTES if not arguments and name and name not in NOT_DATA_PAGES]
LIST_CASES = [
    pytest.param(name, role, id=f"{name}-{role}")
    for name in LIST_PAGES
    for role in B_ROLES
]


@pytest.mark.parametrize(("name", "role"), LIST_CASES)
def test_b_lists_show_nothing_of_a(client, world, name, role):
    client.force_login(world.b_users[role])
    response = client.get(reverse(name), follow=True)
    assert response.status_code in (200, 405), f"{name}: {response.status_code}"
    body = response.content.decode()
    leaked = [word for word in [*A_WORDS, world.a.name] if word in body]
    assert not leaked, f"{name} shows A's {leaked}"


def test_a_lists_show_a(client, world):
    """The control for the lists: A's performance officer sees A's plan on the plan list and the dashboard."""
    client.force_login(world.a_po)
    for name in ("plan_list", "dashboard_overview"):
        assert MARKER in client.get(reverse(name)).content.decode(), name


# ---------------------------------------------------------------------------------------------------------
# Ids in query strings and form fields

@pytest.mark.parametrize("role", B_ROLES)
def test_not_reported_with_as_round(client, world, role):
    client.force_login(world.b_users[role])
    response = client.get(reverse("dashboard_not_reported"), {"round": world.open.round.pk})
    probe = client.get(reverse("dashboard_not_reported"), {"round": MISSING})
    assert response.status_code == probe.status_code == 404


@pytest.mark.parametrize("kind", ["values", "actions", "indicators", "funding", "risks"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_of_as_plan(client, world, kind, fmt):
    client.force_login(world.b_users[PO])
    response = client.get(reverse("export"), {"what": kind, "plan": world.open.plan.pk, "format": fmt})
    assert "attachment" not in response.get("Content-Disposition", ""), f"B downloaded A's {kind} ({fmt})"
    assert MARKER.encode() not in response.content


def test_export_of_as_whole_plan(client, world):
    client.force_login(world.b_users[PO])
    response = client.get(reverse("export"), {"what": "plan", "plan": world.open.plan.pk, "format": "xlsx"})
    assert response.status_code == 200, "B's request for A's plan was accepted (redirected to its workbook)"
    assert "attachment" not in response.get("Content-Disposition", "")


def test_committee_pack_of_as_plan(client, world):
    client.force_login(world.b_users[PO])
    before = snapshot(world.a)
    jobs = ReportJob.objects.count()
    response = client.post(reverse("committee_pack"), {"period": world.b_round.period.pk, "plans": [world.open.plan.pk]})
    assert response.status_code == 200
    assert ReportJob.objects.count() == jobs, "B asked for a pack of A's plan"
    assert_unchanged(before, snapshot(world.a))


def test_committee_pack_of_as_period_only(client, world):
    """A's Q2 has a round, B's does not: B cannot ask for a pack of it (the period's round is A's)."""
    client.force_login(world.b_users[PO])
    jobs = ReportJob.objects.count()
    response = client.post(reverse("committee_pack"), {"period": world.open.round.period.pk})
    assert response.status_code == 200
    assert ReportJob.objects.count() == jobs


def test_opening_a_round_in_b_leaves_a_alone(client, world):
    client.force_login(world.b_users[PO])
    before = snapshot(world.a)
    response = client.post(reverse("rounds"), {
        "period": "2008/09-Q3", "due_date_day": "31", "due_date_month": "1", "due_date_year": "2009",
    })
    assert response.status_code == 302
    assert_unchanged(before, snapshot(world.a))
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        opened = ReportingRound.objects.get(period=Period.for_code("2008/09-Q3"))
        assert opened.partnership_id == world.b.pk
        assert set(opened.returns.values_list("plan__partnership", flat=True)) == {world.b.pk}


def test_plan_report_of_a_period_of_as(client, world):
    client.force_login(world.b_users[PO])
    response = client.get(reverse("plan_report", args=[world.open.plan.pk]), {"period": "2008/09-Q1"})
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------------------
# The admin

ADMIN_APPS = ["plans", "indicators", "funding", "monitoring"]
ADMIN_MODELS = sorted(
    (model for model in admin.site._registry if issubclass(model, PartnershipOwned)), key=lambda m: m._meta.label
)
HISTORY_MODELS = [model for model in ADMIN_MODELS if isinstance(admin.site._registry[model], SimpleHistoryAdmin)]


def _a_row(world: World, model):
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        row = model._base_manager.filter(model._partnership_condition(frozenset([world.a.pk]))).order_by("pk").first()
    assert row is not None, f"the test builds no {model._meta.label} in A: add one to build_world"
    return row


@pytest.fixture
def b_admin(client, world):
    user = world.b_users[PO]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    client.force_login(user)
    return client


def test_b_officer_may_use_the_admin(b_admin, world):
    """The control: B's officer is let in, and finds B's own plan."""
    response = b_admin.get(reverse("admin:plans_plan_changelist"))
    assert response.status_code == 200
    assert world.b_plan in response.context["cl"].result_list
    assert b_admin.get(reverse("admin:plans_plan_change", args=[world.b_plan.pk])).status_code == 200


ADMIN_CASES = [
    pytest.param(model, page, id=f"{model._meta.label}-{page}")
    for model in ADMIN_MODELS
    for page in ("changelist", "change", "delete", "history", "post_change", "post_delete")
] + [
    pytest.param(model, "history_revision", id=f"{model._meta.label}-history_revision")
    for model in HISTORY_MODELS
]


@pytest.mark.parametrize(("model", "page"), ADMIN_CASES)
def test_b_admin_finds_none_of_as_rows(b_admin, world, model, page):
    row = _a_row(world, model)
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    before = snapshot(world.a)
    if page == "changelist":
        response = b_admin.get(reverse(f"{info}_changelist"))
        assert response.status_code == 200
        shown = {obj.pk for obj in response.context["cl"].result_list}
        assert row.pk not in shown, f"A's {model._meta.label} {row.pk} is on B's changelist"
        with partnerships.within([world.b.pk]):
            b_strings = {str(obj) for obj in model.objects.all()}
        text = str(row)
        if text not in b_strings and len(text) > 3:
            assert text not in response.content.decode(), f"A's {text!r} is on B's changelist"
    else:
        name = page.removeprefix("post_")
        if page == "history_revision":
            with partnerships.within(partnerships.EVERY_PARTNERSHIP):
                version = row.history.order_by("history_id").first()
            assert version is not None, f"A's {model._meta.label} has no history to look for"
            url = reverse(f"{info}_simple_history", args=[row.pk, version.history_id])
        else:
            url = reverse(f"{info}_{name}", args=[row.pk])
        if page.startswith("post_"):
            data = {"post": "yes"} if name == "delete" else {}
            response = b_admin.post(url, data)
        else:
            response = b_admin.get(url)
        assert response.status_code in (302, 404, 403), f"{page} of A's {model._meta.label}: {response.status_code}"
        if response.status_code == 302:
            assert response.url == reverse("admin:index"), response.url
        assert str(row) not in response.content.decode() or len(str(row)) <= 3
    assert_unchanged(before, snapshot(world.a))

