"""Table machinery every page shares: paging from the address and django-tables2's render methods looked up once."""

import django_tables2 as tables
import django_tables2.utils

MAX_PER_PAGE = 100


class PagingConfig(tables.RequestConfig):
    """Sorting and paging from the address, ignoring a page size that is not a whole number from 1 to 100.

    django-tables2 takes `?per_page=` as it comes: a negative one makes its paginator fail with a server error.
    """

    def configure(self, table):
        field = table.prefixed_per_page_field
        wanted = self.request.GET.get(field)
        if wanted is not None and not (wanted.isascii() and wanted.isdecimal() and 1 <= int(wanted) <= MAX_PER_PAGE):
            self.request.GET = self.request.GET.copy()
            self.request.GET.pop(field)
        return super().configure(table)


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
