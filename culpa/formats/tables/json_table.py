"""JSON records and JSON Lines (NDJSON) as tables.

A JSON array of objects, or an object holding one such array (``{"data": [...]}``),
is one table: its columns are the union of the objects' keys in the order first
seen, a row is numbered by its record's position from 1, and a nested value is
kept as compact JSON text. The rest of a wrapping object is a text page before
the table. Any other JSON (one object, an array of numbers) is read as plain
text, as before.

JSON Lines (``.ndjson``, ``.jsonl``, or any text whose lines are each one JSON
object) are read line by line, so their size does not matter; a row is numbered
by its line number. A line that is not a JSON object is kept as a row with its
raw text in the column ``(line)`` and counted in the ``warning`` metadata; it
does not fail the file.

Python's json parser recurses, so a value nested thousands deep raises
RecursionError: a file is then read as text, and a line is kept raw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.plain_text import (
    decode_text,
    normalise_newlines,
    read_bounded,
    read_text_file,
    text_pages,
)
from culpa.formats.tables.table_pages import (
    MAX_COLUMNS,
    PageOutput,
    TableBuilder,
    bom_length,
    decoded_lines,
    sample_text,
)
from culpa.models import Extracted

#: Bytes read to tell JSON Lines from JSON, and to choose the encoding of JSON Lines.
SAMPLE_BYTES = 256 * 1024
#: A JSON document (not JSON Lines) larger than this is read as text, not parsed: its
#: objects would take ten times its size in memory.
MAX_JSON_BYTES = 64 * 1024**2
#: Longest JSON line read (characters); a longer one fails the file.
MAX_LINE_CHARS = 16 * 1024**2
#: Lines of the sample looked at to call a file JSON Lines, and the share that must be objects.
SNIFF_LINES = 50
MIN_OBJECT_LINES = 0.7
#: Column holding the raw text of a line that is not a JSON object.
RAW_COLUMN = "(line)"
#: Column holding the keys past MAX_COLUMNS (as compact JSON), so none is lost.
OTHER_COLUMN = "(other keys)"


def compact(value: Any) -> str:
    """A cell's text: strings as they are, null as empty, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def looks_like_json_lines(sample: str, *, complete: bool) -> bool:
    """Whether the text's lines are each one JSON object (two lines at least)."""
    lines = sample.replace("\r\n", "\n").split("\n")
    if not complete:
        lines.pop()  # probably cut
    lines = [line for line in lines[: SNIFF_LINES * 2] if line.strip()][:SNIFF_LINES]
    if len(lines) < 2 or _object(lines[0]) is None:
        return False
    objects = sum(_object(line) is not None for line in lines)
    return objects >= MIN_OBJECT_LINES * len(lines)


def find_records(value: Any) -> tuple[str | None, list[dict[str, Any]], dict[str, Any]] | None:
    """(key, records, rest) when ``value`` is an array of objects or an object holding one."""

    def records(item: Any) -> bool:
        return isinstance(item, list) and bool(item) and all(isinstance(x, dict) for x in item)

    if records(value):
        return None, value, {}
    if isinstance(value, dict):
        arrays = [key for key, item in value.items() if records(item)]
        if len(arrays) == 1:
            key = arrays[0]
            return key, value[key], {k: v for k, v in value.items() if k != key}
    return None


class _Columns:
    """Keys seen so far, as columns of a table (at most MAX_COLUMNS of them)."""

    def __init__(self, table: TableBuilder) -> None:
        self._table = table
        self._index: dict[str, int] = {}

    def cells(self, record: Mapping[str, Any]) -> list[str]:
        cells: list[str] = []
        other: dict[str, Any] = {}
        for key, value in record.items():
            index = self._index.get(key)
            if index is None:
                if len(self._index) >= MAX_COLUMNS - 2:
                    other[key] = value
                    continue
                index = self._index[key] = self._table.add_column(key or "(empty key)")
            while len(cells) <= index:
                cells.append("")
            cells[index] = compact(value)
        if other:
            self.put(cells, OTHER_COLUMN, compact(other))
        return cells

    def put(self, cells: list[str], name: str, value: str) -> None:
        index = self._index.get(name)
        if index is None:
            index = self._index[name] = self._table.add_column(name)
        while len(cells) <= index:
            cells.append("")
        cells[index] = value


