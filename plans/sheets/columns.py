"""A resource's columns, what an import does to each row, and the lookups a file's rows share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from import_export.results import RowResult

from plans.sheets.cells import read_text

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass(frozen=True)
class Column:
    """A column of a resource's spreadsheet and how its cells are read and written.

    `attr` is the model attribute the column reads and writes, or None when the resource handles it; `read` turns
    a raw cell into a value (raising CellError) and `write` a value into a cell; either may name a method of the
    resource. `required` columns must be in every file; `key` columns identify the row (so are required too).
    """

    name: str
    attr: str | None = None
    read: Callable | str | None = read_text
    write: Callable | str | None = None
    help: str = ""
    example: Any = ""
    required: bool = False
    key: bool = False
    many: bool = False  # a many-to-many: `read` returns a list of objects, written joined with '; '
    ignored: bool = False  # exported for information, never imported (derived figures)
    restore: bool = False  # imported only when a whole plan is restored, and then only into new rows
    workbook: bool = False  # written only in the whole-plan workbook
    text: bool = False  # kept as text in Excel, so that Excel never turns '2008/09' or 'NI 152' into something else

    @property
    def must_be_present(self) -> bool:
        return self.required or self.key


@dataclass
class RowChange:
    """What an import does to one row: new, changed (with each column's before and after) or unchanged."""

    row: int
    change: str
    label: str
    details: list[tuple[str, str, str]] = field(default_factory=list)


class LeanRowResult(RowResult):
    """A row result that skips the library's str() of every instance: the resource describes rows itself."""

    def add_instance_info(self, instance):
        self.object_id = getattr(instance, "pk", None)


class Lookups:
    """Objects that rows refer to by name, fetched once per file and shared by every resource of a workbook."""

    def __init__(self):
        self._cache: dict[str, Any] = {}

    def get(self, name: str, load: Callable[[], Any]):
        if name not in self._cache:
            self._cache[name] = load()
        return self._cache[name]

    def forget(self, *names: str) -> None:
        """Drop cached lookups that a sheet has just changed (a workbook's People before its Roles)."""
        for name in names:
            self._cache.pop(name, None)
