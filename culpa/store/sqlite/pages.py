"""The stored text of pages (:class:`culpa.store.api.Pages`), over SQLite.

Finding a document's matching pages bounds the FTS5 query by the document's
own range of page rowids, so the index is asked about that document only, not
every page of the case that holds the term.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from culpa.errors import QueryError


class SqlitePages:
    """The ``pages`` table and its full-text index ``page_index``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def texts(self, document_id: int, numbers: Sequence[int]) -> dict[int, str]:
        rows = self.conn.execute(
            "SELECT number, text FROM pages WHERE document_id = ? AND number IN "
            "(SELECT value FROM json_each(?))",
            (document_id, json.dumps(list(numbers))),
        ).fetchall()
        return {int(number): str(text) for number, text in rows}

    def matching(self, document_id: int, match: str) -> list[int]:
        lo, hi = self.conn.execute(
            "SELECT min(id), max(id) FROM pages WHERE document_id = ?", (document_id,)
        ).fetchone()
        if lo is None:
            return []
        try:
            rows = self.conn.execute(
                "SELECT p.number FROM page_index JOIN pages p ON p.id = page_index.rowid "
                "WHERE page_index MATCH ? AND page_index.rowid BETWEEN ? AND ? "
                "AND p.document_id = ? ORDER BY p.number",
                (match, lo, hi, document_id),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise QueryError(f"full-text search failed: {exc}") from exc
        return [int(r[0]) for r in rows]
