"""Case-wide settings (:class:`culpa.store.api.Meta`), over SQLite: the ``meta`` table."""

from __future__ import annotations

import sqlite3


class SqliteMeta:
    """The ``meta`` table: one value per key."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str, *, replace: bool = False) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self.conn.execute(f"{verb} INTO meta (key, value) VALUES (?, ?)", (key, value))