@register
class JsonExtractor:
    """JSON records and JSON Lines as tables; other JSON as text."""

    type: ClassVar[str] = "json"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/json",
        "text/json",
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/geo+json",
    )
    extensions: ClassVar[tuple[str, ...]] = (".json", ".ndjson", ".jsonl", ".geojson")
    score: ClassVar[int] = 20

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Read the records as a table, JSON Lines line by line, anything else as text."""
        try:
            with path.open("rb") as handle:
                sample = handle.read(SAMPLE_BYTES)
                if not sample:
                    raise ExtractionError(ErrorKind.EMPTY, "file is empty")
                complete = len(sample) < SAMPLE_BYTES
                found = sample_text(sample, complete=complete)
                if found is not None and looks_like_json_lines(found[0], complete=complete):
                    handle.seek(bom_length(sample))
                    codec = found[1]
                    return _read_lines(handle, codec, context, context.name or path.name)
        except OSError as exc:
            raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
        return _read_document(path, context)


def _read_lines(handle: BinaryIO, codec: str, context: ExtractContext, name: str) -> Extracted:
    output = PageOutput(context.workdir, context.progress)
    table = output.table(name or "records")
    columns = _Columns(table)
    bad = 0
    try:
        for number, line in enumerate(decoded_lines(handle, codec, MAX_LINE_CHARS), start=1):
            text = line.rstrip("\n")
            if not text.strip():
                continue
            record = _object(text)
            cells: list[str] = []
            if record is None:
                bad += 1
                columns.put(cells, RAW_COLUMN, text)
            else:
                cells = columns.cells(record)
            table.add_row(number, cells)
        table.finish()
        pages, tables, spool = output.finish()
    except BaseException:
        output.discard()
        raise
    metadata = {"encoding": codec, "json": "lines", "rows": str(table.row_count)}
    if bad:
        metadata["bad_lines"] = str(bad)
        metadata["warning"] = (
            f"{bad} of {table.row_count} lines are not JSON objects: "
            f"each is kept as a row with its raw text in the column {RAW_COLUMN}"
        )
    return Extracted(pages=pages, metadata=metadata, tables=tables, spool=spool)


def _read_document(path: Path, context: ExtractContext) -> Extracted:
    if path.stat().st_size > MAX_JSON_BYTES:
        extracted = read_text_file(path)
        note = f"over {MAX_JSON_BYTES:,} bytes: read as text, not parsed"
        return Extracted(pages=extracted.pages, metadata={**extracted.metadata, "json": note})
    data = read_bounded(path, MAX_JSON_BYTES)
    text, codec = decode_text(data)
    del data
    metadata = {"encoding": codec}
    try:
        value = json.loads(text)
    except RecursionError:
        value, metadata["json"] = None, "nested too deep to parse: read as text"
    except ValueError:
        value, metadata["json"] = None, "not valid JSON: read as text"
    found = find_records(value) if value is not None else None
    if found is None:
        if "json" not in metadata:
            metadata["json"] = "no records: read as text"
        return Extracted(pages=text_pages(normalise_newlines(text)), metadata=metadata)
    key, records, rest = found
    output = PageOutput(context.workdir, context.progress)
    try:
        if rest:
            output.add_text_page(json.dumps(rest, ensure_ascii=False, indent=1))
        table = output.table(key if key is not None else context.name or path.name)
        columns = _Columns(table)
        for number, record in enumerate(records, start=1):
            table.add_row(number, columns.cells(record))
        table.finish()
        pages, tables, spool = output.finish()
    except RecursionError:  # compact() on a value nested near the limit
        output.discard()
        metadata["json"] = "nested too deep to lay out: read as text"
        return Extracted(pages=text_pages(normalise_newlines(text)), metadata=metadata)
    except BaseException:
        output.discard()
        raise
    metadata.update({"json": "records", "rows": str(table.row_count)})
    if key is not None:
        metadata["json_records_key"] = key
    return Extracted(pages=pages, metadata=metadata, tables=tables, spool=spool)
