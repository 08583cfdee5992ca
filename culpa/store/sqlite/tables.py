"""Tables of a case: which stored pages hold which rows of which table.

A table's rows are page text, one row per line with cells joined by tabs (see
:class:`culpa.models.Table`); the ``tables`` and ``table_pages`` tables of
the case name the columns and number each line, so a search hit names its
row, ``culpa cite DOC --row N`` finds the row again, and the viewer shows a
table page as a table. The writer stores them in the document's own savepoint;
a case made before they existed gets them when it is opened (migration step 3).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from culpa.errors import UsageError
from culpa.store.records import PageTable, RowPlace
from culpa.store.sqlite.connection import tables_exist


def line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` starts."""
    return [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]


class SqliteTables:
    """The ``tables`` and ``table_pages`` tables (:class:`culpa.store.api.Tables`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def exist(self) -> bool:
        """Whether the case has the table tables (a read-only case made before them has not)."""
        return tables_exist(self.conn, "tables", "table_pages")

    def add(self, document_id: int, number: int, name: str, columns: Sequence[str]) -> int:
        """Store table ``number`` (from 1) of a document; returns its id."""
        cursor = self.conn.execute(
            "INSERT INTO tables (document_id, number, name, columns) VALUES (?, ?, ?, ?)",
            (document_id, number, name, json.dumps(list(columns), ensure_ascii=False)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def add_pages(self, table_id: int, pages: Iterable[tuple[int, Sequence[int]]]) -> None:
        """Say which rows the stored pages hold: (page id, row number of each line)."""
        self.conn.executemany(
            "INSERT INTO table_pages (page_id, table_id, first_row, last_row, rows) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (page_id, table_id, min(rows), max(rows), json.dumps(list(rows)))
                for page_id, rows in pages
                if rows
            ],
        )

    def drop(self, document_id: int) -> None:
        """Remove a document's tables (it is about to be stored anew)."""
        self.conn.execute(
            "DELETE FROM table_pages WHERE table_id IN "
            "(SELECT id FROM tables WHERE document_id = ?)",
            (document_id,),
        )
        self.conn.execute("DELETE FROM tables WHERE document_id = ?", (document_id,))

    def page_tables(self, page_ids: Sequence[int]) -> dict[int, PageTable]:
        """The table of each of these pages that holds table rows (others are left out)."""
        if not page_ids or not self.exist():
            return {}
        found: dict[int, PageTable] = {}
        for at in range(0, len(page_ids), 500):
            chunk = list(page_ids[at : at + 500])
            rows = self.conn.execute(
                "SELECT tp.page_id, t.name, t.number, t.columns, tp.rows FROM table_pages tp "
                "JOIN tables t ON t.id = tp.table_id "
                f"WHERE tp.page_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for page_id, name, number, columns, numbers in rows:
                found[page_id] = PageTable(
                    name, number, tuple(json.loads(columns)), tuple(json.loads(numbers))
                )
        return found

    def page_table(self, document_id: int, number: int) -> PageTable | None:
        """The table rows page ``number`` of a document holds, or None for a page of text."""
        if not self.exist():
            return None
        row = self.conn.execute(
            "SELECT p.id FROM pages p WHERE p.document_id = ? AND p.number = ?",
            (document_id, number),
        ).fetchone()
        return self.page_tables([row[0]]).get(row[0]) if row is not None else None

    def find_row(self, document_id: int, row: int, table: str | None = None) -> RowPlace:
        """Row ``row`` of the document's table (named ``table`` when it has several)."""
        if not self.exist():
            raise UsageError(f"document {document_id} has no tables")
        tables = self.conn.execute(
            "SELECT id, name, number FROM tables WHERE document_id = ? ORDER BY number",
            (document_id,),
        ).fetchall()
        if not tables:
            raise UsageError(f"document {document_id} has no tables")
        if table is not None:
            tables = [t for t in tables if t[1] == table or str(t[2]) == table]
            if not tables:
                raise UsageError(f"document {document_id} has no table named {table!r}")
        places = [place for t in tables if (place := self._row_in(t[0], row)) is not None]
        if not places:
            raise UsageError(f"document {document_id} has no row {row}")
        if len(places) > 1:
            names = ", ".join(repr(p.table.name) for p in places)
            raise UsageError(f"row {row} is in several tables ({names}): name one with --table")
        return places[0]

    def _row_in(self, table_id: int, row: int) -> RowPlace | None:
        candidates = self.conn.execute(
            "SELECT tp.page_id, p.number, p.text, tp.rows, t.name, t.number, t.columns "
            "FROM table_pages tp JOIN pages p ON p.id = tp.page_id "
            "JOIN tables t ON t.id = tp.table_id "
            "WHERE tp.table_id = ? AND tp.first_row <= ? AND tp.last_row >= ? ORDER BY p.number",
            (table_id, row, row),
        ).fetchall()
        for _page_id, page, text, numbers, name, number, columns in candidates:
            rows: list[int] = json.loads(numbers)
            if row not in rows:
                continue
            line = rows.index(row)
            starts = line_starts(text)
            start = starts[line]
            end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
            info = PageTable(name, number, tuple(json.loads(columns)), tuple(rows))
            return RowPlace(info, page, row, start, end, text[start:end])
        return None
