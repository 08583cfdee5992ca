"""CSV and TSV files as tables: rows kept as rows, with their column names.

The encoding is guessed on a sample as for plain text (culpa.formats.support.plain_text), then
the whole file is decoded incrementally, so its size does not matter (a spool
holds the pages of a large one, culpa.formats.tables.table_pages). The delimiter
(comma, tab, semicolon or bar) is the one that splits the sample's records into
the most consistent number of fields; quoted fields may hold line breaks, and
rows may be ragged. The first record is the header when it reads as one (every
name present, distinct, not a number, not repeated in its column below); else
the columns are named A, B, C… as a spreadsheet names them. Rows are numbered as
a spreadsheet opening the file numbers them: record 1 is the first record (the
header, when there is one), a blank line counts, a quoted line break does not.

Text that is not really a table (one column, prose with commas, a first line
longer than the sample) is read as plain text, as before. A record longer than
:data:`MAX_RECORD_CHARS` (an unclosed quote, a 1 GB line) is a recorded error
rather than a file read into memory whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO, ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.plain_text import read_text_file
from culpa.formats.tables.table_pages import (
    MAX_COLUMNS,
    PageOutput,
    TableBuilder,
    bom_length,
    decoded_lines,
    sample_text,
)
from culpa.models import Extracted

#: Bytes read to choose the encoding and the delimiter.
SAMPLE_BYTES = 256 * 1024
#: Records of the sample that choose the delimiter and the header.
SNIFF_RECORDS = 200
#: Share of the sample's records that must have the commonest number of fields.
MIN_CONSISTENCY = 0.8
#: Longest record (or line) read, in characters: past it the file is refused.
MAX_RECORD_CHARS = 16 * 1024**2
#: Delimiters tried, the commonest first (the first wins a tie).
DELIMITERS: tuple[str, ...] = (",", "\t", ";", "|")
#: Names of the delimiters in metadata.
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
#: Longest header name: a longer first cell is data.
MAX_HEADER_CHARS = 200

_NUMBER = re.compile(r"^\s*[-+(]?[$€£¥]?\s*\d[\d,.\s]*%?\)?\s*$")


@dataclass(frozen=True, slots=True)
class TableShape:
    """What the sample says about a delimited file."""

    delimiter: str
    header: bool
    width: int
    #: Most records have something in their first field (indented text has not).
    filled: bool = True


def _records(sample: str, delimiter: str) -> list[list[str]]:
    csv.field_size_limit(max(MAX_RECORD_CHARS, len(sample) + 1))  # a sample's cells all fit
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
    try:
        return [row for row in islice(reader, SNIFF_RECORDS) if row]
    except csv.Error:
        return []


def sniff_shape(sample: str, *, complete: bool, min_records: int = 2) -> TableShape | None:
    """The delimiter and header of a table's sample, or None if it does not read as a table.

    ``complete``: the sample is the whole file; otherwise its last, probably cut,
    line is left out (and a sample without a line break is no table).
    """
    if not complete:
        cut = sample.rfind("\n")
        if cut < 0:
            return None
        sample = sample[: cut + 1]
    sample = sample.replace("\r\n", "\n").replace("\r", "\n")
    best: tuple[float, int, str, list[list[str]]] | None = None
    for delimiter in DELIMITERS:
        if delimiter not in sample:
            continue
        rows = _records(sample, delimiter)
        if len(rows) < min_records:
            continue
        width, count = Counter(len(row) for row in rows).most_common(1)[0]
        consistency = count / len(rows)
        if width < 2 or consistency < MIN_CONSISTENCY:
            continue
        if best is None or (consistency, width) > best[:2]:
            best = (consistency, width, delimiter, rows)
    if best is None:
        return None
    _, width, delimiter, rows = best
    filled = sum(bool(row[0].strip()) for row in rows) * 2 > len(rows)
    return TableShape(delimiter, looks_like_header(rows), width, filled)


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell))


def looks_like_header(rows: list[list[str]]) -> bool:
    """Whether the first record names the columns rather than holding data."""
    first, rest = rows[0], rows[1:]
    names = [cell.strip() for cell in first]
    if not all(names) or len({name.casefold() for name in names}) < len(names):
        return False
    if any(_is_number(name) or len(name) > MAX_HEADER_CHARS for name in names):
        return False
    for index, name in enumerate(names):
        below = {row[index].strip() for row in rest if index < len(row)}
        if name in below:  # a value repeated below is data, not a name
            return False
    return True


def read_rows(handle: BinaryIO, codec: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number from 1, cells) for every record, blank records left out but counted."""
    csv.field_size_limit(MAX_RECORD_CHARS)  # the csv module's limit is per process
    reader = csv.reader(
        decoded_lines(handle, codec, MAX_RECORD_CHARS), delimiter=delimiter, strict=False
    )
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ExtractionError(
                ErrorKind.TOO_LARGE,
                f"record {number + 1}: {exc} (an unclosed quote, or a cell of over "
                f"{MAX_RECORD_CHARS:,} characters)",
            ) from exc
        number += 1
        if row:
            yield number, row


@register
class DelimitedExtractor:
    """CSV and TSV (any encoding, delimiter , tab ; or |) as one table."""

    type: ClassVar[str] = "csv"
    mime_types: ClassVar[tuple[str, ...]] = (
        "text/csv",
        "application/csv",
        "text/x-csv",
        "text/comma-separated-values",
        "text/tab-separated-values",
    )
    extensions: ClassVar[tuple[str, ...]] = (".csv", ".tsv", ".tab", ".psv")
    score: ClassVar[int] = 20

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Read the rows; text that is not a table is read as plain text."""
        try:
            with path.open("rb") as handle:
                sample = handle.read(SAMPLE_BYTES)
                complete = len(sample) < SAMPLE_BYTES
                found = sample_text(sample, complete=complete)
                if not sample:
                    raise ExtractionError(ErrorKind.EMPTY, "file is empty")
                shape = sniff_shape(found[0], complete=complete) if found else None
                if found is None or shape is None:
                    return _as_text(path)
                codec = found[1]
                handle.seek(bom_length(sample))
                return _read_table(handle, codec, shape, context, context.name or path.name)
        except OSError as exc:
            raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc


def _as_text(path: Path) -> Extracted:
    extracted = read_text_file(path)
    return Extracted(pages=extracted.pages, metadata={**extracted.metadata, "table": "no"})


def _read_table(
    handle: BinaryIO, codec: str, shape: TableShape, context: ExtractContext, name: str
) -> Extracted:
    output = PageOutput(context.workdir, context.progress)
    table: TableBuilder = output.table(name or "table")
    try:
        rows = read_rows(handle, codec, shape.delimiter)
        if shape.header:
            first = next(rows, None)
            if first is not None:
                table.set_columns(first[1])
        for number, cells in rows:
            table.add_row(number, cells, joiner=shape.delimiter)
        table.finish()
        pages, tables, spool = output.finish()
    except BaseException:
        output.discard()
        raise
    metadata = {
        "encoding": codec,
        "delimiter": DELIMITER_NAMES[shape.delimiter],
        "header": "yes" if shape.header else "no",
        "rows": str(table.row_count),
        "columns": str(len(table.columns)),
    }
    if table.wide_rows:
        metadata["warning"] = (
            f"{table.wide_rows} rows have over {MAX_COLUMNS:,} cells: "
            "the rest of each is kept in its last column"
        )
    return Extracted(pages=pages, metadata=metadata, tables=tables, spool=spool)
