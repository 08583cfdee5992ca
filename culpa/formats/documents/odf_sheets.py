"""ODF spreadsheets (.ods): each sheet's rows as a table, streamed row by row.

A spreadsheet's ``content.xml`` can be gigabytes, and ``number-rows-repeated``
of a million is normal for trailing blanks, so unlike text documents it is not
read into a tree: :func:`extract_spreadsheet` streams it with lxml's iterparse,
clearing each row once written, so memory stays flat. Repeated rows and cells
are never expanded past :data:`culpa.formats.documents.odf_walker.MAX_REPEAT`
(the copies left out are counted), empty ones cost nothing, and the row
numbers after them stay the ones Calc shows. A sheet hidden by its style
(``table:display="false"``) is read and said so; cell comments are recorded
with the cell's address. The pages and tables themselves are laid out by
:mod:`culpa.formats.tables.sheets`, as for every workbook format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

import lxml.etree

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.documents.odf_walker import (
    ANNOTATION,
    ANNOTATION_OOO,
    HEADING,
    LIST,
    MAX_REPEAT,
    PARAGRAPH,
    ROWS_REPEATED,
    TABLE,
    TABLE_ROW,
    TABLE_STYLE_NAME,
    Budget,
    Walker,
    one_line,
    repeat_count,
    row_cells,
)
from culpa.formats.support.odf_package import (
    PARSER_OPTIONS,
    XML_ERRORS,
    OdfPackage,
    clean,
    office_body,
    q,
    xml_error,
)
from culpa.formats.tables.sheets import WorkbookPages
from culpa.formats.tables.table_pages import column_letter, row_line
from culpa.models import Page, Table

#: Rows of a sheet read between two progress reports to the ingest.
PROGRESS_ROWS = 1_000
#: A sheet's text is cut after this many characters (the cut is recorded in metadata).
MAX_SHEET_CHARS = 20_000_000
#: Separator of list-valued metadata (sheet names), as for OOXML files.
LIST_SEPARATOR = "; "

_TABLE_NAME = q("table:name")
_STYLE_STYLE, _STYLE_FAMILY = q("style:style"), q("style:family")
_STYLE_NAME_ATTRIBUTE = q("style:name")
_TABLE_PROPERTIES, _TABLE_DISPLAY = q("style:table-properties"), q("table:display")


_VALUE_ATTRIBUTES = tuple(
    q(f"office:{name}")
    for name in ("string-value", "value", "date-value", "time-value", "boolean-value")
)


class _SheetWriter:
    """Feeds one sheet's rows to its table pages, with caps on repeats and size."""

    def __init__(
        self,
        name: str,
        progress: Callable[[], None],
        budget: Budget,
        book: WorkbookPages,
        hidden: bool = False,
    ) -> None:
        self.name = name
        self.budget = budget
        self.progress = progress
        self.hidden = hidden
        self.sheet = book.sheet(name, ["hidden sheet"] if hidden else [])
        self.chars = 0
        self.row_index = 0
        self.comments: list[str] = []
        self.truncated = False
        #: Copies of repeated rows not written out (past MAX_REPEAT).
        self.unrepeated = 0
        self.walker = Walker(split_pages=False)

    def cell_text(self, cell: Any, row: int, column: int) -> str:
        """A cell's displayed text; its comments are recorded with its address."""
        pieces: list[str] = []
        for child in cell.iterchildren("{*}*"):
            if child.tag in (ANNOTATION, ANNOTATION_OOO):
                comment = self.walker.annotation_text(child)
                if comment:
                    self.comments.append(f"{column_letter(column)}{row + 1}: {comment}")
            elif child.tag in (PARAGRAPH, HEADING, LIST):
                pieces.append(one_line(self.walker.captured_block(child)))
        text = " ".join(piece for piece in pieces if piece)
        if not text:
            for attribute in _VALUE_ATTRIBUTES:
                value = cell.get(attribute)
                if value:
                    return one_line(value)
        return text

    def add_row(self, row: Any) -> None:
        """A ``table:table-row``: its cells as one line, once per repeat (up to MAX_REPEAT)."""
        if self.row_index % PROGRESS_ROWS == 0:
            self.progress()
        row_repeat = repeat_count(row.get(ROWS_REPEATED))
        row_index = self.row_index
        cells = row_cells(row, lambda cell, column: self.cell_text(cell, row_index, column))
        self.row_index += row_repeat
        if not cells:
            return  # empty rows, however many, are no rows of the table
        line = row_line(cells)
        written = min(row_repeat, MAX_REPEAT)
        self.unrepeated += row_repeat - written
        for offset in range(written):
            if self.chars + len(line) > MAX_SHEET_CHARS or self.budget.spend(len(line) + 1):
                self.truncated = True
                return
            self.sheet.add(row_index + offset + 1, line)  # the row number Calc shows
            self.chars += len(line) + 1

    def finish(self) -> None:
        """The sheet's last page, comments and overview line."""
        notes: list[str] = []
        if self.unrepeated:
            notes.append(f"{self.unrepeated} copies of repeated rows not written out")
        if self.truncated:
            notes.append("cut: text limit reached")
        self.sheet.finish(self.comments, "; ".join(notes))


