"""The OCR stage after extraction: scanned PDFs and images share one path."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pymupdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, PageImage
from culpa.formats.documents.pdf import PdfExtractor
from culpa.formats.media.image import ImageExtractor
from culpa.ingest.ocr_stage import extract_with_ocr, ocr_extracted
from culpa.ingest.runner import IngestOptions, ingest
from culpa.models import Extracted, Page
from culpa.store.case import Case

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def text_image(text: str, size: int = 56) -> Image.Image:
    """A small white image with one line of black text."""
    font = ImageFont.truetype(FONT, size)
    image = Image.new("L", (120 + size * len(text), 200), 255)
    ImageDraw.Draw(image).text((60, 60), text, font=font, fill=0)
    return image


def scanned_pdf(path: Path, lines: Sequence[str]) -> Path:
    """A PDF whose pages are pictures of ``lines``, one line a page, no text layer."""
    doc = pymupdf.open()
    for line in lines:
        buffer = io.BytesIO()
        text_image(line).save(buffer, format="PNG")
        page = doc.new_page(width=612, height=180)
        page.insert_image(page.rect, stream=buffer.getvalue())
    doc.save(path)
    return path


def _squeezed(page: Page) -> str:
    """The page's text in lower case without whitespace (line breaks are the layout's business)."""
    return "".join(page.text.split()).lower()


class _Counter:
    def __init__(self) -> None:
        self.known = self.done = self.beats = 0

    def pages(self, known: int, done: int) -> None:
        self.known += known
        self.done += done

    def beat(self) -> None:
        self.beats += 1


def test_scanned_pdf_pages_are_ocrd_with_boxes_in_points(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "scan.pdf", ["Secret memo 2017", "Second page here"])
    counter = _Counter()
    context = ExtractContext(workdir=tmp_path, ocr_languages=("eng",), progress=counter.beat)
    plain = PdfExtractor().extract(path, context)
    assert plain.ocr_pages == (1, 2)  # marked, not read: extractors do not OCR
    assert all(page.method == "text" for page in plain.pages)
    result = extract_with_ocr(
        PdfExtractor(), path, context, engine="tesseract", on_pages=counter.pages
    )
    assert [page.method for page in result.pages] == ["ocr", "ocr"]
    assert "memo" in _squeezed(result.pages[0]) and "second" in _squeezed(result.pages[1])
    for page in result.pages:
        assert page.ocr_engine and page.ocr_engine.startswith("tesseract")
        for word in page.words:
            assert page.text[word.start : word.end] == word.text
            assert word.x1 <= page.width + 1 and word.y1 <= page.height + 1
    assert (counter.known, counter.done) == (2, 2)
    assert counter.beats >= 4  # a heartbeat per page extracted, rendered and read


def test_image_frames_are_ocrd(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    frames = [text_image("Page one").convert("RGB"), text_image("Page two").convert("RGB")]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    counter = _Counter()
    context = ExtractContext(workdir=tmp_path, ocr_languages=("eng",))
    result = extract_with_ocr(
        ImageExtractor(), path, context, engine="tesseract", on_pages=counter.pages
    )
    assert [page.method for page in result.pages] == ["ocr", "ocr"]
    assert "one" in _squeezed(result.pages[0]) and "two" in _squeezed(result.pages[1])
    assert (result.pages[0].width, result.pages[0].height) == frames[0].size
    assert (counter.known, counter.done) == (2, 2)


class _HalfRenderable:
    """Renders page 1 of two; page 2 fails as a hostile page would."""

    type: ClassVar[str] = "fake"
    mime_types: ClassVar[tuple[str, ...]] = ()
    extensions: ClassVar[tuple[str, ...]] = ()
    score: ClassVar[int] = 0

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        pages = (Page(1, "", width=10, height=10), Page(2, "layer", width=10, height=10))
        return Extracted(pages=pages, ocr_pages=(1, 2))

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        for number in numbers:
            if number == 1:
                yield PageImage(1, text_image("Alpha"), 300, 0.5, 10.0, 10.0)
            else:
                yield PageImage(number, None, error="rendering failed: boom")


def test_a_failed_page_keeps_its_text_layer_and_is_recorded(tmp_path: Path) -> None:
    context = ExtractContext(workdir=tmp_path, ocr_languages=("eng",))
    result = extract_with_ocr(_HalfRenderable(), tmp_path / "x", context, engine="tesseract")
    assert result.pages[0].method == "ocr"
    assert result.pages[1].text == "layer" and result.pages[1].method == "text"
    assert result.metadata["ocr_errors"] == "page 2: rendering failed: boom"


def test_nothing_readable_at_all_is_ocr_failed(tmp_path: Path) -> None:
    context = ExtractContext(workdir=tmp_path, ocr_languages=("eng",))
    extracted = Extracted(pages=(Page(2, "", width=10, height=10),), ocr_pages=(2,))
    with pytest.raises(ExtractionError) as caught:
        ocr_extracted(_HalfRenderable(), tmp_path / "x", extracted, context)
    assert caught.value.kind is ErrorKind.OCR_FAILED
    assert "boom" in caught.value.message


def test_without_ocr_nothing_is_marked_or_read(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "scan.pdf", ["Nothing to see"])
    context = ExtractContext(workdir=tmp_path, ocr=False)
    result = extract_with_ocr(PdfExtractor(), path, context)
    assert result.ocr_pages == () and result.pages[0].text == ""


def test_extractors_no_longer_import_ocr() -> None:
    code = (
        "import sys, culpa.formats.documents.pdf, culpa.formats.media.image;"
        "import culpa.formats.documents.legacy_office;"
        "print(any(m.startswith('culpa.analysis.ocr') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ingest_progress_counts_ocr_pages(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    scanned_pdf(trove / "scan.pdf", ["First page", "Second page", "Third page"])
    (trove / "note.txt").write_text("a text file", encoding="utf-8")
    seen: list[tuple[int, int, int, int]] = []
    options = IngestOptions(workers=2, ocr_languages=("eng",), ocr_engine="tesseract")
    summary = ingest(case, [trove], options, progress=lambda *counts: seen.append(counts))
    assert summary.ocr_pages_added == 3
    assert (summary.ocr_pages_done, summary.ocr_pages_known) == (3, 3)
    assert seen[-1] == (2, 2, 3, 3)
    pages = [(done, known) for _, _, done, known in seen]
    assert pages == sorted(pages)  # counts only grow
