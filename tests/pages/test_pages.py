"""The pages: who may see them, what the plan list filters, what a plan page shows and what it costs."""

import re
from datetime import date
from decimal import Decimal
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape
from django.views import defaults

from funding.models import BudgetEntry, BudgetRow, BudgetTable, BudgetYear, FundingAmount, FundingLine
from indicators.models import Indicator, IndicatorTarget, PlanIndicator
from monitoring import permissions
from plans.models import (
    ActionGroup,
    ActionTarget,
    CorporateObjective,
    CorporateOutcome,
    DeliveryAction,
    KeyMeasure,
    ObjectiveContribution,
    Organisation,
    Period,
    Person,
    Plan,
    PlanRole,
    Priority,
    Risk,
    Section,
)
from tests.builders import make_organisation, make_plan
from tests.cycle_builders import give_role

pytestmark = pytest.mark.django_db

# Pages anyone may open: signing in, and the accessibility statement (a legal requirement to publish).
PUBLIC_URL_NAMES = {"login", "accessibility"}


def answers_for_itself(name: str) -> bool:
    """Return True for the API's addresses, which answer an anonymous request with 401 problem details rather
    than the sign-in page (tests/api/test_anonymous.py); its documentation page is a page like the others."""
    return name.startswith("api-") and name != "api-docs"
