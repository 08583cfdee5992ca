"""Where each document was found (:class:`culpa.store.api.Provenance`), over SQLite.

A container's members are the ``provenance`` rows whose ``parent_path`` is one
of the container's paths; a list of paths is bound as one JSON array read with
``json_each``, so a container known by thousands of paths is still one query.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from culpa.store.records import StoredMember


class SqliteProvenance:
    """The ``provenance`` table joined to the documents it names."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def member_count(self, parents: Sequence[str]) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM provenance WHERE parent_path IN (SELECT value FROM json_each(?))",
            (json.dumps(list(parents)),),
        ).fetchone()
        return int(row[0])

    def members(self, parents: Sequence[str], limit: int, offset: int) -> list[StoredMember]:
        rows = self.conn.execute(
            "SELECT pr.path, pr.parent_path, pr.document_id, d.type, d.size, d.status "
            "FROM provenance pr JOIN documents d ON d.id = pr.document_id "
            "WHERE pr.parent_path IN (SELECT value FROM json_each(?)) "
            "ORDER BY pr.path LIMIT ? OFFSET ?",
            (json.dumps(list(parents)), limit, offset),
        ).fetchall()
        return [StoredMember(*row) for row in rows]

    def stored_at(self, paths: Sequence[str]) -> dict[str, tuple[int, str]]:
        return {
            str(r[0]): (int(r[1]), str(r[2]))
            for r in self.conn.execute(
                "SELECT pr.path, pr.document_id, d.status FROM provenance pr "
                "JOIN documents d ON d.id = pr.document_id "
                "WHERE pr.path IN (SELECT value FROM json_each(?))",
                (json.dumps(list(paths)),),
            )
        }

    def containers(self, document_id: int) -> list[tuple[str, int]]:
        return [
            (str(r[0]), int(r[1]))
            for r in self.conn.execute(
                "SELECT DISTINCT pr.parent_path, par.document_id FROM provenance pr "
                "JOIN provenance par ON par.path = pr.parent_path WHERE pr.document_id = ? "
                "ORDER BY pr.parent_path",
                (document_id,),
            )
        ]

    def document_for_sha256(self, sha256: str) -> int | None:
        row = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else int(row[0])

    def top_level(self, path: str) -> tuple[int | None, int | None, bool] | None:
        row = self.conn.execute(
            "SELECT p.size, p.mtime_ns, d.complete FROM provenance p "
            "JOIN documents d ON d.id = p.document_id WHERE p.path = ?",
            (path,),
        ).fetchone()
        return None if row is None else (row[0], row[1], bool(row[2]))

    def blob_at(self, path: str) -> tuple[str, int, str] | None:
        row = self.conn.execute(
            "SELECT d.sha256, d.size, d.ingested_at FROM provenance p "
            "JOIN documents d ON d.id = p.document_id WHERE p.path = ?",
            (path,),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def document_at(self, path: str) -> int | None:
        row = self.conn.execute(
            "SELECT document_id FROM provenance WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None else int(row[0])

    def add(
        self,
        path: str,
        document_id: int,
        parent: str | None,
        size: int | None,
        mtime_ns: int | None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO provenance (path, document_id, parent_path, size, mtime_ns) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
            "document_id = excluded.document_id, size = excluded.size, "
            "mtime_ns = excluded.mtime_ns",
            (path, document_id, parent, size, mtime_ns),
        )

    def copy_below(self, document_id: int, path: str) -> str | None:
        source = self.conn.execute(
            "SELECT p.path FROM provenance p WHERE p.document_id = ? AND p.path != ? "
            "AND EXISTS (SELECT 1 FROM provenance c WHERE c.parent_path = p.path) "
            "ORDER BY p.path LIMIT 1",
            (document_id, path),
        ).fetchone()
        if source is None:
            return None
        old = str(source[0])
        cut = len(old)
        # Every path below `old` sorts between "old!/" and "old!0" ('0' follows '/').
        low, high = old + "!/", old + "!0"
        self.conn.execute(
            "INSERT OR IGNORE INTO provenance (path, document_id, parent_path) "
            "SELECT ? || substr(path, ? + 1), document_id, ? || substr(parent_path, ? + 1) "
            "FROM provenance WHERE path >= ? AND path < ?",
            (path, cut, path, cut, low, high),
        )
        return old
