"""`culpa search` and `culpa cite` on OCR'd pages: the OCR label, doubt marks, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.analysis.ocr.quality import LOW_PAGE_CONFIDENCE, LOW_WORD_CONFIDENCE
from culpa.cli.commands.search import _render_snippet
from culpa.cli.main import cli
from culpa.publish.citation import CHECK_AGAINST_IMAGE
from culpa.store.case import Case
from tests.ocr_pages import add_ocr_document

CLEAR = "The committee met in Urumqi to review the cotton quota"
BLURRED = "cotton harvest figures from the camp workshop"
TYPED = "cotton prices in the typed memo"
DOUBTFUL = LOW_WORD_CONFIDENCE - 20


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def ocr_case(case: Case) -> tuple[str, int]:
    conn = sqlite3.connect(case.db_path)
    try:
        doc = add_ocr_document(
            conn,
            [
                (CLEAR, {"Urumqi": DOUBTFUL}),
                (BLURRED, {w: LOW_PAGE_CONFIDENCE - 10 for w in BLURRED.split()}),
                (TYPED, None),
            ],
            text_pages=(3,),
        )
    finally:
        conn.close()
    return str(case.root), doc


def test_search_json_and_csv_carry_method_confidence_and_doubtful_spans(
    ocr_case: tuple[str, int],
) -> None:
    root, _ = ocr_case
    result = run("search", "--case", root, "--json", "committee")
    assert result.exit_code == 0, result.output
    [hit] = json.loads(result.stdout)["hits"]
    assert hit["method"] == "ocr" and hit["ocr_engine"].startswith("tesseract")
    assert 0 < hit["ocr_confidence"] < 100
    start = CLEAR.index("Urumqi")
    assert hit["doubtful"] == [{"start": start, "end": start + 6, "confidence": DOUBTFUL}]
    assert "[?Urumqi?]" in hit["snippet"]

    result = run("search", "--case", root, "--csv", "cotton")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    by_page = {int(r["page"]): r for r in rows}
    assert (
        by_page[1]["method"] == "ocr"
        and by_page[1]["doubtful"] == f"{start}:{start + 6}@{DOUBTFUL:.0f}"
    )
    assert by_page[3]["method"] == "text" and by_page[3]["doubtful"] == ""
    assert by_page[3]["ocr_confidence"] == ""


def test_search_text_output_says_ocr_and_low(ocr_case: tuple[str, int]) -> None:
    root, _ = ocr_case
    lines = run("search", "--case", root, "cotton").stdout.splitlines()
    heads = {int(line.split("page ")[1].split()[0]): line for line in lines if "page " in line}
    assert heads[1].rstrip().endswith("%") and " OCR " in heads[1]
    assert heads[2].rstrip().endswith(" low")
    assert "OCR" not in heads[3]
    assert any("[?Urumqi?]" in line for line in lines)  # not a terminal: plain marks
    assert run("search", "--case", root, "cotton ocr:low").stdout.count(" page ") == 1


def test_terminal_colours_the_doubtful_words_apart_from_the_match() -> None:
    rendered = _render_snippet("a [[b [?c?] d]] [?e?] f", True)
    assert "[[" not in rendered and "?" not in rendered
    hit, doubt, reset = "\x1b[1;31m", "\x1b[4;35m", "\x1b[0m"
    assert rendered == f"a {hit}b {doubt}c{reset}{hit} d{reset} {doubt}e{reset} f"


def test_cite_on_ocr_text_says_so(ocr_case: tuple[str, int]) -> None:
    root, doc = ocr_case
    start = CLEAR.index("met")
    end = CLEAR.index("review")
    result = run("cite", "--case", root, str(doc), "--page", "1", "--span", f"{start}:{end}")
    assert result.exit_code == 0, result.output
    assert "OCR by tesseract" in result.stdout
    assert f"“Urumqi” ({DOUBTFUL:.0f}%" in result.stdout
    assert CHECK_AGAINST_IMAGE in result.stdout
    data = json.loads(
        run(
            "cite", "--case", root, str(doc), "--page", "1", "--span", f"{start}:{end}", "--json"
        ).stdout
    )
    assert data["min_word_confidence"] == DOUBTFUL
    assert [w["text"] for w in data["doubtful_words"]] == ["Urumqi"]

    typed = run("cite", "--case", root, str(doc), "--page", "3", "--span", "0:6")
    assert "OCR" not in typed.stdout and CHECK_AGAINST_IMAGE not in typed.stdout
