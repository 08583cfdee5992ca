"""Stored documents (:class:`culpa.store.api.Documents`), over SQLite.

One ``documents`` row per distinct content (SHA-256), whatever paths it was
found under; ``metadata`` is a JSON object written with sorted keys, so the
same document always stores the same bytes. A failed document keeps its row
(and its id, so notes and tags on it stay) when it is read again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from culpa.errors import UsageError
from culpa.store.records import DocumentState, NewDocument
from culpa.store.sqlite.analysis import SqliteAnalysis
from culpa.store.sqlite.catalog import SqliteCatalog
from culpa.store.sqlite.warnings import SqliteWarnings

#: Shortest SHA-256 prefix accepted as a document reference.
MIN_SHA_PREFIX = 4


def metadata_json(metadata: Mapping[str, str]) -> str:
    """A document's metadata as stored."""
    return json.dumps(metadata, ensure_ascii=False, sort_keys=True)


def _values(document: NewDocument) -> tuple[object, ...]:
    return (
        document.sha256,
        document.size,
        document.mime,
        document.type,
        document.status,
        document.error_kind,
        document.error_message,
        document.extractor,
        metadata_json(document.metadata),
        document.page_count,
        1 if document.complete else 0,
        document.ingested_at,
    )


class SqliteDocuments:
    """The ``documents`` table."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def find(self, sha256: str) -> DocumentState | None:
        row = self.conn.execute(
            "SELECT id, complete, status, error_kind, error_message FROM documents "
            "WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        return None if row is None else DocumentState(row[0], sha256, row[1] == 1, *row[2:])

    def state(self, document_id: int) -> DocumentState | None:
        row = self.conn.execute(
            "SELECT id, sha256, complete, status, error_kind, error_message FROM documents "
            "WHERE id = ?",
            (document_id,),
        ).fetchone()
        return None if row is None else DocumentState(row[0], row[1], row[2] == 1, *row[3:])

    def source(self, document_id: int) -> tuple[str, str | None] | None:
        row = self.conn.execute(
            "SELECT sha256, extractor FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), row[1])

    def add(self, document: NewDocument) -> int:
        cursor = self.conn.execute(
            "INSERT INTO documents (sha256, size, mime, type, status, error_kind, "
            "error_message, extractor, metadata, page_count, complete, ingested_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _values(document),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def replace(self, document_id: int, document: NewDocument) -> None:
        self.conn.execute(
            "UPDATE documents SET sha256 = ?, size = ?, mime = ?, type = ?, status = ?, "
            "error_kind = ?, error_message = ?, extractor = ?, metadata = ?, page_count = ?, "
            "complete = ?, ingested_at = ? WHERE id = ?",
            (*_values(document), document_id),
        )

    def status(self, document_id: int) -> str:
        return str(
            self.conn.execute(
                "SELECT status FROM documents WHERE id = ?", (document_id,)
            ).fetchone()[0]
        )

    def metadata(self, document_id: int) -> dict[str, str]:
        row = self.conn.execute(
            "SELECT metadata FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        metadata: dict[str, str] = json.loads(row[0]) if row and row[0] else {}
        return metadata

    def set_metadata(self, document_id: int, metadata: Mapping[str, str]) -> None:
        self.conn.execute(
            "UPDATE documents SET metadata = ? WHERE id = ?", (metadata_json(metadata), document_id)
        )

    def set_warning(self, document_id: int, message: str | None) -> None:
        self.conn.execute(
            "UPDATE documents SET error_message = ? WHERE id = ?", (message, document_id)
        )

    def clear_warning(self, document_id: int) -> None:
        self.conn.execute(
            "UPDATE documents SET status = 'ok', error_kind = NULL, error_message = NULL "
            "WHERE id = ?",
            (document_id,),
        )

    def mark_complete(self, document_id: int) -> None:
        self.conn.execute("UPDATE documents SET complete = 1 WHERE id = ?", (document_id,))

    def resolve(self, ref: str) -> int:
        """A document id from an id or a SHA-256 prefix; a usage error when it names nothing."""
        ref = ref.strip().lower()
        if ref.isdigit() and len(ref) < MIN_SHA_PREFIX + 8:
            row = self.conn.execute("SELECT id FROM documents WHERE id = ?", (int(ref),)).fetchone()
            if row is not None:
                return int(row[0])
        if len(ref) >= MIN_SHA_PREFIX and all(c in "0123456789abcdef" for c in ref):
            rows = self.conn.execute(
                "SELECT id FROM documents WHERE sha256 >= ? AND sha256 < ? LIMIT 2",
                (ref, ref + "g"),
            ).fetchall()
            if len(rows) == 1:
                return int(rows[0][0])
            if len(rows) > 1:
                raise UsageError(
                    f"SHA-256 prefix {ref!r} matches several documents; give more of it"
                )
        raise UsageError(
            f"no document {ref!r} in this case (give a document id or a SHA-256 prefix)"
        )

    def counts(self) -> dict[str, Any]:
        conn = self.conn
        analysis_failures = SqliteAnalysis(conn).failure_counts()
        warnings = SqliteWarnings(conn).counts()
        one = conn.execute(
            "SELECT (SELECT count(*) FROM provenance), (SELECT count(*) FROM documents), "
            "(SELECT count(*) FROM pages), (SELECT count(*) FROM pages WHERE method = 'ocr'), "
            "(SELECT count(*) FROM errors), (SELECT coalesce(sum(size), 0) FROM documents), "
            "(SELECT count(*) FROM documents WHERE complete = 0)"
        ).fetchone()
        return {
            "files": one[0],
            "documents": one[1],
            "pages": one[2],
            "ocr_pages": one[3],
            "errors": one[4],
            "bytes": one[5],
            "incomplete_containers": one[6],
            "documents_by_type": dict(
                conn.execute("SELECT type, count(*) FROM documents GROUP BY type ORDER BY 2 DESC")
            ),
            "errors_by_kind": dict(
                conn.execute("SELECT kind, count(*) FROM errors GROUP BY kind ORDER BY 2 DESC")
            ),
            "pages_by_language": dict(
                conn.execute(
                    "SELECT coalesce(language, 'und'), count(*) FROM pages GROUP BY 1 "
                    "ORDER BY 2 DESC"
                )
            ),
            # Documents an analyzer failed on (culpa analyze), per analyzer; culpa errors
            # lists them.
            "analysis_errors": sum(analysis_failures.values()),
            "analysis_errors_by_analyzer": analysis_failures,
            # Parts of stored documents that could not be read (a broken page, a locked member).
            "warnings": sum(warnings.values()),
            "warnings_by_kind": warnings,
        }

    def export(self) -> Iterator[dict[str, Any]]:
        """Every document with its pages, one at a time (memory stays flat)."""
        catalog = SqliteCatalog(self.conn)
        ids = [r[0] for r in self.conn.execute("SELECT id FROM documents ORDER BY id")]
        for doc_id in ids:
            data = catalog.document_info(doc_id).as_dict()
            data["pages"] = [
                {"number": r[0], "language": r[1], "method": r[2], "text": r[3]}
                for r in self.conn.execute(
                    "SELECT number, language, method, text FROM pages WHERE document_id = ? "
                    "ORDER BY number",
                    (doc_id,),
                )
            ]
            yield data

    def mark_incomplete(self, document_ids: Iterable[int]) -> None:
        self.conn.executemany(
            "UPDATE documents SET complete = 0 WHERE id = ?", [(d,) for d in document_ids]
        )
