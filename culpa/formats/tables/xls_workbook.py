"""Excel 97-2003 workbooks (BIFF, .xls) read by xlrd into sheet tables.

No converter is needed for .xls: xlrd reads the binary workbook directly, sheet
by sheet (each unloaded once read), so :class:`culpa.formats.documents.legacy_office.XlsExtractor`
gets an overview page listing the sheets (hidden and very hidden ones said),
then each sheet's rows as a table numbered as Excel numbers them
(:mod:`culpa.formats.tables.sheets`), cell comments on a page after, and a
sheet's text cut at :data:`MAX_SHEET_CHARS`. Cells are shown as Excel would
show their value: whole numbers without ``.0``, dates as ISO dates, booleans as
TRUE/FALSE, errors by their code's text.
"""

from __future__ import annotations

import io
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

import xlrd

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.support.ole import MAX_METADATA_CHARS
from culpa.formats.tables.sheets import SheetPages, WorkbookPages
from culpa.formats.tables.table_pages import column_letter, row_line
from culpa.models import Page, Table

#: A sheet's text is cut after this many characters (the cut is recorded in metadata).
MAX_SHEET_CHARS = 20_000_000
#: Separator of list-valued metadata (sheet names), as for OOXML files.
LIST_SEPARATOR = "; "
_XLRD_ERRORS: tuple[type[Exception], ...] = (
    xlrd.XLRDError,
    xlrd.compdoc.CompDocError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    EOFError,
    ZeroDivisionError,
    UnicodeDecodeError,
    OverflowError,
    MemoryError,
    struct.error,
)


def _cell_text(book: Any, cell: Any) -> str:
    kind = cell.ctype
    value = cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if kind == xlrd.XL_CELL_TEXT:
        return " ".join(str(value).split())
    if kind == xlrd.XL_CELL_NUMBER:
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment: datetime = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return repr(value)
        if moment.time() == datetime.min.time():
            return moment.date().isoformat()
        return moment.isoformat()
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(value, "#ERROR"))
    return str(value)


#: xlrd's ``Sheet.visibility`` -> the state said on the overview page.
_SHEET_STATES = {1: "hidden sheet", 2: "very hidden sheet"}


def _sheet_rows(book: Any, sheet: Any, rows: SheetPages, context: ExtractContext) -> bool:
    """Feed a sheet's rows to ``rows`` (numbered as Excel numbers them); True if cut."""
    chars = 0
    for row_index in range(sheet.nrows):
        if row_index % 1000 == 0:
            context.progress()
        line = row_line([_cell_text(book, cell) for cell in sheet.row(row_index)])
        if not line:
            continue
        if chars + len(line) > MAX_SHEET_CHARS:
            return True
        rows.add(row_index + 1, line)
        chars += len(line) + 1
    return False


def _sheet_comments(sheet: Any) -> list[str]:
    notes = getattr(sheet, "cell_note_map", {}) or {}
    comments = []
    for (row, column), note in sorted(notes.items()):
        body = " ".join(str(getattr(note, "text", "")).split())
        if not body:
            continue
        author = str(getattr(note, "author", "") or "").strip()
        where = f"{column_letter(column)}{row + 1}"
        comments.append(f"{where}: {author}: {body}" if author else f"{where}: {body}")
    return comments


def read_workbook(
    path: Path, context: ExtractContext
) -> tuple[tuple[Page, ...], tuple[Table, ...], dict[str, str]]:
    try:
        book = xlrd.open_workbook(
            str(path), on_demand=True, ragged_rows=True, logfile=io.StringIO()
        )
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ExtractionError(
                ErrorKind.ENCRYPTED, "password-protected Excel file (FILEPASS record)"
            ) from exc
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable Excel file: {exc}") from exc
    except _XLRD_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"Excel file is damaged: {exc}") from exc
    workbook = WorkbookPages()
    names: list[str] = []
    hidden: list[str] = []
    truncated: list[str] = []
    comments = 0
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            name = str(sheet.name)
            state = _SHEET_STATES.get(getattr(sheet, "visibility", 0))
            names.append(name)
            if state:
                hidden.append(name)
            rows = workbook.sheet(name, [state] if state else [])
            cut = _sheet_rows(book, sheet, rows, context)
            sheet_comments = _sheet_comments(sheet)
            comments += len(sheet_comments)
            if cut:
                truncated.append(name)
            rows.finish(sheet_comments, f"cut after {MAX_SHEET_CHARS} characters" if cut else "")
            book.unload_sheet(index)
    except _XLRD_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"Excel file is damaged: {exc}") from exc
    finally:
        book.release_resources()
    metadata = {"sheet_names": LIST_SEPARATOR.join(names)[:MAX_METADATA_CHARS]}
    if hidden:
        metadata["hidden_sheets"] = LIST_SEPARATOR.join(hidden)[:MAX_METADATA_CHARS]
    if truncated:
        metadata["truncated_sheets"] = LIST_SEPARATOR.join(truncated)[:MAX_METADATA_CHARS]
    if comments:
        metadata["comment_count"] = str(comments)
    pages, tables = workbook.result()
    return pages, tables, metadata
