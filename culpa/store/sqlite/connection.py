"""How every culpa process opens a case's ``case.db``: WAL, the same pragmas, read-only cases.

A case is one SQLite file in WAL mode, so one writer and many readers (the web
server's threads, an ingest's workers asking what is already stored) work on it
at once. A case this process cannot write (a read-only disk, a copy without
write permission) is still opened for searching and viewing. A damaged file is
named as such (:func:`damaged_database`) instead of failing deep in a command.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from culpa.errors import CaseDamagedError

#: SQLite's result codes for a damaged file: SQLITE_CORRUPT and SQLITE_NOTADB.
_SQLITE_DAMAGE_CODES = frozenset({11, 26})


def tables_exist(conn: sqlite3.Connection, *names: str) -> bool:
    """Whether the case has every table in ``names``.

    A read-only case made by an older culpa cannot be migrated, so each store area
    asks before it reads tables a later migration step added, and reads as empty.
    """
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
        f"({', '.join('?' * len(names))})",
        names,
    ).fetchone()
    return int(row[0]) == len(set(names))


def connect(db_path: Path) -> sqlite3.Connection:
    """Open a case database with the settings every culpa process uses."""
    conn = sqlite3.connect(db_path, timeout=30.0, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:
        conn.close()
        if not writable(db_path):
            # A case on a read-only disk or copied without write permission can still
            # be searched and viewed; a write to it is refused by SQLite as read-only.
            return connect_read_only(db_path)
        raise
    # NORMAL in WAL mode is durable across process crashes (kill -9); only a
    # power loss can roll back the last commits, never corrupt the file.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB
    return conn


def connect_read_only(db_path: Path) -> sqlite3.Connection:
    """Open a case database that this process cannot write (issue 10).

    Setting WAL mode is a write, so :func:`connect` fails on such a case. Where
    the folder cannot take SQLite's ``-shm`` file either, the database is opened
    as immutable: nobody can be writing to it.
    """
    immutable = not os.access(db_path.parent, os.W_OK) or _read_only_disk(db_path.parent)
    uri = db_path.resolve().as_uri() + ("?immutable=1" if immutable else "?mode=ro")
    conn = sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB
    return conn


def writable(db_path: Path) -> bool:
    """Whether this process may write the database file and its folder."""
    folder = db_path.parent
    return (
        os.access(db_path, os.W_OK) and os.access(folder, os.W_OK) and not _read_only_disk(folder)
    )


def _read_only_disk(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def damaged_database(exc: BaseException, db_path: Path | None = None) -> CaseDamagedError | None:
    """The error to show for ``exc`` if it says the case database is damaged, else None.

    A truncated or overwritten ``case.db`` made SQLite raise "file is not a
    database", "database disk image is malformed" or, emptied, "no such table:
    meta" from deep inside a command, which was reported as a bug (issue 10).
    """
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    if code not in _SQLITE_DAMAGE_CODES and not text.startswith("no such table: meta"):
        return None
    where = str(db_path) if db_path is not None else "the case's case.db"
    return CaseDamagedError(
        f"{where} is damaged (SQLite: {text}): it is truncated, overwritten or not a culpa "
        "database. The originals in blobs/ are untouched; restore case.db from a backup, "
        "or make a new case and ingest the same files again"
    )
