"""Counts and facets of a result set, exact on small sets and sampled on large ones."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from culpa.search import facets
from culpa.search.engine import count
from culpa.search.query import parse
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.annotations import SqliteAnnotations
from culpa.store.sqlite.fts import index_page
from culpa.store.sqlite.migrations import schema_sql


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    """300 one-page documents: a third PDFs from 2017, the rest text files from 2019."""
    db = sqlite3.connect(":memory:")
    db.executescript(schema_sql())
    for n in range(1, 301):
        pdf = n % 3 == 0
        db.execute(
            "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at,"
            " metadata) VALUES (?, ?, 0, '', ?, 'ok', 1, '', ?)",
            (
                n,
                f"{n:064x}",
                "pdf" if pdf else "text",
                json.dumps({"created": "2017-01-01" if pdf else "2019-05-05"}),
            ),
        )
        folder = "trove/a/" if n <= 100 else "trove/b.zip!/x/"
        db.execute(
            "INSERT INTO provenance(path, document_id) VALUES (?, ?)", (f"{folder}{n}.txt", n)
        )
        text = "新疆 document" + (" rare" if n % 50 == 0 else "")
        cur = db.execute(
            "INSERT INTO pages(document_id, number, text, language, method) "
            "VALUES (?, 1, ?, 'zh-Hans', 'text')",
            (n, text),
        )
        assert cur.lastrowid is not None
        index_page(db, cur.lastrowid, text)
    SqliteAnnotations(db).add_tag(3, "xinjiang")
    SqliteAnnotations(db).set_star(6, True)
    yield db
    db.close()


def values(result: facets.Facets, name: str) -> dict[str, int]:
    for facet in result.facets:
        if facet.name == name:
            return {v.label: v.count for v in facet.values}
    return {}


def test_small_result_sets_are_counted_exactly(conn: sqlite3.Connection) -> None:
    result = facets.compute(SqliteCaseStore(conn), parse("新疆"))
    assert (result.total_pages, result.total_exact, result.approximate) == (300, True, False)
    assert values(result, "type") == {"text": 200, "pdf": 100}
    assert values(result, "year") == {"2017": 100, "2019": 200}
    assert values(result, "folder") == {"trove/b.zip!/": 200, "trove/a/": 100}
    assert values(result, "tag") == {"xinjiang": 1} and values(result, "starred") == {"yes": 1}
    tokens = {v.label: v.token for f in result.facets for v in f.values}
    assert tokens["trove/b.zip!/"] == "path:trove/b.zip!/" and tokens["2017"] == "year:2017"
    inside = facets.compute(SqliteCaseStore(conn), parse("新疆 path:trove/b.zip!/"))
    assert values(inside, "folder") == {"trove/b.zip!/x/": 200}
    assert facets.compute(SqliteCaseStore(conn), parse("新疆 type:pdf")).total_pages == 100


def test_large_result_sets_are_sampled_and_marked_approximate(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facets, "FACET_SAMPLE_PAGES", 60)
    monkeypatch.setattr(facets, "EXACT_COUNT_PAGES", 50)
    monkeypatch.setattr(facets, "MIN_SAMPLE_MATCHES", 10)
    plain = facets.compute(SqliteCaseStore(conn), parse("新疆"))
    assert plain.total_pages == 300 and plain.total_exact  # the words alone: exact, in the index
    assert plain.approximate and 20 <= plain.sampled_pages <= 120
    assert 150 <= values(plain, "type")["text"] <= 250
    filtered = facets.compute(SqliteCaseStore(conn), parse("新疆 type:pdf"))
    assert not filtered.total_exact and 50 <= filtered.total_pages <= 170
    # A filter too selective for the sample is counted exactly.
    rare = facets.compute(SqliteCaseStore(conn), parse("新疆 tag:xinjiang"))
    assert (rare.total_pages, rare.total_exact) == (1, True)
    assert count(SqliteCaseStore(conn), parse("新疆 tag:xinjiang")) == 1


def test_cached_facets_follow_annotations(conn: sqlite3.Connection) -> None:
    cache = facets.FacetCache(size=2)
    first = cache.get(SqliteCaseStore(conn), "新疆", parse("新疆"), generation=0)
    assert cache.get(SqliteCaseStore(conn), "新疆", parse("新疆"), generation=0) is first
    SqliteAnnotations(conn).add_tag(9, "camps")
    fresh = cache.get(SqliteCaseStore(conn), "新疆", parse("新疆"), generation=1)
    assert fresh is not first and values(fresh, "tag") == {"xinjiang": 1, "camps": 1}
