"""Rows of a table as stored pages, for extractors that hold their pages in memory.

The layout itself (one row per line, cells joined by tabs, a cell's tabs and
line breaks as spaces, at most :data:`MAX_PAGE_ROWS` rows and about
:data:`MAX_PAGE_CHARS` characters a page, a row never split) is
:mod:`culpa.formats.tables.table_pages`'s, shared with the CSV and JSON extractors;
this adds what sheets and SQLite tables need besides: a pager that numbers
its pages after pages the extractor made first (an overview), and the guess
whether a sheet's first row names its columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from culpa.formats.tables.table_pages import (
    MAX_PAGE_CHARS,
    MAX_PAGE_ROWS,
    clean_cell,
    column_letter,
)
from culpa.models import Page, Table, TablePage

__all__ = [
    "MAX_PAGE_CHARS",
    "MAX_PAGE_ROWS",
    "TablePager",
    "looks_like_header",
    "sheet_columns",
]

#: A first row is read as the column names only if this share of the table's
#: width holds a name (a title in A1 above the real header is not a header).
HEADER_MIN_SHARE = 0.5

# What a cell holding a value (not a name) looks like: numbers, amounts, dates, times.
_VALUE = re.compile(
    r"[-+(]?[$€£¥]?\s*[\d.,']+(?:[eE][-+]?\d+)?\s*%?\)?"  # 12, -3.5, 1,234, 1e+20, 45%
    r"|\d{1,4}[-/.年]\d{1,2}(?:[-/.月]\d{1,4}日?)?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"  # dates
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # times
    r"|TRUE|FALSE|#[A-Z/0!?]+[!?]?",  # booleans and Excel's error codes
)


def looks_like_header(cells: Sequence[str], width: int) -> bool:
    """Whether a table's first row names its columns rather than holding data.

    Names are text, not numbers or dates, all different, and fill at least
    :data:`HEADER_MIN_SHARE` of the table's ``width`` (cells of its widest row).
    """
    names = [cell.strip() for cell in cells if cell.strip()]
    if not names or len(names) < HEADER_MIN_SHARE * width:
        return False
    if len(set(names)) != len(names):
        return False
    return not any(_VALUE.fullmatch(name) for name in names)


def sheet_columns(first_row: Sequence[str], width: int) -> tuple[str, ...]:
    """Column names of a sheet: its first row's cells when they look like a header
    (a blank one keeps its letter), else the letters A, B, C … of its ``width``."""
    if looks_like_header(first_row, width):
        return tuple(
            (clean_cell(first_row[index]).strip() if index < len(first_row) else "")
            or column_letter(index)
            for index in range(width)
        )
    return tuple(column_letter(index) for index in range(width))


@dataclass(slots=True)
class TablePager:
    """Collects one table's row lines into pages as they come (at most one page is held).

    ``add`` returns each page once it is full; ``finish`` returns the last one. The
    caller numbers pages from ``first_page`` on and gets the :class:`Table` at the end.
    """

    name: str
    first_page: int
    pages: list[TablePage] = field(default_factory=list)
    rows_added: int = 0
    _lines: list[str] = field(default_factory=list)
    _rows: list[int] = field(default_factory=list)
    _chars: int = 0

    @property
    def next_page(self) -> int:
        """The number the next page of this table will get."""
        return self.first_page + len(self.pages)

    def add(self, row: int, line: str) -> Page | None:
        """Add row number ``row`` (its stored line); a full page is returned, else None."""
        full = None
        if self._lines and (
            len(self._lines) >= MAX_PAGE_ROWS or self._chars + len(line) + 1 > MAX_PAGE_CHARS
        ):
            full = self._flush()
        self._lines.append(line)
        self._rows.append(row)
        self._chars += len(line) + 1
        self.rows_added += 1
        return full

    def finish(self) -> Page | None:
        """The last, partly filled page (None if no row is waiting)."""
        return self._flush() if self._lines else None

    def table(self, columns: Sequence[str]) -> Table:
        """The table, once every page has been taken."""
        return Table(name=self.name, columns=tuple(columns), pages=tuple(self.pages))

    def _flush(self) -> Page:
        text = "\n".join(self._lines)
        number = self.next_page
        self.pages.append(TablePage(page=number, rows=tuple(self._rows)))
        self._lines, self._rows, self._chars = [], [], 0
        return Page(number=number, text=text)
