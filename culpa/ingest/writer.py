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
from datetime import UTC, datetime
from pathlib import Path

from culpa.analysis import registry as analyzers
from culpa.analysis.base import ingested_version
from culpa.ingest.worker import WorkResult, read_page_spool
from culpa.store.api import CaseStore
from culpa.store.records import NewDocument

#: Pages of a spooled document indexed by one statement.
SPOOL_INDEX_BATCH = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CaseWriter:
    def __init__(self, store: CaseStore) -> None:
        self.store = store
        #: Index rows of the open transaction, written just before it commits. Any
        #: statement needing a statement journal (upserts, foreign keys) makes FTS5
        #: flush its pending terms into a new segment, so indexing page by page
        #: between other writes costs ten times more than indexing the batch at once.
        self._index_rows: list[tuple[int, str]] = []
        self._warnings = store.warnings
        #: (name, version) of the analyzers whose work the workers do as they read a
        #: file (the pages' language) at a version past the one a document stored
        #: without a run counts as done at: each document stored gets a run at the
        #: version ingest ran, so ``culpa analyze`` does not redo it.
        self._ingested_runs = tuple(
            (analyzer.name, analyzer.version)
            for analyzer in analyzers.registered()
            if ingested_version(analyzer) not in (None, analyzer.version)
        )

    def lookup_top_level(self, path: str) -> tuple[int | None, int | None, bool] | None:
        """(size, mtime_ns, complete) recorded for a top-level provenance path."""
        return self.store.provenance.top_level(path)

    def recorded_errors(self, path: str) -> list[str]:
        """Kinds of the errors already recorded for a path and everything inside it."""
        return self.store.errors.kinds_under(path)

    def reopen_errors(self, kinds: frozenset[str], prefixes: list[str]) -> int:
        """Make documents that failed with one of ``kinds`` under ``prefixes`` be read again.

        Each such document, and every container above one of its paths, is marked
        incomplete, so the run re-extracts it (and opens its containers again,
        whose other members are then found complete and skipped). Committed at
        once: a killed run still retries them next time. Returns how many.
        """
        if not kinds or not prefixes:
            return 0
        # Files that could not even be stored (no document) hold no row to reopen, but
        # their containers are opened again, so they are read again too.
        rows, unstored = self.store.errors.failed_under(kinds, prefixes)
        if not rows and not unstored:
            return 0
        documents = {doc_id for _, doc_id in rows}
        for path in [path for path, _ in rows] + unstored:
            parts = path.split("!/")
            for depth in range(1, len(parts)):
                container = self.store.provenance.document_at("!/".join(parts[:depth]))
                if container is not None:
                    documents.add(container)
        self.store.begin()
        self.store.documents.mark_incomplete(documents)
        self.store.commit()
        return len({doc_id for _, doc_id in rows}) + len(unstored)

    def discard(self) -> None:
        """Roll back every file stored since the last flush (the disk refused a write).

        Those files are not in the case, so the next run reads them again.
        """
        self._index_rows.clear()
        if self.store.in_transaction:
            with contextlib.suppress(Exception):  # the store's own error: the disk again
                self.store.rollback()

    @property
    def pending(self) -> bool:
        return self.store.in_transaction

    def flush(self) -> None:
        """Index and commit every file stored since the last flush."""
        if self.store.in_transaction:
            if self._index_rows:
                self.store.index.index_tokens(self._index_rows)
            self.store.commit()
        self._index_rows.clear()

    def add(self, result: WorkResult) -> tuple[int | None, bool, bool]:
        """Store one result: (document id, whether it was new, whether it awaits children)."""
        item = result.item
        store = self.store
        if not store.in_transaction:
            store.begin()
        store.savepoint("one_file")
        index_mark = len(self._index_rows)
        try:
            if not result.sha256:  # could not even be read
                self._record_error(item.provenance, None, result)
                store.release("one_file")
                return None, False, False
            row = store.documents.find(result.sha256)
            # A partial document (a budget stopped it) reopened by --retry-errors is read
            # again whole, within this run's budgets (issue 10).
            reread = row is not None and (
                row.status == "error" or (row.status == "partial" and not row.complete)
            )
            if row is not None and reread and not result.known:
                # A failed document reopened for a retry (reopen_errors), or read again
                # by a worker (a password given, a disk that was full): stored anew,
                # under the same id (notes and tags on it stay), its paths kept.
                doc_id = self._store_document(result, row.id)
                complete = not result.children
                row = None  # counted as new: its pages are
            elif row is None:
                doc_id = self._store_document(result)
                complete = not result.children
            else:
                doc_id, complete = row.id, row.complete
                if row.status in ("error", "partial"):  # its failure or warning holds here too
                    self._record_error(
                        item.provenance, result.sha256, result, row.error_kind, row.error_message
                    )
            self._add_provenance(doc_id, result)
            if complete and row is not None:
                self._copy_subtree(doc_id, item.provenance)
            store.release("one_file")
        except BaseException:
            store.rollback_to("one_file")
            del self._index_rows[index_mark:]
            raise
        finally:
            if result.spool is not None:  # stored, or not needed (known, failed)
                result.spool.unlink(missing_ok=True)
        awaiting = bool(result.children) and not complete
        return doc_id, row is None, awaiting

    def mark_complete(self, doc_id: int) -> None:
        self.store.documents.mark_complete(doc_id)

    def _store_document(self, result: WorkResult, replacing: int | None = None) -> int:
        """Insert a document, or overwrite the failed one ``replacing`` (it has no pages)."""
        # 'partial': read in part (a budget stopped it); its error row is the warning.
        status = "partial" if result.partial else "error" if result.error_kind else "ok"
        document = NewDocument(
            sha256=result.sha256,
            size=result.size,
            mime=result.mime,
            type=result.type,
            status=status,
            error_kind=result.error_kind,
            error_message=result.error_message,
            extractor=result.extractor,
            metadata=result.metadata,
            page_count=result.page_count,
            complete=not result.children,
            ingested_at=_now(),
        )
        store = self.store
        if replacing is not None:
            store.documents.replace(replacing, document)
            if not result.error_kind:  # every path of these bytes now reads fine
                store.errors.clear_content(result.sha256)
            doc_id = replacing
            self._drop_pages(doc_id)
        else:
            doc_id = store.documents.add(document)
        table_ids = [
            store.tables.add(doc_id, number, table.name, table.columns)
            for number, table in enumerate(result.tables, start=1)
        ]
        page_ids: dict[int, int] = {}
        write_page = store.pages.write
        for page in result.pages:
            page_id = write_page(doc_id, page)
            self._index_rows.append((page_id, page.tokens))
            if result.tables:
                page_ids[page.number] = page_id
        for table_id, table in zip(table_ids, result.tables, strict=True):
            store.tables.add_pages(table_id, [(page_ids[tp.page], tp.rows) for tp in table.pages])
        if result.spool is not None:
            self._store_spool(doc_id, result.spool, table_ids)
        # A document stored anew (read again) keeps none of its old warnings.
        if result.warnings or replacing is not None:
            self._warnings.replace(doc_id, result.warnings)
        if result.error_kind:
            self._record_error(result.item.provenance, result.sha256, result)
        if status != "error":
            for name, version in self._ingested_runs:
                store.analysis.record_ingested(doc_id, name, version)
        return doc_id

    def _store_spool(self, doc_id: int, spool: Path, table_ids: list[int]) -> None:
        """Store a spooled document's pages as they are read, indexing them in batches.

        Its index rows go in here, not at the flush, so the writer never holds a large
        file's tokens (a 1 GB CSV has gigabytes of them); all within the file's savepoint.
        """
        store = self.store
        batch: list[tuple[int, str]] = []
        for record in read_page_spool(spool):
            page_id = store.pages.write(doc_id, record.page)
            batch.append((page_id, record.page.tokens))
            if record.table is not None:
                store.tables.add_pages(table_ids[record.table], [(page_id, record.rows)])
            if len(batch) >= SPOOL_INDEX_BATCH:
                store.index.index_tokens(batch)
                batch = []
        if batch:
            store.index.index_tokens(batch)

    def _drop_pages(self, doc_id: int) -> None:
        """Remove the pages of a document about to be stored anew (a partial one read again)."""
        rows = self.store.pages.of_document(doc_id)
        if not rows:  # a failed document has none
            return
        pending = {rowid for rowid, _ in self._index_rows}
        for page_id, text in rows:
            if page_id not in pending:  # in the index already: replay its tokens out
                self.store.index.unindex_page(page_id, text)
        ids = {page_id for page_id, _ in rows}
        self._index_rows[:] = [row for row in self._index_rows if row[0] not in ids]
        self.store.tables.drop(doc_id)
        self.store.pages.drop(doc_id)

    def _add_provenance(self, doc_id: int, result: WorkResult) -> None:
        item = result.item
        self.store.provenance.add(
            item.provenance,
            doc_id,
            item.parent,
            result.size if item.parent is None else None,
            item.mtime_ns,
        )
        # The path now holds readable content: an error from an older version goes.
        if not result.error_kind and self.store.documents.status(doc_id) == "ok":
            self.store.errors.clear_path(item.provenance)

    def _record_error(
        self,
        path: str,
        sha256: str | None,
        result: WorkResult,
        kind: str | None = None,
        message: str | None = None,
    ) -> None:
        self.store.errors.record(
            path, sha256, kind or result.error_kind, message or result.error_message, _now()
        )

    def _copy_subtree(self, doc_id: int, new_path: str) -> None:
        """Give a complete container found at a new path its members' paths there too."""
        old = self.store.provenance.copy_below(doc_id, new_path)
        if old is not None:
            self.store.errors.copy_below(old, new_path)
