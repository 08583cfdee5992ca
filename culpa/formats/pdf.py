"""PDF: the text layer where there is a usable one, OCR where there isn't.

PyMuPDF reads each page once: one TextPage gives both the page text and the
word boxes, and words are located in that text by a forward search, so every
word's offsets index the stored text exactly at little more than the cost of
``page.get_text()``. A page whose text layer is missing, garbage (unmapped
glyphs come out as U+FFFD) or a few characters over a page-size image is a
scan: it is rendered at 300 dpi in greyscale and OCR'd. One page failing to
OCR is recorded in metadata, not fatal to the document.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pymupdf
from PIL import Image

from culpa.analysis.language import detect_language
from culpa.analysis.ocr import ocr_image
from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted, Page, Word

#: Rendering resolution for OCR (Tesseract's models expect ~300 dpi).
OCR_DPI = 300
#: A rendered page is kept under this many pixels (dpi is lowered to fit): bounds memory.
MAX_RENDER_PIXELS = 80_000_000
#: A text layer with fewer non-space characters than this may be a scan's stray label.
FEW_CHARS = 50
#: An image covering at least this share of the page makes a few-char page a scan.
PAGE_COVERING_SHARE = 0.5
#: A text layer with more than this share of unmapped/junk characters is garbage.
MAX_JUNK_SHARE = 0.25
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000

# Ligatures kept as one char, whitespace kept, text clipped to the mediabox.
# Unlike get_text()'s default, glyphs without Unicode come out as U+FFFD, not
# as raw CIDs, so garbage text layers can be recognised.
TEXT_FLAGS = (
    pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
)
# MuPDF's own errors don't all derive from RuntimeError.
_PDF_ERRORS: tuple[type[Exception], ...] = (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase)
_RENDER_ERRORS: tuple[type[BaseException], ...] = (*_PDF_ERRORS, MemoryError)
_JUNK = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")
_SPACE = re.compile(r"\s+")
_INFO_KEYS = {
    "title": "title",
    "author": "author",
    "subject": "subject",
    "keywords": "keywords",
    "creator": "creator",
    "producer": "producer",
    "creationDate": "created",
    "modDate": "modified",
    "format": "format",
    "encryption": "encryption",
}


def layer_words(
    text: str, raw_words: list[tuple[float, float, float, float, str, int, int, int]]
) -> tuple[Word, ...]:
    """Words located in ``text`` in order, so ``text[w.start:w.end] == w.text``."""
    words: list[Word] = []
    append = words.append
    find = text.find
    cursor = 0
    for x0, y0, x1, y1, word, _block, _line, _n in raw_words:
        start = find(word, cursor)
        if start < 0:
            continue  # not in the text (never seen; keeps offsets honest if it happens)
        end = start + len(word)
        append(Word(word, x0, y0, x1, y1, start, end))
        cursor = end
    return tuple(words)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: word tuples and Words are acyclic, and collecting
    while tens of thousands of them are alive costs as much as extracting them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def is_usable_text(text: str) -> bool:
    """False for an empty text layer or one mostly made of unmapped glyphs."""
    visible = len(_SPACE.sub("", text))
    if visible == 0:
        return False
    return len(_JUNK.findall(text)) <= MAX_JUNK_SHARE * visible


def _covered_by_image(page: pymupdf.Page) -> bool:
    """True if one image covers much of the page (a scan with a stray text label)."""
    area = abs(page.rect)
    if area <= 0:
        return False
    for info in page.get_image_info():
        box = pymupdf.Rect(info["bbox"]) & page.rect  # type: ignore[no-untyped-call]
        if abs(box) >= PAGE_COVERING_SHARE * area:
            return True
    return False


def _needs_ocr(page: pymupdf.Page, text: str) -> bool:
    if not is_usable_text(text):
        return True
    if len(_SPACE.sub("", text)) < FEW_CHARS:
        return _covered_by_image(page)
    return False


def _render(page: pymupdf.Page) -> tuple[Image.Image, int]:
    """Greyscale image of the page and the dpi it was rendered at."""
    rect = page.rect
    dpi = OCR_DPI
    pixels = (rect.width * dpi / 72) * (rect.height * dpi / 72)
    if pixels > MAX_RENDER_PIXELS:
        dpi = max(1, int(dpi * (MAX_RENDER_PIXELS / pixels) ** 0.5))
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    if pix.stride != pix.width:
        image = Image.frombuffer("L", (pix.width, pix.height), pix.samples, "raw", "L", pix.stride)
    return image, dpi


def _ocr_page(page: pymupdf.Page, number: int, context: ExtractContext) -> Page:
    """OCR a rendered page; word boxes scaled back to PDF points."""
    rect = page.rect
    image, dpi = _render(page)
    if image.getextrema() == (255, 255):
        return Page(number=number, text="", width=rect.width, height=rect.height, language="und")
    result = ocr_image(image, context.ocr_languages, dpi=dpi)
    scale = 72.0 / dpi
    words = tuple(
        Word(
            w.text,
            w.x0 * scale,
            w.y0 * scale,
            w.x1 * scale,
            w.y1 * scale,
            w.start,
            w.end,
            w.confidence,
        )
        for w in result.words
    )
    return Page(
        number=number,
        text=result.text,
        words=words,
        width=rect.width,
        height=rect.height,
        method="ocr",
        language=detect_language(result.text),
        ocr_engine=result.engine,
        ocr_confidence=result.confidence,
    )


def _metadata(doc: pymupdf.Document) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for key, name in _INFO_KEYS.items():
        value = (doc.metadata or {}).get(key)
        if value:
            metadata[name] = str(value).replace("\x00", "")[:MAX_METADATA_CHARS]
    metadata["page_count"] = str(doc.page_count)
    return metadata


def _open(path: Path) -> pymupdf.Document:
    try:
        doc = pymupdf.open(path, filetype="pdf")  # type: ignore[no-untyped-call]
    except pymupdf.FileDataError as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable PDF: {exc}") from exc
    except _PDF_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"PDF could not be opened: {exc}") from exc
    if doc.needs_pass and not doc.authenticate(""):  # type: ignore[no-untyped-call]
        doc.close()  # type: ignore[no-untyped-call]
        raise ExtractionError(ErrorKind.ENCRYPTED, "PDF needs a user password to open")
    return doc


class PdfExtractor:
    """PDF documents, page by page."""

    type: ClassVar[str] = "pdf"
    mime_types: ClassVar[tuple[str, ...]] = ("application/pdf", "application/x-pdf")
    extensions: ClassVar[tuple[str, ...]] = (".pdf",)
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Text layer per page, OCR for pages that have none usable."""
        if path.stat().st_size == 0:
            raise ExtractionError(ErrorKind.EMPTY, "file is empty")
        doc = _open(path)
        try:
            with _gc_paused():
                return self._extract(doc, context)
        finally:
            doc.close()  # type: ignore[no-untyped-call]

    def _extract(self, doc: pymupdf.Document, context: ExtractContext) -> Extracted:
        try:
            page_count = doc.page_count
            metadata = _metadata(doc)
        except _PDF_ERRORS as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"PDF structure is broken: {exc}") from exc
        if page_count == 0:
            raise ExtractionError(ErrorKind.CORRUPT, "PDF has no pages (broken page tree)")
        pages: list[Page] = []
        page_errors: list[str] = []
        ocr_errors: list[str] = []
        for index in range(page_count):
            number = index + 1
            try:
                page = doc.load_page(index)  # type: ignore[no-untyped-call]
                rect = page.rect
                textpage = page.get_textpage(flags=TEXT_FLAGS)
                text = textpage.extractText()
            except _PDF_ERRORS as exc:
                page_errors.append(f"page {number}: {exc}")
                pages.append(Page(number=number, text=""))
                continue
            if context.ocr and _needs_ocr(page, text):
                try:
                    pages.append(_ocr_page(page, number, context))
                    continue
                except ExtractionError as exc:
                    ocr_errors.append(f"page {number}: {exc.message}")
                except _RENDER_ERRORS as exc:
                    ocr_errors.append(f"page {number}: rendering failed: {exc}")
            words = layer_words(text, textpage.extractWORDS())
            pages.append(
                Page(
                    number=number,
                    text=text,
                    words=words,
                    width=rect.width,
                    height=rect.height,
                    language=detect_language(text),
                )
            )
        if page_errors:
            if len(page_errors) == page_count:
                raise ExtractionError(
                    ErrorKind.CORRUPT, f"no page of the PDF could be read ({page_errors[0]})"
                )
            metadata["page_errors"] = "\n".join(page_errors)
        if ocr_errors:
            metadata["ocr_errors"] = "\n".join(ocr_errors)
        return Extracted(pages=tuple(pages), metadata=metadata)


register(PdfExtractor)
