"""Entities, mentions and quotations as JSON lines or CSV, for other tools and spreadsheets.

One record per line or row, with the same keys in both (the ``as_dict`` of
:mod:`culpa.store.records`), so ``culpa entities``, ``culpa quotes`` and
``culpa export`` write one format whichever way they are asked. A JSON line
keeps every value as it is (aliases a list, a missing speaker null); a CSV row
joins aliases with ``"; "`` and leaves null cells empty.

CSV files from a leak are opened in spreadsheets, where a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula (OWASP's
"CSV injection": ``=HYPERLINK(...)`` in a leaked document would run on the
reporter's machine). Such a text cell is written with a leading ``'``, which
spreadsheets show as text; numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, Final, TextIO

from culpa.store.records import PLACE_KEYS

if TYPE_CHECKING:
    from culpa.store.api import CaseStore

ENTITY_COLUMNS: Final = ("label", "name", "aliases", "mentions", "documents")
MENTION_COLUMNS: Final = (
    *PLACE_KEYS,
    "text",
    "label",
    "entity",
    "role",
)
QUOTATION_COLUMNS: Final = (
    *PLACE_KEYS,
    "text",
    "speaker",
    "speaker_start",
    "speaker_end",
    "entity",
)

#: The records ``culpa export --records`` writes besides documents, and their columns.
RECORD_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "entities": ENTITY_COLUMNS,
    "mentions": MENTION_COLUMNS,
    "quotes": QUOTATION_COLUMNS,
}

#: What a spreadsheet reads as the start of a formula.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
#: Between the aliases of an entity in a CSV cell.
ALIAS_SEPARATOR: Final = "; "


def records(store: CaseStore, kind: str) -> Iterator[dict[str, Any]]:
    """Every entity, mention or quotation of the case (``kind``, a key of RECORD_COLUMNS)."""
    if kind == "entities":
        return (entity.as_dict() for entity in store.entities.entities())
    if kind == "mentions":
        return (mention.as_dict() for mention in store.entities.mentions())
    if kind == "quotes":
        return (quotation.as_dict() for quotation in store.entities.quotations())
    raise ValueError(f"no records called {kind!r}")


def json_line(record: Mapping[str, Any]) -> str:
    """One record as a JSON line (no newline), non-ASCII text kept as it is."""
    return json.dumps(record, ensure_ascii=False)


def csv_cell(value: Any) -> str | int | float:
    """A value as a CSV cell: null empty, a list joined, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = ALIAS_SEPARATOR.join(map(str, value)) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(records: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> Iterator[str]:
    """A header line, then one line per record (each ends with a newline)."""
    names = tuple(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in chain([names], ([csv_cell(r.get(name)) for name in names] for r in records)):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_records(out: TextIO, store: CaseStore, kind: str, as_csv: bool = False) -> int:
    """Write the case's ``kind`` records (``documents`` or a key of RECORD_COLUMNS); how many.

    Documents (with their pages' text) are JSON lines only; the others JSON lines or CSV.
    """
    if kind == "documents":
        if as_csv:
            raise ValueError("documents are written as JSON lines only")
        found: Iterator[Mapping[str, Any]] = store.documents.export()
    else:
        found = records(store, kind)
    if as_csv:
        lines = csv_lines(found, RECORD_COLUMNS[kind])
        out.write(next(lines))
    else:
        lines = (json_line(record) + "\n" for record in found)
    count = 0
    for line in lines:
        out.write(line)
        count += 1
    return count
