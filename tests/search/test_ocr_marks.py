"""OCR in search: the ocr:yes/no/low filters, and doubtful words marked in hits."""

from __future__ import annotations

import sqlite3

import pytest

from culpa.analysis.ocr.quality import LOW_PAGE_CONFIDENCE, LOW_WORD_CONFIDENCE
from culpa.errors import QueryError
from culpa.search.doubt import DOUBT_CLOSE, DOUBT_OPEN, ocr_label
from culpa.search.engine import count, search
from culpa.search.query import parse
from culpa.store.sqlite import SqliteCaseStore
from tests.ocr_pages import add_ocr_document

#: Just under and just over the thresholds, whatever they are set to.
DOUBTFUL = LOW_WORD_CONFIDENCE - 1
SURE_ENOUGH = LOW_WORD_CONFIDENCE + 1


def _all(value: float, text: str) -> dict[str, float]:
    return {word: value for word in text.split()}


@pytest.fixture
def pages(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """(document, page) of a clear OCR page, a low one and a text-layer page, all on cotton."""
    clear = "the cotton quota was raised again"
    low = "cotton harvest report from the camp"
    typed = "cotton prices in the typed report"
    doc = add_ocr_document(
        conn,
        [
            (clear, _all(LOW_PAGE_CONFIDENCE + 5, clear)),
            (low, _all(LOW_PAGE_CONFIDENCE - 5, low)),
            (typed, None),
        ],
        text_pages=(3,),
    )
    return {"clear": (doc, 1), "low": (doc, 2), "typed": (doc, 3)}


def _found(conn: sqlite3.Connection, query: str) -> set[tuple[int, int]]:
    return {(h.document_id, h.page) for h in search(SqliteCaseStore(conn), query, limit=100)}


def test_ocr_filters_keep_the_right_pages(
    conn: sqlite3.Connection, pages: dict[str, tuple[int, int]]
) -> None:
    assert _found(conn, "cotton") == set(pages.values())
    assert _found(conn, "cotton ocr:yes") == {pages["clear"], pages["low"]}
    assert _found(conn, "cotton ocr:no") == {pages["typed"]}
    assert _found(conn, "cotton ocr:low") == {pages["low"]}
    assert _found(conn, "cotton ocr:LOW ocr:no") == {pages["low"], pages["typed"]}
    assert count(SqliteCaseStore(conn), "cotton ocr:low") == 1
    assert count(SqliteCaseStore(conn), "cotton ocr:yes") == 2
    # A filter alone lists every page it keeps: OCR quality belongs to a page.
    assert _found(conn, "ocr:yes") == {pages["clear"], pages["low"]}
    assert _found(conn, "ocr:low") == {pages["low"]}


def test_ocr_low_follows_the_page_threshold(conn: sqlite3.Connection) -> None:
    at = "exactly at the threshold"
    under = "just under the threshold"
    add_ocr_document(
        conn,
        [(at, _all(LOW_PAGE_CONFIDENCE, at)), (under, _all(LOW_PAGE_CONFIDENCE - 0.5, under))],
    )
    assert [h.page for h in search(SqliteCaseStore(conn), "threshold ocr:low")] == [2]
    # An OCR'd page without a confidence is doubtful too.
    conn.execute("UPDATE pages SET ocr_confidence = NULL WHERE number = 1")
    assert sorted(h.page for h in search(SqliteCaseStore(conn), "threshold ocr:low")) == [1, 2]


def test_bad_ocr_value_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="ocr:yes, ocr:no or ocr:low"):
        parse("cotton ocr:maybe")
    assert parse("cotton ocr:Low").ocr == ("low",)


def test_hits_carry_method_confidence_and_doubtful_words(conn: sqlite3.Connection) -> None:
    text = "The committee met in Urumqi to review the cotton quota"
    doc = add_ocr_document(conn, [(text, {"Urumqi": DOUBTFUL, "quota": SURE_ENOUGH})])
    [hit] = search(SqliteCaseStore(conn), "committee")
    assert (hit.document_id, hit.method) == (doc, "ocr")
    assert hit.ocr_engine and hit.ocr_engine.startswith("tesseract")
    assert hit.ocr_confidence is not None and hit.ocr_confidence < 96
    start = text.index("Urumqi")
    assert hit.doubtful == ((start, start + len("Urumqi"), DOUBTFUL),)
    assert f"{DOUBT_OPEN}Urumqi{DOUBT_CLOSE}" in hit.snippet
    assert f"{DOUBT_OPEN}quota" not in hit.snippet  # above the threshold: not marked
    assert "[[committee]]" in hit.snippet


def test_a_doubtful_word_inside_the_match_is_marked_inside_it(conn: sqlite3.Connection) -> None:
    text = "reports on the cotton quota"
    add_ocr_document(conn, [(text, {"cotton": DOUBTFUL})])
    [hit] = search(SqliteCaseStore(conn), '"cotton quota"')
    assert f"[[{DOUBT_OPEN}cotton{DOUBT_CLOSE} quota]]" in hit.snippet


def test_doubtful_words_outside_the_snippet_are_not_listed(conn: sqlite3.Connection) -> None:
    far = " ".join(["filler"] * 60)
    text = f"Urumqi {far} cotton"
    add_ocr_document(conn, [(text, {"Urumqi": DOUBTFUL, "filler": SURE_ENOUGH})])
    [hit] = search(SqliteCaseStore(conn), "cotton")
    assert hit.doubtful == ()
    assert DOUBT_OPEN not in hit.snippet


def test_text_layer_hits_have_no_ocr_marks(conn: sqlite3.Connection) -> None:
    add_ocr_document(conn, [("cotton in a typed memo", None)], text_pages=(1,))
    [hit] = search(SqliteCaseStore(conn), "cotton")
    assert (hit.method, hit.ocr_engine, hit.ocr_confidence, hit.doubtful) == (
        "text",
        None,
        None,
        (),
    )
    assert DOUBT_OPEN not in hit.snippet


def test_ocr_label() -> None:
    assert ocr_label("text", None, None) == ""
    assert ocr_label("ocr", "tesseract", LOW_PAGE_CONFIDENCE + 1).endswith("%")
    assert ocr_label("ocr", "tesseract", 71.2) == "OCR 71%" + (
        " low" if LOW_PAGE_CONFIDENCE > 71.2 else ""
    )
    assert ocr_label("ocr", "tesseract", LOW_PAGE_CONFIDENCE - 1).endswith(" low")
    assert ocr_label("ocr", None, None) == "OCR low"


def test_punctuation_alone_is_never_doubtful() -> None:
    """Engines score commas low everywhere; only words worth checking are marked."""
    from culpa.analysis.ocr.quality import LOW_WORD_CONFIDENCE, is_low_word
    from culpa.search.doubt import doubtful_words

    text = "干校，学习"
    low = LOW_WORD_CONFIDENCE - 20
    words = [[0, 0, 1, 1, i, i + 1, low] for i in range(len(text))]
    assert [text[s:e] for s, e, _ in doubtful_words(words, 0, len(text), text)] == list("干校学习")
    assert not is_low_word(low, "。") and is_low_word(low, "〇") and is_low_word(low)
