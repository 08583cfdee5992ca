"""A case on disk: ``case.db`` (SQLite, WAL) beside ``blobs/`` and ``tmp/``.

Any SQLite tool can open ``case.db``; docs/case-layout.md describes it. Its
schema is built by the numbered steps of :mod:`culpa.store.migrations`, and a
case made by an older culpa is upgraded when it is opened, after a backup copy.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from culpa.errors import CaseDamagedError, CaseError
from culpa.index import tokens
from culpa.store import migrations
from culpa.store.blobs import BlobStore

if TYPE_CHECKING:
    from culpa.store.sqlite import SqliteCaseStore

CASE_DB_NAME = "case.db"
BLOBS_DIR_NAME = "blobs"
TMP_DIR_NAME = "tmp"
#: ``meta.schema_version``: the case format that culpa before numbered migrations checks
#: (it refuses a higher one). The step of the schema is ``PRAGMA user_version``.
SCHEMA_VERSION = 1
#: Environment variable naming the case when ``--case`` is not given.
CASE_ENV = "CULPA_CASE"
#: The backup copy made before an upgrade: ``case.db.before-v<step it upgrades to>``.
BACKUP_SUFFIX = ".before-v"


def schema_sql() -> str:
    """The schema a new case gets: every migration step's SQL, in order."""
    return migrations.schema_sql()


def _say(message: str) -> None:
    print(f"culpa: {message}", file=sys.stderr, flush=True)


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

    def store(self) -> SqliteCaseStore:
        """The case's database behind the :class:`~culpa.store.api.CaseStore` interface."""
        # Imported here: every area's module loads with it, and an ingest worker,
        # which imports this module for the case's paths, never needs them.
        from culpa.store.sqlite import SqliteCaseStore

        return SqliteCaseStore(connect(self.db_path))


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
        if _has_meta(conn):  # an existing case: checked and upgraded as on open
            _check_and_upgrade(conn, root / CASE_DB_NAME, _say)
        else:  # a new case takes the path an old one takes: every step from 0
            migrations.upgrade(conn)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('created_by', ?)",
            (json.dumps({"culpa": _version()}),),
        )
    finally:
        conn.close()
    return Case(root)


def open_case(root: Path | str | None, notify: migrations.Notify | None = None) -> Case:
    """Find an existing case from ``--case`` or ``$CULPA_CASE``, upgraded to this culpa.

    A case made by an older culpa is upgraded in place (a backup copy first), one
    made by a newer culpa is refused; a read-only older case is opened as it is.
    ``notify`` gets the messages (default: stderr).
    """
    if root is None or root == "":
        root = os.environ.get(CASE_ENV)
    if not root:
        raise CaseError(f"no case given: pass --case DIR or set {CASE_ENV}")
    path = Path(root).resolve()
    if not (path / CASE_DB_NAME).is_file():
        raise CaseError(f"{path} is not a culpa case (no {CASE_DB_NAME}); run `culpa init {root}`")
    db_path = path / CASE_DB_NAME
    try:
        conn = connect(db_path)
        try:
            _check_and_upgrade(conn, db_path, notify or _say)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if (damage := damaged_database(exc, db_path)) is not None:
            raise damage from exc
        raise
    return Case(path)


def _has_meta(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    return row.fetchone() is not None


def _check_and_upgrade(conn: sqlite3.Connection, db_path: Path, notify: migrations.Notify) -> None:
    """Refuse a newer case, upgrade an older one, and open a read-only older one as it is."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    where = db_path.parent
    if row is not None and int(row[0]) > SCHEMA_VERSION:
        raise CaseError(
            f"{where} was made by a newer culpa (case format {row[0]}, this culpa reads "
            f"format {SCHEMA_VERSION}); upgrade culpa to open it"
        )
    migrations.check_not_newer(conn, where)
    if not migrations.needs_upgrade(conn):
        return
    if _writable(db_path):
        _upgrade_with_backup(conn, db_path, notify)
        return
    at, latest = migrations.schema_version(conn), migrations.latest_version()
    if row is None:
        # Not even step 1's record: a culpa case that was never fully made.
        raise CaseError(
            f"{where} is read-only and its case.db was never fully set up (no schema "
            "version), so it cannot be read without upgrading it: copy the case folder "
            "to a disk you can write and open the copy"
        )
    message = (
        f"{where} is read-only and was made by an older culpa"
        + (
            f" (schema step {at}; this culpa upgrades cases to step {latest})"
            if at < latest
            else ""
        )
        + ": opened for reading as it is, without upgrading; to upgrade it, copy the case "
        "folder to a disk you can write and open the copy"
    )
    built = migrations.tokens_version(conn)
    if built is not None and built < tokens.TOKENS_VERSION:
        message += (
            f". Its search index was built with tokens version {built} (this culpa: "
            f"{tokens.TOKENS_VERSION}), so searches may miss pages until it is upgraded"
        )
    notify(message)


def backup_path(db_path: Path, version: int) -> Path:
    """Where the copy of ``db_path`` made before upgrading it to step ``version`` goes."""
    return db_path.with_name(f"{db_path.name}{BACKUP_SUFFIX}{version}")


def _upgrade_with_backup(
    conn: sqlite3.Connection, db_path: Path, notify: migrations.Notify
) -> None:
    """Copy the case database aside, then run the pending steps, saying so on stderr."""
    at, latest = migrations.schema_version(conn), migrations.latest_version()
    backup = backup_path(db_path, latest)
    before = f"schema step {at}" + (", from before steps were numbered" if at == 0 else "")
    notify(
        f"{db_path.parent} was made by an older culpa ({before}); upgrading it to "
        f"step {latest}. A copy of case.db as it was is kept at {backup}"
    )
    migrations.backup_copy(conn, backup)
    done = migrations.upgrade(conn, notify)
    notify(f"upgraded: {', '.join(done) if done else 'nothing left to do'}")


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
