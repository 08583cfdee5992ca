"""Stars, tags and notes in the case database."""

from __future__ import annotations

import sqlite3

import pytest

from culpa.errors import UsageError
from culpa.store.case import Case
from culpa.store.sqlite import annotations as notes
from culpa.store.sqlite.annotations import SqliteAnnotations
from culpa.store.sqlite.connection import connect
from culpa.store.sqlite.fts import index_page
from culpa.store.sqlite.migrations import schema_sql, upgrade


def _add_doc(conn: sqlite3.Connection, text: str, path: str) -> int:
    n: int = conn.execute("SELECT count(*) FROM documents").fetchone()[0] + 1
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at)"
        " VALUES (?, ?, 0, '', 'text', 'ok', 1, '')",
        (n, f"{n:064x}"),
    )
    conn.execute("INSERT INTO provenance(path, document_id) VALUES (?, ?)", (path, n))
    cur = conn.execute(
        "INSERT INTO pages(document_id, number, text, method) VALUES (?, 1, ?, 'text')", (n, text)
    )
    assert cur.lastrowid is not None
    index_page(conn, cur.lastrowid, text)
    return n


def test_annotations_survive_reopening_the_case(case: Case) -> None:
    conn = connect(case.db_path)
    doc = _add_doc(conn, "关于新疆工作的通知", "trove/通知.txt")
    SqliteAnnotations(conn).set_star(doc, True)
    assert SqliteAnnotations(conn).add_tag(doc, "  Xinjiang   camps ") == "Xinjiang camps"
    SqliteAnnotations(conn).add_tag(doc, "xinjiang CAMPS")  # the same tag, Latin case aside
    note = SqliteAnnotations(conn).add_note(doc, "the key sentence", page=1, start=2, end=4)
    assert note.quote == "新疆" and note.path == "trove/通知.txt"
    conn.close()
    again = connect(case.db_path)
    assert SqliteAnnotations(again).is_starred(doc)
    assert SqliteAnnotations(again).document_tags(doc) == ["Xinjiang camps"]
    assert SqliteAnnotations(again).tag_counts() == [("Xinjiang camps", 1)]
    (kept,) = SqliteAnnotations(again).document_notes(doc)
    assert (kept.page, kept.start, kept.end, kept.body) == (1, 2, 4, "the key sentence")
    assert [n.id for n in SqliteAnnotations(again).all_notes()] == [kept.id]
    SqliteAnnotations(again).remove_tag(doc, "XINJIANG camps")
    SqliteAnnotations(again).set_star(doc, False)
    assert SqliteAnnotations(again).delete_note(kept.id) == doc
    assert SqliteAnnotations(again).delete_note(kept.id) is None
    assert (
        not SqliteAnnotations(again).is_starred(doc)
        and SqliteAnnotations(again).document_tags(doc) == []
    )
    again.close()


@pytest.mark.parametrize(
    ("body", "page", "start", "end"),
    [
        ("", None, None, None),
        ("x", None, 1, 3),
        ("x", 1, 3, 2),
        ("x", 1, 0, 999),
        ("x", 9, None, None),
    ],
)
def test_bad_notes_are_refused(
    case: Case, body: str, page: int | None, start: int | None, end: int | None
) -> None:
    conn = connect(case.db_path)
    doc = _add_doc(conn, "短文", "a.txt")
    with pytest.raises(UsageError):
        SqliteAnnotations(conn).add_note(doc, body, page=page, start=start, end=end)
    conn.close()


def test_bad_tags_and_unknown_documents_are_refused(case: Case) -> None:
    conn = connect(case.db_path)
    doc = _add_doc(conn, "短文", "a.txt")
    for tag in ("", "   ", "x" * 101, "a\x00b", "a\u200eb"):
        with pytest.raises(UsageError):
            SqliteAnnotations(conn).add_tag(doc, tag)
    with pytest.raises(UsageError):
        SqliteAnnotations(conn).set_star(999, True)
    conn.close()


def test_an_older_case_gets_the_tables_and_reads_as_empty_before(tmp_path: object) -> None:
    conn = sqlite3.connect(":memory:")
    before = schema_sql()[: schema_sql().index(notes.SCHEMA_MARKER)]
    conn.executescript(before)
    assert not notes.has_tables(conn)
    assert SqliteAnnotations(conn).all_notes() == [] and SqliteAnnotations(conn).tag_counts() == []
    assert (
        not SqliteAnnotations(conn).is_starred(1)
        and SqliteAnnotations(conn).tagged_documents() == []
    )
    upgrade(conn)  # as opening the case does
    assert notes.has_tables(conn)
    upgrade(conn)  # idempotent
