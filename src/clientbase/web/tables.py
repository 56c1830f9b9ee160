"""One way to show a table with server-side paging, sorting and filters kept in the query string.

A :class:`TableView` holds one page of rows and the query that produced them; its URLs change one parameter of
that query (the sort, the page), so every view is a link, works without JavaScript, and HTMX swaps only the
table (``templates/layout/_table.html``). Any page with a paged list (customers here; import batches, quality
issues, duplicate pairs in later pages) builds one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from clientbase.registry.listing import ListColumn


@dataclass(frozen=True)
class TableView:
    """One page of rows with the URLs to sort and page through them."""

    path: str
    #: the query string of the current view (filters, search, sort, columns ...), as ordered pairs
    params: Sequence[tuple[str, str]]
    columns: Sequence[ListColumn]
    rows: Sequence[Mapping[str, Any]]
    total: int
    limit: int
    offset: int
    sort: str
    #: the column whose cell links to the row, and the link's prefix (``/customers/`` + key)
    link_column: str | None = None
    link_prefix: str = ""
    key: str = "counterparty_id"
    #: rows get a checkbox named ``ids`` for bulk actions
    selectable: bool = False
    #: the element HTMX swaps when sorting or paging
    target: str = "#table"
    caption: str = ""
    empty: str = "Nothing matches."
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, **changes: str | int | None) -> str:
        """This view's URL with ``changes`` applied (``None`` removes a parameter); paging resets on sort."""
        kept = [(k, v) for k, v in self.params if k not in changes]
        kept += [(k, str(v)) for k, v in changes.items() if v is not None and v != ""]
        return f"{self.path}?{urlencode(kept)}" if kept else self.path

    def sort_url(self, column: str) -> str:
        """Sort by ``column``: ascending first, descending when it is already ascending."""
        return self.url(sort=f"-{column}" if self.sort == column else column, offset=None)

    def aria_sort(self, column: str) -> str | None:
        if self.sort == column:
            return "ascending"
        if self.sort == f"-{column}":
            return "descending"
        return None

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    @property
    def previous_url(self) -> str | None:
        return None if self.offset <= 0 else self.url(offset=max(self.offset - self.limit, 0) or None)

    @property
    def next_url(self) -> str | None:
        return self.url(offset=self.offset + self.limit) if self.offset + self.limit < self.total else None

    @property
    def last_url(self) -> str | None:
        if self.total <= self.limit or self.offset + self.limit >= self.total:
            return None
        return self.url(offset=((self.total - 1) // self.limit) * self.limit)
