"""The single writer: stores each worker result atomically.

Each file is written inside its own savepoint, and whole files are grouped
into one transaction (up to a second's worth: one commit per file
would spend more time committing and merging index segments than indexing).
After a ``kill -9`` a file is either wholly in the case (document, pages,
index entries, provenance, error) or not at all. A container is marked
``complete`` only once every child below it is committed, so a re-run knows
which containers to open again.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from culpa.ingest.worker import PageRow, WorkResult, read_page_spool
from culpa.store import tables
from culpa.store.sqlite.fts import unindex_page
from culpa.store.sqlite.warnings import SqliteWarnings

#: Pages of a spooled document indexed by one statement.
SPOOL_INDEX_BATCH = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CaseWriter:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        #: Index rows of the open transaction, written just before it commits. Any
        #: statement needing a statement journal (upserts, foreign keys) makes FTS5
        #: flush its pending terms into a new segment, so indexing page by page
        #: between other writes costs ten times more than indexing the batch at once.
        self._index_rows: list[tuple[int, str]] = []
        self._warnings = SqliteWarnings(conn)

    def lookup_top_level(self, path: str) -> tuple[int | None, int | None, bool] | None:
        """(size, mtime_ns, complete) recorded for a top-level provenance path."""
        row = self.conn.execute(
            "SELECT p.size, p.mtime_ns, d.complete FROM provenance p "
            "JOIN documents d ON d.id = p.document_id WHERE p.path = ?",
            (path,),
        ).fetchone()
        return None if row is None else (row[0], row[1], bool(row[2]))

    def recorded_errors(self, path: str) -> list[str]:
        """Kinds of the errors already recorded for a path and everything inside it."""
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT kind FROM errors WHERE path = ? OR (path >= ? AND path < ?)",
                (path, path + "!/", path + "!0"),
            )
        ]

    def reopen_errors(self, kinds: frozenset[str], prefixes: list[str]) -> int:
        """Make documents that failed with one of ``kinds`` under ``prefixes`` be read again.

        Each such document, and every container above one of its paths, is marked
        incomplete, so the run re-extracts it (and opens its containers again,
        whose other members are then found complete and skipped). Committed at
        once: a killed run still retries them next time. Returns how many.
        """
        if not kinds or not prefixes:
            return 0
        ranges = " OR ".join(
            "(e.path = ? OR (e.path >= ? AND e.path < ?) OR (e.path >= ? AND e.path < ?))"
            for _ in prefixes
        )
        params: list[object] = [*sorted(kinds)]
        for prefix in prefixes:  # the path itself, a folder's files, a container's members
            params.extend([prefix, prefix + "/", prefix + "0", prefix + "!/", prefix + "!0"])
        rows = self.conn.execute(
            "SELECT e.path, d.id FROM errors e JOIN documents d ON d.sha256 = e.sha256 "
            "WHERE d.status IN ('error', 'partial') "
            f"AND d.error_kind IN ({', '.join('?' * len(kinds))}) "
            f"AND ({ranges})",
            params,
        ).fetchall()
        # Files that could not even be stored (no document) hold no row to reopen, but
        # their containers are opened again, so they are read again too.
        unstored = [
            row[0]
            for row in self.conn.execute(
                f"SELECT e.path FROM errors e WHERE e.sha256 IS NULL "
                f"AND e.kind IN ({', '.join('?' * len(kinds))}) AND ({ranges})",
                params,
            )
        ]
        if not rows and not unstored:
            return 0
        documents = {doc_id for _, doc_id in rows}
        for path in [path for path, _ in rows] + unstored:
            parts = path.split("!/")
            for depth in range(1, len(parts)):
                container = self.conn.execute(
                    "SELECT document_id FROM provenance WHERE path = ?",
                    ("!/".join(parts[:depth]),),
                ).fetchone()
                if container is not None:
                    documents.add(container[0])
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany(
            "UPDATE documents SET complete = 0 WHERE id = ?", [(d,) for d in documents]
        )
        self.conn.execute("COMMIT")
        return len({doc_id for _, doc_id in rows}) + len(unstored)

    def discard(self) -> None:
        """Roll back every file stored since the last flush (the disk refused a write).

        Those files are not in the case, so the next run reads them again.
        """
        self._index_rows.clear()
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    @property
    def pending(self) -> bool:
        return self.conn.in_transaction

    def flush(self) -> None:
        """Index and commit every file stored since the last flush."""
        if self.conn.in_transaction:
            if self._index_rows:
                self.conn.executemany(
                    "INSERT INTO page_index (rowid, tokens) VALUES (?, ?)", self._index_rows
                )
            self.conn.execute("COMMIT")
        self._index_rows.clear()

    def add(self, result: WorkResult) -> tuple[int | None, bool, bool]:
        """Store one result: (document id, whether it was new, whether it awaits children)."""
        item = result.item
        conn = self.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute("SAVEPOINT one_file")
        index_mark = len(self._index_rows)
        try:
            if not result.sha256:  # could not even be read
                self._record_error(item.provenance, None, result)
                conn.execute("RELEASE one_file")
                return None, False, False
            row = conn.execute(
                "SELECT id, complete, status, error_kind, error_message FROM documents "
                "WHERE sha256 = ?",
                (result.sha256,),
            ).fetchone()
            # A partial document (a budget stopped it) reopened by --retry-errors is read
            # again whole, within this run's budgets (issue 10).
            reread = row is not None and (row[2] == "error" or (row[2] == "partial" and not row[1]))
            if row is not None and reread and not result.known:
                # A failed document reopened for a retry (reopen_errors), or read again
                # by a worker (a password given, a disk that was full): stored anew,
                # under the same id (notes and tags on it stay), its paths kept.
                doc_id = self._store_document(result, row[0])
                complete = not result.children
                row = None  # counted as new: its pages are
            elif row is None:
                doc_id = self._store_document(result)
                complete = not result.children
            else:
                doc_id, complete = row[0], bool(row[1])
                if row[2] in ("error", "partial"):  # its failure or warning holds here too
                    self._record_error(item.provenance, result.sha256, result, row[3], row[4])
            self._add_provenance(doc_id, result)
            if complete and row is not None:
                self._copy_subtree(doc_id, item.provenance)
            conn.execute("RELEASE one_file")
        except BaseException:
            conn.execute("ROLLBACK TO one_file")
            conn.execute("RELEASE one_file")
            del self._index_rows[index_mark:]
            raise
        finally:
            if result.spool is not None:  # stored, or not needed (known, failed)
                result.spool.unlink(missing_ok=True)
        awaiting = bool(result.children) and not complete
        return doc_id, row is None, awaiting

    def mark_complete(self, doc_id: int) -> None:
        self.conn.execute("UPDATE documents SET complete = 1 WHERE id = ?", (doc_id,))

    def _store_document(self, result: WorkResult, replacing: int | None = None) -> int:
        """Insert a document, or overwrite the failed one ``replacing`` (it has no pages)."""
        # 'partial': read in part (a budget stopped it); its error row is the warning.
        status = "partial" if result.partial else "error" if result.error_kind else "ok"
        values = (
            result.sha256,
            result.size,
            result.mime,
            result.type,
            status,
            result.error_kind,
            result.error_message,
            result.extractor,
            json.dumps(result.metadata, ensure_ascii=False, sort_keys=True),
            result.page_count,
            0 if result.children else 1,
            _now(),
        )
        if replacing is not None:
            self.conn.execute(
                "UPDATE documents SET sha256 = ?, size = ?, mime = ?, type = ?, status = ?, "
                "error_kind = ?, error_message = ?, extractor = ?, metadata = ?, page_count = ?, "
                "complete = ?, ingested_at = ? WHERE id = ?",
                (*values, replacing),
            )
            if not result.error_kind:  # every path of these bytes now reads fine
                self.conn.execute("DELETE FROM errors WHERE sha256 = ?", (result.sha256,))
            doc_id: int | None = replacing
        else:
            cursor = self.conn.execute(
                "INSERT INTO documents (sha256, size, mime, type, status, error_kind, "
                "error_message, extractor, metadata, page_count, complete, ingested_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            doc_id = cursor.lastrowid
        assert doc_id is not None
        if replacing is not None:
            self._drop_pages(doc_id)
        table_ids = [
            tables.add_table(self.conn, doc_id, number, table.name, table.columns)
            for number, table in enumerate(result.tables, start=1)
        ]
        page_ids: dict[int, int] = {}
        for page in result.pages:
            page_id = self._insert_page(doc_id, page)
            self._index_rows.append((page_id, page.tokens))
            if result.tables:
                page_ids[page.number] = page_id
        for table_id, table in zip(table_ids, result.tables, strict=True):
            tables.add_table_pages(
                self.conn, table_id, [(page_ids[tp.page], tp.rows) for tp in table.pages]
            )
        if result.spool is not None:
            self._store_spool(doc_id, result.spool, table_ids)
        # A document stored anew (read again) keeps none of its old warnings.
        if result.warnings or replacing is not None:
            self._warnings.replace(doc_id, result.warnings)
        if result.error_kind:
            self._record_error(result.item.provenance, result.sha256, result)
        return doc_id

    def _insert_page(self, doc_id: int, page: PageRow) -> int:
        page_cursor = self.conn.execute(
            "INSERT INTO pages (document_id, number, text, language, method, ocr_engine, "
            "ocr_confidence, width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                page.number,
                page.text,
                page.language,
                page.method,
                page.ocr_engine,
                page.ocr_confidence,
                page.width,
                page.height,
            ),
        )
        page_id = page_cursor.lastrowid
        assert page_id is not None
        self.conn.execute(
            "INSERT INTO page_words (page_id, words) VALUES (?, ?)", (page_id, page.words_json)
        )
        return page_id

    def _store_spool(self, doc_id: int, spool: Path, table_ids: list[int]) -> None:
        """Store a spooled document's pages as they are read, indexing them in batches.

        Its index rows go in here, not at the flush, so the writer never holds a large
        file's tokens (a 1 GB CSV has gigabytes of them); all within the file's savepoint.
        """
        batch: list[tuple[int, str]] = []
        for record in read_page_spool(spool):
            page_id = self._insert_page(doc_id, record.page)
            batch.append((page_id, record.page.tokens))
            if record.table is not None:
                tables.add_table_pages(self.conn, table_ids[record.table], [(page_id, record.rows)])
            if len(batch) >= SPOOL_INDEX_BATCH:
                self._index(batch)
                batch = []
        self._index(batch)

    def _index(self, rows: list[tuple[int, str]]) -> None:
        if rows:
            self.conn.executemany("INSERT INTO page_index (rowid, tokens) VALUES (?, ?)", rows)

    def _drop_pages(self, doc_id: int) -> None:
        """Remove the pages of a document about to be stored anew (a partial one read again)."""
        rows = self.conn.execute(
            "SELECT id, text FROM pages WHERE document_id = ?", (doc_id,)
        ).fetchall()
        if not rows:  # a failed document has none
            return
        pending = {rowid for rowid, _ in self._index_rows}
        for page_id, text in rows:
            if page_id not in pending:  # in the index already: replay its tokens out
                unindex_page(self.conn, page_id, text)
        ids = {page_id for page_id, _ in rows}
        self._index_rows[:] = [row for row in self._index_rows if row[0] not in ids]
        tables.drop_tables(self.conn, doc_id)
        for table, column in (("page_words", "page_id"), ("ocr_runs", "page_id")):
            self.conn.execute(
                f"DELETE FROM {table} WHERE {column} IN "
                "(SELECT id FROM pages WHERE document_id = ?)",
                (doc_id,),
            )
        self.conn.execute("DELETE FROM pages WHERE document_id = ?", (doc_id,))

    def _add_provenance(self, doc_id: int, result: WorkResult) -> None:
        item = result.item
        self.conn.execute(
            "INSERT INTO provenance (path, document_id, parent_path, size, mtime_ns) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
            "document_id = excluded.document_id, size = excluded.size, "
            "mtime_ns = excluded.mtime_ns",
            (
                item.provenance,
                doc_id,
                item.parent,
                result.size if item.parent is None else None,
                item.mtime_ns,
            ),
        )
        if not result.error_kind:
            # The path now holds readable content: an error from an older version goes.
            status = self.conn.execute(
                "SELECT status FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()[0]
            if status == "ok":
                self.conn.execute("DELETE FROM errors WHERE path = ?", (item.provenance,))

    def _record_error(
        self,
        path: str,
        sha256: str | None,
        result: WorkResult,
        kind: str | None = None,
        message: str | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO errors (path, sha256, kind, message, recorded_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, kind = excluded.kind, "
            "message = excluded.message, recorded_at = excluded.recorded_at",
            (path, sha256, kind or result.error_kind, message or result.error_message, _now()),
        )

    def _copy_subtree(self, doc_id: int, new_path: str) -> None:
        """Give a complete container found at a new path its members' paths there too."""
        source = self.conn.execute(
            "SELECT p.path FROM provenance p WHERE p.document_id = ? AND p.path != ? "
            "AND EXISTS (SELECT 1 FROM provenance c WHERE c.parent_path = p.path) "
            "ORDER BY p.path LIMIT 1",
            (doc_id, new_path),
        ).fetchone()
        if source is None:
            return
        old = source[0]
        cut = len(old)
        # Every path below `old` sorts between "old!/" and "old!0" ('0' follows '/').
        low, high = old + "!/", old + "!0"
        self.conn.execute(
            "INSERT OR IGNORE INTO provenance (path, document_id, parent_path) "
            "SELECT ? || substr(path, ? + 1), document_id, ? || substr(parent_path, ? + 1) "
            "FROM provenance WHERE path >= ? AND path < ?",
            (new_path, cut, new_path, cut, low, high),
        )
        self.conn.execute(
            "INSERT OR IGNORE INTO errors (path, sha256, kind, message, recorded_at) "
            "SELECT ? || substr(path, ? + 1), sha256, kind, message, recorded_at "
            "FROM errors WHERE path >= ? AND path < ?",
            (new_path, cut, low, high),
        )
