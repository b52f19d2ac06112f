"""django-tables2 as the pages use it: signatures of cell renderers looked up once, and the same as uncached; cells
drawn from the row as django-tables2 draws them; sort links that carry the filters but not a pasted megabyte."""

import html
import re

import django_tables2 as tables
import django_tables2.rows
import django_tables2.utils
import pytest
from django.urls import reverse

from monitoring import tables as monitoring_tables
from plans.models import Membership
from tests.builders import make_organisation, make_plan
from tests.cycle_builders import make_user


class _Table(tables.Table):
    name = tables.Column()

    def render_name(self, value, record):
        return f"{value}!"


def _catch_all(value, **kwargs):
    return value


def test_django_tables2_uses_the_cached_signature():
    assert django_tables2.utils.signature is monitoring_tables._cached_signature


def test_a_cached_signature_is_the_uncached_one_for_methods_functions_and_lambdas():
    table = _Table([{"name": "NI 152"}])
    for fn in (table.render_name, _Table([]).render_name, _catch_all, lambda record, table: None):
        assert monitoring_tables._cached_signature(fn) == monitoring_tables._uncached_signature(fn)
    assert monitoring_tables._cached_signature(table.render_name) == (("value", "record"), None)
    assert monitoring_tables._cached_signature(_catch_all) == (("value",), "kwargs")


def test_a_table_still_calls_its_render_methods_with_the_arguments_they_ask_for():
    table = _Table([{"name": "NI 152"}, {"name": "CS 2012/13"}])

    assert [row.get_cell("name") for row in table.rows] == ["NI 152!", "CS 2012/13!"]


class _RecordTable(monitoring_tables.RecordCellTable):
    direct = tables.Column(accessor="name", empty_values=())
    with_value = tables.Column(accessor="name", empty_values=())
    may_be_empty = tables.Column(accessor="name")
    linked = tables.Column(accessor="name", empty_values=(), linkify=lambda record: f"/plans/{record['name']}/")
    plain = tables.Column(accessor="missing")
    hidden = tables.Column(accessor="name", empty_values=(), visible=False)

    def render_direct(self, record):
        return f"<{record['name']}>"

    def render_with_value(self, value):
        return value.lower()

    def render_may_be_empty(self, record):
        return record["name"]

    def render_linked(self, record):
        return record["name"]

    def render_hidden(self, record):
        raise AssertionError("a hidden column is not drawn")


def test_a_record_cell_table_calls_a_render_method_of_the_record_alone_directly_and_leaves_the_rest_to_django_tables2():
    table = _RecordTable([{"name": "NI 152"}, {"name": ""}])

    called_directly = [column.name for column, render in table.record_renderers() if render is not None]

    assert called_directly == ["direct"]  # not one taking a value, with empty values, with a link, or without one
    assert [column.name for column, _ in table.record_renderers()] == [
        "direct", "with_value", "may_be_empty", "linked", "plain"]


def test_a_record_cell_tables_rows_are_drawn_as_django_tables2_draws_them():
    table = _RecordTable([{"name": "NI 152"}, {"name": ""}])
    plain = _RecordTable([{"name": "NI 152"}, {"name": ""}])  # the same table drawn by django-tables2's own rows
    plain.rows = django_tables2.rows.BoundRows(data=plain.data, table=plain, pinned_data=plain.pinned_data)

    drawn = [[(column.name, cell) for column, cell in row.items()] for row in table.rows]
    expected = [[(column.name, cell) for column, cell in row.items()] for row in plain.rows]

    assert drawn == expected
    assert drawn[0][:3] == [("direct", "<NI 152>"), ("with_value", "ni 152"), ("may_be_empty", "NI 152")]
    assert drawn[0][3] == ("linked", '<a href="/plans/NI 152/">NI 152</a>')
    assert drawn[1][2] == ("may_be_empty", "—") and drawn[1][4] == ("plain", "—")  # the column's default
    assert [type(row) for row in table.paginated_rows] == [monitoring_tables.RecordCellRow] * 2
    assert type(table.rows[0:1]) is monitoring_tables.RecordCellRows
    assert type(table.rows[1]) is monitoring_tables.RecordCellRow


@pytest.fixture
def viewer(client):
    make_plan("NI 152", lead_organisation=make_organisation("JCP", name="Jobcentre Plus"), theme="Economy")
    client.force_login(make_user("viewer", "Vera Viewer", Membership.Role.STRATEGIC_GROUP))
    return client


def sort_links(page: str) -> list[str]:
    return [html.unescape(link) for link in re.findall(r'href="(\?[^"]*sort=[^"]*)"', page)]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["plan_list", "dashboard_overview"])
def test_a_tables_sort_links_keep_the_filters_chosen(viewer, page):
    links = sort_links(viewer.get(reverse(page), {"theme": "Economy", "kind": "laa_target"}).content.decode())

    assert links and all("theme=Economy" in link and "kind=laa_target" in link for link in links)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["plan_list", "dashboard_overview"])
def test_a_pasted_megabyte_or_hundreds_of_parameters_are_not_copied_into_every_link(viewer, page):
    pasted = viewer.get(reverse(page), {"theme": "Economy", "junk": "x" * 1_000_000})
    # Django itself refuses more than 1,000 parameters (DATA_UPLOAD_MAX_NUMBER_FIELDS): 900 of 100 characters each.
    crowded = viewer.get(f"{reverse(page)}?theme=Economy&" + "&".join(f"p{number}={'y' * 100}" for number in range(900)))
    named = viewer.get(f"{reverse(page)}?theme=Economy&{'n' * 1_000_000}=1")

    for response in (pasted, crowded, named):
        assert response.status_code == 200
        assert len(response.content) < 200_000  # the pasted megabyte made an 8 MB plan list and a 10 MB overview
        links = sort_links(response.content.decode())
        assert links and all(link.startswith("?theme=Economy&") for link in links)  # the filter chosen kept
    assert all("junk" not in link for link in sort_links(pasted.content.decode()))
    assert all(link.count("&p") <= monitoring_tables.ECHOED_PARAMETERS for link in sort_links(crowded.content.decode()))
