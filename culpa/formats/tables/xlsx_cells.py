"""What Excel shows for a cell of an XLSX sheet: the stored value made readable.

A worksheet stores raw values: a serial number for a date, an index into the
shared strings, ``1`` for TRUE, ``_x000D_`` for a carriage return. Turning them
into the text a reporter would see in Excel is a concept of its own, used on
every cell of :mod:`culpa.formats.tables.xlsx` in its hot loop: shared and
inline strings (runs, not phonetic hints), numbers as the General format shows
them (integers without ``.0``, at most 15 significant digits), dates and times
in ISO form when the cell's number format shows a date or a time
(:func:`format_kind`, the built-in formats of ECMA-376 18.8.30, 1900 and 1904
date systems, Excel's 29 February 1900 that never was), TRUE/FALSE, error codes,
and a formula (``=...``) only when no value was saved. A row becomes one line,
its cells separated by tabs at their column positions (:func:`row_line`);
columns past :data:`MAX_COLUMNS` are ignored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from culpa.formats.support.ooxml import (
    Element,
)

#: Excel's last column (XFD); cells claiming to lie further right are dropped.
MAX_COLUMNS = 16_384
TRUE_VALUES = frozenset({"1", "true"})

# Built-in number formats that show a date or a time (ECMA-376 18.8.30; 27-36 and
# 50-58 are the Chinese, Japanese and Korean locales' date and time formats).
_BUILTIN_DATE_FORMATS = frozenset(
    {14, 15, 16, 17, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58}
)
_BUILTIN_TIME_FORMATS = frozenset({18, 19, 20, 21, 32, 33, 34, 35, 45, 47, 55, 56})
_BUILTIN_DATETIME_FORMATS = frozenset({22})
_DATE, _TIME, _DATETIME = "date", "time", "datetime"
# Parts of a format code that are shown literally, and bracketed modifiers.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.')
_FORMAT_BRACKETS = re.compile(r"\[[^\]]*\]")
_ELAPSED_TIME = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
# ST_Xstring escapes characters XML cannot hold: _x000D_ is a carriage return.
_BREAKS = re.compile(r"[\t\n\r\v\f]")
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Excel's serial day 1 is 1900-01-01, and it counts the 29 February 1900 that never was.
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1900_BEFORE_MARCH = datetime(1899, 12, 31)
_EPOCH_1904 = datetime(1904, 1, 1)
_LAST_SERIAL_DAY = 2_958_466  # 9999-12-31 + 1


def _unescape(text: str) -> str:
    if "_x" not in text:
        return text
    return _XSTRING_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def format_kind(code: str) -> str | None:
    """'date', 'time' or 'datetime' if a number format code shows dates or times."""
    stripped = _FORMAT_LITERALS.sub("", code)
    if _ELAPSED_TIME.search(stripped):
        return None  # a duration like [h]:mm, not a point in time
    section = _FORMAT_BRACKETS.sub("", stripped).split(";", 1)[0].lower()
    section = section.replace("am/pm", "").replace("a/p", "").replace("general", "")
    has_time = "h" in section or "s" in section
    has_date = "d" in section or "y" in section or ("m" in section and not has_time)
    if has_date and has_time:
        return _DATETIME
    if has_date:
        return _DATE
    return _TIME if has_time else None


def builtin_kind(format_id: int) -> str | None:
    """What a built-in number format shows: 'date', 'time', 'datetime' or None."""
    if format_id in _BUILTIN_DATE_FORMATS:
        return _DATE
    if format_id in _BUILTIN_TIME_FORMATS:
        return _TIME
    return _DATETIME if format_id in _BUILTIN_DATETIME_FORMATS else None


def to_int(text: str | None, default: int = -1) -> int:
    """An attribute as an int; ``default`` when it is missing or not a number."""
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def format_number(raw: str) -> str:
    """A stored number as Excel's General format shows it (15 significant digits)."""
    try:
        value = float(raw)
    except ValueError:
        return raw.strip()
    if not math.isfinite(value):
        return raw.strip()
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


