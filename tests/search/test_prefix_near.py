"""Prefix (``surveil*``) and proximity (``"a b"~3``, ``NEAR(a b, 3)``) on the real FTS5
index, and the queries the parser refuses rather than change (issue 10)."""

from __future__ import annotations

import sqlite3

import pytest

from culpa.errors import QueryError
from culpa.search.engine import count, search
from culpa.search.query import parse
from culpa.store.sqlite import SqliteCaseStore
from tests.search.conftest import AddDoc, fts_match


def _docs(conn: sqlite3.Connection, query: str) -> set[int]:
    return {hit.document_id for hit in search(SqliteCaseStore(conn), query, limit=100)}


def test_a_latin_prefix_finds_the_words_that_begin_so(
    conn: sqlite3.Connection, add_doc: AddDoc
) -> None:
    text = "Mass surveillance of the region began in 2017."
    surveillance = add_doc([text], language="en")
    surveil = add_doc(["They surveil the border."], language="en")
    add_doc(["A survey of cotton fields."], language="en")
    assert _docs(conn, "surveil*") == {surveillance, surveil}
    assert _docs(conn, "surveil") == {surveil}  # without *, the whole word only
    [hit] = search(SqliteCaseStore(conn), "surveil* began")
    assert text[hit.start : hit.end] == "surveillance"  # the span is the whole word
    assert _docs(conn, '"mass surveil*"') == {surveillance}
    assert _docs(conn, '"mass surveil"*') == {surveillance}


def test_a_chinese_prefix_is_the_bigram_search(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    a = add_doc(["新疆维吾尔自治区"])
    b = add_doc(["关于新疆的报告"])
    add_doc(["西藏"])
    assert fts_match("新疆*") == fts_match("新疆")
    assert _docs(conn, "新疆*") == _docs(conn, "新疆") == {a, b}


def test_proximity_in_english_counts_words(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    near = add_doc(["mass state surveillance"], language="en")
    reversed_ = add_doc(["surveillance of the mass"], language="en")
    far = add_doc(["mass " + "word " * 6 + "surveillance"], language="en")
    assert _docs(conn, '"mass surveillance"~3') == {near, reversed_}
    assert _docs(conn, "NEAR(mass surveillance, 3)") == {near, reversed_}
    assert _docs(conn, "NEAR(mass surveillance, 6)") == {near, reversed_, far}
    assert _docs(conn, "NEAR(mass surveillance)") == {near, reversed_, far}  # 10 by default
    assert _docs(conn, '"mass surveillance"~0') == set()
    # Before issue 10 the ~3 was searched as the word "3" and found nothing.
    assert count(SqliteCaseStore(conn), '"mass surveillance"~3') == 2


@pytest.mark.parametrize("between", ["", "的", "和大量", "，", "。我们的"])
@pytest.mark.parametrize("reverse", [False, True])
def test_proximity_in_chinese_counts_characters_exactly(
    conn: sqlite3.Connection, add_doc: AddDoc, between: str, reverse: bool
) -> None:
    """Distance N allows N characters between (punctuation is not a character of
    text), in either order: checked on the bigram token stream, one past each edge."""
    a, b = ("棉花", "新疆") if reverse else ("新疆", "棉花")
    add_doc([f"前文{a}{between}{b}后文"])
    gap = sum(1 for c in between if c not in "，。")
    for distance in range(0, 6):
        found = count(SqliteCaseStore(conn), f"NEAR(新疆 棉花, {distance})") == 1
        assert found == (gap <= distance), (between, distance)
        assert count(SqliteCaseStore(conn), f'"新疆 棉花"~{distance}') == int(gap <= distance)


def test_proximity_in_chinese_with_a_lone_character(
    conn: sqlite3.Connection, add_doc: AddDoc
) -> None:
    add_doc(["他在北京的家"])
    assert (
        count(SqliteCaseStore(conn), "NEAR(京 家, 1)")
        == count(SqliteCaseStore(conn), "NEAR(家 京, 1)")
        == 1
    )
    assert count(SqliteCaseStore(conn), "NEAR(京 家, 0)") == 0
    with pytest.raises(QueryError, match="two characters or more"):
        parse("NEAR(北京 家, 1)")  # one side ends a token early, the other does not


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("sur*eil", "end of a word"),
        ("*", "end of a word"),
        ('"mass* surveillance"', "end of a phrase"),
        ("s*", "at least 2 letters"),
        ("surveillance~2", "fuzzy"),
        ('"新疆"~3', "two words"),
        ('"a b"~x', "number"),
        ('"a b"~5000', "too far"),
        ("NEAR(a b, x)", "number"),
        ("NEAR(a, 3)", "two words"),
        ("NEAR(a b", "unclosed"),
        ("NEAR(a OR b, 3)", "only words"),
        ("NEAR(新疆 cotton, 3)", "cannot be measured exactly"),
        ("NEAR(surveil* 新疆, 3)", "cannot be measured exactly"),
        ("autor:李", "unknown field autor"),
        ('autor:"李"', "unknown field autor"),
    ],
)
def test_what_cannot_be_honoured_is_refused_with_the_reason(query: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        parse(query)


def test_colons_that_are_not_fields_are_searched() -> None:
    assert fts_match("http://example.org") == '"http://example.org"'
    assert fts_match("10:30") == '"10:30"'
    assert fts_match('"autor:李"')  # quoted: the words themselves