def _hides_table(style: Any) -> bool:
    """Whether an automatic style hides the sheet that uses it (``table:display="false"``)."""
    if style.get(_STYLE_FAMILY) != "table":
        return False
    return any(p.get(_TABLE_DISPLAY) == "false" for p in style.iterchildren(_TABLE_PROPERTIES))


def _sheets_from_tree(
    root: Any, progress: Callable[[], None], budget: Budget, book: WorkbookPages
) -> list[_SheetWriter]:
    hiding = {
        style.get(_STYLE_NAME_ATTRIBUTE)
        for styles in root.iter(q("office:automatic-styles"))
        for style in styles.iterchildren(_STYLE_STYLE)
        if _hides_table(style)
    }
    body = office_body(root, "spreadsheet")
    sheets: list[_SheetWriter] = []
    for table in body.iterchildren(TABLE):
        name = clean(table.get(_TABLE_NAME) or f"Sheet{len(sheets) + 1}")
        hidden = table.get(TABLE_STYLE_NAME) in hiding
        sheet = _SheetWriter(name, progress, budget, book, hidden)
        for row in table.iter(TABLE_ROW):
            if sheet.truncated:
                break
            sheet.add_row(row)
        sheet.finish()
        sheets.append(sheet)
    return sheets


def _sheets_from_stream(
    stream: IO[bytes], progress: Callable[[], None], budget: Budget, book: WorkbookPages
) -> list[_SheetWriter]:
    """Sheets of a spreadsheet's content.xml, parsed row by row (memory stays flat)."""
    sheets: list[_SheetWriter] = []
    current: _SheetWriter | None = None
    depth = 0
    hiding: set[str] = set()  # automatic styles that hide a sheet (they come before the body)
    events = lxml.etree.iterparse(
        stream, events=("start", "end"), tag=(TABLE, TABLE_ROW, _STYLE_STYLE), **PARSER_OPTIONS
    )
    for event, element in events:
        if element.tag == _STYLE_STYLE:
            if event == "end" and depth == 0:
                if _hides_table(element):
                    hiding.add(element.get(_STYLE_NAME_ATTRIBUTE) or "")
                element.clear(keep_tail=True)
        elif element.tag == TABLE:
            if event == "start":
                depth += 1
                if depth == 1:
                    name = clean(element.get(_TABLE_NAME) or f"Sheet{len(sheets) + 1}")
                    hidden = element.get(TABLE_STYLE_NAME) in hiding
                    current = _SheetWriter(name, progress, budget, book, hidden)
                    sheets.append(current)
            else:
                depth -= 1
                if depth == 0:
                    if current is not None:
                        current.finish()
                    current = None
                    element.clear()
        elif event == "end" and current is not None and depth == 1:
            if not current.truncated:
                current.add_row(element)
            element.clear(keep_tail=True)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    return sheets


def extract_spreadsheet(
    package: OdfPackage, progress: Callable[[], None], budget: Budget
) -> tuple[tuple[Page, ...], tuple[Table, ...], dict[str, str]]:
    """An overview page, then each sheet's rows as a table (culpa.formats.tables.sheets)."""
    book = WorkbookPages()
    if package.flat is not None:
        sheets = _sheets_from_tree(package.flat, progress, budget, book)
    else:
        with package.stream("content.xml") as stream:
            if stream is None:
                raise ExtractionError(ErrorKind.CORRUPT, "ODF package has no content.xml")
            try:
                sheets = _sheets_from_stream(stream, progress, budget, book)
            except XML_ERRORS as exc:
                raise xml_error(exc, "content.xml") from exc
    if not sheets:
        raise ExtractionError(ErrorKind.CORRUPT, "ODF spreadsheet has no sheets")
    counts = {"sheet_names": clean(LIST_SEPARATOR.join(sheet.name for sheet in sheets))}
    hidden = [sheet.name for sheet in sheets if sheet.hidden]
    if hidden:
        counts["hidden_sheets"] = clean(LIST_SEPARATOR.join(hidden))
    truncated = [sheet.name for sheet in sheets if sheet.truncated]
    if truncated:
        counts["truncated_sheets"] = clean(LIST_SEPARATOR.join(truncated))
    comments = sum(len(sheet.comments) for sheet in sheets)
    if comments:
        counts["comment_count"] = str(comments)
    pages, tables = book.result()
    return pages, tables, counts
