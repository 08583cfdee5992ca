"""Read-side questions about a case (store.documents, store.errors, store.catalog), over SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from culpa.errors import UsageError
from culpa.store.records import DocumentInfo, PageInfo, ThreadMessage
from culpa.store.sqlite.analysis import document_findings, documents_with, failure_counts, failures
from culpa.store.sqlite.warnings import SqliteWarnings

#: The analyzer whose stored threads email_thread reads (culpa.analysis.threads).
THREADS = "threads"
#: Shortest SHA-256 prefix accepted as a document reference.
MIN_SHA_PREFIX = 4


def _sort_paths(paths: list[str]) -> tuple[str, ...]:
    return tuple(sorted(paths, key=lambda path: (len(path), path)))


def resolve_document(conn: sqlite3.Connection, ref: str) -> int:
    """A document id from an id or a SHA-256 prefix; a usage error when it names nothing."""
    ref = ref.strip().lower()
    if ref.isdigit() and len(ref) < MIN_SHA_PREFIX + 8:
        row = conn.execute("SELECT id FROM documents WHERE id = ?", (int(ref),)).fetchone()
        if row is not None:
            return int(row[0])
    if len(ref) >= MIN_SHA_PREFIX and all(c in "0123456789abcdef" for c in ref):
        rows = conn.execute(
            "SELECT id FROM documents WHERE sha256 >= ? AND sha256 < ? LIMIT 2",
            (ref, ref + "g"),
        ).fetchall()
        if len(rows) == 1:
            return int(rows[0][0])
        if len(rows) > 1:
            raise UsageError(f"SHA-256 prefix {ref!r} matches several documents; give more of it")
    raise UsageError(f"no document {ref!r} in this case (give a document id or a SHA-256 prefix)")


def document_info(conn: sqlite3.Connection, doc_id: int) -> DocumentInfo:
    row = conn.execute(
        "SELECT id, sha256, size, mime, type, status, error_kind, error_message, page_count, "
        "metadata FROM documents WHERE id = ?",
        (doc_id,),
    ).fetchone()
    if row is None:
        raise UsageError(f"no document {doc_id}")
    paths = [
        r[0] for r in conn.execute("SELECT path FROM provenance WHERE document_id = ?", (doc_id,))
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


def page_info(conn: sqlite3.Connection, doc_id: int, number: int) -> PageInfo:
    row = conn.execute(
        "SELECT p.number, p.text, p.language, p.method, p.ocr_engine, p.ocr_confidence, "
        "p.width, p.height, w.words FROM pages p LEFT JOIN page_words w ON w.page_id = p.id "
        "WHERE p.document_id = ? AND p.number = ?",
        (doc_id, number),
    ).fetchone()
    if row is None:
        count = conn.execute("SELECT page_count FROM documents WHERE id = ?", (doc_id,)).fetchone()[
            0
        ]
        raise UsageError(f"document {doc_id} has no page {number} (it has {count})")
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


def status_counts(conn: sqlite3.Connection) -> dict[str, Any]:
    analysis_failures = failure_counts(conn)
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
                "SELECT coalesce(language, 'und'), count(*) FROM pages GROUP BY 1 ORDER BY 2 DESC"
            )
        ),
        # Documents an analyzer failed on (culpa analyze), per analyzer; culpa errors lists them.
        "analysis_errors": sum(analysis_failures.values()),
        "analysis_errors_by_analyzer": analysis_failures,
        # Parts of stored documents that could not be read (a broken page, a locked member).
        "warnings": sum(warnings.values()),
        "warnings_by_kind": warnings,
    }


def list_errors(conn: sqlite3.Connection, kind: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT path, sha256, kind, message, recorded_at FROM errors"
    params: tuple[str, ...] = ()
    if kind:
        sql += " WHERE kind = ?"
        params = (kind,)
    sql += " ORDER BY path"
    rows: list[dict[str, Any]] = [
        {"path": r[0], "sha256": r[1], "kind": r[2], "message": r[3], "recorded_at": r[4]}
        for r in conn.execute(sql, params)
    ]
    # Documents an analyzer failed on (culpa analyze), after the files that failed to ingest.
    rows.extend(
        {
            "path": failure.path,
            "sha256": failure.sha256,
            "kind": failure.kind,
            "message": f"analyzer {failure.analyzer}: {failure.message}",
            "recorded_at": failure.done_at,
            "analyzer": failure.analyzer,
        }
        for failure in failures(conn, kind)
    )
    # Then the parts of stored documents that could not be read: warnings, not failures.
    rows.extend(
        {
            "path": warning.path,
            "sha256": warning.sha256,
            "kind": warning.kind,
            "message": warning.message,
            "recorded_at": warning.recorded_at,
            "warning": True,
            "page": warning.page,
            "member": warning.member,
        }
        for warning in SqliteWarnings(conn).listed(kind)
    )
    return rows


def export_documents(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every document with its pages, one at a time (memory stays flat)."""
    ids = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
    for doc_id in ids:
        data = document_info(conn, doc_id).as_dict()
        data["pages"] = [
            {"number": r[0], "language": r[1], "method": r[2], "text": r[3]}
            for r in conn.execute(
                "SELECT number, language, method, text FROM pages WHERE document_id = ? "
                "ORDER BY number",
                (doc_id,),
            )
        ]
        yield data


def _stored_thread(
    conn: sqlite3.Connection, doc_id: int
) -> tuple[dict[int, dict[str, str]], dict[int, str], dict[int, int | None]] | None:
    """(metadata, path, parent) of each message in ``doc_id``'s stored thread, or None."""
    thread = next(
        (
            value
            for label, *_span, value in document_findings(conn, doc_id, THREADS)
            if label == "thread"
        ),
        None,
    )
    if thread is None:
        return None
    found = dict(documents_with(conn, THREADS, "thread", thread))
    metadata: dict[int, dict[str, str]] = {}
    paths: dict[int, str] = {}
    for row_id, raw, path in conn.execute(
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


def _rebuilt_thread(
    conn: sqlite3.Connection, doc_id: int
) -> tuple[dict[int, dict[str, str]], dict[int, str], dict[int, int | None]]:
    """(metadata, path, parent) of each message in ``doc_id``'s thread, from all the mail."""
    from culpa.analysis.threads import build_threads, mail_item

    rows = conn.execute(
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


def email_thread(conn: sqlite3.Connection, doc_id: int) -> list[ThreadMessage]:
    """Every message of the conversation ``doc_id`` belongs to, in reply order.

    Read from the threads ``culpa analyze`` stored (culpa.analysis.threads)
    when the message has one; in a case not analysed yet, rebuilt from every
    e-mail's Message-ID / In-Reply-To / References (and subject, where no id
    links them), as before analysis existed.
    """
    stored = _stored_thread(conn, doc_id)
    if stored is not None:
        metadata, paths, parents = stored
    else:
        metadata, paths, parents = _rebuilt_thread(conn, doc_id)
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
