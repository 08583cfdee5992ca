"""Write pages into the contentless FTS5 table ``page_index``.

The table holds only tokens (see :mod:`culpa.index.tokens`); the text lives in
``pages`` and ``page_index.rowid`` is ``pages.id``. Being contentless, a row
can only be removed by replaying the tokens it was indexed with, so
:func:`unindex_page` needs the same text and :data:`TOKENS_VERSION`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from culpa.index.tokens import index_text


def index_page(conn: sqlite3.Connection, page_id: int, text: str) -> None:
    """Index one stored page (``pages.id`` = ``page_id``)."""
    conn.execute("INSERT INTO page_index(rowid, tokens) VALUES (?, ?)", (page_id, index_text(text)))


def index_pages(conn: sqlite3.Connection, pages: Iterable[tuple[int, str]]) -> int:
    """Index many ``(page_id, text)`` pairs; return how many."""
    count = 0

    def rows() -> Iterable[tuple[int, str]]:
        nonlocal count
        for page_id, text in pages:
            count += 1
            yield page_id, index_text(text)

    conn.executemany("INSERT INTO page_index(rowid, tokens) VALUES (?, ?)", rows())
    return count


def unindex_page(conn: sqlite3.Connection, page_id: int, text: str) -> None:
    """Remove a page from the index; ``text`` must be what it was indexed with."""
    conn.execute(
        "INSERT INTO page_index(page_index, rowid, tokens) VALUES ('delete', ?, ?)",
        (page_id, index_text(text)),
    )


def reindex_all(conn: sqlite3.Connection) -> int:
    """Rebuild the whole index from ``pages`` (after a :data:`TOKENS_VERSION` change)."""
    conn.execute("INSERT INTO page_index(page_index) VALUES ('delete-all')")
    # A second cursor streams the pages while the first one writes the index.
    n = index_pages(conn, conn.cursor().execute("SELECT id, text FROM pages ORDER BY id"))
    optimize(conn)
    return n


def optimize(conn: sqlite3.Connection) -> None:
    """Merge the index into one segment; do it after a bulk ingest (queries get faster)."""
    conn.execute("INSERT INTO page_index(page_index) VALUES ('optimize')")
