"""SQLite database files (.sqlite, .db: app databases such as WeChat's and Android's).

Page 1 is an overview: every table with its row count and columns, the views,
triggers and virtual tables (named, never run), and the schema's ``CREATE``
statements, so a reporter sees what the database holds and can search it.
Then every ordinary table with rows becomes a :class:`~culpa.models.Table`:
its rows in rowid order, one per line (:mod:`culpa.formats.tables.pager`), each
numbered by its rowid (by its position for a ``WITHOUT ROWID`` table), columns
named as ``PRAGMA table_xinfo`` names them. NULL is an empty cell; a BLOB that
is UTF-8 text without control characters shows as that text, any other as
``<blob N bytes>``.

The file is hostile. A private copy is opened read-only and immutable (no
journal or WAL beside it is looked for, nothing is written), with
``trusted_schema=OFF``, ``query_only``, ``cell_size_check`` and memory-mapping
off; values longer than :data:`MAX_VALUE_BYTES` are refused by SQLite itself
(``SQLITE_LIMIT_LENGTH``), so a crafted 1 GB cell never reaches memory. Only
ordinary tables are selected: views and triggers are never run, virtual
tables are not queried (their modules run code over the file's data: the
"Magellan" bugs were FTS3 reading crafted shadow tables), and what an FTS
table holds is read from its shadow tables, which are ordinary tables; virtual
generated columns are not computed. A progress handler calls the ingest's
``progress`` and stops a table after :data:`MAX_INSTRUCTIONS` virtual-machine
steps, and the whole file after :data:`MAX_DATABASE_INSTRUCTIONS`. Rows, cells
and characters are bounded (:data:`MAX_TABLE_ROWS`, :data:`MAX_CELL_CHARS`,
:data:`MAX_TABLE_CHARS`, :data:`MAX_DATABASE_CHARS`);
a table cut or damaged part-way keeps the rows read and is named in metadata.

A database in WAL mode (header bytes 18-19) may have recent changes in a
``-wal`` file that is not part of this file (an archive member has none beside
it): the metadata says so. A file without the SQLite header whose bytes look
random is recorded as ``encrypted`` (SQLCipher, as WeChat's EnMicroMsg.db).

Metadata: ``sqlite_version`` (of the writer), ``page_size``, ``encoding``,
``journal_mode``, ``user_version``, ``application_id``, ``tables``, ``views``,
``triggers``, ``virtual_tables`` (``name (module)``), ``truncated_tables``,
``damaged_tables``.

The header is read and described by :mod:`culpa.formats.tables.sqlite_header`;
this module opens the database and reads its tables.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import tempfile
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.tables.pager import TablePager
from culpa.formats.tables.sqlite_header import Header, header_metadata, read_header
from culpa.formats.tables.table_pages import clean_cell
from culpa.models import Extracted, Page, Table

#: Larger database files are refused (bytes): each is copied before it is opened.
MAX_DATABASE_BYTES = 4 * 1024**3
#: SQLite refuses to load a single value longer than this (bytes).
MAX_VALUE_BYTES = 16 * 1024**2
#: A text cell shows at most this many characters (the cut is said in the cell).
MAX_CELL_CHARS = 100_000
#: BLOBs up to this size are tried as UTF-8 text; larger ones show as ``<blob N bytes>``.
MAX_BLOB_TEXT_BYTES = 100_000
#: Rows read per table; the rest are left (and the table named in truncated_tables).
MAX_TABLE_ROWS = 2_000_000
#: Characters of row text read per table.
MAX_TABLE_CHARS = 50_000_000
#: Characters of row text read from the whole database; later tables are not read.
MAX_DATABASE_CHARS = 100_000_000
#: Virtual-machine steps between two calls of the progress handler.
PROGRESS_INSTRUCTIONS = 100_000
#: Steps one table's reading may take before it is stopped (a crafted file that loops).
MAX_INSTRUCTIONS = 10_000_000_000
#: Steps the whole database may take (many tables each near their own budget).
MAX_DATABASE_INSTRUCTIONS = 50_000_000_000
#: Columns read per table (SQLite's own default maximum is 2,000).
MAX_COLUMNS = 2_000
#: Objects listed on the overview page, and characters of each schema statement there.
MAX_LISTED_OBJECTS = 10_000
MAX_SQL_CHARS = 2_000
#: Rows fetched from SQLite at a time.
FETCH_ROWS = 500
_LIST_SEPARATOR = "; "
# Characters that mark a BLOB as binary even when it decodes as UTF-8 (protobuf, images).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_VIRTUAL = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE\b.*?\bUSING\s+([\w\"'`\[\]]+)", re.I | re.S)
# Internal tables with nothing a reader needs (query planner statistics).
_SKIPPED_TABLES = re.compile(r"^sqlite_stat\d", re.I)
# The names by which a rowid table's rowid can be selected, unless a column took them all.
_ROWID_NAMES = ("rowid", "_rowid_", "oid")
# How a table's note begins when not all its rows were read.
_CUT = "cut"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def _connection(copy: Path) -> Iterator[sqlite3.Connection]:
    uri = "file:" + urllib.parse.quote(str(copy)) + "?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=True)
    try:
        # Text that is not valid UTF-8 is shown with replacement marks, not refused.
        conn.text_factory = lambda data: data.decode("utf-8", "replace")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        for pragma in (
            "trusted_schema=OFF",
            "query_only=ON",
            "cell_size_check=ON",
            "mmap_size=0",
        ):
            conn.execute(f"PRAGMA {pragma}")
        yield conn
    finally:
        conn.close()


@dataclass(slots=True)
class _Steps:
    """The progress handler: reports progress, stops a statement past its step budget."""

    context: ExtractContext
    calls: int = 0
    limit: int = 0
    stopped: bool = False
    #: Calls over the whole database, and their limit (MAX_DATABASE_INSTRUCTIONS).
    total: int = 0
    total_limit: int = 0

    def __post_init__(self) -> None:
        self.total_limit = MAX_DATABASE_INSTRUCTIONS // PROGRESS_INSTRUCTIONS
        self.reset()

    def __call__(self) -> int:
        self.context.progress()
        self.calls += 1
        self.total += 1
        if self.calls > self.limit or self.spent:
            self.stopped = True
            return 1
        return 0

    @property
    def spent(self) -> bool:
        """Whether the whole database's budget is spent (no table is read after that)."""
        return self.total > self.total_limit

    def reset(self) -> None:
        """Start a new budget (the schema's, then each table's)."""
        self.calls = 0
        self.limit = MAX_INSTRUCTIONS // PROGRESS_INSTRUCTIONS
        self.stopped = False


