"""Rows of a table laid out as stored pages, in memory or spooled to disk.

A table's rows become page text, one row per line with cells joined by tabs
(see :class:`culpa.models.Table`), up to :data:`MAX_PAGE_ROWS` rows or about
:data:`MAX_PAGE_CHARS` characters a page, so a row is searched, shown and cited
like any other text. A file whose pages grow past :data:`SPOOL_THRESHOLD_CHARS`
(a CSV of hundreds of megabytes) has them written to a spool file in its work
folder as they are made, so memory stays flat whatever the file's size: the
worker and the writer read the spool one page at a time (culpa/ingest/spool.py).
"""

from __future__ import annotations

import codecs
import pickle
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.support.plain_text import bom_encoding, guess_encoding
from culpa.models import Page, Table, TablePage

#: Rows a page holds at most.
MAX_PAGE_ROWS = 1_000
#: A page is closed once its text reaches this many characters (a longer row has a page
#: of its own; a row is never cut).
MAX_PAGE_CHARS = 20_000
#: Columns a table may have (Excel's limit): cells past it are joined into the last one.
MAX_COLUMNS = 16_384
#: Page text held in memory before the pages go to a spool file (characters). Module
#: level so a test can lower it and check that spooled pages equal those held in memory.
SPOOL_THRESHOLD_CHARS = 8 * 1024**2
#: Name of the spool file inside an extractor's work folder.
SPOOL_NAME = "pages.spool"
#: Bytes decoded at a time.
CHUNK_BYTES = 1024 * 1024

# A cell's tab would split it in two, a line break would make it two rows; the other
# line and page separators (str.splitlines, form feed) are kept out too.
_CELL_SPACES = str.maketrans(
    {
        "\t": " ",
        "\n": " ",
        "\r": " ",
        "\x0b": " ",
        "\x0c": " ",
        "\x1c": " ",
        "\x1d": " ",
        "\x1e": " ",
        "\x85": " ",
        "\u2028": " ",
        "\u2029": " ",
        "\x00": "\ufffd",  # a NUL is shown as such, never dropped silently
    }
)


#: Any character clean_cell changes: a row without one is joined as it is.
_CELL_SPECIAL = re.compile("[" + re.escape("".join(map(chr, _CELL_SPACES))) + "]")


def clean_cell(value: str) -> str:
    """A cell's text as stored: tabs and line breaks become spaces, NUL becomes U+FFFD."""
    return value.translate(_CELL_SPACES)


def row_line(cells: Sequence[str]) -> str:
    """A row as a line of the page: its cleaned cells joined by tabs, empty ones at the end cut."""
    if _CELL_SPECIAL.search("".join(cells)) is None:  # the common case, ten times faster
        return "\t".join(cells).rstrip("\t")
    return "\t".join(clean_cell(cell) for cell in cells).rstrip("\t")


