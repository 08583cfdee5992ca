"""Typed warnings of stored documents (:class:`culpa.store.api.Warnings`), over SQLite.

A warning belongs to a document (its content), not to a path: the same bytes
found at two paths have one broken page. Writes run inside the caller's
transaction (the ingest writer's file savepoint, ``culpa ocr``'s page
transaction), so a document and its warnings are stored or replaced together.
A read-only case made before the ``warnings`` table (migration step 5) has
none to list.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

from culpa.models import PartialFailure
from culpa.store.records import StoredWarning
from culpa.store.sqlite.connection import tables_exist


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteWarnings:
    """The ``warnings`` table, listed by the shortest path each document was found at."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _insert(self, document_id: int, warnings: Iterable[PartialFailure]) -> None:
        at = _now()
        self.conn.executemany(
            "INSERT INTO warnings (document_id, kind, message, page, member, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(document_id, str(w.kind), w.message, w.page, w.member, at) for w in warnings],
        )

    def replace(self, document_id: int, warnings: Iterable[PartialFailure]) -> None:
        self.conn.execute("DELETE FROM warnings WHERE document_id = ?", (document_id,))
        self._insert(document_id, warnings)

    def replace_page(
        self, document_id: int, page: int, kind: str, warning: PartialFailure | None
    ) -> None:
        self.conn.execute(
            "DELETE FROM warnings WHERE document_id = ? AND page = ? AND kind = ?",
            (document_id, page, kind),
        )
        if warning is not None:
            self._insert(document_id, [warning])

    def listed(self, kind: str | None = None) -> list[StoredWarning]:
        if not tables_exist(self.conn, "warnings"):
            return []
        sql = (
            "SELECT w.document_id, d.sha256, (SELECT path FROM provenance p WHERE "
            "p.document_id = w.document_id ORDER BY length(p.path), p.path LIMIT 1) AS path, "
            "w.kind, w.message, w.page, w.member, w.recorded_at FROM warnings w "
            "JOIN documents d ON d.id = w.document_id"
        )
        params: tuple[str, ...] = ()
        if kind:
            sql += " WHERE w.kind = ?"
            params = (kind,)
        return [
            StoredWarning(
                document_id=row[0],
                sha256=row[1],
                path=row[2] or row[1],
                kind=row[3],
                message=row[4],
                page=row[5],
                member=row[6],
                recorded_at=row[7],
            )
            for row in self.conn.execute(sql + " ORDER BY path, w.page, w.member, w.id", params)
        ]

    def counts(self) -> dict[str, int]:
        if not tables_exist(self.conn, "warnings"):
            return {}
        return {
            str(kind): int(count)
            for kind, count in self.conn.execute(
                "SELECT kind, count(*) FROM warnings GROUP BY kind ORDER BY 2 DESC, 1"
            )
        }
