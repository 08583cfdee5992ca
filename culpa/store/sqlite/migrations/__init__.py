"""Numbered steps that build a case's schema, from an empty file or from any older case.

Every case takes the same path: ``culpa init`` runs every step on an empty
database, and opening a case made by an older culpa runs the steps it has not
had. Step *N* is the file ``mNNNN_<what>.sql`` in this folder; the step
a case is at is ``PRAGMA user_version`` (0 for a case made before steps were
numbered: step 1 is written so that it leaves such a case as it is, and fills
in what early builds lacked).

Each step runs in one transaction that also records its number, so a process
killed during an upgrade leaves the case at the step before or the step after,
never between. After the steps, a case whose ``page_index`` was built with an
older :data:`culpa.index.tokens.TOKENS_VERSION` (``meta.tokens_version``) has
it rebuilt, in one transaction with the new number.

:func:`upgrade` works on a connection. :func:`create` makes the database of a
new case and :func:`open_existing` checks and upgrades one as it is opened
(:func:`culpa.store.case.init_case` and :func:`~culpa.store.case.open_case`):
a copy of the database first, messages on what is done, a newer case refused,
a read-only older case opened as it is.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from culpa.errors import CaseError
from culpa.index import tokens
from culpa.store.sqlite.connection import connect, damaged_database, writable
from culpa.store.sqlite.fts import reindex_all

#: The name of a step's file: m0001_initial.sql is step 1.
_STEP_FILE = re.compile(r"^m(\d{4})_(\w+)\.sql$")

Notify = Callable[[str], None]

#: ``meta.schema_version``: the case format that culpa before numbered migrations checks
#: (it refuses a higher one). The step of the schema is ``PRAGMA user_version``.
SCHEMA_VERSION = 1
#: The backup copy made before an upgrade: ``case.db.before-v<step it upgrades to>``.
BACKUP_SUFFIX = ".before-v"


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: ``apply`` runs inside the transaction that records ``version``."""

    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]
    #: The step's SQL, when it is a SQL file (what :func:`schema_sql` shows).
    sql: str = ""


def statements(sql: str) -> list[str]:
    """The statements of a SQL script, one by one (a trigger's body stays whole).

    ``executescript`` commits any open transaction first, so a step's SQL is run
    statement by statement inside the step's own transaction.
    """
    found: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise ValueError(f"unfinished SQL statement at the end of a migration: {buffer!r}")
    return found


def sql_migration(version: int, name: str, sql: str) -> Migration:
    """A step made of SQL statements."""
    parts = statements(sql)

    def apply(conn: sqlite3.Connection) -> None:
        for statement in parts:
            conn.execute(statement)

    return Migration(version, name, apply, sql)


def _load() -> tuple[Migration, ...]:
    found: list[Migration] = []
    for entry in resources.files(__name__).iterdir():
        match = _STEP_FILE.match(entry.name)
        if match:
            text = entry.read_text(encoding="utf-8")
            found.append(sql_migration(int(match[1]), match[2], text))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration steps must be numbered 1, 2, 3, …: {found}")
    return tuple(found)


#: Every step this culpa knows, in order. Tests may add one (a step that is slow, to
#: be killed) by replacing this tuple.
MIGRATIONS: tuple[Migration, ...] = _load()


def latest_version() -> int:
    """The step a case made by this culpa is at."""
    return MIGRATIONS[-1].version


def schema_sql() -> str:
    """Every SQL step in order: the schema a new case gets (tests build in-memory cases)."""
    return "\n".join(m.sql for m in MIGRATIONS if m.sql)


def step_files() -> list[Path]:
    """The SQL files of the steps, in order (the docs test reads their tables)."""
    folder = Path(__file__).parent
    return sorted(p for p in folder.iterdir() if _STEP_FILE.match(p.name))


def schema_version(conn: sqlite3.Connection) -> int:
    """The step the case is at (0: made before steps were numbered, or empty)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def tokens_version(conn: sqlite3.Connection) -> int | None:
    """The tokens version ``page_index`` was built with; None before step 4 recorded it."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'tokens_version'").fetchone()
    except sqlite3.OperationalError:  # no meta table yet: an empty database
        return None
    return int(row[0]) if row is not None else None


def pending(conn: sqlite3.Connection) -> list[Migration]:
    """The steps the case has not had."""
    at = schema_version(conn)
    return [m for m in MIGRATIONS if m.version > at]


def check_not_newer(conn: sqlite3.Connection, where: object) -> None:
    """Refuse a case made by a newer culpa: this one would misread or damage it."""
    at, latest = schema_version(conn), latest_version()
    if at > latest:
        raise CaseError(
            f"{where} was made by a newer culpa: its schema is at step {at}, this culpa "
            f"knows steps up to {latest}; upgrade culpa to open it"
        )
    built = tokens_version(conn)
    if built is not None and built > tokens.TOKENS_VERSION:
        raise CaseError(
            f"{where} was indexed by a newer culpa: its search index has tokens version "
            f"{built}, this culpa makes version {tokens.TOKENS_VERSION}; upgrade culpa to open it"
        )


