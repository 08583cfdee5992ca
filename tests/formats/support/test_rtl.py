"""Uyghur (Arabic-script) PDF text layers in visual order are stored in logical order."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from culpa.formats.base import ExtractContext
from culpa.formats.documents.pdf import TEXT_FLAGS, PdfExtractor, layer_text
from culpa.formats.support.rtl import line_cues, logical_order
from culpa.ingest.runner import IngestOptions, ingest
from culpa.search.engine import search
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#: Logical order, as typed: Uyghur with a Latin name, a year and punctuation.
LINES = (
    "ئۇيغۇر تىلى ۋە ئەدەبىياتى",
    "شىنجاڭ Xinjiang University 2017 يىلى",
    "ئۇيغۇر، تىلى (ۋە) ئەدەبىياتى.",
    "مەكتەپ",
)
#: ئۇيغۇر in presentation forms (initial ئ, final ۇ, initial ي, medial غ, final ۇ, isolated ر),
#: as producers that shape the text themselves write it.
SHAPED = "\ufe8b\ufbd8\ufef3\ufed0\ufbd8\ufead"


def visual_order_pdf(path: Path, lines: tuple[str, ...] = LINES) -> Path:
    """An invisible text layer (as OCR tools write over a scan) whose right-to-left
    words advance left to right: PyMuPDF reads every right-to-left run reversed."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="dv", fontfile=FONT)
    for number, line in enumerate(lines):
        page.insert_text((72, 100 + 30 * number), line, fontname="dv", fontsize=14, render_mode=3)
    doc.save(path)
    return path


def logical_order_pdf(path: Path, lines: tuple[str, ...] = LINES) -> Path:
    """Right-to-left lines laid out right to left, the way PyMuPDF reads in logical order."""
    doc = pymupdf.open()
    page = doc.new_page()
    writer = pymupdf.TextWriter(page.rect)
    font = pymupdf.Font(fontfile=FONT)
    for number, line in enumerate(lines):
        writer.append((72, 100 + 30 * number), line, font=font, fontsize=14, right_to_left=True)
    writer.write_text(page)
    doc.save(path)
    return path


def _raw_layer(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return layer_text(doc[0].get_textpage(flags=TEXT_FLAGS).extractWORDS())[0]


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def test_a_visual_order_layer_is_stored_in_logical_order(tmp_path: Path) -> None:
    path = visual_order_pdf(tmp_path / "visual.pdf")
    assert _raw_layer(path).splitlines()[0] == "ىتايىبەدەئ ەۋ ىلىت رۇغيۇئ"  # what MuPDF reads

    result = tagged(PdfExtractor().extract(path, ExtractContext(workdir=tmp_path / "w")))
    (page,) = result.pages
    lines = page.text.splitlines()
    assert lines[0] == LINES[0]
    assert lines[1] == LINES[1]  # the Latin name and the year stay where they were
    assert _squeezed(lines[2]).replace("( ", "(").replace(" )", ")") == LINES[2].replace(
        ".", " ."
    )  # MuPDF splits punctuation into words of its own
    assert lines[3] == LINES[3]
    assert all(page.text[w.start : w.end] == w.text for w in page.words)
    assert page.language == "ug"
    assert result.metadata["visual_order_pages"] == "1"


def test_presentation_forms_in_visual_order(tmp_path: Path) -> None:
    path = visual_order_pdf(tmp_path / "shaped.pdf", (SHAPED + " " + SHAPED,))
    assert _raw_layer(path) == SHAPED[::-1] + " " + SHAPED[::-1]
    (page,) = PdfExtractor().extract(path, ExtractContext(workdir=tmp_path / "w")).pages
    assert page.text == SHAPED + " " + SHAPED


def test_a_logical_order_layer_is_left_alone(tmp_path: Path) -> None:
    path = logical_order_pdf(tmp_path / "logical.pdf")
    raw = _raw_layer(path)
    assert raw.splitlines()[0] == LINES[0]
    result = PdfExtractor().extract(path, ExtractContext(workdir=tmp_path / "w"))
    assert result.pages[0].text == raw
    assert "visual_order_pages" not in result.metadata
    # A real Arabic PDF (WeasyPrint) is in logical order and stays as it is.
    habibi = CORPUS / "pdf" / "born-digital" / "pypdfsamples_habibi.pdf"
    if habibi.exists():
        extracted = PdfExtractor().extract(habibi, ExtractContext(workdir=tmp_path / "h"))
        assert extracted.pages[0].text == _raw_layer(habibi)
        assert "visual_order_pages" not in extracted.metadata


def test_search_typed_in_logical_order_finds_both(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    visual_order_pdf(trove / "visual.pdf")
    logical_order_pdf(trove / "logical.pdf")
    visual_order_pdf(trove / "shaped.pdf", (SHAPED,))
    assert ingest(case, [trove], IngestOptions(workers=1, ocr=False)).error_count == 0
    conn = connect(case.db_path)
    for query in ("ئۇيغۇر", "ئەدەبىياتى", '"ئۇيغۇر تىلى"'):
        hits = {
            conn.execute(
                "SELECT path FROM provenance WHERE document_id = ?", (hit.document_id,)
            ).fetchone()[0]
            for hit in search(SqliteCaseStore(conn), query, limit=10)
        }
        expected = {"trove/visual.pdf", "trove/logical.pdf"}
        if query == "ئۇيغۇر":
            expected.add("trove/shaped.pdf")
        assert hits == expected, query


def test_pages_without_arabic_script_are_untouched() -> None:
    text = "关于 新疆 的 通知\nreport 2017"
    raw = [(0.0, 0.0, 1.0, 1.0, word, 0, 0, 0) for word in ("关于", "新疆", "的", "通知")]
    raw += [(0.0, 2.0, 1.0, 3.0, word, 0, 1, 0) for word in ("report", "2017")]
    built, words = layer_text(raw)
    assert built == text
    assert logical_order(built, words) == (built, words)


def test_order_cues() -> None:
    assert line_cues(["ئۇيغۇر", "تىلى"]) == (2, 0)  # a word begins with ئ, one ends in ى
    assert line_cues(["ىلىت", "رۇغيۇئ"]) == (0, 2)
    assert line_cues(["الكتاب"]) == (1, 0)  # the Arabic article
    assert line_cues([SHAPED]) == (3, 0)  # initial form first, ئ first
    assert line_cues([SHAPED[::-1]]) == (0, 3)