@lru_cache(maxsize=4096)
def format_serial_date(raw: str, kind: str, date1904: bool) -> str:
    """A date serial number as ISO 8601 text, as the cell's format kind shows it."""
    try:
        serial = float(raw)
    except ValueError:
        return raw.strip()
    if not (math.isfinite(serial) and 0 <= serial < _LAST_SERIAL_DAY):
        return format_number(raw)
    epoch = _EPOCH_1900_BEFORE_MARCH if serial < 60 else _EPOCH_1900
    if date1904:
        epoch = _EPOCH_1904
    moment = epoch + timedelta(seconds=round(serial * 86_400))
    if kind == _TIME:
        return moment.strftime("%H:%M:%S")
    if kind == _DATE:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@lru_cache(maxsize=MAX_COLUMNS)
def _column_of_letters(letters: str) -> int:
    index = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            return -1
        index = index * 26 + ord(char) - 64
    return index - 1


def _column_index(reference: str | None) -> int:
    """0-based column of a cell reference like ``AB12``, or -1 if there is none."""
    if not reference:
        return -1
    return _column_of_letters(reference.rstrip("0123456789$"))


@dataclass(slots=True)
class Names:
    """Qualified tag names in the workbook's namespace (transitional or strict)."""

    row: str
    cell: str
    value: str
    formula: str
    inline: str
    text: str
    run: str
    string_item: str

    @classmethod
    def for_namespace(cls, ns: str) -> Names:
        def q(name: str) -> str:
            return f"{{{ns}}}{name}"

        return cls(q("row"), q("c"), q("v"), q("f"), q("is"), q("t"), q("r"), q("si"))


def rich_text(element: Element, names: Names) -> str:
    """Text of a string item (``si``, ``is``, comment ``text``): runs, not phonetic hints."""
    parts: list[str] = []
    for child in element.iterchildren():
        if child.tag == names.text:
            parts.append(child.text or "")
        elif child.tag == names.run:
            parts.extend(t.text or "" for t in child.iterchildren(names.text))
    return _unescape("".join(parts))


@dataclass(slots=True)
class Workbook:
    """What every sheet's cells are read with."""

    names: Names
    strings: list[str]
    date_kinds: list[str | None]  # per cell style index
    date1904: bool
    strings_cut: bool = False


def _cell_text(cell: Element, book: Workbook) -> str:
    names = book.names
    value: str | None = None
    formula: str | None = None
    inline: Element | None = None
    # Iterating the children beats find()/findtext() by 5x here, the hot loop.
    for child in cell:
        tag = child.tag
        if tag == names.value:
            value = child.text
        elif tag == names.formula:
            formula = child.text
        elif tag == names.inline:
            inline = child
    cell_type = cell.get("t")
    if cell_type == "inlineStr":
        return rich_text(inline, names) if inline is not None else ""
    if not value:  # none saved (openpyxl writes an empty <v/> after a formula)
        return f"={formula}" if formula else ""
    if cell_type is None or cell_type == "n":
        style = cell.get("s")
        if style is not None and book.date_kinds:
            index = to_int(style, 0)
            kind = book.date_kinds[index] if 0 <= index < len(book.date_kinds) else None
            if kind is not None:
                return format_serial_date(value, kind, book.date1904)
        return format_number(value)
    if cell_type == "s":
        index = to_int(value)
        return book.strings[index] if 0 <= index < len(book.strings) else ""
    if cell_type == "str":
        return _unescape(value)
    if cell_type == "b":
        return "TRUE" if value.strip().lower() in TRUE_VALUES else "FALSE"
    return value.strip()  # e (an error code such as #DIV/0!) or d (an ISO 8601 date)


def row_line(row: Element, book: Workbook) -> str:
    """A ``row`` element as one line: its cells' texts tab-separated at their columns."""
    cells: dict[int, str] = {}
    column = -1
    cell_tag = book.names.cell
    for cell in row:
        if cell.tag != cell_tag:
            continue
        referenced = _column_index(cell.get("r"))
        column = referenced if referenced >= 0 else column + 1
        if column >= MAX_COLUMNS:
            continue
        text = _cell_text(cell, book)
        if text:
            # Tabs and line breaks inside a cell would break the row's layout.
            cells[column] = " ".join(text.split()) if _BREAKS.search(text) else text
    if not cells:
        return ""
    last = max(cells)
    return "\t".join(cells.get(index, "") for index in range(last + 1))
