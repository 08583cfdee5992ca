"""DjVu: a page's hidden text layer where it has one, OCR through the OCR stage where not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.djvu import DJVU_MIME, DjvuExtractor, page_text, parse_sexprs
from culpa.formats.registry import extractor_class_for, type_for
from culpa.formats.sniff import detect_mime
from culpa.ingest.ocr_stage import extract_with_ocr
from culpa.ingest.reocr import ReocrOptions, reocr
from culpa.ingest.runner import IngestOptions, ingest
from culpa.search.engine import search
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#: The first page's hidden text: one line of three words (boxes in pixels, y up).
TEXT_LAYER = """(page 0 0 1700 1100
 (line 150 800 1500 900
  (word 150 800 700 900 "Confidential")
  (word 740 800 1100 900 "report")
  (word 1140 800 1500 900 "\\346\\226\\260\\347\\226\\206")))
"""

pytestmark = pytest.mark.skipif(
    shutil.which("cjb2") is None or shutil.which("djvused") is None,
    reason="djvulibre-bin is not installed (scripts/setup.sh installs it)",
)


def _page(tmp_path: Path, name: str, text: str) -> Path:
    """A one-page bilevel DjVu at 300 dpi showing ``text``, with no text layer."""
    image = Image.new("L", (1700, 1100), 255)
    ImageDraw.Draw(image).text((150, 200), text, font=ImageFont.truetype(FONT, 90), fill=0)
    pbm = tmp_path / f"{name}.pbm"
    image.convert("1").save(pbm)
    out = tmp_path / f"{name}.djvu"
    subprocess.run(["cjb2", "-dpi", "300", str(pbm), str(out)], check=True)
    return out


def djvu_document(path: Path, work: Path) -> Path:
    """Two pages: the first with a hidden text layer, the second a bare scan."""
    work.mkdir(parents=True, exist_ok=True)
    first = _page(work, "first", "Confidential report")
    layer = work / "layer.txt"
    layer.write_text(TEXT_LAYER)
    subprocess.run(["djvused", str(first), "-e", f"select 1; set-txt {layer}", "-s"], check=True)
    second = _page(work, "second", "Quarterly budget memo")
    subprocess.run(["djvm", "-c", str(path), str(first), str(second)], check=True)
    return path


def test_djvu_is_sniffed_and_claimed(tmp_path: Path) -> None:
    path = djvu_document(tmp_path / "book.djvu", tmp_path / "work")
    assert detect_mime(path) == DJVU_MIME
    assert extractor_class_for(DJVU_MIME, "book.djvu") is DjvuExtractor
    assert type_for(DJVU_MIME) == "djvu"


def test_text_layer_is_read_and_a_page_without_one_is_marked_for_ocr(tmp_path: Path) -> None:
    path = djvu_document(tmp_path / "book.djvu", tmp_path / "work")
    result = DjvuExtractor().extract(path, ExtractContext(workdir=tmp_path / "out"))
    assert [page.number for page in result.pages] == [1, 2]
    first, second = result.pages
    assert first.text == "Confidential report 新疆"
    assert (first.width, first.height) == (1700.0, 1100.0)
    word = first.words[2]
    assert first.text[word.start : word.end] == "新疆"
    assert (word.x0, word.y0, word.x1, word.y1) == (1140.0, 200.0, 1500.0, 300.0)  # y down
    assert second.text == "" and result.ocr_pages == (2,)
    assert result.metadata == {"page_count": "2", "text_layer_pages": "1"}

    (rendered,) = DjvuExtractor().render_pages(path, [2], ExtractContext(workdir=tmp_path / "r"))
    assert rendered.image is not None and rendered.dpi == 300
    assert rendered.image.size == (1700, 1100) and rendered.scale == 1.0


def test_the_ocr_stage_reads_the_page_without_text(tmp_path: Path) -> None:
    path = djvu_document(tmp_path / "book.djvu", tmp_path / "work")
    context = ExtractContext(workdir=tmp_path / "out", ocr_languages=("eng",))
    result = extract_with_ocr(DjvuExtractor(), path, context, engine="tesseract")
    first, second = result.pages
    assert first.method == "text" and first.text.startswith("Confidential report")
    assert second.method == "ocr"
    assert "quarterly budget memo" in " ".join(second.text.split()).lower()


def test_ingest_makes_both_pages_searchable(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    djvu_document(trove / "book.djvu", tmp_path / "work")
    options = IngestOptions(workers=1, ocr_languages=("eng",), ocr_engine="tesseract")
    assert ingest(case, [trove], options).error_count == 0
    conn = connect(case.db_path)
    assert {(hit.page) for hit in search(SqliteCaseStore(conn), "新疆")} == {1}
    assert {(hit.page) for hit in search(SqliteCaseStore(conn), "quarterly")} == {2}
    # culpa ocr reads the OCR'd page again, rendered the same way.
    (doc,) = {hit.document_id for hit in search(SqliteCaseStore(conn), "quarterly")}
    summary = reocr(case, [doc], ReocrOptions(languages=("eng",), engine="tesseract"))
    assert (summary.documents, summary.pages_read, summary.errors) == (1, 1, [])


def test_a_truncated_document_is_corrupt(tmp_path: Path) -> None:
    data = djvu_document(tmp_path / "book.djvu", tmp_path / "work").read_bytes()
    for cut in (40, len(data) // 2):
        path = tmp_path / f"cut{cut}.djvu"
        path.write_bytes(data[:cut])
        with pytest.raises(ExtractionError) as raised:
            DjvuExtractor().extract(path, ExtractContext(workdir=tmp_path / "out"))
        assert raised.value.kind is ErrorKind.CORRUPT
        assert str(tmp_path) not in str(raised.value)  # the store path is not recorded


def test_text_layer_parsing_of_nested_zones_and_escapes() -> None:
    data = (
        b"(page 0 0 100 50 (column 0 0 100 50 (para 0 0 100 50 (line 0 25 100 50 "
        b'(word 0 25 40 50 "a\\"b") (word 50 25 100 50 "\\303\\251t\\303\\251")) '
        b'(line 0 0 100 25 (word 0 0 100 25 "next"))))) ()'
    )
    layers = parse_sexprs(data)
    assert len(layers) == 2 and layers[1] == []
    text, words = page_text(layers[0], 50)
    assert text == 'a"b été\nnext'
    assert [text[w.start : w.end] for w in words] == ['a"b', "été", "next"]
    assert page_text(layers[1], 50) == ("", ())
    (whole,) = parse_sexprs(b'(page 0 0 10 10 "whole page\\ntext")')
    assert page_text(whole, 10)[0] == "whole page\ntext"
