"""PDF: the text layer where there is a usable one, OCR where there isn't.

PyMuPDF reads each page once: one TextPage, one pass over its words, from
which both the page text and the word boxes are built, so every word's
offsets index the stored text exactly, at close to the cost of
``page.get_text()``. A page whose text layer is missing, garbage (unmapped
glyphs come out as U+FFFD) or a few characters over a page-size image is a
scan: it is rendered at 300 dpi in greyscale and marked for OCR. The OCR itself is a
stage after extraction (culpa/ingest/ocr_stage.py): it calls
:meth:`PdfExtractor.render_pages`, so ingest and ``culpa ocr`` render pages
the same way. One page failing to render is recorded in metadata, not fatal
to the document. Right-to-left lines whose layer is in visual order are put
into logical order (culpa/formats/support/rtl.py); the pages are named in metadata.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pymupdf
from PIL import Image

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, PageImage
from culpa.formats.registry import register
from culpa.formats.support.rtl import logical_order
from culpa.formats.support.xmp import xmp_fields
from culpa.models import Extracted, Page, PartialFailure, Word

#: Rendering resolution for OCR (Tesseract's models expect ~300 dpi).
OCR_DPI = 300
#: A rendered page is kept under this many pixels (dpi is lowered to fit): bounds memory.
MAX_RENDER_PIXELS = 20_000_000
#: A page holding an image larger than this is not rendered: MuPDF would decode it
#: whole (a hostile 35000 x 35000 px page needs gigabytes). The text layer is kept.
MAX_SOURCE_IMAGE_PIXELS = 400_000_000
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
# MuPDF prints every repaired syntax error to stdout; a leak has thousands.
# Errors that matter surface as exceptions and are recorded per page.
pymupdf.TOOLS.mupdf_display_errors(False)  # type: ignore[no-untyped-call]
pymupdf.TOOLS.mupdf_display_warnings(False)  # type: ignore[no-untyped-call]

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
    "creator": "creator_tool",  # the program that made the original document
    "producer": "producer",  # the program that wrote the PDF
    "creationDate": "created",
    "modDate": "modified",
    "format": "format",
    "encryption": "encryption",
}
_PDF_DATE = re.compile(
    r"^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(?:([Zz])|([+-])(\d{2})'?(\d{2})?'?)?"
)


# Word is a frozen dataclass: its __init__ goes through object.__setattr__ once
# per field, which on a 60,000-word document costs as much as MuPDF's own word
# pass. Setting the slots through their descriptors builds the same object at
# half the cost (models.Word is unchanged; tests compare with ==).
_WORD_SLOTS = tuple(getattr(Word, name).__set__ for name in Word.__slots__)
assert Word.__slots__ == ("text", "x0", "y0", "x1", "y1", "start", "end", "confidence")


def layer_text(
    raw_words: list[tuple[float, float, float, float, str, int, int, int]],
) -> tuple[str, tuple[Word, ...]]:
    """Page text and its words from one ``extractWORDS()`` pass.

    Words on a line are joined by a space, lines by a newline; every word's
    offsets are known as the text is built, so ``text[w.start:w.end] == w.text``
    by construction. Building the text here instead of also calling
    ``extractText()`` saves a second walk over the page (runs of spaces
    collapse to one, which search ignores anyway).
    """
    parts: list[str] = []
    words: list[Word] = []
    add_part = parts.append
    add_word = words.append
    new = object.__new__
    set_text, set_x0, set_y0, set_x1, set_y1, set_start, set_end, set_confidence = _WORD_SLOTS
    offset = 0
    last_block = last_line = -1
    for x0, y0, x1, y1, text, block, line, _n in raw_words:
        if offset:
            add_part(" " if line == last_line and block == last_block else "\n")
            offset += 1
        add_part(text)
        # Word(text, x0, y0, x1, y1, offset, end), inlined (see _WORD_SLOTS).
        word = new(Word)
        set_text(word, text)
        set_x0(word, x0)
        set_y0(word, y0)
        set_x1(word, x1)
        set_y1(word, y1)
        set_start(word, offset)
        offset += len(text)
        set_end(word, offset)
        set_confidence(word, 100.0)
        add_word(word)
        last_block, last_line = block, line
    return "".join(parts), tuple(words)


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


def _visible_chars(text: str) -> int:
    return len("".join(text.split()))


def is_usable_text(text: str) -> bool:
    """False for an empty text layer or one mostly made of unmapped glyphs."""
    visible = _visible_chars(text)
    if visible == 0:
        return False
    if _JUNK.search(text) is None:  # the common case: one pass, nothing allocated
        return True
    return len(_JUNK.findall(text)) <= MAX_JUNK_SHARE * visible


def _covered_by_image(page: pymupdf.Page) -> bool:
    """True if one image covers much of the page (a scan with a stray text label)."""
    area = abs(page.rect)
    if area <= 0 or not page.get_images():  # type: ignore[no-untyped-call]
        # get_images() only reads the resources; get_image_info() below re-reads the
        # page's content, so it is only paid for pages that do have images.
        return False
    for info in page.get_image_info():
        box = pymupdf.Rect(info["bbox"]) & page.rect  # type: ignore[no-untyped-call]
        if abs(box) >= PAGE_COVERING_SHARE * area:
            return True
    return False


def _needs_ocr(page: pymupdf.Page, text: str) -> bool:
    if not is_usable_text(text):
        return True
    if _visible_chars(text) < FEW_CHARS:
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


def _largest_image_pixels(page: pymupdf.Page) -> int:
    images = page.get_images()  # type: ignore[no-untyped-call]
    return max((int(item[2]) * int(item[3]) for item in images), default=0)


def pdf_date(value: str) -> str | None:
    """ISO 8601 form of a PDF date (``D:20170725180000+08'00'``), or None if it isn't one."""
    match = _PDF_DATE.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, zulu, sign, tz_hour, tz_minute = match.groups()
    date = f"{year}-{month or '01'}-{day or '01'}"
    if hour is None:
        return date
    text = f"{date}T{hour}:{minute or '00'}:{second or '00'}"
    if zulu:
        return text + "Z"
    if sign and tz_hour:
        return f"{text}{sign}{tz_hour}:{tz_minute or '00'}"
    return text


