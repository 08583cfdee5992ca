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

from culpa.errors import CaseError
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
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode is durable across process crashes (kill -9); only a
    # power loss can roll back the last commits, never corrupt the file.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB
    return conn


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
    conn = connect(path / CASE_DB_NAME)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        conn.close()
    if row is None or int(row[0]) > SCHEMA_VERSION:
        raise CaseError(f"{path} was made by a newer culpa (schema {row}); upgrade culpa")
    return Case(path)


def _version() -> str:
    from culpa import __version__

    return __version__
