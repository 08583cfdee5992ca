"""The query parser: precedence, phrases, NOT, filters, and no FTS5 injection."""

from __future__ import annotations

import sqlite3

import pytest

from culpa.errors import QueryError
from culpa.index.expression import And, Not, Or, Term
from culpa.search.query import parse
from tests.search.conftest import fts_match


def test_precedence_not_and_or() -> None:
    q = parse("a b OR c NOT d")
    assert q.expr == Or((And((Term("a"), Term("b"))), And((Term("c"), Not(Term("d"))))))
    assert parse("a AND (b OR c)").expr == And((Term("a"), Or((Term("b"), Term("c")))))


def test_phrases_and_minus() -> None:
    q = parse('"Hello World" -spam 「新疆 工作」')
    assert q.expr == And((Term("Hello World", True), Not(Term("spam")), Term("新疆 工作", True)))
    assert q.terms == (Term("Hello World", True), Term("新疆 工作", True))
    assert (
        fts_match('"Hello World" -spam 「新疆 工作」')
        == '(("hello world" AND "新疆 疆工 工作") NOT "spam")'
    )


def test_cjk_terms_to_match() -> None:
    assert fts_match("新疆") == '"新疆"'
    assert fts_match("習近平") == '"习近 近平"'
    assert fts_match("我") == '"我" *'


def test_filters() -> None:
    q = parse('type:pdf lang:zh path:"leak.zip!/2017 x" 新疆 type:DOCX')
    assert q.types == ("pdf", "docx")
    assert q.languages == ("zh",)
    assert q.paths == ("leak.zip!/2017 x",)
    assert q.expr == Term("新疆")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "no search term"),
        ("NOT", "needs a search term"),
        ("meta:author", "meta:key=value"),
        ('"open', "unclosed quote"),
        ("(a OR b", r"unclosed '\('"),
        ("a)", r"unexpected '\)'"),
        ("NOT a", "NOT needs a positive term"),
        ("a OR -b", "NOT needs a positive term"),
        ("OR a", "OR needs"),
        ("a AND", "AND needs"),
        ("(type:pdf a)", "parentheses"),
        ("a -type:pdf", "negated"),
        ("type: a", "needs a value"),
    ],
)
def test_bad_syntax(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(query)


@pytest.mark.parametrize(
    "query",
    [
        '"a" OR x:y NEAR(',
        "tokens:secret",
        "a* ^b NEAR(c d, 2)",
        '"a"" OR ""b"',
        "{tokens}: x",
        "a + b",
        'x" OR "y',
    ],
)
def test_injection_is_an_error_or_a_plain_match(query: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE page_index USING fts5(tokens, content='')")
    try:
        match = fts_match(query)
    except QueryError:
        return
    # Whatever the user typed, FTS5 accepts the string: only our operators are bare.
    db.execute("SELECT rowid FROM page_index WHERE page_index MATCH ?", (match,)).fetchall()
    outside_quotes = "".join(match.split('"')[::2])
    assert set(outside_quotes) <= set(" ()*ANDORT")


def test_filters_alone_and_metadata_fields() -> None:
    q = parse('type:pdf author:"李 四" meta:x-mailer=Outlook')
    assert q.expr is None and q.types == ("pdf",)
    assert q.fields == (("author", "李 四"), ("x-mailer", "Outlook"))
    assert parse("新疆 from:example.org").fields == (("from", "example.org"),)


@pytest.mark.parametrize(
    "source",
    [
        "a\x00b",
        "a\x1b[31mb",
        "(" * 5000 + "a" + ")" * 5000,
        "a " + "NOT " * 3000 + "b",
        "-" * 3000 + "b",
        "a" + " OR a" * 999,
        " ".join(f"w{i}" for i in range(201)),
    ],
)
def test_hostile_queries_are_refused_with_a_message(source: str) -> None:
    # Each gave a RecursionError or an unbounded regex (a 500, exit 1) before the caps.
    with pytest.raises(QueryError) as caught:
        parse(source)
    assert len(str(caught.value)) < 400


def test_caps_a_reporter_never_hits() -> None:
    from culpa.search.query import MAX_DEPTH, MAX_TERMS

    parse(" OR ".join(f"w{i}" for i in range(MAX_TERMS)))
    parse("(" * (MAX_DEPTH - 1) + "a NOT b" + ")" * (MAX_DEPTH - 1))
    parse("a\tb\nc")