def _metadata(doc: pymupdf.Document) -> dict[str, str]:
    """The info dictionary (dates in ISO 8601) and the XMP packet's fields."""
    metadata: dict[str, str] = {}
    for key, name in _INFO_KEYS.items():
        value = (doc.metadata or {}).get(key)
        if value:
            text = str(value).replace("\x00", "")[:MAX_METADATA_CHARS]
            if name in ("created", "modified"):
                text = pdf_date(text) or text
            metadata[name] = text
    metadata["page_count"] = str(doc.page_count)
    try:
        packet = doc.get_xml_metadata()  # type: ignore[no-untyped-call]
    except _PDF_ERRORS:
        packet = ""
    for key, value in xmp_fields(packet).items():
        metadata.setdefault(key, value[:MAX_METADATA_CHARS])
    return metadata


def _without_path(exc: BaseException, path: Path) -> str:
    """MuPDF's message without the store path it names (same error, same record)."""
    return str(exc).replace(f" '{path}'", "").replace(str(path), "the file")


def _open(path: Path, passwords: tuple[str, ...] = ()) -> pymupdf.Document:
    try:
        doc = pymupdf.open(path, filetype="pdf")  # type: ignore[no-untyped-call]
    except pymupdf.FileDataError as exc:
        detail = _without_path(exc, path)
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable PDF: {detail}") from exc
    except _PDF_ERRORS as exc:
        detail = _without_path(exc, path)
        raise ExtractionError(ErrorKind.CORRUPT, f"PDF could not be opened: {detail}") from exc
    # An owner password alone (printing/copying restrictions) opens with "".
    if doc.needs_pass and not any(doc.authenticate(p) for p in ("", *passwords)):  # type: ignore[no-untyped-call]
        doc.close()  # type: ignore[no-untyped-call]
        tried = f"; none of the {len(passwords)} passwords given worked" if passwords else ""
        raise ExtractionError(
            ErrorKind.ENCRYPTED, f"PDF needs a user password to open (--password){tried}"
        )
    return doc


@register
class PdfExtractor:
    """PDF documents, page by page."""

    type: ClassVar[str] = "pdf"
    mime_types: ClassVar[tuple[str, ...]] = ("application/pdf", "application/x-pdf")
    extensions: ClassVar[tuple[str, ...]] = (".pdf",)
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Text layer per page; pages with none usable are marked for OCR."""
        if path.stat().st_size == 0:
            raise ExtractionError(ErrorKind.EMPTY, "file is empty")
        doc = _open(path, context.passwords)
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
        page_errors: list[tuple[int, str]] = []
        ocr_pages: list[int] = []
        visual_order_pages: list[str] = []
        for index in range(page_count):
            number = index + 1
            context.progress()
            try:
                page = doc.load_page(index)  # type: ignore[no-untyped-call]
                rect = page.rect
                text, words = layer_text(page.get_textpage(flags=TEXT_FLAGS).extractWORDS())
            except _PDF_ERRORS as exc:
                page_errors.append((number, str(exc)))
                pages.append(Page(number=number, text="", text_layer=False))
                continue
            reordered = logical_order(text, words)
            if reordered[0] is not text:  # right-to-left lines stored in visual order
                text, words = reordered
                visual_order_pages.append(str(number))
            pages.append(
                Page(
                    number=number,
                    text=text,
                    words=words,
                    width=rect.width,
                    height=rect.height,
                )
            )
            if context.ocr and _needs_ocr(page, text):
                ocr_pages.append(number)
        if visual_order_pages:
            metadata["visual_order_pages"] = ",".join(visual_order_pages)
        lines = [f"page {number}: {message}" for number, message in page_errors]
        if page_errors:
            if len(page_errors) == page_count:
                raise ExtractionError(
                    ErrorKind.CORRUPT, f"no page of the PDF could be read ({lines[0]})"
                )
            metadata["page_errors"] = "\n".join(lines)
        return Extracted(
            pages=tuple(pages),
            metadata=metadata,
            ocr_pages=tuple(ocr_pages),
            warnings=tuple(
                PartialFailure(ErrorKind.CORRUPT, message, page=number)
                for number, message in page_errors
            ),
        )

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Pages ``numbers`` rendered in greyscale at 300 dpi (less for huge pages)."""
        doc = _open(path, context.passwords)
        try:
            for number in numbers:
                yield _render_page(doc, number)
        finally:
            doc.close()  # type: ignore[no-untyped-call]


def _render_page(doc: pymupdf.Document, number: int) -> PageImage:
    if not 1 <= number <= doc.page_count:
        return PageImage(number, None, error=f"the PDF has no page {number}")
    try:
        page = doc.load_page(number - 1)  # type: ignore[no-untyped-call]
        rect = page.rect
        largest = _largest_image_pixels(page)
        if largest > MAX_SOURCE_IMAGE_PIXELS:
            return PageImage(
                number, None, error=f"an image of {largest} pixels is too large to render"
            )
        image, dpi = _render(page)
    except _RENDER_ERRORS as exc:
        return PageImage(number, None, error=f"rendering failed: {exc}")
    return PageImage(number, image, dpi, 72.0 / dpi, rect.width, rect.height)