@dataclass(frozen=True, slots=True)
class _Object:
    type: str
    name: str
    sql: str


def _schema(conn: sqlite3.Connection) -> list[_Object]:
    try:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_schema ORDER BY rowid").fetchall()
    except sqlite3.DatabaseError as exc:
        raise _database_error(exc) from exc
    return [_Object(str(kind or ""), str(name or ""), str(sql or "")) for kind, name, sql in rows]


def _database_error(exc: sqlite3.Error) -> ExtractionError:
    message = str(exc)
    if "not a database" in message or "encrypted" in message:
        return ExtractionError(
            ErrorKind.ENCRYPTED,
            f"SQLite cannot read the database ({message}): encrypted pages under a plain "
            "header (SQLCipher with a plaintext header) or a damaged file",
        )
    return ExtractionError(ErrorKind.CORRUPT, f"SQLite database is damaged: {message}")


def _columns(conn: sqlite3.Connection, name: str) -> list[str]:
    """Stored columns (not virtual generated ones, which would run an expression)."""
    rows = conn.execute(f"PRAGMA table_xinfo({_quote(name)})").fetchall()
    # hidden: 0 ordinary, 2 virtual generated (computed on read), 3 stored generated.
    return [str(row[1]) for row in rows if row[6] in (0, 3)][:MAX_COLUMNS]


