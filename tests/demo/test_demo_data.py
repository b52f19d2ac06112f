"""The demo data is the two seed plans entered completely and faithfully, and load_demo is safe to repeat."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from funding.models import BudgetEntry, BudgetRow, FundingAmount, FundingLine, funding_year_totals
from indicators.models import Indicator, IndicatorTarget, PlanIndicator
from monitoring.demo.data import outcome_letters
from plans.models import (
    ActionGroup,
    ActionTarget,
    CorporateObjective,
    CorporateOutcome,
    KeyMeasure,
    Membership,
    ObjectiveContribution,
    Organisation,
    Person,
    Plan,
    PlanRole,
    Section,
)

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = ["admin", "officer", "expert", "owner", "viewer"]
ALL_DEMO_USERNAMES = [*DEMO_USERNAMES, "director", "bath_officer", "bath_viewer", "superadmin"]
COVENTRY = "Coventry Partnership"
BATH = "Bath and North East Somerset"


def load_demo(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded():
    load_demo("--demo-logins")


@pytest.fixture
def ni152(loaded):
    return Plan.objects.get(reference="NI 152")


@pytest.fixture
def service_plan(loaded):
    return Plan.objects.get(reference="CS 2012/13")


def targets_of(action) -> list:
    """Return the action's targets for 2008/09, 2009/10 and 2010/11; None where the seed's cell is blank."""
    by_year = {target.year: target.value for target in action.targets.all()}
    return [by_year.get(year) for year in (2008, 2009, 2010)]


# --- NI 152: header -------------------------------------------------------------------------------------


def test_ni152_header_holds_the_plan_fields_and_roles(ni152):
    assert ni152.kind == Plan.Kind.LAA_TARGET
    assert ni152.title == "Working age people on out of work benefits"
    assert ni152.lead_organisation.short_name == "JCP"
    assert ni152.lead_organisation.name == "Jobcentre Plus"
    assert ni152.reporting_frequency == Plan.Frequency.QUARTERLY
    assert (ni152.first_year, ni152.last_year) == (2008, 2010)
    assert ni152.theme.startswith("Economy, Learning, Skills and Employment. A prosperous Coventry")
    assert ni152.strategy_priority.endswith("expanding and developing the Local Enterprise Growth Initiative (LEGI) model.")
    roles = [(role.role, role.person.name) for role in ni152.roles.order_by("position")]
    assert roles == [
        ("data_expert", "Myles Mackie"),
        ("indicator_owner", "Jane Beaver"),
        ("indicator_owner", "Carl Pearson"),
    ]


def test_ni152_sections_follow_the_seed_order_numbers_and_headings(ni152):
    sections = list(ni152.sections.order_by("position"))
    assert [(s.number, s.heading, s.kind) for s in sections] == [
        ("1", "LAA Target", "target"),
        ("2", "Equalities Implications", "narrative"),
        ("3", "Strategic Summary", "narrative"),
        ("4", "Delivery Plan – Performance Monitoring of Actions", "delivery_plan"),
        ("5", "Performance Indicators", "indicators"),
        ("6", "Funding & Planned Spend", "funding"),
        ("7", "Risk Assessment", "risks"),
    ]
    assert all(s.parent is None for s in sections)
    target, equalities, strategy = sections[:3]
    assert target.prompt == "** Need to confirm with GO any revisions to baseline & targets & data definitions"
    assert target.body.startswith("### LAA Target information\n\nThese targets reflect a 1% reduction")
    assert "coming of benefit" in target.body
    assert "Willenhallhall Chace Stretton" in equalities.body
    assert equalities.body.count("\n\n") == 5  # six paragraphs
    assert "\n  - On-Flow – reducing the numbers of people that are coming on to the JCP register\n" in strategy.body
    assert sections[5].body == "Not all funding streams apply to the same client group - see Section 2"


# --- NI 152: delivery plan ------------------------------------------------------------------------------

NI152_ACTION_TITLES = [
    "DAF (Deprived Area Fund)",
    "European Social Fund Adults",
    "Local Enterprise Growth Initiative",
    "New Deal for Communities Strategic Employment",
    "Probation Employment Team, Coventry City Council",
    "Job Centre Plus Flexible Routeways",
    "JCP New Deals",
    "JCP Mainstream provision",
    "JCP Programme Centre",
    "JCP Pathways to Work DWP funding (Working Links)",
    "JCP Progress to Work South Warwickshire PCT",
    "*Welfare Rights Advice:",
    "*Develop integrated Housing, Employment & Skills Pathways :",
    "Improve MI systems:",
    "Preventative interventions:",
    "Review current service delivery & aim to create the a client journey that partners share",
    "Better communicate the partners collective customer offer to clients:",
    "Understand and address issues for deprived communities eg:",
    "Generate employer demand:",
]


def test_ni152_has_nineteen_delivery_actions_in_seed_order(ni152):
    actions = list(ni152.actions.order_by("position"))
    assert [action.title for action in actions] == NI152_ACTION_TITLES
    assert all(action.priority is None for action in actions)


def test_ni152_integrated_support_actions_are_the_last_eight_under_their_group_heading(ni152):
    group = ActionGroup.objects.get(plan=ni152)
    assert group.title == "Integrated support actions"
    assert group.note == "Target milestones are to be discussed by ELSE strategic group – 17.10.08"
    actions = list(ni152.actions.order_by("position"))
    assert [action.group for action in actions] == [None] * 11 + [group] * 8


def test_ni152_action_targets_keep_blanks_apart_from_zeros(ni152):
    actions = {action.title: action for action in ni152.actions.prefetch_related("targets")}
    expected = {
        "DAF (Deprived Area Fund)": [275, 0, 0],
        "European Social Fund Adults": [None, 412, 0],
        "Local Enterprise Growth Initiative": [973, None, None],
        "New Deal for Communities Strategic Employment": [200, 0, 0],
        "Probation Employment Team, Coventry City Council": [30, 0, 0],
        "Job Centre Plus Flexible Routeways": [246, 318, 372],
        "JCP New Deals": [1532, None, None],
        "JCP Mainstream provision": [9505, None, None],
        "JCP Programme Centre": [170, None, None],
        "JCP Pathways to Work DWP funding (Working Links)": [320, 720, 720],
        "JCP Progress to Work South Warwickshire PCT": [49, None, None],
    }
    for title, values in expected.items():
        assert targets_of(actions[title]) == [None if v is None else Decimal(v) for v in values], title
    for title in NI152_ACTION_TITLES[11:]:
        assert targets_of(actions[title]) == [None, None, None], title
    assert ActionTarget.objects.filter(action__plan=ni152).count() == 22
    assert ActionTarget.objects.filter(action__plan=ni152, value=0).count() == 7


def test_ni152_flow_categories_split_from_the_action_cell(ni152):
    actions = {action.title: action for action in ni152.actions.all()}
    daf = actions["DAF (Deprived Area Fund)"]
    assert (daf.off_flow, daf.flow_time, daf.on_flow) == (True, True, False)
    assert daf.flow_label == "OFF FLOW/FLOW TIME"
    assert daf.client_group == "Unemployed for more than 12 months City wide"
    probation = actions["Probation Employment Team, Coventry City Council"]
    assert probation.flow_categories == ["On flow"]
    assert probation.client_group == "Offenders who are on a probation order"
    assert actions["JCP Mainstream provision"].client_group == "anyone as a result of those signing off going into jobs"
    assert actions["JCP Pathways to Work DWP funding (Working Links)"].client_group == ""
    assert ni152.actions.filter(off_flow=True).count() == 10
    assert ni152.actions.filter(flow_time=True).count() == 5
    assert ni152.actions.filter(on_flow=True).count() == 1
    assert ni152.actions.filter(off_flow=False, flow_time=False, on_flow=False).count() == 8


def test_ni152_integrated_actions_keep_their_bullets_as_markup(ni152):
    actions = {action.title: action for action in ni152.actions.all()}
    assert actions["*Welfare Rights Advice:"].description == (
        "- Seek advice & design effective interventions that help those claiming out of work benefits to make "
        "informed choices and support the inclination to choose work"
    )
    review = actions["Review current service delivery & aim to create the a client journey that partners share"]
    assert review.description == (
        "- Map provision of services that contribute to reducing this indicator across the City including mainstream offer\n"
        "- Simplify the service & integrate where appropriate\n"
        "- Identify and address unmet need"
    )
    assert actions["Generate employer demand:"].description.count("\n\n") == 2  # three paragraphs
    texts = [action.description for action in actions.values()]
    assert not any(marker in text for text in texts for marker in ("<", "•", "**"))


def test_ni152_leads_keep_the_plan_wording_and_name_organisations_and_officers(ni152):
    actions = {action.title: action for action in ni152.actions.prefetch_related("lead_organisations")}

    def orgs(title):
        return sorted(org.short_name for org in actions[title].lead_organisations.all())

    assert actions["DAF (Deprived Area Fund)"].lead_text == "LSC/CCC"
    assert orgs("DAF (Deprived Area Fund)") == ["CCC", "LSC"]
    legi = actions["Local Enterprise Growth Initiative"]
    assert legi.lead_text == "CCC – Andy Williams, LEGI Delivery Manager"
    assert legi.lead_officer.name == "Andy Williams"
    assert legi.lead_officer.job_title == "LEGI Delivery Manager"
    assert legi.lead_officer.organisation.short_name == "CCC"
    welfare = actions["*Welfare Rights Advice:"]
    assert welfare.lead_text == "CCC is currently reviewing Advice Services"
    assert welfare.link_to_other_plans == ""
    assert orgs("*Welfare Rights Advice:") == ["CCC"]
    assert actions["Better communicate the partners collective customer offer to clients:"].lead_text == "Multiple Leads"
    assert orgs("Better communicate the partners collective customer offer to clients:") == []
    assert actions["Generate employer demand:"].lead_text == "CCC/ LEGI/Chamber/JCP"
    assert orgs("Generate employer demand:") == ["CCC", "Chamber", "JCP", "LEGI"]
    assert actions["Generate employer demand:"].link_to_other_plans == "NI – Level 4"
    assert [a.link_to_other_plans for a in ni152.actions.order_by("position") if a.link_to_other_plans] == [
        "City Strategy", "LEGI BID", "NDC Delivery Plan", "City Region Integrated Employment and Skills Offer",
        "NI – Level 4",
    ]


def test_ni152_prefilled_progress_cells_are_planning_notes(ni152):
    notes = {a.title: a.planning_note for a in ni152.actions.order_by("position") if a.planning_note}
    assert notes == {
        "European Social Fund Adults": (
            "Note that the collective figure is 412 to be achieved by March 2010 – programme will be live as of October 2008"
        ),
        "Local Enterprise Growth Initiative": "Subject to finalised 09/11 programme",
        "JCP Pathways to Work DWP funding (Working Links)": "Figures confirmed by Working links",
    }


# --- NI 152: indicators, funding, risks -----------------------------------------------------------------


def test_ni152_indicators_have_their_baselines_and_targets(ni152):
    links = list(PlanIndicator.objects.filter(plan=ni152).select_related("indicator").order_by("position"))
    assert [(link.indicator.code, link.role) for link in links] == [
        ("NI 152", "headline"), ("NI 117", "supporting"), ("NI 79", "supporting"), ("NI 164", "supporting"),
        ("NI 165", "supporting"), ("NI 40", "supporting"), ("", "supporting"),
    ]
    headline = links[0]
    assert headline.success_criteria == (
        "Reduce the number of people claiming Job Seekers Allowance and other worklessness benefits."
    )
    ni = {link.indicator.code: link.indicator for link in links}
    assert ni["NI 152"].name == "Working age people on out of work benefits."
    assert (ni["NI 152"].unit, ni["NI 152"].polarity, ni["NI 152"].decimal_places) == ("percent", "lower", 1)
    assert ni["NI 152"].baseline_label == "14.8% May 2007"
    assert ni["NI 152"].baseline_period.kind == "month"
    assert {t.year: t.value for t in ni["NI 152"].targets.all()} == {
        2008: Decimal("14.3"), 2009: Decimal("14.0"), 2010: Decimal("13.8"),
    }
    assert ni["NI 117"].name == "16-18 year olds who are not in education, training or employment"
    assert ni["NI 117"].baseline_label == "8.7% 2006/07"
    assert ni["NI 117"].polarity == "lower"
    assert ni["NI 79"].baseline_label == "68.8%" and ni["NI 79"].baseline_period is None
    assert ni["NI 164"].baseline_label == "47.7%"
    assert ni["NI 165"].baseline_label == "28.4%"
    assert (ni["NI 40"].unit, ni["NI 40"].decimal_places, ni["NI 40"].polarity) == ("count", 0, "higher")
    assert ni["NI 40"].baseline_label == "836 2007/08"
    supporting = ("NI 117", "NI 79", "NI 164", "NI 165", "NI 40")
    supporting_targets = {code: [(t.year, t.value) for t in ni[code].targets.all()] for code in supporting}
    assert supporting_targets == {
        "NI 117": [(2008, Decimal("6.9"))], "NI 79": [(2008, Decimal("72.9"))], "NI 164": [(2008, Decimal("52.5"))],
        "NI 165": [(2008, Decimal("30.8"))], "NI 40": [(2008, Decimal("886"))],
    }
    sroi = links[6].indicator
    assert sroi.name == "Social Return On Investment – Impact on public sector treasury"
    assert sroi.description == (
        "this is an evaluation being carried out on the LEGI programme which measures the social and financial "
        "value created."
    )
    assert sroi.polarity == "neutral" and sroi.baseline_value is None and not sroi.targets.exists()
    assert IndicatorTarget.objects.filter(indicator__plan_links__plan=ni152).count() == 8


def test_ni152_indicators_have_their_data_expert_and_owners(ni152):
    for link in PlanIndicator.objects.filter(plan=ni152).select_related("indicator__data_expert"):
        assert link.indicator.data_expert.name == "Myles Mackie"
        assert sorted(p.name for p in link.indicator.owners.all()) == ["Carl Pearson", "Jane Beaver"]


def test_ni152_funding_lines_in_seed_order_add_up_to_12945888(ni152):
    lines = list(FundingLine.objects.filter(plan=ni152).order_by("position"))
    assert [line.name for line in lines] == [
        "DAF", "JCP Flexible Routeways", "JCP New Deals", "JCP Mainstream Provision", "JCP Programme Centre",
        "JCP Pathways to Work", "JCP Progress to Work", "NDC Strategic Employment", "Client Support Unit, CCC",
        "LEGI", "ESF Adult", "No funding identified at the moment for strategic actions",
    ]
    totals = funding_year_totals(ni152)
    assert totals[2008].amount == Decimal("12945888")
    assert totals[2008].count == 11 and totals[2008].unknown == 1
    assert totals[2009].amount == Decimal("221355") and totals[2009].unknown == 2
    assert totals[2010].amount == 0 and totals[2010].unknown == 2
    assert lines[3].comment == "This accounts for all JCP overheads, staffing costs"
    assert not FundingLine.objects.filter(name__iexact="total").exists()


def test_ni152_funding_keeps_tbc_not_identified_and_blank_cells_apart(ni152):
    def cells(name):
        line = FundingLine.objects.get(plan=ni152, name=name)
        return {amount.year: amount.display for amount in line.amounts.all()}

    assert cells("LEGI") == {2008: "£650,000", 2009: "tbc", 2010: "tbc"}
    assert cells("ESF Adult") == {2008: "£88,237", 2009: "£221,355"}
    assert cells("DAF") == {2008: "£1,070,000"}
    strategic = FundingLine.objects.get(plan=ni152, name="No funding identified at the moment for strategic actions")
    assert {a.year: a.status for a in strategic.amounts.all()} == {2008: "none", 2009: "none", 2010: "none"}
    assert strategic.comment == (
        "Working neighbourhoods Fund under Area Based Grant would be the logical funding stream for strategic actions."
    )
    assert FundingAmount.objects.filter(line__plan=ni152, status="tbc").count() == 2
    assert FundingAmount.objects.filter(line__plan=ni152).count() == 17


def test_ni152_has_five_risks_the_last_without_mitigation(ni152):
    risks = list(ni152.risks.order_by("position"))
    assert [risk.risk[:30] for risk in risks] == [
        "Economic Recession",
        "Lack of influence over large r",
        "Data Sharing - Performance dat",
        "It is unclear without further ",
        "No obvious source of funding t",
    ]
    assert risks[1].mitigation.endswith("will explore joint commissioning")
    assert risks[3].mitigation == "JCP are leading on research into this"
    assert all(risk.mitigation for risk in risks[:4])
    assert risks[4].mitigation == ""


# --- Children's Service plan ----------------------------------------------------------------------------


def test_service_plan_header_holds_introduction_establishment_and_roles(service_plan):
    assert service_plan.kind == Plan.Kind.SERVICE
    assert service_plan.title == "People & Communities Children's Service Service Action Plan"
    assert service_plan.lead_organisation.name == "Bath and North East Somerset Council"
    assert service_plan.reporting_frequency == Plan.Frequency.SIX_MONTHLY
    assert (service_plan.first_year, service_plan.last_year) == (2012, 2012)
    assert service_plan.staffing_establishment == 418
    assert service_plan.introduction.startswith("This plan is an active document that will be reported against")
    roles = [
        (r.role, r.person.name, r.responsibility, r.note)
        for r in PlanRole.objects.filter(plan=service_plan).order_by("position")
    ]
    assert roles == [
        ("strategic_director", "Ashley Ayre", "", ""),
        ("divisional_director", "Maurice Lindsay", "Safeguarding, Social Care & Family Services", ""),
        ("divisional_director", "Tony Parker", "Learning & Inclusion", ""),
        ("divisional_director", "Liz Price", "Health Commissioning & Strategic Planning", ""),
        ("divisional_director", "Jeremy Smalley", "Employment & Skills", "(Jo, Jane, Pamela)"),
        ("portfolio_holder", "Cllr Nathan Hartley", "", ""),
    ]


def test_service_plan_sections_follow_the_seed_order_with_their_subsections(service_plan):
    top = list(service_plan.sections.filter(parent=None).order_by("position"))
    outline = [(s.heading, s.kind, [(c.heading, c.kind) for c in s.subsections.order_by("position")]) for s in top]
    assert outline == [
        ("Introduction", "header", []),
        ("Scope of Service (size, proportions and activities)", "narrative", []),
        ("Management Structure of Service", "management", []),
        ("Customer Profile", "narrative", [("Main customers", "narrative"), ("Specific customer needs", "narrative")]),
        ("Service Delivery", "narrative", [
            ("Planned improvements to service delivery in 2012/13", "narrative"),
            ("Areas of the Service that are to be stopped or reduced in 2012/13 (due to budget pressures / change in "
             "focus etc)", "narrative"),
            ("External influences / pressures that could impact on service delivery during 2012/13 (excluding budget "
             "pressures)", "narrative"),
        ]),
        ("Service Costs", "narrative", [
            ("Explanation of Service costs (including areas of high spend and growth / investment)", "narrative"),
            ("Value for Money improvements - planned efficiencies / savings to be made during 2012/13", "narrative"),
            ("Summary from Medium Term Service & Resource Plan", "budget"),
        ]),
        ("Workforce Planning", "narrative", [
            ("Organisational Development: Implementation of 'future organisational model':", "narrative"),
            ("Leadership and Management Development:", "narrative"),
            ("Skills & Competencies", "narrative"),
            ("Recruitment & Retention", "narrative"),
            ("Identified needs that cannot be addressed at service level/may be more difficult to address at this level",
             "narrative"),
        ]),
        ("Equalities", "narrative", []),
        ("Key Service Priorities 2012/13", "objectives", []),
        ("Service Priorities", "priorities", []),
        ("Appendix 1 – Key Performance Measures and Targets 2012/13", "key_measures", []),
    ]
    assert Section.objects.filter(plan=service_plan).count() == 24
    assert all(section.number == "" for section in top)


def test_service_plan_prompts_hold_the_template_questions_and_bodies_the_answers(service_plan):
    sections = {s.heading: s for s in service_plan.sections.all()}
    main = sections["Main customers"]
    assert main.prompt.startswith("Outline who your main customers are")
    assert main.body.startswith("Our customers are children, young people and their families")
    needs = sections["Specific customer needs"]
    assert needs.prompt == "Are there any specific customer needs that require your service to change?"
    assert needs.body.count("\n- ") + 1 == 9
    recruitment = sections["Recruitment & Retention"]
    assert recruitment.prompt.endswith("Is removal of the default retirement age likely to impact on you workforce?")
    assert recruitment.body.startswith("- No recruitment difficulties anticipated.")
    last = sections[
        "Identified needs that cannot be addressed at service level/may be more difficult to address at this level"
    ]
    assert last.body == ""
    assert sections["Workforce Planning"].body.startswith("It is important that the Council continues")
    assert sections["Key Service Priorities 2012/13"].prompt.startswith(
        "It is important to show how each service priority links to the new Corporate Plan"
    )
    planned = sections["Planned improvements to service delivery in 2012/13"]
    nested = "\n  - 5) That the Local Enterprise Partnership for the West of England are aware of the needs and "
    assert nested in planned.body
    assert "B&NES Labour Market" in planned.body
    texts = [s.body for s in sections.values()] + [s.prompt for s in sections.values()]
    assert not any(marker in text for text in texts for marker in ("<p>", "<ul", "<i>", "•", "**"))


def test_service_plan_has_six_priorities_with_their_key_activities(service_plan):
    priorities = list(service_plan.priorities.order_by("number"))
    assert [p.number for p in priorities] == [1, 2, 3, 4, 5, 6]
    assert [p.key_activities.count() for p in priorities] == [3, 5, 5, 8, 5, 2]
    assert service_plan.actions.count() == 28
    assert priorities[0].activities_intro.startswith(
        "The Children & Young People's Plan is the key multiagency document"
    )
    first = list(priorities[0].key_activities.order_by("position"))
    assert [a.reference for a in first] == ["1.", "2.", "3."]
    assert first[0].title == "Reducing childhood obesity through implementation of Healthy Weight Strategy & Action Plan."
    assert first[0].description.startswith("This is a longer term activity")
    assert first[0].timescale == "March 2013"
    assert first[2].title.endswith("eligible for Free School Meals..")
    assert first[2].timescale == "October 2012"
    assert "(NI 102b)" in first[2].performance_measures


def test_service_plan_spanning_measures_sit_on_the_first_activity_they_cover(service_plan):
    priority4 = service_plan.priorities.get(number=4)
    activities = list(priority4.key_activities.order_by("position"))
    assert activities[0].performance_measures.startswith(
        "- Effective Behaviour and Attendance Partnerships engage the key professionals so that speedy"
    )
    assert activities[0].performance_measures.count("\n- ") == 2
    assert all(activity.performance_measures == "" for activity in activities[1:])
    assert activities[2].timescale == "Starting pilot in Broadlands Jan 2012 Bath from May 2012"
    priority3 = service_plan.priorities.get(number=3)
    activities = list(priority3.key_activities.order_by("position"))
    assert activities[0].performance_measures.count("\n- ") == 8
    assert [a.performance_measures == "" for a in activities] == [False, True, True, True, True]
    assert activities[1].title == "Progress four detailed work streams:"
    assert activities[1].description == "- Workforce\n- Commissioning\n- Pathway\n- Decision Making"


def test_service_plan_contributions_and_outcomes_match_the_seed(service_plan):
    contributions = ObjectiveContribution.objects.filter(priority__plan=service_plan)
    assert contributions.count() == 24

    def row(number):
        return [
            (c.contributes, "".join(o.letter for o in c.outcomes.all()), c.outcomes_text)
            for c in contributions.filter(priority__number=number).order_by("objective__number")
        ]

    assert row(1) == [(True, "ABC", ""), (False, "", ""), (False, "", ""), (True, "A", "")]
    assert row(2) == [(True, "ABCDE", ""), (True, "ABE", ""), (True, "A", ""), (True, "ABC", "")]
    assert row(3) == [
        (True, "", "- Less young people NEET\n- Less teenage pregnancies\n- Lower offending rates"),
        (False, "", ""), (False, "", ""), (False, "", ""),
    ]
    assert row(4) == [
        (True, "", "Reduce teenage pregnancy; offending; exclusions from school."),
        (False, "", ""), (False, "", ""), (False, "", ""),
    ]
    assert row(5) == [
        (True, "", "More young people in Employment, Education and Training."),
        (False, "", ""), (False, "", ""), (False, "", ""),
    ]
    assert row(6) == [(True, "DE", ""), (False, "", ""), (True, "A", ""), (True, "A", "")]


def test_outcome_letters_read_lists_and_ranges():
    assert outcome_letters("A,B,C,") == ["A", "B", "C"]
    assert outcome_letters("A – E") == ["A", "B", "C", "D", "E"]
    assert outcome_letters("A, B, E") == ["A", "B", "E"]
    assert outcome_letters("") == []


def test_service_plan_has_six_key_measures_with_their_objectives(service_plan):
    measures = list(KeyMeasure.objects.filter(plan=service_plan).order_by("position"))
    assert [
        (m.priority.number, [o.number for o in m.objectives.order_by("number")], m.outcomes) for m in measures
    ] == [(1, [1, 4], ""), (2, [1, 2, 3, 4], ""), (3, [1], ""), (4, [1], ""), (5, [1], ""), (6, [1, 3, 4], "")]
    assert measures[0].measure == "Reducing childhood obesity."
    assert measures[0].target == "New national measures and targets to be announced."
    assert measures[4].target == "% 16-18 year olds who are not in education, employment or training. Reduce to under 117."


def test_service_plan_budget_grid_computes_the_seed_figures(service_plan):
    table = service_plan.budget_table
    assert table.title == "Summary from Medium Term Service & Resource Plan"
    assert table.unit_label == "£'000"
    assert [year.label for year in table.years.all()] == ["2011/12 (for comparison)", "2012/13", "2013/14", "2014/15"]
    grid = {row.row: row for row in table.grid()}

    def values(name):
        return [None if cell.value is None else int(cell.value) for cell in grid[name].cells]

    def unknown(name):
        return [cell.unknown for cell in grid[name].cells]

    assert values(BudgetRow.OPENING) == [21180, 24117, 21149, 20971]
    assert values(BudgetRow.ONE_OFFS) == [None, -2840, None, None]
    assert values(BudgetRow.BASE_REDUCTIONS) == [None, -588, None, None]
    assert unknown(BudgetRow.BASE_REDUCTIONS) == [False, False, True, True]
    assert values(BudgetRow.GROWTH) == [None, 460, None, None]
    assert unknown(BudgetRow.GROWTH) == [False, False, True, True]
    assert values(BudgetRow.PROPOSED_BASE) == [21180, 21149, 21149, 20971]
    assert values(BudgetRow.TARGET) == [None, 21149, 20971, 20389]
    # The seed leaves 2012/13 blank where the computed deficit is nil.
    assert values(BudgetRow.DEFICIT) == [None, 0, 178, 582]
    assert values(BudgetRow.STRETCH) == [None, None, None, None]
    assert values(BudgetRow.IN_YEAR) == [2937, None, None, None]
    assert values(BudgetRow.PROPOSED_OVERALL) == [24117, 21149, 20971, 20389]
    assert BudgetEntry.objects.filter(table=table).count() == 15
    assert BudgetEntry.objects.filter(table=table, is_unknown=True).count() == 4


def test_corporate_plan_has_four_objectives_and_their_twenty_lettered_outcomes(loaded):
    assert list(CorporateObjective.objects.values_list("number", "title")) == [
        (1, "Promoting independence and positive lives for everyone"),
        (2, "Creating neighbourhoods where people are proud to live"),
        (3, "Building a stronger economy"),
        (4, "Developing resilient communities"),
    ]
    codes = [str(outcome) for outcome in CorporateOutcome.objects.all()]
    assert codes == [
        "1A", "1B", "1C", "1D", "1E", "2A", "2B", "2C", "2D", "2E", "2F", "3A", "3B", "3C", "3D",
        "4A", "4B", "4C", "4D", "4E",
    ]
    assert CorporateOutcome.objects.get(objective__number=1, letter="C").text == (
        "Youth Service works with the community to provide opportunities to support and develop young people"
    )


def test_organisations_are_the_partners_named_in_the_plans(loaded):
    assert dict(Organisation.objects.values_list("short_name", "name")) == {
        "B&NES": "Bath and North East Somerset Council",
        "CCC": "Coventry City Council",
        "Chamber": "Coventry and Warwickshire Chamber of Commerce",
        "JCP": "Jobcentre Plus",
        "LEGI": "Local Enterprise Growth Initiative",
        "LSC": "Learning and Skills Council",
        "NDC": "New Deal for Communities",
        "South Warwickshire PCT": "South Warwickshire Primary Care Trust",
        "Working Links": "Working Links",
    }


# --- demo logins ----------------------------------------------------------------------------------------


def test_demo_logins_have_their_roles_names_and_password(loaded):
    users = {user.username: user for user in get_user_model().objects.filter(username__in=ALL_DEMO_USERNAMES)}
    assert sorted(users) == sorted(ALL_DEMO_USERNAMES)
    roles = {
        name: [(m.partnership.name, m.role) for m in Membership.objects.filter(user=user)]
        for name, user in users.items()
    }
    assert roles == {
        "admin": [(COVENTRY, "performance_officer")],
        "officer": [(COVENTRY, "lead_officer")],
        "expert": [(COVENTRY, "data_expert")],
        "owner": [(COVENTRY, "indicator_owner")],
        "viewer": [(COVENTRY, "strategic_group")],
        "director": [(BATH, "indicator_owner")],
        "bath_officer": [(BATH, "performance_officer")],
        "bath_viewer": [(BATH, "strategic_group")],
        "superadmin": [],
    }
    staff = {name for name, user in users.items() if user.is_staff}
    assert staff == {"admin", "bath_officer", "superadmin"}
    assert [name for name, user in users.items() if user.is_superuser] == ["superadmin"]
    groups = {name: [g.name for g in user.groups.all()] for name, user in users.items() if user.groups.exists()}
    assert groups == {"admin": ["Administrators"], "bath_officer": ["Administrators"]}
    for user in users.values():
        assert user.check_password("demo")
        assert user.first_name and user.last_name
        assert user.email.endswith("@example.org")
    assert list(Group.objects.values_list("name", flat=True)) == ["Administrators"]


def test_the_administrators_group_may_administer_the_partnerships_data_but_not_partnerships(loaded):
    permissions = Group.objects.get(name="Administrators").permissions.select_related("content_type")
    held = {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
    assert {"plans.add_plan", "plans.change_plan", "plans.delete_plan", "plans.view_plan"} <= held
    assert {"indicators.change_indicatorvalue", "funding.add_fundingline", "monitoring.view_reportinground"} <= held
    assert {"plans.view_partnership", "plans.change_partnership"} <= held
    assert not {"plans.add_partnership", "plans.delete_partnership"} & held
    assert {p.split(".")[0] for p in held} == {"plans", "indicators", "funding", "monitoring"}
    admin = get_user_model().objects.get(username="admin")
    assert admin.has_perm("plans.change_plan") and not admin.has_perm("plans.add_partnership")
    assert not admin.has_perm("auth.change_user")


def test_demo_logins_are_linked_to_the_people_they_are(ni152, service_plan):
    officer = Person.objects.get(user__username="officer")
    assert (officer.name, officer.job_title, officer.organisation.short_name) == (
        "Pat Morgan", "JCP Partnership Manager", "JCP",
    )
    assert sorted(officer.led_actions.values_list("title", flat=True)) == sorted([
        "Job Centre Plus Flexible Routeways", "JCP New Deals", "JCP Mainstream provision", "JCP Programme Centre",
        "JCP Pathways to Work DWP funding (Working Links)", "JCP Progress to Work South Warwickshire PCT",
        "Preventative interventions:",
    ])
    expert = Person.objects.get(user__username="expert")
    assert expert.name == "Myles Mackie"
    assert expert.indicators_as_expert.count() == 7
    assert expert.plan_roles.get().role == "data_expert"
    owner = Person.objects.get(user__username="owner")
    assert owner.name == "Jane Beaver"
    assert owner.indicators_owned.count() == 7
    assert Person.objects.get(user__username="viewer").name == "Strategic group member"
    assert not Person.objects.filter(user__username__in=["admin", "bath_officer", "superadmin"]).exists()
    assert Person.objects.filter(name="Myles Mackie").count() == 1
    # Each login's person is one of its own partnership's people.
    people = Person.objects.filter(user__isnull=False)
    partnership_of_person = dict(people.values_list("user__username", "partnership__name"))
    assert partnership_of_person == {
        "officer": COVENTRY, "expert": COVENTRY, "owner": COVENTRY, "viewer": COVENTRY,
        "director": BATH, "bath_viewer": BATH,
    }
    director = Person.objects.get(user__username="director")
    assert director.plan_roles.get().plan == service_plan


def test_demo_logins_are_skipped_when_debug_is_off(settings):
    settings.DEBUG = False
    out = load_demo()
    assert "Demo logins: skipped" in out
    assert not get_user_model().objects.exists()
    assert not Group.objects.exists()
    assert not Person.objects.filter(name="Pat Morgan").exists()
    assert Plan.objects.count() == 2


def test_demo_logins_are_created_when_debug_is_on(settings):
    settings.DEBUG = True
    load_demo()
    assert get_user_model().objects.filter(username__in=ALL_DEMO_USERNAMES).count() == 9


def test_demo_logins_flag_creates_them_when_debug_is_off(settings):
    settings.DEBUG = False
    load_demo("--demo-logins")
    assert get_user_model().objects.filter(username__in=ALL_DEMO_USERNAMES).count() == 9


# --- idempotency ----------------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    app_labels = {"plans", "indicators", "funding", "auth"}
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in app_labels:
            counts[model._meta.label] = model.objects.count()
    return counts


def test_loading_twice_changes_nothing(loaded):
    before = row_counts()
    get_user_model().objects.filter(username="officer").update(password="changed")
    out = load_demo("--demo-logins")
    assert row_counts() == before
    assert "NI 152 (Coventry Partnership): already loaded; left as it is." in out
    assert "CS 2012/13 (Bath and North East Somerset): already loaded; left as it is." in out
    assert "Corporate plan (Bath and North East Somerset): already loaded" in out
    assert get_user_model().objects.get(username="officer").check_password("demo")
    assert before["plans.DeliveryAction"] == 47
    assert before["plans.Section"] == 31
    assert before["indicators.Indicator"] == 7 + 6  # NI 152's, and the Children's Service plan's key measures
    assert before["funding.FundingLine"] == 12
    assert before["plans.Risk"] == 5


def test_first_load_reports_what_it_loaded():
    out = load_demo()
    assert "NI 152 (Coventry Partnership): loaded" in out and "19 delivery actions" in out
    assert "CS 2012/13 (Bath and North East Somerset): loaded" in out and "28 key activities" in out
    assert "6 indicators" in out
    assert Indicator.objects.count() == 7 + 6