def needs_upgrade(conn: sqlite3.Connection) -> bool:
    """Whether :func:`upgrade` has anything to do."""
    if pending(conn):
        return True
    built = tokens_version(conn)
    return built is not None and built < tokens.TOKENS_VERSION


def upgrade(conn: sqlite3.Connection, notify: Notify | None = None) -> list[str]:
    """Run the pending steps, one transaction each; returns what was done.

    Each transaction reads the case's step again once it holds the write lock,
    so two processes opening one old case at once upgrade it once.
    """
    done: list[str] = []
    for migration in MIGRATIONS:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= migration.version:
                conn.execute("ROLLBACK")
                continue
            migration.apply(conn)
            # PRAGMA user_version is written in the same transaction as the step.
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        done.append(f"step {migration.version} ({migration.name})")
    conn.execute("BEGIN IMMEDIATE")
    try:
        built = tokens_version(conn)
        if built is None or built >= tokens.TOKENS_VERSION:
            conn.execute("ROLLBACK")
            return done
        if notify is not None:
            notify(
                f"rebuilding the search index (tokens version {built} → "
                f"{tokens.TOKENS_VERSION}); search gives the same answers as a new case after"
            )
        pages = reindex_all(conn)
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'tokens_version'", (str(tokens.TOKENS_VERSION),)
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    done.append(f"search index rebuilt ({pages} pages, tokens version {tokens.TOKENS_VERSION})")
    return done


def backup_copy(conn: sqlite3.Connection, target: Path) -> None:
    """Copy the database as it is now to ``target``, by SQLite's online backup.

    Written under a temporary name and renamed, so ``target`` is always a whole copy.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial)
    try:
        conn.backup(copy)
    finally:
        copy.close()
    partial.replace(target)


def create(db_path: Path, notify: Notify, created_by: str) -> None:
    """Make the database of a new case (every step from 0), or check and upgrade an existing
    one as :func:`open_existing` does; ``created_by`` is recorded for a new one."""
    conn = connect(db_path)
    try:
        if _has_meta(conn):  # an existing case: checked and upgraded as on open
            _check_and_upgrade(conn, db_path, notify)
        else:  # a new case takes the path an old one takes: every step from 0
            upgrade(conn)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('created_by', ?)",
            (json.dumps({"culpa": created_by}),),
        )
    finally:
        conn.close()


def open_existing(db_path: Path, notify: Notify) -> None:
    """Check an existing case database as it is opened, and upgrade it if it is older.

    A case made by an older culpa is upgraded in place (a backup copy first), one
    made by a newer culpa is refused; a read-only older case is opened as it is. A
    damaged file raises :class:`culpa.errors.CaseDamagedError`.
    """
    try:
        conn = connect(db_path)
        try:
            _check_and_upgrade(conn, db_path, notify)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if (damage := damaged_database(exc, db_path)) is not None:
            raise damage from exc
        raise


def _has_meta(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    return row.fetchone() is not None


def _check_and_upgrade(conn: sqlite3.Connection, db_path: Path, notify: Notify) -> None:
    """Refuse a newer case, upgrade an older one, and open a read-only older one as it is."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    where = db_path.parent
    if row is not None and int(row[0]) > SCHEMA_VERSION:
        raise CaseError(
            f"{where} was made by a newer culpa (case format {row[0]}, this culpa reads "
            f"format {SCHEMA_VERSION}); upgrade culpa to open it"
        )
    check_not_newer(conn, where)
    if not needs_upgrade(conn):
        return
    if writable(db_path):
        _upgrade_with_backup(conn, db_path, notify)
        return
    at, latest = schema_version(conn), latest_version()
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
    built = tokens_version(conn)
    if built is not None and built < tokens.TOKENS_VERSION:
        message += (
            f". Its search index was built with tokens version {built} (this culpa: "
            f"{tokens.TOKENS_VERSION}), so searches may miss pages until it is upgraded"
        )
    notify(message)


def backup_path(db_path: Path, version: int) -> Path:
    """Where the copy of ``db_path`` made before upgrading it to step ``version`` goes."""
    return db_path.with_name(f"{db_path.name}{BACKUP_SUFFIX}{version}")


def _upgrade_with_backup(conn: sqlite3.Connection, db_path: Path, notify: Notify) -> None:
    """Copy the case database aside, then run the pending steps, saying so on stderr."""
    at, latest = schema_version(conn), latest_version()
    backup = backup_path(db_path, latest)
    before = f"schema step {at}" + (", from before steps were numbered" if at == 0 else "")
    notify(
        f"{db_path.parent} was made by an older culpa ({before}); upgrading it to "
        f"step {latest}. A copy of case.db as it was is kept at {backup}"
    )
    backup_copy(conn, backup)
    done = upgrade(conn, notify)
    notify(f"upgraded: {', '.join(done) if done else 'nothing left to do'}")
