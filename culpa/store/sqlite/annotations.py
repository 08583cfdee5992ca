"""Stars, tags and notes (:class:`culpa.store.api.Annotations`), over SQLite.

The rules of what a tag or a note may hold, and the reads and writes of a
single document's annotations, are :mod:`culpa.store.annotations`; this area
puts them behind the store and adds the reads a search needs over many
documents at once. A read-only case made before the annotation tables has
none: every read answers "nothing".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from culpa.store import annotations as stored
from culpa.store.annotations import Note, TaggedDocument, has_tables
from culpa.store.records import DocumentMarks


class SqliteAnnotations:
    """The ``stars``, ``tags`` and ``notes`` tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def marks_of(self, document_ids: Sequence[int]) -> DocumentMarks:
        if not has_tables(self.conn):
            return DocumentMarks((), frozenset())
        ids_json = json.dumps(list(document_ids))
        tags = self.conn.execute(
            "SELECT document_id, tag FROM tags WHERE document_id IN "
            "(SELECT value FROM json_each(?))",
            (ids_json,),
        ).fetchall()
        starred = self.conn.execute(
            "SELECT document_id FROM stars WHERE document_id IN (SELECT value FROM json_each(?))",
            (ids_json,),
        ).fetchall()
        return DocumentMarks(
            tuple((int(doc_id), str(tag)) for doc_id, tag in tags),
            frozenset(int(row[0]) for row in starred),
        )

    def starred_documents(self, limit: int) -> list[tuple[int, str]]:
        if not has_tables(self.conn):
            return []
        rows = self.conn.execute(
            "SELECT s.document_id, (SELECT path FROM provenance p WHERE p.document_id = "
            "s.document_id ORDER BY length(p.path), p.path LIMIT 1) FROM stars s "
            "ORDER BY s.starred_at DESC LIMIT ?",
            (limit,),
        )
        return [(int(r[0]), str(r[1] or "")) for r in rows]

    def tag_counts(self) -> list[tuple[str, int]]:
        return stored.tag_counts(self.conn)

    def all_notes(self) -> list[Note]:
        return stored.all_notes(self.conn)

    def set_star(self, document_id: int, starred: bool) -> None:
        stored.set_star(self.conn, document_id, starred)

    def add_tag(self, document_id: int, tag: str) -> str:
        return stored.add_tag(self.conn, document_id, tag)

    def remove_tag(self, document_id: int, tag: str) -> None:
        stored.remove_tag(self.conn, document_id, tag)

    def delete_note(self, note_id: int) -> int | None:
        return stored.delete_note(self.conn, note_id)

    def add_note(
        self,
        document_id: int,
        body: str,
        *,
        page: int | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> Note:
        return stored.add_note(self.conn, document_id, body, page=page, start=start, end=end)

    def tagged_documents(self) -> list[TaggedDocument]:
        return stored.tagged_documents(self.conn)

    def is_starred(self, document_id: int) -> bool:
        return stored.is_starred(self.conn, document_id)

    def document_tags(self, document_id: int) -> list[str]:
        return stored.document_tags(self.conn, document_id)

    def document_notes(self, document_id: int) -> list[Note]:
        return stored.document_notes(self.conn, document_id)