def column_letter(index: int) -> str:
    """A spreadsheet's name for column ``index`` (0 → A, 25 → Z, 26 → AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def sample_text(sample: bytes, *, complete: bool) -> tuple[str, str] | None:
    """(text, codec) of a file's first bytes: its BOM's codec, else the guess of plain text."""
    bom = bom_encoding(sample)
    if bom is not None:
        codec, skip = bom
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        return decoder.decode(sample[skip:], final=complete), codec
    return guess_encoding(sample, final=complete)


def bom_length(sample: bytes) -> int:
    """Bytes of the byte order mark the file starts with (0 without one)."""
    bom = bom_encoding(sample)
    return 0 if bom is None else bom[1]


def decoded_lines(handle: BinaryIO, codec: str, max_chars: int) -> Iterator[str]:
    """The file's text line by line (LF, CRLF or CR as LF), decoded a chunk at a time.

    A line longer than ``max_chars`` is refused rather than held whole (a 1 GB line).
    """
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    carry = ""
    while True:
        data = handle.read(CHUNK_BYTES)
        text = carry + decoder.decode(data, final=not data)
        carry = ""
        if data and text.endswith("\r"):
            text, carry = text[:-1], "\r"  # its LF may open the next chunk
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        tail = lines.pop()
        for line in lines:
            yield line + "\n"
        if len(tail) > max_chars:
            raise ExtractionError(
                ErrorKind.TOO_LARGE,
                f"a line of over {max_chars:,} characters: not read as a table",
            )
        if not data:
            if tail:
                yield tail
            return
        carry = tail + carry


@dataclass(frozen=True, slots=True)
class SpooledPage:
    """One page in a spool file, with the table rows it holds (``table`` indexes tables)."""

    page: Page
    table: int | None
    rows: tuple[int, ...]


def write_spooled(handle: BinaryIO, record: SpooledPage) -> None:
    pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)


def read_spool(path: Path) -> Iterator[SpooledPage]:
    """The pages of a spool file, one at a time (only culpa writes these files)."""
    with path.open("rb") as handle:
        while True:
            try:
                record = pickle.load(handle)  # written by this process only
            except EOFError:
                return
            if not isinstance(record, SpooledPage):
                raise TypeError(f"not a page spool: {path}")
            yield record


class PageOutput:
    """The pages of one file as they are made: held in memory, or spooled past a threshold."""

    def __init__(self, workdir: Path, progress: Callable[[], None] = lambda: None) -> None:
        self._workdir = workdir
        self._progress = progress
        self._held: list[SpooledPage] = []
        self._held_chars = 0
        self._spool: BinaryIO | None = None
        self._spool_path: Path | None = None
        self._tables: list[tuple[str, list[str]]] = []
        self.count = 0

    def add_text_page(self, text: str) -> None:
        """A page that is not a table's (the rest of a JSON object around its records)."""
        self._add(SpooledPage(self._page(text), None, ()))

    def table(self, name: str) -> TableBuilder:
        """A new table of this file; its rows are added through the builder."""
        self._tables.append((name, []))
        return TableBuilder(self, len(self._tables) - 1)

    def _page(self, text: str) -> Page:
        return Page(number=self.count + 1, text=text)

    def _add(self, record: SpooledPage) -> None:
        self.count += 1
        self._progress()
        if self._spool is not None:
            write_spooled(self._spool, record)
            return
        self._held.append(record)
        self._held_chars += len(record.page.text)
        if self._held_chars > SPOOL_THRESHOLD_CHARS:
            self._workdir.mkdir(parents=True, exist_ok=True)
            self._spool_path = self._workdir / SPOOL_NAME
            self._spool = self._spool_path.open("wb")
            for held in self._held:
                write_spooled(self._spool, held)
            self._held.clear()

    def finish(self) -> tuple[tuple[Page, ...], tuple[Table, ...], Path | None]:
        """(pages, tables, spool): a spooled file's pages and table pages are in the spool."""
        if self._spool is not None:
            self._spool.close()
            tables = tuple(Table(name, tuple(columns), ()) for name, columns in self._tables)
            return (), tables, self._spool_path
        by_table: list[list[TablePage]] = [[] for _ in self._tables]
        for record in self._held:
            if record.table is not None:
                by_table[record.table].append(TablePage(record.page.number, record.rows))
        tables = tuple(
            Table(name, tuple(columns), tuple(pages))
            for (name, columns), pages in zip(self._tables, by_table, strict=True)
        )
        return tuple(record.page for record in self._held), tables, None

    def discard(self) -> None:
        """Close and remove the spool of a file that failed."""
        if self._spool is not None:
            self._spool.close()
        if self._spool_path is not None:
            self._spool_path.unlink(missing_ok=True)


class TableBuilder:
    """Adds one table's rows to a :class:`PageOutput`, closing pages as they fill."""

    def __init__(self, output: PageOutput, index: int) -> None:
        self._output = output
        self._index = index
        self.columns = output._tables[index][1]
        self._lines: list[str] = []
        self._rows: list[int] = []
        self._chars = 0
        self.row_count = 0
        #: Rows whose cells past MAX_COLUMNS were joined into the last column.
        self.wide_rows = 0

    def set_columns(self, names: Sequence[str]) -> None:
        """The header's names (cleaned, an empty one named by its letter)."""
        self.columns[:] = [
            clean_cell(name).strip() or column_letter(i)
            for i, name in enumerate(names[:MAX_COLUMNS])
        ]

    def add_column(self, name: str) -> int:
        """Add a named column (JSON keys, first seen first); returns its index."""
        self.columns.append(name)
        return len(self.columns) - 1

    def add_row(self, number: int, cells: Sequence[str], joiner: str = " ") -> None:
        """Row ``number`` (as the table's own program numbers it) with its cells in order."""
        if len(cells) > MAX_COLUMNS:
            self.wide_rows += 1
            cells = [*cells[: MAX_COLUMNS - 1], joiner.join(cells[MAX_COLUMNS - 1 :])]
        while len(self.columns) < len(cells):  # a ragged row: spreadsheet names for the rest
            self.columns.append(column_letter(len(self.columns)))
        line = row_line(cells)
        if self._lines and self._chars + len(line) + 1 > MAX_PAGE_CHARS:
            self._flush()
        self._lines.append(line)
        self._rows.append(number)
        self._chars += len(line) + 1
        self.row_count += 1
        if len(self._lines) >= MAX_PAGE_ROWS:
            self._flush()

    def finish(self) -> None:
        """Close the last page."""
        self._flush()

    def _flush(self) -> None:
        if not self._lines:
            return
        text = "\n".join(self._lines)
        output = self._output
        output._add(SpooledPage(output._page(text), self._index, tuple(self._rows)))
        self._lines, self._rows, self._chars = [], [], 0