def _expression(column: str) -> str:
    """A column as selected: long text is cut and a long BLOB named inside SQLite."""
    q = _quote(column)
    blob_bytes = min(MAX_BLOB_TEXT_BYTES, MAX_VALUE_BYTES)
    # length() of a BLOB reads its size, not its bytes; a longer one never leaves SQLite.
    return (
        f"CASE typeof({q}) WHEN 'text' THEN substr({q}, 1, {MAX_CELL_CHARS + 1}) "
        f"WHEN 'blob' THEN CASE WHEN length({q}) > {blob_bytes} "
        f"THEN '<blob ' || length({q}) || ' bytes>' ELSE {q} END ELSE {q} END"
    )


def _cell(value: Any) -> str:
    """A selected value as shown: NULL empty, text cut and on one line, BLOB as text or size."""
    kind = value.__class__
    if kind is str:
        if len(value) > MAX_CELL_CHARS:
            value = value[:MAX_CELL_CHARS] + f" [cell cut at {MAX_CELL_CHARS} characters]"
        return clean_cell(value)
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if kind is float:
        return repr(value) if not value.is_integer() or abs(value) >= 1e15 else f"{value:.1f}"
    if kind is bytes:
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return f"<blob {len(value)} bytes>"
        if text and not _CONTROL.search(text):
            return clean_cell(text)
        return f"<blob {len(value)} bytes>"
    return clean_cell(str(value))


@dataclass(slots=True)
class _TableRead:
    name: str
    columns: list[str]
    rows: int = 0
    note: str = ""  # why it was not read whole
    damaged: bool = False
    table: Table | None = None