SAMPLE_ARGUMENTS = {"int": 1, "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def _sample(converter) -> object:
    return SAMPLE_ARGUMENTS.get(type(converter).__name__.removesuffix("Converter").lower(), 1)


def project_urls(patterns=None, namespace="", converters=None):
    """Yield (name, path) for every named page of the project's URLconf, includes too, arguments filled in.

    The admin is left out: it is Django's, with its own sign-in page and its own tests.
    """
    converters = converters or {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        found = {**converters, **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace or namespace
            yield from project_urls(pattern.url_patterns, inner, found)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, reverse(name, kwargs={key: _sample(converter) for key, converter in found.items()})


@pytest.fixture
def user():
    """A reader: a strategic group member of the test partnership, which the plans built here belong to."""
    reader = get_user_model().objects.create_user("reader", password="a long password", first_name="Ann", last_name="Reader")
    give_role(reader, permissions.STRATEGIC_GROUP)
    return reader


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------------------
# Signing in


def test_it_finds_the_pages_to_check():
    names = {name for name, _ in project_urls()}
    assert {"home", "plan_list", "plan_detail", "login", "accessibility"} <= names


@pytest.mark.parametrize(("name", "url"), [pair for pair in project_urls()
                                           if pair[0] not in PUBLIC_URL_NAMES and not answers_for_itself(pair[0])])
def test_every_page_sends_an_anonymous_visitor_to_sign_in(client, name, url):
    response = client.get(url)

    assert response.status_code == 302, name
    assert response["Location"] == f"{reverse('login')}?{urlencode({'next': url}, safe='/')}"


def test_the_accessibility_statement_is_public(client):
    response = client.get(reverse("accessibility"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Web Content Accessibility Guidelines version 2.2" in content
    assert "Equality and Human Rights Commission (EHRC)" in content
    assert "axe-core" in content


def test_the_login_page_has_labelled_fields_with_autocomplete(client):
    content = client.get(reverse("login")).content.decode()

    assert '<label class="govuk-label" for="id_username">Username</label>' in content
    assert 'autocomplete="username"' in content
    assert 'autocomplete="current-password"' in content
    assert "There is a problem" not in content


def test_a_failed_sign_in_shows_an_error_summary(client, user):
    response = client.post(reverse("login"), {"username": "reader", "password": "wrong"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in – Partnership Monitor</title>" in content
    assert "There is a problem" in content
    assert "Enter a correct username and password" in content
    assert 'href="#id_username"' in content


def test_an_empty_sign_in_says_what_to_enter(client):
    content = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()

    assert "Enter your username" in content
    assert "Enter your password" in content


def test_signing_in_through_the_form_leads_to_the_page_asked_for(client, user):
    credentials = {"username": "reader", "password": "a long password", "next": "/plans/"}

    response = client.post(f"{reverse('login')}?next=/plans/", credentials)

    assert response.status_code == 302
    assert response["Location"] == "/plans/"


def test_sign_out_is_a_post_form_with_csrf(signed_in):
    content = signed_in.get(reverse("home")).content.decode()

    form = re.search(r'<form class="app-footer__sign-out" method="post" action="/accounts/logout/">(.*?)</form>',
                     content, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(1)

    response = signed_in.post(reverse("logout"))
    assert response.status_code == 302
    assert signed_in.get(reverse("home")).status_code == 302


# ---------------------------------------------------------------------------------------------------------
# The page frame


def test_a_page_has_a_title_a_skip_link_and_marks_the_current_navigation_item(signed_in):
    content = signed_in.get(reverse("plan_list")).content.decode()

    assert '<html lang="en-GB"' in content
    assert "<title>Plans – Partnership Monitor</title>" in content
    assert '<a href="#main-content" class="govuk-skip-link"' in content
    assert '<main class="govuk-main-wrapper" id="main-content">' in content
    assert re.search(r'href="/plans/" aria-current="page"', content)
    assert not re.search(r'href="/" aria-current="page"', content)
    assert content.count("<h1") == 1


def test_no_page_uses_inline_script(signed_in):
    content = signed_in.get(reverse("home")).content.decode()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", content) == []
    assert '<script type="module" src="/static/js/app.js"></script>' in content


def test_the_page_not_found_page(signed_in):
    response = signed_in.get("/no-such-page/")

    assert response.status_code == 404
    assert "<title>Page not found – Partnership Monitor</title>" in response.content.decode()


def test_the_permission_denied_page():
    request = RequestFactory().get("/")
    request.user = get_user_model()(username="someone")

    response = defaults.permission_denied(request, exception=None)

    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.content.decode()


def test_the_server_error_page_needs_no_context_processors():
    response = defaults.server_error(RequestFactory().get("/"))

    content = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in content
    assert "Sign out" not in content


# ---------------------------------------------------------------------------------------------------------
# Home


def test_home_greets_the_user_and_links_to_the_plan_list(signed_in, user):
    content = signed_in.get(reverse("home")).content.decode()

    assert "Hello, Ann Reader" in content
    assert f'href="{reverse("plan_list")}"' in content
    # Each role's sections are tested in test_home.py.


# ---------------------------------------------------------------------------------------------------------
# The plan list


@pytest.fixture
def three_plans():
    jcp = make_organisation("JCP", name="Jobcentre Plus")
    council = make_organisation("BANES", name="Bath and North East Somerset Council")
    return {
        "ni152": make_plan("NI 152", lead_organisation=jcp, first_year=2008, last_year=2010),
        "ni117": make_plan("NI 117", title="Young people not in education", lead_organisation=council,
                           first_year=2009, last_year=2009),
        "cs": make_plan("CS 2012/13", kind=Plan.Kind.SERVICE, title="Children's Service",
                        reporting_frequency=Plan.Frequency.SIX_MONTHLY, lead_organisation=council,
                        first_year=2012, last_year=2012),
    }


def listed(response) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/plans/\d+/">([^<]+)</a>', response.content.decode())


def test_the_plan_list_shows_every_plan_with_its_lead_and_years(signed_in, three_plans):
    response = signed_in.get(reverse("plan_list"))

    content = response.content.decode()
    assert listed(response) == ["CS 2012/13", "NI 117", "NI 152"]
    assert "Jobcentre Plus" in content
    assert "2008/09 to 2010/11" in content
    assert '<caption class="govuk-table__caption govuk-table__caption--m">3 plans' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "service"}, ["CS 2012/13"]),
        ({"kind": "laa"}, ["NI 117", "NI 152"]),
        ({"year": "2009"}, ["NI 117", "NI 152"]),
        ({"year": "2012"}, ["CS 2012/13"]),
        ({"kind": "laa", "year": "2010"}, ["NI 152"]),
    ],
)
def test_the_plan_list_filters_by_kind_and_year_covered(signed_in, three_plans, query, expected):
    assert listed(signed_in.get(reverse("plan_list"), query)) == expected


def test_the_plan_list_filters_by_lead_partner(signed_in, three_plans):
    council = Organisation.objects.get(short_name="BANES")

    response = signed_in.get(reverse("plan_list"), {"lead_organisation": council.pk})

    assert listed(response) == ["CS 2012/13", "NI 117"]
    assert "Bath and North East Somerset Council</option>" in response.content.decode()


def test_the_plan_list_says_so_when_nothing_matches(signed_in, three_plans):
    response = signed_in.get(reverse("plan_list"), {"kind": "service", "year": "2008"})

    content = response.content.decode()
    assert listed(response) == []
    assert "No plans match these filters." in content
    assert "<table" not in content
    assert "Clear filters" in content


def test_the_plan_list_sorts_by_a_column_and_says_which(signed_in, three_plans):
    response = signed_in.get(reverse("plan_list"), {"sort": "-reference"})

    assert listed(response) == ["NI 152", "NI 117", "CS 2012/13"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_the_plan_list_shows_25_plans_a_page(signed_in):
    lead = make_organisation("JCP")
    for number in range(30):
        make_plan(f"NI {100 + number}", lead_organisation=lead)

    first = signed_in.get(reverse("plan_list"))
    second = signed_in.get(reverse("plan_list"), {"page": 2})

    assert len(listed(first)) == 25
    assert len(listed(second)) == 5
    assert '<nav class="govuk-pagination" aria-label="Pagination">' in first.content.decode()
    assert 'aria-current="page">2</a>' in second.content.decode()


# ---------------------------------------------------------------------------------------------------------
# A plan page, with data built here


def build_laa_plan(*, actions=5, lines=5, reference="NI 152") -> Plan:
    """Return an LAA plan with every part its page shows; `actions` and `lines` set how many rows."""
    jcp = make_organisation(f"JCP{reference}", name="Jobcentre Plus")
    plan = make_plan(reference, lead_organisation=jcp, theme="Economy", strategy_priority="Growth for all")
    expert, owner, other = (Person.objects.create(name=name, partnership=plan.partnership)
                            for name in ("Myles Mackie", "Jane Beaver", "Carl Pearson"))
    PlanRole.objects.create(plan=plan, role=PlanRole.Role.DATA_EXPERT, person=expert)
    PlanRole.objects.create(plan=plan, role=PlanRole.Role.INDICATOR_OWNER, person=owner, position=1)
    PlanRole.objects.create(plan=plan, role=PlanRole.Role.INDICATOR_OWNER, person=other, position=2)
    kinds = [
        ("1", "LAA Target", Section.Kind.TARGET),
        ("2", "Equalities Implications", Section.Kind.NARRATIVE),
        ("4", "Delivery Plan", Section.Kind.DELIVERY_PLAN),
        ("5", "Performance Indicators", Section.Kind.INDICATORS),
        ("6", "Funding & Planned Spend", Section.Kind.FUNDING),
        ("7", "Risk Assessment", Section.Kind.RISKS),
    ]
    for position, (number, heading, kind) in enumerate(kinds):
        narrative = kind == Section.Kind.NARRATIVE
        Section.objects.create(plan=plan, position=position, number=number, heading=heading, kind=kind,
                               prompt="Summary of impacts:" if narrative else "",
                               body="Some <script>alert(1)</script> text\n\n- a bullet" if narrative else "")

    headline = Indicator.objects.create(code=f"{reference}-headline", name="Working age people on out of work benefits.",
                                        unit=Indicator.Unit.PERCENT, decimal_places=1, baseline_value=Decimal("14.8"),
                                        baseline_period=Period.for_code("May 2007"))
    for year, value in ((2008, "14.3"), (2009, "14.0"), (2010, "13.8")):
        IndicatorTarget.objects.create(indicator=headline, year=year, value=Decimal(value))
    PlanIndicator.objects.create(plan=plan, indicator=headline, role=PlanIndicator.Role.HEADLINE,
                                 success_criteria="Reduce the number of people claiming.")
    for number in range(lines):
        supporting = Indicator.objects.create(code=f"{reference}-S{number}", name=f"Supporting measure {number}",
                                              unit=Indicator.Unit.COUNT, decimal_places=0, baseline_value=836,
                                              baseline_period=Period.for_code("2007/08"))
        IndicatorTarget.objects.create(indicator=supporting, year=2008, value=886)
        PlanIndicator.objects.create(plan=plan, indicator=supporting, position=number + 1)

    group = ActionGroup.objects.create(plan=plan, title="Integrated support actions", note="Milestones to be discussed")
    for number in range(actions):
        action = DeliveryAction.objects.create(
            plan=plan, position=number, title=f"Action {number}", off_flow=True, flow_time=number == 0,
            client_group="Unemployed for more than 12 months", lead_text="LSC/CCC",
            group=group if number == actions - 1 else None, description="- Seek advice",
        )
        action.lead_organisations.add(jcp)
        ActionTarget.objects.create(action=action, year=2008, value=275)
        ActionTarget.objects.create(action=action, year=2009, value=0)

    for number in range(lines):
        line = FundingLine.objects.create(plan=plan, position=number, name=f"Stream {number}")
        FundingAmount.objects.create(line=line, year=2008, amount=Decimal(1000))
        FundingAmount.objects.create(line=line, year=2009, status=FundingAmount.Status.TBC)
    nothing = FundingLine.objects.create(plan=plan, position=lines, name="No funding identified")
    FundingAmount.objects.create(line=nothing, year=2008, status=FundingAmount.Status.NOT_IDENTIFIED)

    for number in range(lines):
        Risk.objects.create(plan=plan, position=number, risk=f"Risk {number}", mitigation="Build links")
    return plan


def test_a_plan_page_shows_its_header(signed_in):
    plan = build_laa_plan()

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    assert "Jane Beaver/ Carl Pearson" in content
    assert "Myles Mackie" in content
    assert "Jobcentre Plus" in content
    assert "Quarterly" in content
    assert content.count("<h1") == 1


def test_a_plan_page_shows_its_sections_in_order_with_their_guidance(signed_in):
    plan = build_laa_plan()

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    headings = [escape(section.title) for section in plan.sections.order_by("position")]
    positions = [content.index(f">{heading}</h2>") for heading in headings]
    assert positions == sorted(positions)
    assert '<div class="govuk-inset-text app-plan-text app-prose"><p class="govuk-body">Summary of impacts:</p>' in content


def test_a_plan_page_escapes_what_plans_say(signed_in):
    plan = build_laa_plan()

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "Some &lt;script&gt;alert(1)&lt;/script&gt; text" in content


def test_the_target_shows_baseline_and_a_target_per_year(signed_in):
    plan = build_laa_plan()

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    assert "14.8% May 2007" in content
    for label in ("Target 2008/09", "Target 2009/10", "Target 2010/11", "14.3%", "14.0%", "13.8%"):
        assert label in content


def test_the_delivery_plan_keeps_blank_targets_blank_and_prints_zero(signed_in):
    plan = build_laa_plan(actions=1)

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    row = re.search(r"<strong>Action 0</strong>.*?</tr>", content, re.S).group(0)
    cells = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>', row)
    assert cells == ["275", "0", ""]
    assert "<strong>Action 0</strong> - OFF FLOW/FLOW TIME" in row


def test_the_delivery_plan_heads_a_group_with_its_note(signed_in):
    plan = build_laa_plan(actions=3)

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    group = re.search(r'<th scope="rowgroup" colspan="8" class="govuk-table__header">(.*?)</th>', content, re.S)
    assert "Integrated support actions" in group.group(1)
    assert "Milestones to be discussed" in group.group(1)
    assert content.index("Integrated support actions") < content.index("<strong>Action 2</strong>")


def test_the_indicators_put_the_headline_first_then_the_supporting_ones(signed_in):
    plan = build_laa_plan(lines=2)

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    other = "Other indicators that will be used to track progress, including disaggregated measures for target groups."
    table = content[content.index("Indicators - Performance Monitoring of Indicators</caption>"):]
    assert table.index("LAA NI 152-headline") < table.index(other) < table.index("Supporting measure 0")
    assert "836 2007/08" in table
    for quarter in ("Q1", "Q2", "Q3", "Q4"):
        assert f">{quarter}</th>" in table


def test_the_funding_table_totals_its_columns_and_says_what_is_unknown(signed_in):
    plan = build_laa_plan(lines=3)

    content = signed_in.get(plan.get_absolute_url()).content.decode()

    total = re.search(r'<tr class="govuk-table__row app-table__total-row">(.*?)</tr>', content, re.S).group(1)
    cells = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>', total)
    # No line has an amount for 2010/11: the totals cover the two years recorded, and say so.
    assert cells == ["£3,000", "tbc", "", "£3,000 plus tbc (2008/09 and 2009/10 only)"]
    assert "£1,000 plus tbc (2008/09 and 2009/10 only)" in content
    assert ">Not yet identified</td>" in content


def test_risks_show_register_columns_only_when_a_risk_has_them(signed_in):
    plan = build_laa_plan()
    assert "Likelihood" not in signed_in.get(plan.get_absolute_url()).content.decode()

    Risk.objects.filter(plan=plan, position=0).update(likelihood=4, impact=5, review_date=date(2008, 5, 15))
    content = signed_in.get(plan.get_absolute_url()).content.decode()

    assert "Likelihood" in content
    assert ">20</td>" in content
    assert "15 May 2008" in content


def build_service_plan() -> Plan:
    """Return a service plan with a budget table, a priority and its contributions, and a key measure."""
    council = make_organisation("BANES", name="Bath and North East Somerset Council")
    plan = make_plan("CS 2012/13", kind=Plan.Kind.SERVICE, title="Children's Service Action Plan", lead_organisation=council,
                     reporting_frequency=Plan.Frequency.SIX_MONTHLY, first_year=2012, last_year=2012,
                     staffing_establishment=418)
    for position, name in enumerate(("Maurice Lindsay", "Jeremy Smalley")):
        PlanRole.objects.create(plan=plan, role=PlanRole.Role.DIVISIONAL_DIRECTOR, position=position,
                                person=Person.objects.create(name=name, partnership=plan.partnership),
                                responsibility=f"Function of {name}",
                                note="(Jo, Jane, Pamela)" if position else "")
    for position, (heading, kind) in enumerate([
        ("Introduction", Section.Kind.HEADER),
        ("Management Structure of Service", Section.Kind.MANAGEMENT),
        ("Service Costs", Section.Kind.BUDGET),
        ("Key Service Priorities 2012/13", Section.Kind.OBJECTIVES),
        ("Service Priorities", Section.Kind.PRIORITIES),
        ("Appendix 1", Section.Kind.KEY_MEASURES),
    ]):
        Section.objects.create(plan=plan, position=position, heading=heading, kind=kind)

    table = BudgetTable.objects.create(plan=plan)
    BudgetYear.objects.create(table=table, year=2011, note="(for comparison)")
    BudgetYear.objects.create(table=table, year=2012)
    BudgetYear.objects.create(table=table, year=2013)
    entries = {
        (BudgetRow.OPENING, 2011): 21180, (BudgetRow.IN_YEAR, 2011): 2937,
        (BudgetRow.OPENING, 2012): 24117, (BudgetRow.ONE_OFFS, 2012): -2840, (BudgetRow.BASE_REDUCTIONS, 2012): -588,
        (BudgetRow.GROWTH, 2012): 460, (BudgetRow.TARGET, 2012): 21149,
        (BudgetRow.OPENING, 2013): 21149, (BudgetRow.BASE_REDUCTIONS, 2013): None, (BudgetRow.TARGET, 2013): 20971,
    }
    for (row, year), amount in entries.items():
        BudgetEntry.objects.create(table=table, row=row, year=year, amount=amount, is_unknown=amount is None)

    first = CorporateObjective.objects.create(number=1, title="Promoting independence")
    CorporateObjective.objects.create(number=2, title="Creating neighbourhoods")
    for letter in "ABC":
        CorporateOutcome.objects.create(objective=first, letter=letter, text=f"Outcome {letter}")
    priority = Priority.objects.create(plan=plan, number=1, details="Multi-agency delivery", impact="Positive impact",
                                       groups_affected="- All vulnerable children", activities_intro="The plan is key")
    DeliveryAction.objects.create(plan=plan, position=0, priority=priority, title="Reducing childhood obesity",
                                  timescale="March 2013", performance_measures="Prevalence of healthy weight")
    contribution = ObjectiveContribution.objects.create(priority=priority, objective=first, contributes=True)
    contribution.outcomes.set(CorporateOutcome.objects.filter(letter__in="AB"))
    measure = KeyMeasure.objects.create(plan=plan, priority=priority, position=0, measure="Reducing childhood obesity.",
                                        target="New national measures")
    measure.objectives.set(CorporateObjective.objects.all())
    return plan


def test_a_service_plan_shows_its_header_and_directors(signed_in):
    content = signed_in.get(build_service_plan().get_absolute_url()).content.decode()

    assert "Staffing Establishment (2012/13)" in content
    assert ">418</dd>" in content
    assert "Maurice Lindsay, Jeremy Smalley (Jo, Jane, Pamela)" in content
    assert "Function of Jeremy Smalley" in content


def test_the_budget_table_calculates_marks_and_brackets(signed_in):
    content = signed_in.get(build_service_plan().get_absolute_url()).content.decode()

    assert "2011/12 (for comparison) <span class=\"govuk-!-display-block\">£&#x27;000</span>" in content
    assert "(2,840)" in content
    assert ">?</td>" in content
    proposed_base = re.search(r"Proposed Base Budget <strong[^>]*>Calculated</strong>(.*?)</tr>", content, re.S).group(1)
    assert re.findall(r">([^<]*)</td>", proposed_base) == ["21,180", "21,149", "21,149"]
    deficit = re.search(r"Deficit / \(Surplus\) <strong[^>]*>Calculated</strong>(.*?)</tr>", content, re.S).group(1)
    # 2012/13 balances: the seed leaves its Deficit / (Surplus) blank rather than printing 0.
    assert re.findall(r">([^<]*)</td>", deficit) == ["", "", "178"]


def test_a_priority_shows_its_activities_and_contributions(signed_in):
    content = signed_in.get(build_service_plan().get_absolute_url()).content.decode()

    priority = content[content.index("Priority 1</h3>"):]
    assert priority.index("Details of Service Priority") < priority.index("The plan is key") < priority.index(
        "Reducing childhood obesity") < priority.index("contribution to Strategic Objectives")
    assert "March 2013" in priority
    contributions = re.findall(r'<th scope="row" class="govuk-table__header govuk-!-font-weight-regular">([^<]+)</th>\s*'
                               r'<td class="govuk-table__cell">([^<]*)</td>\s*<td[^>]*>(.*?)</td>', priority, re.S)
    assert [(objective, answer) for objective, answer, _ in contributions[:2]] == [
        ("1. Promoting independence", "Yes"), ("2. Creating neighbourhoods", "")]
    assert "A, B" in contributions[0][2]


def test_the_key_measures_list_their_objectives(signed_in):
    content = signed_in.get(build_service_plan().get_absolute_url()).content.decode()

    appendix = content[content.index("Appendix 1</h2>"):]
    assert "2012/13 Target(s)" in appendix
    assert ">1,2</td>" in appendix


# ---------------------------------------------------------------------------------------------------------
# What a plan page costs


# On every page, session and user included; one of them asks for the plan's returns (none here), one for the
# partnership the request works in (monitoring.partnership_scope): 13 before partnerships.
MOST_QUERIES = 14


def plan_page_queries(client, plan) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_a_plan_page_costs_the_same_queries_for_5_or_50_rows(signed_in):
    small = build_laa_plan(actions=5, lines=5, reference="NI 1")
    large = build_laa_plan(actions=50, lines=50, reference="NI 2")
    plan_page_queries(signed_in, small)  # the first request also loads the session and the user

    small_queries, large_queries = plan_page_queries(signed_in, small), plan_page_queries(signed_in, large)
    assert small_queries == large_queries
    assert large_queries <= MOST_QUERIES


def test_a_service_plan_page_costs_a_fixed_number_of_queries(signed_in):
    plan = build_service_plan()
    plan_page_queries(signed_in, plan)  # the first request also loads the session and the user
    before = plan_page_queries(signed_in, plan)
    assert before <= MOST_QUERIES
    priority = Priority.objects.create(plan=plan, number=2, details="Another")
    for position in range(1, 20):
        DeliveryAction.objects.create(plan=plan, position=position, priority=priority, title=f"Activity {position}")
        ObjectiveContribution.objects.get_or_create(priority=priority, objective=CorporateObjective.objects.first(),
                                                    defaults={"contributes": False})

    assert plan_page_queries(signed_in, plan) == before


# ---------------------------------------------------------------------------------------------------------
# The demo plans, as loaded by load_demo: the seed documents' own figures


@pytest.fixture
def demo():
    call_command("load_demo", "--demo-logins", stdout=StringIO())


def reader_of(client, plan: Plan):
    """Sign in a reader of the plan: a strategic group member of its partnership (each demo plan has its own)."""
    reader = get_user_model().objects.create_user("demo-reader", first_name="Ann", last_name="Reader")
    give_role(reader, permissions.STRATEGIC_GROUP, plan.partnership)
    client.force_login(reader)
    return client


def test_the_ni152_page_shows_the_seed_figures(client, demo):
    plan = Plan.objects.get(reference="NI 152")

    content = reader_of(client, plan).get(plan.get_absolute_url()).content.decode()

    assert "14.8% May 2007" in content
    total = re.search(r'<tr class="govuk-table__row app-table__total-row">(.*?)</tr>', content, re.S).group(1)
    assert re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>', total)[0] == "£12,945,888"
    assert "Jane Beaver/ Carl Pearson" in content
    assert "9,505" in content


def test_the_service_plan_page_shows_the_seed_budget(client, demo):
    plan = Plan.objects.get(reference="CS 2012/13")

    content = reader_of(client, plan).get(plan.get_absolute_url()).content.decode()

    for figure in ("21,149", "178", "582", "(2,840)", "(588)", "24,117", "20,389"):
        assert f">{figure}</td>" in content
    assert "Staffing Establishment (2012/13)" in content


@pytest.mark.parametrize("reference", ["NI 152", "CS 2012/13"])
def test_a_demo_plan_page_shows_every_section_heading_in_order(client, demo, reference):
    plan = Plan.objects.get(reference=reference)

    content = reader_of(client, plan).get(plan.get_absolute_url()).content.decode()

    titles = []
    for section in plan.sections.filter(parent=None).order_by("position"):
        titles.append(section.title)
        titles.extend(child.title for child in section.subsections.order_by("position"))
    positions = [content.find(f">{escape(title)}</h") for title in titles]
    assert -1 not in positions, [title for title, position in zip(titles, positions, strict=True) if position == -1]
    assert positions == sorted(positions)
