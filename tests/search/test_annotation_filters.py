"""tag:, starred: and year: in queries: parsed, and applied by the engine."""

from __future__ import annotations

import sqlite3

import pytest

from culpa.errors import QueryError
from culpa.search.engine import count, matching_pages, search
from culpa.search.query import parse
from culpa.store.sqlite import SqliteCaseStore, annotations
from culpa.store.sqlite.annotations import SqliteAnnotations
from tests.search.conftest import AddDoc


def test_parse_the_new_filters() -> None:
    q = parse('新疆 tag:xinjiang tag:"forced labour" starred:yes year:2017')
    assert q.tags == ("xinjiang", "forced labour")
    assert q.starred is True and q.years == ("2017",)
    assert parse("starred:no").starred is False and parse("starred:no").expr is None
    for bad in ("starred:maybe", "year:17", "year:二〇一七"):
        with pytest.raises(QueryError):
            parse(bad)


def test_tag_star_and_year_filters(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    old = add_doc(["新疆 2017"], metadata={"created": "2017-05-01T00:00:00"})
    mail = add_doc(["新疆 mail"], type="email", metadata={"date_iso": "2019-01-02T03:04:05+08:00"})
    new = add_doc(["新疆 2026"], metadata={"modified": "2026-02-01"})
    SqliteAnnotations(conn).add_tag(old, "Xinjiang")
    SqliteAnnotations(conn).add_tag(new, "camps")
    SqliteAnnotations(conn).set_star(mail, True)

    def docs(query: str) -> set[int]:
        return {hit.document_id for hit in search(SqliteCaseStore(conn), query, limit=50)}

    assert docs("新疆 tag:xinjiang") == {old}
    assert docs("新疆 tag:xinjiang tag:camps") == {old, new}
    assert docs("tag:camps") == {new}
    assert docs("新疆 starred:yes") == {mail}
    assert docs("新疆 starred:no") == {old, new}
    assert docs("新疆 year:2019") == {mail}
    assert docs("新疆 year:2017 year:2026") == {old, new}
    assert count(SqliteCaseStore(conn), "新疆 tag:nothing") == 0
    assert sorted(d for d, _ in matching_pages(SqliteCaseStore(conn), "新疆")) == sorted(
        [old, mail, new]
    )
    assert len(matching_pages(SqliteCaseStore(conn), "新疆", every=2)) < 3


def test_a_case_without_annotation_tables_matches_no_tag(add_doc: AddDoc) -> None:
    bare = sqlite3.connect(":memory:")
    from culpa.store.sqlite.migrations import schema_sql

    sql = schema_sql()
    bare.executescript(sql[: sql.index(annotations.SCHEMA_MARKER)])
    bare.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, ingested_at) "
        "VALUES (1, 'ab', 0, '', 'text', 'ok', '')"
    )
    bare.execute(
        "INSERT INTO pages(id, document_id, number, text, method) VALUES (1, 1, 1, 'x', 'text')"
    )
    assert (
        count(SqliteCaseStore(bare), "tag:x") == 0
        and count(SqliteCaseStore(bare), "starred:yes") == 0
    )
    assert count(SqliteCaseStore(bare), "starred:no") == 1
