"""Files that failed or were read only in part (:class:`culpa.store.api.Errors`), over SQLite.

One ``errors`` row per provenance path. Everything below a path sorts between
``path + "!/"`` and ``path + "!0"`` (``'0'`` follows ``'/'``), so "this path and
everything inside it" is one range of the primary key, never a ``LIKE`` scan.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from culpa.store.sqlite.analysis import SqliteAnalysis
from culpa.store.sqlite.warnings import SqliteWarnings


class SqliteErrors:
    """The ``errors`` table."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def kinds_under(self, path: str) -> list[str]:
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT kind FROM errors WHERE path = ? OR (path >= ? AND path < ?)",
                (path, path + "!/", path + "!0"),
            )
        ]

    def failed_under(
        self, kinds: Collection[str], prefixes: Sequence[str]
    ) -> tuple[list[tuple[str, int]], list[str]]:
        ranges = " OR ".join(
            "(e.path = ? OR (e.path >= ? AND e.path < ?) OR (e.path >= ? AND e.path < ?))"
            for _ in prefixes
        )
        params: list[object] = [*sorted(kinds)]
        for prefix in prefixes:  # the path itself, a folder's files, a container's members
            params.extend([prefix, prefix + "/", prefix + "0", prefix + "!/", prefix + "!0"])
        stored = self.conn.execute(
            "SELECT e.path, d.id FROM errors e JOIN documents d ON d.sha256 = e.sha256 "
            "WHERE d.status IN ('error', 'partial') "
            f"AND d.error_kind IN ({', '.join('?' * len(kinds))}) "
            f"AND ({ranges})",
            params,
        ).fetchall()
        unstored = [
            row[0]
            for row in self.conn.execute(
                f"SELECT e.path FROM errors e WHERE e.sha256 IS NULL "
                f"AND e.kind IN ({', '.join('?' * len(kinds))}) AND ({ranges})",
                params,
            )
        ]
        return [(str(path), int(doc_id)) for path, doc_id in stored], unstored

    def record(
        self,
        path: str,
        sha256: str | None,
        kind: str | None,
        message: str | None,
        recorded_at: str,
    ) -> None:
        self.conn.execute(
            "INSERT INTO errors (path, sha256, kind, message, recorded_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, kind = excluded.kind, "
            "message = excluded.message, recorded_at = excluded.recorded_at",
            (path, sha256, kind, message, recorded_at),
        )

    def clear_path(self, path: str) -> None:
        self.conn.execute("DELETE FROM errors WHERE path = ?", (path,))

    def clear_content(self, sha256: str, kind: str | None = None) -> None:
        if kind is None:
            self.conn.execute("DELETE FROM errors WHERE sha256 = ?", (sha256,))
        else:
            self.conn.execute("DELETE FROM errors WHERE sha256 = ? AND kind = ?", (sha256, kind))

    def set_message(self, sha256: str, kind: str, message: str | None) -> None:
        self.conn.execute(
            "UPDATE errors SET message = ? WHERE sha256 = ? AND kind = ?", (message, sha256, kind)
        )

    def copy_below(self, old: str, new: str) -> None:
        low, high = old + "!/", old + "!0"
        self.conn.execute(
            "INSERT OR IGNORE INTO errors (path, sha256, kind, message, recorded_at) "
            "SELECT ? || substr(path, ? + 1), sha256, kind, message, recorded_at "
            "FROM errors WHERE path >= ? AND path < ?",
            (new, len(old), low, high),
        )

    def listed(self, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT path, sha256, kind, message, recorded_at FROM errors"
        params: tuple[str, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            params = (kind,)
        sql += " ORDER BY path"
        rows: list[dict[str, Any]] = [
            {"path": r[0], "sha256": r[1], "kind": r[2], "message": r[3], "recorded_at": r[4]}
            for r in self.conn.execute(sql, params)
        ]
        # Documents an analyzer failed on (culpa analyze), after the files that failed to ingest.
        rows.extend(
            {
                "path": failure.path,
                "sha256": failure.sha256,
                "kind": failure.kind,
                "message": f"analyzer {failure.analyzer}: {failure.message}",
                "recorded_at": failure.done_at,
                "analyzer": failure.analyzer,
            }
            for failure in SqliteAnalysis(self.conn).failures(kind)
        )
        # Then the parts of stored documents that could not be read: warnings, not failures.
        rows.extend(
            {
                "path": warning.path,
                "sha256": warning.sha256,
                "kind": warning.kind,
                "message": warning.message,
                "recorded_at": warning.recorded_at,
                "warning": True,
                "page": warning.page,
                "member": warning.member,
            }
            for warning in SqliteWarnings(self.conn).listed(kind)
        )
        return rows
