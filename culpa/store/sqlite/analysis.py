"""Analysis results in the case (:class:`culpa.store.api.Analysis`): ``analysis_runs`` and
``findings`` (all their SQL).

``analysis_runs`` says which analyzer, at which version, has run on which
document, and whether it failed; ``findings`` holds what it found, one row per
finding, with a character span of a page or none (about the whole document)
and a JSON value. A document's findings of one analyzer and its run row are
written in one transaction, so a run killed at any moment leaves either both
or neither, and the next ``culpa analyze`` does exactly what is left.

A case made before these tables existed gets them when it is opened
(migration step 2); the read functions answer "nothing" on such a case opened
read-only rather than write to it.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from culpa.models import PAGE_LANGUAGE, Page, StoredDocument
from culpa.store.records import FindingRow, RunFailure
from culpa.store.sqlite.connection import tables_exist

ANALYSIS_TABLES = ("analysis_runs", "findings")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")


class SqliteAnalysis:
    """The ``analysis_runs`` and ``findings`` tables (:class:`culpa.store.api.Analysis`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _exist(self) -> bool:
        """Whether the case has the analysis tables (one made before them has not)."""
        return tables_exist(self.conn, *ANALYSIS_TABLES)

    def documents(self) -> Iterator[StoredDocument]:
        """Every document that has something to analyse (not a failed file), without pages."""
        for row in self.conn.execute(
            "SELECT id, sha256, type, mime, metadata FROM documents WHERE status <> 'error' "
            "ORDER BY id"
        ):
            yield StoredDocument(
                id=row[0], sha256=row[1], type=row[2], mime=row[3], metadata=json.loads(row[4])
            )

    def with_pages(self, document: StoredDocument) -> StoredDocument:
        """``document`` with its stored pages (text, language, method; no word boxes)."""
        pages = tuple(
            Page(
                number=row[0],
                text=row[1],
                language=row[2],
                method=row[3],
                ocr_engine=row[4],
                ocr_confidence=row[5],
                width=row[6] or 0.0,
                height=row[7] or 0.0,
            )
            for row in self.conn.execute(
                "SELECT number, text, language, method, ocr_engine, ocr_confidence, width, "
                "height FROM pages WHERE document_id = ? ORDER BY number",
                (document.id,),
            )
        )
        return dataclasses.replace(document, pages=pages)

    def done_documents(self, analyzer: str, version: int, ingested: int | None = None) -> set[int]:
        """Ids of the documents ``analyzer`` has run on at ``version`` (failed or not).

        ``ingested``: the version at which ingest does the analyzer's work itself
        (culpa.analysis.base.ingested_version); a document without a run of it
        then counts as done at that version.
        """
        if not self._exist():
            return set()
        sql = "SELECT document_id FROM analysis_runs WHERE analyzer = ? AND version = ?"
        params: tuple[object, ...] = (analyzer, version)
        if ingested == version:
            sql += (
                " UNION SELECT id FROM documents WHERE id NOT IN "
                "(SELECT document_id FROM analysis_runs WHERE analyzer = ?)"
            )
            params = (analyzer, version, analyzer)
        return {row[0] for row in self.conn.execute(sql, params)}

    def _insert(
        self,
        document_id: int,
        analyzer: str,
        version: int,
        rows: Iterable[FindingRow],
        error: tuple[str, str] | None,
        done_at: str,
    ) -> None:
        conn = self.conn
        conn.execute(
            "DELETE FROM findings WHERE document_id = ? AND analyzer = ?", (document_id, analyzer)
        )
        kept: list[FindingRow] = []
        tags: list[tuple[str, int, int]] = []
        for row in rows:
            label, page, _start, _end, value = row
            if label == PAGE_LANGUAGE and page is not None:  # re-tags its page, is not kept
                tags.append((json.loads(value), document_id, page))
            else:
                kept.append(row)
        conn.executemany("UPDATE pages SET language = ? WHERE document_id = ? AND number = ?", tags)
        conn.executemany(
            "INSERT INTO findings (document_id, analyzer, label, page, span_start, span_end, "
            "value) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(document_id, analyzer, *row) for row in kept],
        )
        conn.execute(
            "INSERT OR REPLACE INTO analysis_runs (document_id, analyzer, version, status, "
            "error_kind, error_message, done_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                document_id,
                analyzer,
                version,
                "error" if error else "ok",
                error[0] if error else None,
                error[1] if error else None,
                done_at,
            ),
        )

    def record_document(
        self,
        document_id: int,
        analyzer: str,
        version: int,
        rows: Iterable[FindingRow] = (),
        error: tuple[str, str] | None = None,
    ) -> None:
        """Replace one document's findings of ``analyzer`` and mark it done, in one transaction.

        ``error`` is (error kind, message) when the analyzer failed on it: no findings then.
        """
        with _Transaction(self.conn):
            self._insert(document_id, analyzer, version, rows, error, _now())

    def record_case(
        self, analyzer: str, version: int, results: Mapping[int, Iterable[FindingRow]]
    ) -> None:
        """Replace every finding of a case-wide analyzer at once (one transaction)."""
        with _Transaction(self.conn) as conn:
            conn.execute("DELETE FROM findings WHERE analyzer = ?", (analyzer,))
            conn.execute("DELETE FROM analysis_runs WHERE analyzer = ?", (analyzer,))
            done_at = _now()
            for document_id, rows in results.items():
                self._insert(document_id, analyzer, version, rows, None, done_at)

    def record_failures(
        self, analyzer: str, version: int, document_ids: Iterable[int], error: tuple[str, str]
    ) -> None:
        """Mark documents as failed by ``analyzer`` (a case-wide one that raised), in one go."""
        with _Transaction(self.conn):
            done_at = _now()
            for document_id in document_ids:
                self._insert(document_id, analyzer, version, (), error, done_at)

    def forget_analyzer(self, analyzer: str, *, pending: bool = False) -> int:
        """Delete every finding and run of ``analyzer`` (``--redo``); how many runs there were.

        ``pending``: for an analyzer whose work ingest does (a missing run counts as
        done), every document gets a run at version 0 instead, so a redo killed
        half-way is finished by the next run.
        """
        with _Transaction(self.conn) as conn:
            conn.execute("DELETE FROM findings WHERE analyzer = ?", (analyzer,))
            count = conn.execute(
                "DELETE FROM analysis_runs WHERE analyzer = ?", (analyzer,)
            ).rowcount
            if pending:
                conn.execute(
                    "INSERT INTO analysis_runs (document_id, analyzer, version, status, done_at) "
                    "SELECT id, ?, 0, 'ok', ? FROM documents",
                    (analyzer, _now()),
                )
            return count

    def forget_other_versions(self, analyzer: str, version: int) -> None:
        """Drop results of ``analyzer`` at other versions (documents it no longer applies to)."""
        with _Transaction(self.conn) as conn:
            conn.execute(
                "DELETE FROM findings WHERE analyzer = ? AND document_id IN (SELECT document_id "
                "FROM analysis_runs WHERE analyzer = ? AND version <> ?)",
                (analyzer, analyzer, version),
            )
            conn.execute(
                "DELETE FROM analysis_runs WHERE analyzer = ? AND version <> ?", (analyzer, version)
            )

    def record_ingested(self, document_id: int, analyzer: str, version: int) -> None:
        """Mark a document being stored as done by ``analyzer`` at ``version`` (ingest did the
        work as it read the file), in the caller's transaction."""
        self.conn.execute(
            "INSERT OR REPLACE INTO analysis_runs (document_id, analyzer, version, status, "
            "done_at) VALUES (?, ?, ?, 'ok', ?)",
            (document_id, analyzer, version, _now()),
        )

    def document_findings(
        self, document_id: int, analyzer: str
    ) -> list[tuple[str, int | None, int | None, int | None, Any]]:
        """A document's findings of ``analyzer``: (label, page, start, end, value), in order."""
        if not self._exist():
            return []
        return [
            (row[0], row[1], row[2], row[3], json.loads(row[4]))
            for row in self.conn.execute(
                "SELECT label, page, span_start, span_end, value FROM findings "
                "WHERE document_id = ? AND analyzer = ? ORDER BY id",
                (document_id, analyzer),
            )
        ]

    def documents_with(
        self, analyzer: str, label: str, value: Any
    ) -> list[tuple[int, dict[str, Any]]]:
        """Documents with a finding ``label`` = ``value`` of ``analyzer``, and their findings.

        Each document's findings of that analyzer come as a dict label → value
        (the last one wins where a label repeats): enough for document-level
        results such as a message's thread and parent.
        """
        if not self._exist():
            return []
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)
        out: dict[int, dict[str, Any]] = {}
        for document_id, name, raw in self.conn.execute(
            "SELECT f.document_id, f.label, f.value FROM findings f WHERE f.analyzer = ? "
            "AND f.document_id IN (SELECT document_id FROM findings WHERE analyzer = ? "
            "AND label = ? AND value = ?) ORDER BY f.document_id, f.id",
            (analyzer, analyzer, label, encoded),
        ):
            out.setdefault(document_id, {})[name] = json.loads(raw)
        return list(out.items())

    def failures(self, kind: str | None = None) -> list[RunFailure]:
        """Every (document, analyzer) that failed, by path."""
        if not self._exist():
            return []
        sql = (
            "SELECT r.document_id, d.sha256, (SELECT path FROM provenance p WHERE "
            "p.document_id = r.document_id ORDER BY length(p.path), p.path LIMIT 1), "
            "r.analyzer, r.version, r.error_kind, r.error_message, r.done_at "
            "FROM analysis_runs r JOIN documents d ON d.id = r.document_id "
            "WHERE r.status = 'error'"
        )
        params: tuple[str, ...] = ()
        if kind:
            sql += " AND r.error_kind = ?"
            params = (kind,)
        return [
            RunFailure(
                document_id=row[0],
                sha256=row[1],
                path=row[2] or row[1],
                analyzer=row[3],
                version=row[4],
                kind=row[5] or "internal",
                message=row[6] or "",
                done_at=row[7],
            )
            for row in self.conn.execute(sql + " ORDER BY 3, r.analyzer", params)
        ]

    def failure_counts(self) -> dict[str, int]:
        """Failed documents per analyzer."""
        if not self._exist():
            return {}
        return dict(
            self.conn.execute(
                "SELECT analyzer, count(*) FROM analysis_runs WHERE status = 'error' "
                "GROUP BY analyzer ORDER BY 2 DESC, 1"
            )
        )
