"""A real SQLite case database, built in code, for search tests."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest

from culpa.search.query import parse
from culpa.store.sqlite.fts import index_page, to_match

AddDoc = Callable[..., int]


def fts_match(source: str) -> str:
    """The FTS5 MATCH string the SQLite index runs for the query ``source``."""
    expr = parse(source).expr
    assert expr is not None
    return to_match(expr)


@pytest.fixture
def add_doc(conn: sqlite3.Connection) -> AddDoc:
    """Store a document with its pages and paths, index the pages; return its id."""

    def add(
        pages: list[str],
        *,
        paths: tuple[str, ...] = (),
        type: str = "pdf",
        language: str | None = "zh-Hans",
        metadata: dict[str, str] | None = None,
    ) -> int:
        n: int = conn.execute("SELECT count(*) FROM documents").fetchone()[0] + 1
        conn.execute(
            "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at,"
            " metadata) VALUES (?, ?, 0, '', ?, 'ok', ?, '', ?)",
            (n, f"{n:064x}", type, len(pages), json.dumps(metadata or {}, ensure_ascii=False)),
        )
        for path in paths or (f"doc{n}.{type}",):
            conn.execute("INSERT INTO provenance(path, document_id) VALUES (?, ?)", (path, n))
        for number, text in enumerate(pages, 1):
            cur = conn.execute(
                "INSERT INTO pages(document_id, number, text, language, method)"
                " VALUES (?, ?, ?, ?, 'text')",
                (n, number, text, language),
            )
            assert cur.lastrowid is not None
            index_page(conn, cur.lastrowid, text)
        return n

    return add
