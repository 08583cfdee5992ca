"""Where each document was found (:class:`culpa.store.api.Provenance`), over SQLite.

A container's members are the ``provenance`` rows whose ``parent_path`` is one
of the container's paths; a list of paths is bound as one JSON array read with
``json_each``, so a container known by thousands of paths is still one query.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from culpa.store.api import StoredMember


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
