"""The pages of a workbook (XLSX, XLS, ODS): an overview, then each sheet as a table.

Page 1 lists the sheets in tab order, one line each, with what a reader should
know before opening them: ``名单 (4 rows; 1 comment)``, ``Secret (very hidden
sheet; 1 row)``, ``Chart (chart sheet)``, or why a sheet was cut or not read.
Then each sheet with cells becomes a :class:`~culpa.models.Table`: its rows
that hold anything, one per line (:mod:`culpa.formats.tables.pager`), cells at
their column positions, each numbered by the sheet's own row number, so
``row 4031`` is the row Excel shows as 4031. The columns are named by the
first row when it looks like a header (:func:`~culpa.formats.tables.pager.sheet_columns`),
else A, B, C … (a sheet of one row has no header); the header row stays a row
of the table. A sheet's cell
comments follow its rows on a page of their own (not part of the table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from culpa.formats.tables.pager import TablePager, sheet_columns
from culpa.models import Page, Table


@dataclass(slots=True)
class SheetPages:
    """One sheet being read: its rows go into table pages as they come."""

    book: WorkbookPages
    name: str
    notes: list[str]
    pager: TablePager
    first_row: list[str] | None = None
    width: int = 0

    def add(self, row: int, line: str) -> None:
        """Add the sheet's row number ``row``, its cells already joined (empty: skipped)."""
        if not line:
            return
        if self.first_row is None:
            self.first_row = line.split("\t")
        self.width = max(self.width, line.count("\t") + 1)
        page = self.pager.add(row, line)
        if page is not None:
            self.book.pages.append(page)

    @property
    def rows(self) -> int:
        """Rows added so far."""
        return self.pager.rows_added

    def finish(self, comments: list[str] | None = None, note: str = "") -> None:
        """The sheet is read: its last page, its comments' page, its line in the overview.

        ``note`` says why it was cut or not read, if it was.
        """
        last = self.pager.finish()
        if last is not None:
            self.book.pages.append(last)
        if self.rows:
            # A lone row is a note or a title, not the names of columns over nothing.
            header = self.first_row if self.first_row and self.rows > 1 else []
            columns = sheet_columns(header, self.width)
            self.book.tables.append(self.pager.table(columns))
            self.notes.append(f"{self.rows} row" + ("" if self.rows == 1 else "s"))
        if comments:
            self.notes.append(f"{len(comments)} comment" + ("" if len(comments) == 1 else "s"))
            text = f"Comments on sheet {self.name}:\n" + "\n".join(comments)
            number = len(self.book.pages) + 2
            self.book.pages.append(Page(number=number, text=text))
        if note:
            self.notes.append(note)
        detail = f" ({'; '.join(self.notes)})" if self.notes else ""
        self.book.overview.append(f"{self.name}{detail}")


@dataclass(slots=True)
class WorkbookPages:
    """Collects a workbook's sheets into pages and tables (page 1 is the overview)."""

    pages: list[Page] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    overview: list[str] = field(default_factory=list)

    def sheet(self, name: str, notes: list[str] | None = None) -> SheetPages:
        """Start the next sheet; ``notes`` (its state: "hidden sheet") lead its overview line."""
        pager = TablePager(name, first_page=len(self.pages) + 2)
        return SheetPages(self, name, list(notes or []), pager)

    def result(self) -> tuple[tuple[Page, ...], tuple[Table, ...]]:
        """Every page, the overview first, and the tables among them."""
        count = len(self.overview)
        lines = [f"Sheets ({count}):" if count else "No sheets.", *self.overview]
        text = "\n".join(lines)
        first = Page(number=1, text=text)
        return (first, *self.pages), tuple(self.tables)
