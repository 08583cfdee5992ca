"""The SQLite implementation of :class:`culpa.store.api.CaseStore`: all of culpa's SQL.

A case is one ``case.db`` file (WAL), openable by any SQLite tool; its schema
is built by the numbered steps of :mod:`culpa.store.sqlite.migrations`, and
every process opens it with the settings of :mod:`culpa.store.sqlite.connection`.
Each other module here implements one area of the store protocol over one
shared connection.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from culpa.store.sqlite.analysis import SqliteAnalysis
from culpa.store.sqlite.annotations import SqliteAnnotations
from culpa.store.sqlite.catalog import SqliteCatalog
from culpa.store.sqlite.connection import connect
from culpa.store.sqlite.documents import SqliteDocuments
from culpa.store.sqlite.entities import SqliteEntities
from culpa.store.sqlite.errors import SqliteErrors
from culpa.store.sqlite.fts import SqliteTextIndex
from culpa.store.sqlite.meta import SqliteMeta
from culpa.store.sqlite.pages import SqlitePages
from culpa.store.sqlite.provenance import SqliteProvenance
from culpa.store.sqlite.tables import SqliteTables
from culpa.store.sqlite.warnings import SqliteWarnings


class SqliteCaseStore:
    """A case's ``case.db``, by area (see :class:`culpa.store.api.CaseStore`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.provenance = SqliteProvenance(conn)
        self.pages = SqlitePages(conn)
        self.warnings = SqliteWarnings(conn)
        self.index = SqliteTextIndex(conn)
        self.catalog = SqliteCatalog(conn)
        self.annotations = SqliteAnnotations(conn)
        self.documents = SqliteDocuments(conn)
        self.errors = SqliteErrors(conn)
        self.meta = SqliteMeta(conn)
        self.tables = SqliteTables(conn)
        self.analysis = SqliteAnalysis(conn)
        self.entities = SqliteEntities(conn)

    @classmethod
    def open(cls, db_path: Path) -> SqliteCaseStore:
        """The store over a new connection to ``db_path``, with culpa's settings."""
        return cls(connect(db_path))

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def savepoint(self, name: str) -> None:
        self.conn.execute(f"SAVEPOINT {name}")

    def release(self, name: str) -> None:
        self.conn.execute(f"RELEASE {name}")

    def rollback_to(self, name: str) -> None:
        self.conn.execute(f"ROLLBACK TO {name}")
        self.conn.execute(f"RELEASE {name}")

    def close(self) -> None:
        self.conn.close()
