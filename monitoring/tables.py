"""Table machinery every page shares: paging from the address, django-tables2's render methods looked up once, and
rows drawn from their records' render methods directly where a table asks (RecordCellTable)."""

from collections.abc import Callable

import django_tables2 as tables
import django_tables2.utils
from django.http import QueryDict
from django_tables2.columns.base import BoundColumn
from django_tables2.rows import BoundRow, BoundRows

MAX_PER_PAGE = 100

# The most of an address a table writes back into each of its sort and page links. No form on the site makes a value
# longer or more parameters: without them a pasted megabyte was copied into every link (a 10 MB overview).
ECHOED_VALUE_LENGTH = 1_000
ECHOED_PARAMETERS = 50


class PagingConfig(tables.RequestConfig):
    """Sorting and paging from the address, ignoring a page size that is not a whole number from 1 to 100.

    django-tables2 takes `?per_page=` as it comes: a negative one makes its paginator fail with a server error. Its
    sort and page links carry the rest of the address with them (the filters chosen), but not a value over
    ECHOED_VALUE_LENGTH characters nor parameters past the first ECHOED_PARAMETERS: the view has read them already.
    """

    def configure(self, table):
        field = table.prefixed_per_page_field
        wanted = self.request.GET.get(field)
        if wanted is not None and not (wanted.isascii() and wanted.isdecimal() and 1 <= int(wanted) <= MAX_PER_PAGE):
            self.request.GET = self.request.GET.copy()
            self.request.GET.pop(field)
        self.request.GET = _echoable(self.request.GET)
        return super().configure(table)


def _echoable(query: QueryDict) -> QueryDict:
    """Return the query without names or values too long to write back into links, and no more than
    ECHOED_PARAMETERS of its parameters."""
    pairs = list(query.lists())
    if len(pairs) <= ECHOED_PARAMETERS and all(
        len(name) <= ECHOED_VALUE_LENGTH and all(len(value) <= ECHOED_VALUE_LENGTH for value in values)
        for name, values in pairs
    ):
        return query
    kept = QueryDict(mutable=True)
    for name, values in pairs[:ECHOED_PARAMETERS]:
        short = [value for value in values if len(value) <= ECHOED_VALUE_LENGTH]
        if short and len(name) <= ECHOED_VALUE_LENGTH:
            kept.setlist(name, short)
    return kept


_uncached_signature = django_tables2.utils.signature


_signatures: dict = {}


def _cached_signature(fn):
    """django_tables2.utils.signature, worked out once per function rather than once per cell.

    django-tables2 (3.0.1) inspects a column's render method for every cell it draws; on the overview that was
    a third of the table's time. A bound method's signature is its function's less `self`, the same for every
    call, so the cache is keyed on the function.
    """
    key = getattr(fn, "__func__", fn)
    try:
        return _signatures[key]
    except KeyError:
        if len(_signatures) >= 1024:  # a table built with new callables each time must not grow this for ever
            _signatures.clear()
        _signatures[key] = found = _uncached_signature(fn)
        return found
    except TypeError:  # an unhashable callable
        return _uncached_signature(fn)


def cache_cell_signatures() -> None:
    """Make django-tables2 look up each render method's signature once (called from MonitoringConfig.ready)."""
    django_tables2.utils.signature = _cached_signature


class RecordCellRow(BoundRow):
    """A row whose cells come straight from the table's `render_<column>(record)` methods.

    django-tables2 draws a cell by resolving the column's accessor, checking the value against the column's empty
    values, and matching the render method's arguments: on the overview's 25 rows of 11 columns that machinery
    and its bookkeeping were some 6 ms of a 60 ms page. A column whose render method takes the record alone, has
    no empty values and no link is drawn by calling that method; any other column as django-tables2 draws it.
    """

    def items(self):
        record = self.record
        for bound_column, render in self.table.record_renderers():
            cell = render(record) if render is not None else self.get_cell(bound_column.name)
            bound_column.current_value, bound_column.current_record = cell, record  # as BoundRow.items sets them
            yield bound_column, cell


class RecordCellRows(BoundRows):
    """The table's rows, each a RecordCellRow; pinned rows as django-tables2 draws them."""

    def __iter__(self):
        yield from self.generator_pinned_row(self.pinned_data.get("top"))
        for record in self.data:
            yield RecordCellRow(record, table=self.table)
        yield from self.generator_pinned_row(self.pinned_data.get("bottom"))

    def __getitem__(self, key):
        if isinstance(key, slice):
            return RecordCellRows(data=self.data[key], table=self.table, pinned_data=self.pinned_data)
        return RecordCellRow(record=self.data[key], table=self.table)


class RecordCellTable(tables.Table):
    """A table whose cells are drawn from the record by its render methods directly (RecordCellRow)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = RecordCellRows(data=self.data, table=self, pinned_data=self.pinned_data)
        self._record_renderers = None

    def record_renderers(self) -> list[tuple[BoundColumn, Callable | None]]:
        """Return each shown column with its render method where it can be called with the record alone (else
        None), worked out once for the table."""
        if self._record_renderers is None:
            self._record_renderers = [(column, _record_renderer(self, column)) for column in self.columns]
        return self._record_renderers


def _record_renderer(table: tables.Table, bound_column: BoundColumn) -> Callable | None:
    """Return the column's render method if drawing the cell needs nothing but calling it with the record."""
    render = getattr(table, f"render_{bound_column.name}", None)
    if render is None or bound_column.column.empty_values or bound_column.link:
        return None
    return render if _cached_signature(render) == (("record",), None) else None
