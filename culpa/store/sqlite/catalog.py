"""What a case holds, counted (:class:`culpa.store.api.Catalog`), over SQLite.

The search page's facets count the documents of a result by type, year and
folder (:mod:`culpa.search.facets`), its results show each document's type,
title and pages, and a search that finds nothing names the filter values the
case does not hold next to those it does (:mod:`culpa.search.explain`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from culpa.errors import UsageError
from culpa.store.records import DocumentInfo, DocumentSummary, PageInfo, ThreadMessage
from culpa.store.sqlite.analysis import SqliteAnalysis
from culpa.store.sqlite.words import page_words

#: The analyzer whose stored threads email_thread reads (culpa.analysis.threads).
THREADS = "threads"
#: A thread's messages: (metadata, shortest path, parent) of each, by document id.
_Thread = tuple[dict[int, dict[str, str]], dict[int, str], dict[int, int | None]]

#: A document's year: the first four characters of the date its text states
#: (:mod:`culpa.analysis.dates`), else of created, else date_iso, else modified.
YEAR_SQL = (
    "substr(coalesce(json_extract(d.metadata, '$.date_in_text'), "
    "json_extract(d.metadata, '$.created'), "
    "json_extract(d.metadata, '$.date_iso'), json_extract(d.metadata, '$.modified')), 1, 4)"
)


def _sort_paths(paths: list[str]) -> tuple[str, ...]:
    return tuple(sorted(paths, key=lambda path: (len(path), path)))


def path_range(prefix: str) -> tuple[str, str]:
    """Bounds of the paths under ``prefix``, for an indexed ``path >= ? AND path < ?``."""
    # Every string starting with prefix sorts (binary collation) inside [prefix, prefix+U+10FFFF).
    return prefix, prefix + "\U0010ffff"


class SqliteCatalog:
    """Counts over ``documents``, ``pages`` and ``provenance``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def type_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            "SELECT type, count(*) FROM documents GROUP BY type ORDER BY 2 DESC, 1"
        ).fetchall()

    def language_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            "SELECT language, count(*) FROM pages WHERE language IS NOT NULL "
            "GROUP BY language ORDER BY 2 DESC, 1"
        ).fetchall()

    def has_path_under(self, prefix: str) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM provenance WHERE path >= ? AND path < ? LIMIT 1", path_range(prefix)
        ).fetchone()
        return found is not None

    def field_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            "SELECT je.key, count(*) FROM documents d, json_each(d.metadata) je "
            "GROUP BY je.key ORDER BY 2 DESC, 1"
        ).fetchall()

    def year_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            f"SELECT {YEAR_SQL} AS y, count(*) FROM documents d "
            "WHERE y GLOB '[0-9][0-9][0-9][0-9]' GROUP BY y ORDER BY y DESC"
        ).fetchall()

    def types_and_years(self, document_ids: Sequence[int]) -> list[tuple[int, str, object]]:
        return self.conn.execute(
            f"SELECT d.id, d.type, {YEAR_SQL} FROM documents d "
            "WHERE d.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(document_ids)),),
        ).fetchall()

    def paths(self, document_ids: Sequence[int]) -> list[tuple[int, str]]:
        return self.conn.execute(
            "SELECT document_id, path FROM provenance "
            "WHERE document_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(document_ids)),),
        ).fetchall()

    def last_page_id(self) -> int | None:
        row = self.conn.execute("SELECT max(id) FROM pages").fetchone()
        return None if row[0] is None else int(row[0])

    def summaries(self, document_ids: Sequence[int]) -> dict[int, DocumentSummary]:
        rows = self.conn.execute(
            "SELECT id, type, page_count, metadata FROM documents "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(document_ids)),),
        )
        return {
            int(r[0]): DocumentSummary(str(r[1]), int(r[2] or 0), json.loads(r[3]) if r[3] else {})
            for r in rows
        }

    def pages_at(self, pages: Sequence[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, int]]:
        if not pages:
            return {}
        where = " OR ".join("(document_id = ? AND number = ?)" for _ in pages)
        rows = self.conn.execute(
            f"SELECT document_id, number, text, id FROM pages WHERE {where}",
            [v for pair in pages for v in pair],
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    def words(self, page_ids: Iterable[int]) -> dict[int, list[list[float]]]:
        return page_words(self.conn, page_ids)

    def document_info(self, document_id: int) -> DocumentInfo:
        row = self.conn.execute(
            "SELECT id, sha256, size, mime, type, status, error_kind, error_message, page_count, "
            "metadata FROM documents WHERE id = ?",
            (document_id,),
        ).fetchone()
        if row is None:
            raise UsageError(f"no document {document_id}")
        paths = [
            r[0]
            for r in self.conn.execute(
                "SELECT path FROM provenance WHERE document_id = ?", (document_id,)
            )
        ]
        return DocumentInfo(
            id=row[0],
            sha256=row[1],
            size=row[2],
            mime=row[3],
            type=row[4],
            status=row[5],
            error_kind=row[6],
            error_message=row[7],
            page_count=row[8],
            metadata=json.loads(row[9]),
            paths=_sort_paths(paths),
        )

    def page_info(self, document_id: int, number: int) -> PageInfo:
        row = self.conn.execute(
            "SELECT p.number, p.text, p.language, p.method, p.ocr_engine, p.ocr_confidence, "
            "p.width, p.height, w.words FROM pages p LEFT JOIN page_words w ON w.page_id = p.id "
            "WHERE p.document_id = ? AND p.number = ?",
            (document_id, number),
        ).fetchone()
        if row is None:
            count = self.conn.execute(
                "SELECT page_count FROM documents WHERE id = ?", (document_id,)
            ).fetchone()[0]
            raise UsageError(f"document {document_id} has no page {number} (it has {count})")
        return PageInfo(
            number=row[0],
            text=row[1],
            language=row[2],
            method=row[3],
            ocr_engine=row[4],
            ocr_confidence=row[5],
            width=row[6],
            height=row[7],
            words=json.loads(row[8]) if row[8] else [],
        )

    def email_thread(self, document_id: int) -> list[ThreadMessage]:
        """Every message of the conversation ``document_id`` belongs to, in reply order.

        Read from the threads ``culpa analyze`` stored (culpa.analysis.threads)
        when the message has one; in a case not analysed yet, rebuilt from every
        e-mail's Message-ID / In-Reply-To / References (and subject, where no id
        links them), as before analysis existed.
        """
        stored = self._stored_thread(document_id)
        if stored is not None:
            metadata, paths, parents = stored
        else:
            metadata, paths, parents = self._rebuilt_thread(document_id)
        children: dict[int | None, list[int]] = {}
        for member, parent in parents.items():
            children.setdefault(parent, []).append(member)

        def order(member: int) -> tuple[str, int]:
            fields = metadata[member]
            return (fields.get("date_iso") or "", member)

        out: list[ThreadMessage] = []
        stack = [(member, 0) for member in sorted(children.get(None, []), key=order, reverse=True)]
        while stack:
            member, depth = stack.pop()
            fields = metadata[member]
            out.append(
                ThreadMessage(
                    id=member,
                    depth=depth,
                    date=fields.get("date_iso") or fields.get("date"),
                    sender=fields.get("from"),
                    subject=fields.get("subject"),
                    path=paths[member],
                )
            )
            for child in sorted(children.get(member, []), key=order, reverse=True):
                stack.append((child, depth + 1))
        return out

    def _stored_thread(self, doc_id: int) -> _Thread | None:
        """(metadata, path, parent) of each message in ``doc_id``'s stored thread, or None."""
        analysis = SqliteAnalysis(self.conn)
        thread = next(
            (
                value
                for label, *_span, value in analysis.document_findings(doc_id, THREADS)
                if label == "thread"
            ),
            None,
        )
        if thread is None:
            return None
        found = dict(analysis.documents_with(THREADS, "thread", thread))
        metadata: dict[int, dict[str, str]] = {}
        paths: dict[int, str] = {}
        for row_id, raw, path in self.conn.execute(
            "SELECT d.id, d.metadata, (SELECT path FROM provenance p WHERE p.document_id = d.id "
            "ORDER BY length(p.path), p.path LIMIT 1) FROM documents d "
            "WHERE d.id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(found)),),
        ):
            metadata[row_id] = json.loads(raw)
            paths[row_id] = path or ""
        parents: dict[int, int | None] = {}
        for member in metadata:
            parent = found[member].get("parent")
            parents[member] = parent if isinstance(parent, int) and parent in metadata else None
        return metadata, paths, parents

    def _rebuilt_thread(self, doc_id: int) -> _Thread:
        """(metadata, path, parent) of each message in ``doc_id``'s thread, from all the mail."""
        from culpa.analysis.threads import build_threads, mail_item

        rows = self.conn.execute(
            "SELECT d.id, d.metadata, (SELECT path FROM provenance p WHERE p.document_id = d.id "
            "ORDER BY length(p.path), p.path LIMIT 1) FROM documents d "
            "WHERE d.metadata LIKE '%message-id%' OR d.metadata LIKE '%in-reply-to%' OR d.id = ?",
            (doc_id,),
        ).fetchall()
        metadata: dict[int, dict[str, str]] = {}
        paths: dict[int, str] = {}
        for row_id, raw, path in rows:
            fields = json.loads(raw)
            if row_id == doc_id or "message-id" in fields or "in-reply-to" in fields:
                metadata[row_id] = fields
                paths[row_id] = path or ""
        if doc_id not in metadata:
            raise UsageError(f"no document {doc_id}")
        links = build_threads(mail_item(row_id, fields) for row_id, fields in metadata.items())
        thread = links[doc_id].thread
        parents: dict[int, int | None] = {}
        for row_id in metadata:
            if links[row_id].thread == thread:
                parent = links[row_id].parent
                parents[row_id] = parent if isinstance(parent, int) else None
        return (
            {row_id: metadata[row_id] for row_id in parents},
            {row_id: paths[row_id] for row_id in parents},
            parents,
        )
