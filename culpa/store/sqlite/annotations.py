"""Stars, tags and notes people add to a case (:class:`culpa.store.api.Annotations`), in SQLite.

They live in ``case.db`` beside the documents (tables ``stars``, ``tags`` and
``notes``, the last section of migration step 1), so they travel with the case
and survive restarts. An ingest never touches them. A case made before these
tables existed gets them when it is opened (:mod:`culpa.store.sqlite.migrations`); the
read functions here answer "nothing" on such a case opened read-only rather
than write to it.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from culpa.errors import UsageError
from culpa.models import Span
from culpa.store.records import DocumentMarks, Note, TaggedDocument
from culpa.store.sqlite.connection import tables_exist

#: The line of migration step 1 that opens the annotation tables (the rest of it is theirs).
SCHEMA_MARKER = "-- Annotations:"
ANNOTATION_TABLES = ("stars", "tags", "notes")
#: Longest tag, in characters.
MAX_TAG_CHARS = 100
#: Longest note, in characters.
MAX_NOTE_CHARS = 20_000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def has_tables(conn: sqlite3.Connection) -> bool:
    """Whether this case already has the annotation tables."""
    return tables_exist(conn, *ANNOTATION_TABLES)


def clean_tag(tag: str) -> str:
    """A tag as stored: spaces collapsed; refused when empty, too long or holding controls."""
    cleaned = " ".join(tag.split())
    if not cleaned:
        raise UsageError("a tag needs some text")
    if len(cleaned) > MAX_TAG_CHARS:
        raise UsageError(f"a tag may have at most {MAX_TAG_CHARS} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in cleaned):
        raise UsageError("a tag may not hold control characters")
    return cleaned


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
            tuple((int(document_id), str(tag)) for document_id, tag in tags),
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
        """Every tag with the number of documents carrying it, most used first."""
        if not has_tables(self.conn):
            return []
        return [
            (str(r[0]), int(r[1]))
            for r in self.conn.execute(
                "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY 2 DESC, 1"
            )
        ]

    def all_notes(self) -> list[Note]:
        if not has_tables(self.conn):
            return []
        return self._notes("1", ())

    def set_star(self, document_id: int, starred: bool) -> None:
        self._check_document(document_id)
        if starred:
            self.conn.execute(
                "INSERT OR IGNORE INTO stars(document_id, starred_at) VALUES (?, ?)",
                (document_id, _now()),
            )
        else:
            self.conn.execute("DELETE FROM stars WHERE document_id = ?", (document_id,))

    def add_tag(self, document_id: int, tag: str) -> str:
        """Tag a document (a tag it already has, in any Latin case, is kept as it was)."""
        self._check_document(document_id)
        cleaned = clean_tag(tag)
        self.conn.execute(
            "INSERT OR IGNORE INTO tags(document_id, tag, tagged_at) VALUES (?, ?, ?)",
            (document_id, cleaned, _now()),
        )
        return cleaned

    def remove_tag(self, document_id: int, tag: str) -> None:
        cleaned = " ".join(tag.split())
        self.conn.execute(
            "DELETE FROM tags WHERE document_id = ? AND tag = ?", (document_id, cleaned)
        )

    def delete_note(self, note_id: int) -> int | None:
        """Delete a note; return the document it was on (None if there was no such note)."""
        row = self.conn.execute("SELECT document_id FROM notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            return None
        self.conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
        return int(row[0])

    def add_note(
        self,
        document_id: int,
        body: str,
        *,
        page: int | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> Note:
        """Attach a note to a document, to one of its pages, or to a span of a page's text."""
        self._check_document(document_id)
        text = body.strip()
        if not text:
            raise UsageError("a note needs some text")
        if len(text) > MAX_NOTE_CHARS:
            raise UsageError(f"a note may have at most {MAX_NOTE_CHARS} characters")
        quote: str | None = None
        if (start is None) != (end is None):
            raise UsageError("a passage needs both its start and its end")
        if start is not None and end is not None:
            if page is None:
                raise UsageError("a passage needs its page")
            if start < 0 or end <= start:
                raise UsageError(f"bad span {start}:{end}: need 0 <= start < end")
        if page is not None:
            row = self.conn.execute(
                "SELECT text FROM pages WHERE document_id = ? AND number = ?", (document_id, page)
            ).fetchone()
            if row is None:
                raise UsageError(f"document {document_id} has no page {page}")
            if start is not None and end is not None:
                if end > len(row[0]):
                    raise UsageError(f"span {start}:{end} runs past the end of page {page}")
                quote = str(row[0])[start:end]
        cur = self.conn.execute(
            "INSERT INTO notes(document_id, page, span_start, span_end, quote, body, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (document_id, page, start, end, quote, text, _now()),
        )
        assert cur.lastrowid is not None
        return self._notes("n.id = ?", (cur.lastrowid,))[0]

    def tagged_documents(self) -> list[TaggedDocument]:
        """Every (tag, document) pair, by tag then path."""
        if not has_tables(self.conn):
            return []
        rows = self.conn.execute(
            "SELECT t.tag, d.id, d.sha256, (SELECT path FROM provenance p "
            "WHERE p.document_id = d.id ORDER BY length(p.path), p.path LIMIT 1) AS path "
            "FROM tags t JOIN documents d ON d.id = t.document_id ORDER BY t.tag, path, d.id"
        )
        return [TaggedDocument(str(r[0]), int(r[1]), str(r[2]), str(r[3] or "")) for r in rows]

    def is_starred(self, document_id: int) -> bool:
        if not has_tables(self.conn):
            return False
        row = self.conn.execute(
            "SELECT 1 FROM stars WHERE document_id = ?", (document_id,)
        ).fetchone()
        return row is not None

    def document_tags(self, document_id: int) -> list[str]:
        if not has_tables(self.conn):
            return []
        return [
            str(r[0])
            for r in self.conn.execute(
                "SELECT tag FROM tags WHERE document_id = ? ORDER BY tag", (document_id,)
            )
        ]

    def document_notes(self, document_id: int) -> list[Note]:
        if not has_tables(self.conn):
            return []
        return self._notes("n.document_id = ?", (document_id,))

    def _check_document(self, document_id: int) -> tuple[str, str]:
        row = self.conn.execute(
            "SELECT d.sha256, (SELECT path FROM provenance p WHERE p.document_id = d.id "
            "ORDER BY length(p.path), p.path LIMIT 1) FROM documents d WHERE d.id = ?",
            (document_id,),
        ).fetchone()
        if row is None:
            raise UsageError(f"no document {document_id} in this case")
        return str(row[0]), str(row[1] or "")

    def _notes(self, where: str, params: tuple[object, ...]) -> list[Note]:
        rows = self.conn.execute(
            "SELECT n.id, n.document_id, n.page, n.span_start, n.span_end, n.quote, n.body, "
            "n.created_at, d.sha256, (SELECT path FROM provenance p WHERE p.document_id = d.id "
            "ORDER BY length(p.path), p.path LIMIT 1), "
            # The quote against the page as it reads now (substr counts characters, from 1).
            "n.quote IS NOT NULL AND (SELECT substr(g.text, n.span_start + 1, "
            "n.span_end - n.span_start) FROM pages g WHERE g.document_id = n.document_id "
            "AND g.number = n.page) IS NOT n.quote FROM notes n "
            f"JOIN documents d ON d.id = n.document_id WHERE {where} "
            "ORDER BY n.document_id, coalesce(n.page, 0), coalesce(n.span_start, -1), n.id",
            params,
        )
        return [
            Note(
                id=r[0],
                document_id=r[1],
                page=r[2],
                span=None if r[3] is None else Span(r[8], r[2], r[3], r[4]),
                quote=r[5],
                body=r[6],
                created_at=r[7],
                sha256=r[8],
                path=r[9] or "",
                passage_changed=bool(r[10]),
            )
            for r in rows
        ]
