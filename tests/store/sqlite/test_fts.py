"""Writing and removing pages in the contentless FTS5 table."""

from __future__ import annotations

import sqlite3

from culpa.store.sqlite.fts import index_page, index_pages, optimize, reindex_all, unindex_page


def _ids(conn: sqlite3.Connection, match: str) -> list[int]:
    rows = conn.execute("SELECT rowid FROM page_index WHERE page_index MATCH ?", (match,))
    return sorted(r[0] for r in rows)


def test_index_unindex(conn: sqlite3.Connection) -> None:
    index_page(conn, 1, "新疆維吾爾\n自治區")
    assert index_pages(conn, [(2, "中央新疆工作"), (3, "English only")]) == 2
    assert _ids(conn, '"新疆"') == [1, 2]
    assert _ids(conn, '"尔自"') == [1]  # joined across the line break, folded
    unindex_page(conn, 1, "新疆維吾爾\n自治區")
    optimize(conn)
    assert _ids(conn, '"新疆"') == [2]
    assert _ids(conn, '"english"') == [3]


def test_reindex_all(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, ingested_at)"
        " VALUES (1, 'x', 0, '', 'text', 'ok', '')"
    )
    conn.execute(
        "INSERT INTO pages(id, document_id, number, text, method) VALUES (7, 1, 1, '干部', 'text')"
    )
    index_page(conn, 99, "stale")
    assert reindex_all(conn) == 1
    assert _ids(conn, '"干部"') == [7]
    assert _ids(conn, '"stale"') == []
