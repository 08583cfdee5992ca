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

from culpa.store.records import DocumentState, NewDocument
from culpa.store.sqlite.queries import export_documents, resolve_document, status_counts


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
        return resolve_document(self.conn, ref)

    def counts(self) -> dict[str, Any]:
        return status_counts(self.conn)

    def export(self) -> Iterator[dict[str, Any]]:
        return export_documents(self.conn)

    def mark_incomplete(self, document_ids: Iterable[int]) -> None:
        self.conn.executemany(
            "UPDATE documents SET complete = 0 WHERE id = ?", [(d,) for d in document_ids]
        )
