"""Citations of OCR'd text say so: engine, confidences, doubtful words, and a check."""

from __future__ import annotations

import sqlite3

from culpa.analysis.ocr.quality import LOW_PAGE_CONFIDENCE, LOW_WORD_CONFIDENCE
from culpa.publish.citation import CHECK_AGAINST_IMAGE, cite
from culpa.store.sqlite import SqliteCaseStore
from tests.ocr_pages import SURE, add_ocr_document

TEXT = "The committee met in Urumqi to review the cotton quota"
DOUBTFUL = LOW_WORD_CONFIDENCE - 17
SHAKY = LOW_WORD_CONFIDENCE + 3  # low-ish but above the threshold: not doubtful


def _span(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def test_ocr_citation_names_engine_confidences_and_doubtful_words(
    conn: sqlite3.Connection,
) -> None:
    doc = add_ocr_document(conn, [(TEXT, {"Urumqi": DOUBTFUL, "review": SHAKY})])
    start, end = _span("met in Urumqi to review")
    citation = cite(SqliteCaseStore(conn), doc, 1, start, end)
    assert citation.method == "ocr"
    assert citation.min_word_confidence == DOUBTFUL
    assert [(w.text, w.confidence) for w in citation.doubtful] == [("Urumqi", DOUBTFUL)]
    assert (citation.doubtful[0].start, citation.doubtful[0].end) == _span("Urumqi")
    text = citation.as_text()
    assert text.startswith("“met in Urumqi to review”")
    assert "OCR by tesseract 5.3.0 eng psm6" in text
    assert f"page confidence {citation.ocr_confidence:.0f}%" in text
    assert f"lowest word confidence in the quote {DOUBTFUL:.0f}%" in text
    assert f"“Urumqi” ({DOUBTFUL:.0f}%" in text
    assert "“review”" not in text
    assert CHECK_AGAINST_IMAGE in text
    data = citation.as_dict()
    assert data["method"] == "ocr" and data["ocr_engine"].startswith("tesseract")
    assert data["min_word_confidence"] == DOUBTFUL
    assert data["doubtful_words"] == [
        {"text": "Urumqi", "start": start + 7, "end": start + 13, "confidence": DOUBTFUL}
    ]
    assert data["check"] == CHECK_AGAINST_IMAGE


def test_ocr_citation_without_doubtful_words_still_says_ocr(conn: sqlite3.Connection) -> None:
    doc = add_ocr_document(conn, [(TEXT, {"Urumqi": DOUBTFUL, "review": SHAKY})])
    citation = cite(SqliteCaseStore(conn), doc, 1, *_span("cotton quota"))
    assert citation.doubtful == () and citation.min_word_confidence == SURE
    text = citation.as_text()
    assert "OCR by" in text and CHECK_AGAINST_IMAGE in text
    assert "Doubtful" not in text and "Urumqi" not in text
    assert citation.as_dict()["doubtful_words"] == []


def test_a_word_cut_by_the_span_counts(conn: sqlite3.Connection) -> None:
    doc = add_ocr_document(conn, [(TEXT, {"Urumqi": DOUBTFUL})])
    start, _ = _span("Urumqi")
    citation = cite(
        SqliteCaseStore(conn), doc, 1, start + 2, start + 4
    )  # "um", inside the doubtful word
    assert [w.text for w in citation.doubtful] == ["Urumqi"]


def test_low_page_is_called_low(conn: sqlite3.Connection) -> None:
    low = {word: LOW_PAGE_CONFIDENCE - 5 for word in TEXT.split()}
    doc = add_ocr_document(conn, [(TEXT, low)])
    citation = cite(SqliteCaseStore(conn), doc, 1, *_span("cotton"))
    assert f"page confidence {LOW_PAGE_CONFIDENCE - 5:.0f}% (low)" in citation.as_text()
    assert citation.as_dict()["ocr_low"] is True


def test_text_layer_citation_is_unchanged(conn: sqlite3.Connection) -> None:
    doc = add_ocr_document(conn, [(TEXT, None)], text_pages=(1,), path="memos/memo.pdf")
    start, end = _span("cotton quota")
    citation = cite(SqliteCaseStore(conn), doc, 1, start, end)
    assert citation.as_text() == "\n".join(
        [
            "“cotton quota”",
            f"— memo.pdf, page 1, characters {start}–{end}",
            f"  SHA-256: {doc:064x}",
            "  found at: memos/memo.pdf",
        ]
    )
    assert set(citation.as_dict()) == {
        "document_id",
        "file_name",
        "paths",
        "sha256",
        "page",
        "start",
        "end",
        "quote",
    }


def test_a_quote_across_two_columns_of_a_scan_says_so(conn: sqlite3.Connection) -> None:
    """OCR puts a blank line between columns (or pages of a spread) it read in turn."""
    from culpa.publish.citation import CROSSES_COLUMNS

    page = "Left column ends here\n\nRight column starts here"
    doc = add_ocr_document(conn, [(page, None)])
    across = cite(SqliteCaseStore(conn), doc, 1, page.index("ends"), page.index("starts") + 6)
    assert across.crosses_columns and CROSSES_COLUMNS in across.as_text()
    assert across.as_dict()["crosses_columns"] is True
    within = cite(SqliteCaseStore(conn), doc, 1, 0, page.index("\n"))
    assert not within.crosses_columns and CROSSES_COLUMNS not in within.as_text()
