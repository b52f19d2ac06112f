"""django-tables2 as the pages use it: signatures of cell renderers looked up once, and the same as uncached."""

import django_tables2 as tables
import django_tables2.utils

from monitoring import tables as monitoring_tables


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
