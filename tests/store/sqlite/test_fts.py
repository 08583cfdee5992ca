"""Writing and removing pages in the contentless FTS5 table, and asking it with expression
nodes that only this module writes as FTS5 MATCH strings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any, get_type_hints

import pytest

from culpa.index.expression import And, Near, Node, Not, Or, Term
from culpa.store.api import TextIndex
from culpa.store.records import PageFilters
from culpa.store.sqlite.fts import (
    SqliteTextIndex,
    index_page,
    index_pages,
    optimize,
    reindex_all,
    unindex_page,
)
from culpa.store.sqlite.migrations import schema_sql


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


class _Recording(sqlite3.Connection):
    """A real SQLite connection that keeps every MATCH string it is given."""

    matches: list[str]

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if "MATCH ?" in sql:
            self.matches.append(parameters[sql[: sql.index("MATCH ?")].count("?")])
        return super().execute(sql, parameters)


@pytest.fixture
def recording() -> Iterator[_Recording]:
    db = sqlite3.connect(":memory:", factory=_Recording)
    db.matches = []
    db.executescript(schema_sql())
    yield db
    db.close()


def _pages(conn: sqlite3.Connection, texts: list[str]) -> None:
    """One document (id 1) whose pages 1, 2 … hold ``texts``, stored and indexed."""
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at)"
        " VALUES (1, 'x', 0, '', 'text', 'ok', ?, '')",
        (len(texts),),
    )
    for number, text in enumerate(texts, 1):
        conn.execute(
            "INSERT INTO pages(id, document_id, number, text, method) VALUES (?, 1, ?, ?, 'text')",
            (number, number, text),
        )
        index_page(conn, number, text)


def test_the_query_api_takes_expression_nodes(conn: sqlite3.Connection) -> None:
    for method in ("ranked", "count", "totals", "matching_pages"):
        assert get_type_hints(getattr(TextIndex, method))["expr"] == Node | None
    assert get_type_hints(TextIndex.page_numbers)["expr"] == Node
    _pages(conn, ["新疆 cotton", "新疆 surveillance", "cotton fields", "西藏"])
    index = SqliteTextIndex(conn)
    xinjiang_not_cotton = And((Term("新疆"), Not(Term("cotton"))))
    assert [page for page, _ in index.ranked(xinjiang_not_cotton, PageFilters(), 10, 0)] == [2]
    assert index.count(Or((Term("西藏"), Term("cotton"))), PageFilters()) == 3
    assert index.totals(Term("surveil", prefix=True), PageFilters()) == (1, 1)
    assert index.matching_pages(Near((Term("新疆"), Term("cotton")), 1), PageFilters()) == [
        (1, None)
    ]
    assert index.page_numbers(1, Term("新疆")) == [1, 2]
    assert index.count(None, PageFilters()) == 1  # filters alone: the document, once


HOSTILE = 'x" OR tokens:secret NEAR(a b) ^c d* {tokens}: -e AND "" *'


@pytest.mark.parametrize(
    "expr",
    [
        Term(HOSTILE),
        Term(HOSTILE, quoted=True, prefix=True),
        And((Term(HOSTILE), Not(Term('secret" OR "x')))),
        Or((Term(HOSTILE), Term("tokens:nothing"))),
        Near((Term(HOSTILE), Term('^"e"*')), 3),
    ],
)
def test_a_hostile_term_reaches_fts5_only_quoted(recording: _Recording, expr: Node) -> None:
    _pages(recording, [HOSTILE.replace('""', ""), "tokens secret", "secret", "c d e"])
    index = SqliteTextIndex(recording)
    assert [page for page, _ in index.ranked(expr, PageFilters(), 10, 0)] == [1]
    assert index.page_numbers(1, expr) == [1]
    assert recording.matches
    for match in recording.matches:
        # Every user string is one quoted phrase: outside the quotes only the index's
        # own operators are left, and a quote inside a phrase is doubled.
        outside = "".join(match.split('"')[::2])
        assert set(outside) <= set(" ()*,0123456789ANDORTE"), match
        assert "tokens:" not in outside and "^" not in outside
        assert '"x"" or tokens:secret near(a b) ^c d* {tokens}: -e and """" *"' in match
