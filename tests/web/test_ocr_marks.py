"""OCR in the web workbench: badges on results, the viewer's quality indicator, doubtful
words underlined (escaped, inside the hit's mark), and the OCR citation."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from culpa.analysis.ocr.quality import LOW_PAGE_CONFIDENCE, LOW_WORD_CONFIDENCE
from culpa.publish.citation import CHECK_AGAINST_IMAGE
from culpa.store.case import Case, init_case
from culpa.web.app import create_app
from culpa.web.marks import Segment, marked_snippet
from culpa.web.views.document import render_text
from tests.ocr_pages import add_ocr_document

PORT = 18766
CLEAR = "The committee met in Urumqi to review the cotton quota"
HOSTILE = "cotton <b>x</b> report"
DOUBTFUL = LOW_WORD_CONFIDENCE - 25
DOUBT = re.compile(r'<span class="doubt" title="([^"]*)" data-confidence="(\d+)">([^<]*)</span>')


def test_snippet_underlines_doubtful_words_inside_and_outside_the_mark() -> None:
    text = "reports on the cotton quota"
    start = text.index("cotton")
    html = str(
        marked_snippet(
            text, [(start, start + 12)], (start, start + 12), doubtful=[(start, start + 6, 40.0)]
        )
    )
    assert html.count("<mark>") == 1
    assert re.search(r"<mark><span class=\"doubt\"[^>]*>cotton</span> quota</mark>", html), html
    [(title, confidence, word)] = DOUBT.findall(html)
    assert (confidence, word) == ("40", "cotton") and "40%" in title


def test_doubtful_hostile_text_is_escaped() -> None:
    start = HOSTILE.index("<b>")
    html = str(render_text([Segment(0, HOSTILE, None)], None, [(start, start + 8, 10.0)]))
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert [m[2] for m in DOUBT.findall(html)] == ["&lt;b&gt;x&lt;/b&gt;"]


def test_a_hit_keeps_one_mark_when_a_doubtful_word_is_inside_it() -> None:
    html = str(render_text([Segment(0, "ab", None), Segment(2, "cdef", 0)], 0, [(3, 5, 30.0)]))
    assert html.count('id="hit-0"') == 1
    assert re.search(r'<mark id="hit-0"[^>]*>c<span class="doubt"[^>]*>de</span>f</mark>', html)


@pytest.fixture(scope="module")
def ocr_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, int]]:
    case: Case = init_case(tmp_path_factory.mktemp("ocrweb") / "case")
    conn = sqlite3.connect(case.db_path)
    low = "cotton harvest figures from the camp workshop"
    try:
        doc = add_ocr_document(
            conn,
            [
                (CLEAR, {"Urumqi": DOUBTFUL}),
                (low, {w: LOW_PAGE_CONFIDENCE - 10 for w in low.split()}),
                ("cotton in the typed memo", None),
            ],
            text_pages=(3,),
        )
    finally:
        conn.close()
    with TestClient(create_app(case, port=PORT), base_url=f"http://127.0.0.1:{PORT}") as client:
        yield client, doc


def test_results_show_an_ocr_badge_and_doubtful_words(ocr_client: tuple[TestClient, int]) -> None:
    client, _ = ocr_client
    html = client.get("/", params={"q": "cotton"}).text
    badges = re.findall(r'<span class="ocr-badge( low)?" title="[^"]*">([^<]*)</span>', html)
    assert sorted(badges) == sorted([("", f"OCR {_mean(CLEAR):.0f}%"), (" low", _low_label())])
    assert [m[2] for m in DOUBT.findall(html)] == ["Urumqi"]


def _mean(text: str) -> float:
    values = [DOUBTFUL if w == "Urumqi" else 96.0 for w in text.split()]
    return sum(values) / len(values)


def _low_label() -> str:
    return f"OCR {LOW_PAGE_CONFIDENCE - 10:.0f}% low"


def test_viewer_shows_the_quality_and_underlines_doubtful_words(
    ocr_client: tuple[TestClient, int],
) -> None:
    client, doc = ocr_client
    html = client.get(f"/doc/{doc}", params={"page": 1, "q": "Urumqi"}).text
    indicator = re.search(r'<p class="ocr-quality" id="ocr-quality"[^>]*>(.*?)</p>', html, re.S)
    assert indicator is not None
    assert f"OCR {_mean(CLEAR):.0f}%" in indicator.group(1)
    assert "tesseract 5.3.0 eng psm6" in indicator.group(1)
    assert "1 doubtful word underlined" in indicator.group(1)
    # The doubtful word is the hit: underlined inside its one mark.
    assert re.search(r'<mark id="hit-0"[^>]*><span class="doubt"[^>]*>Urumqi</span></mark>', html)

    low = client.get(f"/doc/{doc}", params={"page": 2}).text
    assert 'class="ocr-quality low"' in low and "· low" in low
    typed = client.get(f"/doc/{doc}", params={"page": 3}).text
    assert 'id="ocr-quality"' not in typed and 'class="doubt"' not in typed


def test_copy_citation_says_ocr(ocr_client: tuple[TestClient, int]) -> None:
    client, doc = ocr_client
    start = CLEAR.index("Urumqi")
    data = client.get(
        f"/doc/{doc}/cite", params={"page": 1, "start": start, "end": start + 16}
    ).json()
    assert CHECK_AGAINST_IMAGE in data["text"] and "“Urumqi”" in data["text"]
    assert data["citation"]["min_word_confidence"] == DOUBTFUL
