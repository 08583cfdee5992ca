"""A case on disk: ``case.db`` (SQLite, WAL) beside ``blobs/`` and ``tmp/``.

Any SQLite tool can open ``case.db``; docs/case-layout.md describes it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from culpa.errors import CaseDamagedError, CaseError
from culpa.store.blobs import BlobStore

CASE_DB_NAME = "case.db"
BLOBS_DIR_NAME = "blobs"
TMP_DIR_NAME = "tmp"
SCHEMA_VERSION = 1
#: Environment variable naming the case when ``--case`` is not given.
CASE_ENV = "CULPA_CASE"


def schema_sql() -> str:
    return resources.files("culpa.store").joinpath("schema.sql").read_text(encoding="utf-8")


def connect(db_path: Path) -> sqlite3.Connection:
    """Open a case database with the settings every culpa process uses."""
    conn = sqlite3.connect(db_path, timeout=30.0, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:
        conn.close()
        if not _writable(db_path):
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


def _writable(db_path: Path) -> bool:
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


@dataclass(frozen=True, slots=True)
class Case:
    """Paths of one case folder."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / CASE_DB_NAME

    @property
    def blobs(self) -> BlobStore:
        return BlobStore(self.root / BLOBS_DIR_NAME)

    @property
    def tmp_dir(self) -> Path:
        return self.root / TMP_DIR_NAME

    def connect(self) -> sqlite3.Connection:
        return connect(self.db_path)


def init_case(root: Path) -> Case:
    """Create a case folder (or leave an existing case as it is)."""
    root = root.resolve()
    if root.exists() and not root.is_dir():
        raise CaseError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not (root / CASE_DB_NAME).is_file():
        raise CaseError(f"{root} is not empty and is not a culpa case; choose an empty folder")
    root.mkdir(parents=True, exist_ok=True)
    (root / BLOBS_DIR_NAME).mkdir(exist_ok=True)
    (root / TMP_DIR_NAME).mkdir(exist_ok=True)
    conn = connect(root / CASE_DB_NAME)
    try:
        conn.executescript(schema_sql())
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) "
            "VALUES ('schema_version', ?), ('created_by', ?)",
            (str(SCHEMA_VERSION), json.dumps({"culpa": _version()})),
        )
    finally:
        conn.close()
    return Case(root)


def open_case(root: Path | str | None) -> Case:
    """Find an existing case from ``--case`` or ``$CULPA_CASE``."""
    if root is None or root == "":
        root = os.environ.get(CASE_ENV)
    if not root:
        raise CaseError(f"no case given: pass --case DIR or set {CASE_ENV}")
    path = Path(root).resolve()
    if not (path / CASE_DB_NAME).is_file():
        raise CaseError(f"{path} is not a culpa case (no {CASE_DB_NAME}); run `culpa init {root}`")
    try:
        conn = connect(path / CASE_DB_NAME)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if (damage := damaged_database(exc, path / CASE_DB_NAME)) is not None:
            raise damage from exc
        raise
    if row is None or int(row[0]) > SCHEMA_VERSION:
        raise CaseError(f"{path} was made by a newer culpa (schema {row}); upgrade culpa")
    return Case(path)


#: SQLite's result codes for a damaged file: SQLITE_CORRUPT and SQLITE_NOTADB.
_SQLITE_DAMAGE_CODES = frozenset({11, 26})


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
    where = str(db_path) if db_path is not None else f"the case's {CASE_DB_NAME}"
    return CaseDamagedError(
        f"{where} is damaged (SQLite: {text}): it is truncated, overwritten or not a culpa "
        "database. The originals in blobs/ are untouched; restore case.db from a backup, "
        "or make a new case and ingest the same files again"
    )


def _version() -> str:
    from culpa import __version__

    return __version__
