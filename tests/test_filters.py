"""The filters' select, written in Python: the same options, choice and escaping as Django's own select."""

import re

import pytest
from django import forms
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from monitoring.filters import FilterSelect
from plans.models import Membership
from tests.builders import make_organisation, make_partnership, make_plan
from tests.cycle_builders import make_user

CHOICES = [("", "Any owner"), ("7", "Sarah O'Neil"), ("12", "<script>alert(1)</script> Jones"), (2008, "2008/09")]


def options(html: str) -> list[tuple[str, bool, str]]:
    return [(value, bool(selected), label) for value, selected, label in
            re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)]


def test_the_options_are_those_django_would_write_with_the_choice_selected():
    for value in ("12", "", None, 2008):
        ours = FilterSelect(choices=CHOICES).render("owner", value, attrs={"id": "id_owner"})
        django = forms.Select(attrs={"class": "govuk-select"}, choices=CHOICES).render(
            "owner", value, attrs={"id": "id_owner"}
        )
        assert options(ours) == options(django)
    chosen = FilterSelect(choices=CHOICES).render("owner", "12", attrs={"id": "id_owner"})
    assert [label for _, selected, label in options(chosen) if selected] == [
        "&lt;script&gt;alert(1)&lt;/script&gt; Jones"
    ]
    assert chosen.startswith('<select name="owner" class="govuk-select" id="id_owner">')


def test_attributes_the_form_adds_are_written_and_escaped():
    html = FilterSelect(choices=CHOICES).render(
        "owner", None, attrs={"id": "id_owner", "aria-describedby": 'id_owner_error"><b', "aria-invalid": "true"}
    )
    assert 'aria-describedby="id_owner_error&quot;&gt;&lt;b"' in html
    assert 'aria-invalid="true"' in html


def test_grouped_choices_are_written_as_optgroups():
    html = FilterSelect(choices=[("", "Any year"), ("Recent", [("2024", "2024/25"), ("2025", "2025/26")])]).render(
        "year", "2025"
    )
    assert '<optgroup label="Recent">' in html
    assert options(html) == [("", False, "Any year"), ("2024", False, "2024/25"), ("2025", True, "2025/26")]


def test_a_label_that_is_already_safe_or_lazy_is_written_as_django_writes_it():
    choices = [("", gettext_lazy("Any & every owner")), ("3", mark_safe("Kim &amp; Lee")), ("4", 'Quote " here')]
    ours = FilterSelect(choices=choices).render("owner", "3")
    django = forms.Select(choices=choices).render("owner", "3")
    assert options(ours) == options(django) == [
        ("", False, "Any &amp; every owner"), ("3", True, "Kim &amp; Lee"), ("4", False, "Quote &quot; here")]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["plan_list", "dashboard_overview"])
def test_the_lead_partner_filter_offers_only_the_lead_partners_of_plans_in_scope(client, page):
    make_plan("NI 152", lead_organisation=make_organisation("JCP", name="Jobcentre Plus"))
    bath = make_partnership("Bath and North East Somerset")
    make_plan("CS 2012/13", partnership=bath, lead_organisation=make_organisation("BANES", name="Bath Council"))
    client.force_login(make_user("viewer", "Vera Viewer", Membership.Role.STRATEGIC_GROUP))

    page_html = client.get(reverse(page)).content.decode()

    select = page_html[page_html.index('<select name="lead_organisation"'):]
    select = select[:select.index("</select>")]
    assert [label for _, _, label in options(select)] == ["Any lead partner", "Jobcentre Plus"]
