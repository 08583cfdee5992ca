"""store.provenance, store.pages and a document's matching pages (store.index): what the
document viewer asks of a case."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from culpa.errors import QueryError
from culpa.index.expression import And, Not, Term
from culpa.store.api import CaseStore
from culpa.store.case import Case
from culpa.store.records import StoredMember
from culpa.store.sqlite.connection import connect


def _document(conn: sqlite3.Connection, paths: list[tuple[str, str | None]], pages: int) -> int:
    """A document found at ``paths`` ((path, parent path)) with ``pages`` pages of text."""
    n: int = conn.execute("SELECT count(*) FROM documents").fetchone()[0] + 1
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at)"
        " VALUES (?, ?, ?, '', 'text', 'ok', ?, '')",
        (n, f"{n:064x}", 10 * n, pages),
    )
    for path, parent in paths:
        conn.execute(
            "INSERT INTO provenance(path, document_id, parent_path) VALUES (?, ?, ?)",
            (path, n, parent),
        )
    for number in range(1, pages + 1):
        text = f"page {number} of document {n}" + (" needle" if number % 2 == 0 else "")
        cur = conn.execute(
            "INSERT INTO pages(document_id, number, text, method) VALUES (?, ?, ?, 'text')",
            (n, number, text),
        )
        conn.execute("INSERT INTO page_index(rowid, tokens) VALUES (?, ?)", (cur.lastrowid, text))
    return n


@pytest.fixture
def store(case: Case) -> Iterator[CaseStore]:
    store = case.store()
    yield store
    store.close()


def test_members_containers_and_stored_children(case: Case, store: CaseStore) -> None:
    conn = connect(case.db_path)
    archive = _document(conn, [("trove/a.zip", None), ("copy/a.zip", None)], 0)
    first = _document(conn, [("trove/a.zip!/b.txt", "trove/a.zip")], 1)
    second = _document(conn, [("copy/a.zip!/a.txt", "copy/a.zip")], 1)
    conn.close()
    paths = ["trove/a.zip", "copy/a.zip"]
    assert store.provenance.member_count(paths) == 2
    assert store.provenance.members(paths, 10, 0) == [
        StoredMember("copy/a.zip!/a.txt", "copy/a.zip", second, "text", 30, "ok"),
        StoredMember("trove/a.zip!/b.txt", "trove/a.zip", first, "text", 20, "ok"),
    ]
    assert [m.document_id for m in store.provenance.members(paths, 1, 1)] == [first]
    assert store.provenance.stored_at(["trove/a.zip!/b.txt", "trove/a.zip!/none"]) == {
        "trove/a.zip!/b.txt": (first, "ok")
    }
    assert store.provenance.containers(first) == [("trove/a.zip", archive)]
    assert store.provenance.containers(archive) == []
    assert store.provenance.document_for_sha256(f"{first:064x}") == first
    assert store.provenance.document_for_sha256("f" * 64) is None


def test_matching_pages_and_their_texts(case: Case, store: CaseStore) -> None:
    conn = connect(case.db_path)
    _document(conn, [("trove/one.txt", None)], 2)
    doc = _document(conn, [("trove/two.txt", None)], 5)
    conn.close()
    assert store.index.page_numbers(doc, Term("needle")) == [2, 4]
    assert store.index.page_numbers(doc + 1, Term("needle")) == []
    assert store.pages.texts(doc, [2, 4, 9]) == {
        2: "page 2 of document 2 needle",
        4: "page 4 of document 2 needle",
    }
    with pytest.raises(QueryError):  # a NOT with nothing to subtract from: FTS5 refuses it
        store.index.page_numbers(doc, And((Not(Term("unbalanced")),)))