@dataclass(slots=True)
class _Reader:
    conn: sqlite3.Connection
    steps: _Steps
    pages: list[Page]
    chars_left: int = MAX_DATABASE_CHARS
    reads: list[_TableRead] = field(default_factory=list)

    def read_table(self, name: str) -> _TableRead:
        read = _TableRead(name, [])
        self.reads.append(read)
        self.steps.reset()
        if self.steps.spent:
            read.note = f"cut: not read, the database took over {MAX_DATABASE_INSTRUCTIONS} steps"
            return read
        try:
            read.columns = _columns(self.conn, name)
        except sqlite3.DatabaseError as exc:
            read.note, read.damaged = f"columns unreadable: {exc}", True
            return read
        if not read.columns:
            read.note = "no stored columns"
            return read
        if self.chars_left <= 0:
            read.note = f"cut: not read, the database's text passed {MAX_DATABASE_CHARS} characters"
            return read
        pager = TablePager(name, first_page=len(self.pages) + 2)  # page 1 is the overview
        budget = min(MAX_TABLE_CHARS, self.chars_left)
        spent = 0
        try:
            for row, cells in self._rows(name, read.columns):
                line = "\t".join(cells).rstrip("\t")
                if read.rows >= MAX_TABLE_ROWS:
                    read.note = f"cut after {MAX_TABLE_ROWS} rows"
                    break
                if spent + len(line) + 1 > budget:
                    read.note = f"cut after {budget} characters"
                    break
                spent += len(line) + 1
                read.rows += 1
                page = pager.add(row, line)
                if page is not None:
                    self.pages.append(page)
        except sqlite3.DatabaseError as exc:
            if self.steps.spent:
                read.note = f"cut: the database took over {MAX_DATABASE_INSTRUCTIONS} steps"
            elif self.steps.stopped:
                read.note = f"cut: reading took over {MAX_INSTRUCTIONS} SQLite steps"
            else:
                read.note, read.damaged = f"damaged after {read.rows} rows: {exc}", True
        last = pager.finish()
        if last is not None:
            self.pages.append(last)
        self.chars_left -= spent
        if read.rows:
            read.table = pager.table(read.columns)
        return read

    def _rows(self, name: str, columns: list[str]) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of a table: rowid order, else stored (key) order by position."""
        selected = ", ".join(_expression(column) for column in columns)
        taken = {column.lower() for column in columns}
        rowid = next((alias for alias in _ROWID_NAMES if alias not in taken), None)
        if rowid is not None:
            try:
                yield from self._rowid_rows(name, rowid, selected)
                return
            except _NoRowid:
                pass
        cursor = self.conn.execute(f"SELECT {selected} FROM {_quote(name)}")
        position = 0
        while batch := cursor.fetchmany(FETCH_ROWS):
            for values in batch:
                position += 1
                yield position, _cells(values)

    def _rowid_rows(self, name: str, rowid: str, selected: str) -> Iterator[tuple[int, list[str]]]:
        # Keyset pages by rowid, so a row whose value SQLite refuses (over the length
        # limit) is skipped and said, and the rows after it are still read.
        first = (
            f"SELECT {rowid}, {selected} FROM {_quote(name)} ORDER BY {rowid} LIMIT {FETCH_ROWS}"
        )
        query = (
            f"SELECT {rowid}, {selected} FROM {_quote(name)} "
            f"WHERE {rowid} > ? ORDER BY {rowid} LIMIT {FETCH_ROWS}"
        )
        after: int | None = None
        started = False
        while True:
            try:
                if after is None:
                    batch = self.conn.execute(first).fetchall()
                else:
                    batch = self.conn.execute(query, (after,)).fetchall()
            except sqlite3.DatabaseError as exc:
                if not started and "no such column" in str(exc):
                    raise _NoRowid from exc  # a WITHOUT ROWID table
                if "too big" not in str(exc):
                    raise
                batch = self._one_by_one(name, rowid, selected, after)
            started = True
            if not batch:
                return
            for values in batch:
                yield int(values[0]), _cells(values[1:])
            after = int(batch[-1][0])

    def _one_by_one(self, name: str, rowid: str, selected: str, after: int | None) -> list[Any]:
        """Rows after ``after`` up to the first one SQLite refuses, which is shown as such."""
        single = (
            f"SELECT {rowid}, {selected} FROM {_quote(name)} "
            f"WHERE {rowid} > ? ORDER BY {rowid} LIMIT 1"
        )
        only_rowid = (
            f"SELECT {rowid} FROM {_quote(name)} WHERE {rowid} > ? ORDER BY {rowid} LIMIT 1"
        )
        # Below every rowid (an int that low would overflow SQLite's integer).
        bound: float = -1e19 if after is None else after
        rows: list[Any] = []
        while len(rows) < FETCH_ROWS:
            try:
                found = self.conn.execute(single, (bound,)).fetchall()
            except sqlite3.DatabaseError as exc:
                if "too big" not in str(exc):
                    raise
                found = self.conn.execute(only_rowid, (bound,)).fetchall()
                if not found:
                    return rows
                refused = f"[row not read: a value is over {MAX_VALUE_BYTES} bytes]"
                rows.append((found[0][0], refused))
                bound = int(found[0][0])
                continue
            if not found:
                return rows
            rows.append(found[0])
            bound = int(found[0][0])
        return rows


class _NoRowid(Exception):
    """The table has no rowid (WITHOUT ROWID)."""


def _cells(values: Any) -> list[str]:
    return [_cell(value) for value in values]


def _one_line(sql: str) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= MAX_SQL_CHARS else line[:MAX_SQL_CHARS] + " …"


def _overview(
    objects: list[_Object], reads: list[_TableRead], virtual: dict[str, str], header: Header
) -> str:
    lines = [f"SQLite database (written by SQLite {header.sqlite_version}, {header.encoding})"]
    if header.write_version == 2:
        lines.append("WAL mode: changes in a -wal file beside the original are not in this file")
    if not objects:
        lines.append("No tables.")
    for read in reads[:MAX_LISTED_OBJECTS]:
        count = f"{read.rows} row" + ("" if read.rows == 1 else "s")
        notes = f"; {read.note}" if read.note else ""
        lines.append(f"table {read.name} ({count}{notes}): {', '.join(read.columns)}")
    for name, note in list(virtual.items())[:MAX_LISTED_OBJECTS]:
        lines.append(f"virtual table {name} ({note})")
    for kind in ("view", "trigger"):
        for obj in [o for o in objects if o.type == kind][:MAX_LISTED_OBJECTS]:
            lines.append(f"{kind} {obj.name} (not run)")
    schema = [_one_line(obj.sql) for obj in objects if obj.sql][:MAX_LISTED_OBJECTS]
    if schema:
        lines.extend(["", "Schema:", *schema])
    return "\n".join(lines)


def _virtual_note(conn: sqlite3.Connection, obj: _Object) -> str:
    match = _VIRTUAL.match(obj.sql)
    module = match.group(1).strip("\"'`[]") if match else "unknown module"
    try:
        known = {str(row[0]).lower() for row in conn.execute("PRAGMA module_list")}
    except sqlite3.DatabaseError:
        known = set()
    if module.lower() not in known:
        return f"{module}: module missing, not read"
    return f"{module}: not queried; its stored content is in its shadow tables"


@register
class SqliteExtractor:
    """SQLite 3 database files: every ordinary table as a table of rows."""

    type: ClassVar[str] = "sqlite"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.sqlite3", "application/x-sqlite3")
    extensions: ClassVar[tuple[str, ...]] = (".sqlite", ".sqlite3", ".db", ".db3")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """An overview page, then each table's rows (rowid order) as table pages."""
        header = read_header(path)
        size = path.stat().st_size
        if size > MAX_DATABASE_BYTES:
            raise ExtractionError(ErrorKind.TOO_LARGE, f"SQLite database of {size} bytes")
        metadata = header_metadata(header)
        with tempfile.TemporaryDirectory(prefix="culpa-sqlite-") as scratch:
            copy = Path(scratch) / "database.sqlite"
            try:
                shutil.copyfile(path, copy)
            except OSError as exc:
                raise ExtractionError(ErrorKind.UNREADABLE, f"cannot copy file: {exc}") from exc
            copy.chmod(0o400)
            with _connection(copy) as conn:
                steps = _Steps(context)
                conn.set_progress_handler(steps, PROGRESS_INSTRUCTIONS)
                try:
                    objects = _schema(conn)
                except ExtractionError as exc:
                    if steps.stopped:
                        raise ExtractionError(
                            ErrorKind.LIMIT_EXCEEDED,
                            f"SQLite schema took over {MAX_INSTRUCTIONS} steps to read",
                        ) from exc
                    if exc.kind == ErrorKind.ENCRYPTED and not header.reserved:
                        raise ExtractionError(ErrorKind.CORRUPT, exc.message) from exc
                    raise
                reader = _Reader(conn, steps, pages=[])
                virtual: dict[str, str] = {}
                for obj in objects:
                    context.progress()
                    if obj.type != "table" or _SKIPPED_TABLES.match(obj.name):
                        continue
                    if _VIRTUAL.match(obj.sql):
                        virtual[obj.name] = _virtual_note(conn, obj)
                        continue
                    reader.read_table(obj.name)
        overview = _overview(objects, reader.reads, virtual, header)
        pages = [Page(number=1, text=overview), *reader.pages]
        tables = tuple(read.table for read in reader.reads if read.table is not None)
        counts = Counter(obj.type for obj in objects)
        metadata["tables"] = str(len(reader.reads))
        for kind in ("view", "trigger"):
            if counts[kind]:
                metadata[f"{kind}s"] = str(counts[kind])
        for key, values in (
            ("virtual_tables", [f"{name} ({note})" for name, note in virtual.items()]),
            ("truncated_tables", [r.name for r in reader.reads if r.note.startswith(_CUT)]),
            ("damaged_tables", [r.name for r in reader.reads if r.damaged]),
        ):
            if values:
                metadata[key] = _LIST_SEPARATOR.join(values)[:2_000]
        return Extracted(pages=tuple(pages), metadata=metadata, tables=tables)
