"""OCR of one page image: clean it up, read it with the right engine, put it in reading order.

``engine="auto"`` (the default) reads Chinese and English pages with PP-OCR,
which on real phone photos and 1-bit scans made a fraction of Tesseract's
errors (``docs/ocr.md``), and falls back to Tesseract where PP-OCR has no
model: a page in Arabic script (Uyghur), or a page PP-OCR finds almost nothing
on, whose script Tesseract's OSD then names. ``"tesseract"`` and ``"ppocr"``
force one engine (``culpa ocr --engine``), ``"null"`` reads nothing (tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from PIL import Image

from culpa.analysis.language import detect_language
from culpa.analysis.ocr.choices import ENGINE_CHOICES
from culpa.analysis.ocr.engine import NullEngine, OcrEngine, OcrLine
from culpa.analysis.ocr.layout import mostly_vertical, reading_order
from culpa.analysis.ocr.ppocr import PpOcrEngine
from culpa.analysis.ocr.preprocess import Prepared, grey, prepare_page
from culpa.analysis.ocr.tesseract import SCRIPT_MODELS, TesseractEngine, detect_orientation
from culpa.analysis.ocr.text import assemble
from culpa.errors import ErrorKind, ExtractionError
from culpa.models import DEFAULT_OCR_LANGUAGES, MIN_TEXT_PIXELS, Page, Word, image_dpi

#: Languages PP-OCR's models read.
PPOCR_LANGUAGES = frozenset({"chi_sim", "chi_tra", "eng"})
#: Larger images are scaled down before OCR: an A3 page at 300 dpi is 17 Mpx, and
#: Tesseract needs ~40 bytes a pixel, so this keeps one OCR under ~1 GB.
MAX_OCR_PIXELS = 20_000_000
#: Fewer characters than this from PP-OCR, or a lower mean confidence, and the
#: page's script is asked of Tesseract (an Arabic-script page reads as noise).
MIN_PPOCR_CHARS, MIN_PPOCR_CONFIDENCE = 8, 70.0

#: A page read as vertical columns that reads as rows once turned the way OSD
#: says (a sideways photo: PP-OCR reads its lines well, but as columns) is taken
#: turned unless its confidence drops by more than this.
TURN_CONFIDENCE_SLACK = 5.0

_TESSERACT = TesseractEngine()
_ENGINES: dict[str, OcrEngine] = {
    engine.name: engine for engine in (PpOcrEngine(), _TESSERACT, NullEngine())
}


@dataclass(frozen=True, slots=True)
class OcrResult:
    """One recognised page.

    ``text`` has lines joined by ``"\\n"``, blocks (columns, the pages of a
    spread) by a blank line, and no spaces between adjacent CJK characters.
    Each word's ``start``/``end`` index ``text`` exactly
    (``text[w.start:w.end] == w.text``); boxes are in the input image's pixels.
    """

    text: str
    words: tuple[Word, ...]
    width: float
    height: float
    engine: str
    confidence: float | None

    def page(self, number: int, *, width: float, height: float, scale: float = 1.0) -> Page:
        """This result as a stored page; ``scale`` maps pixels to page units (72/dpi for PDFs)."""
        words = self.words
        if scale != 1.0:
            words = tuple(
                replace(w, x0=w.x0 * scale, y0=w.y0 * scale, x1=w.x1 * scale, y1=w.y1 * scale)
                for w in words
            )
        return Page(
            number=number,
            text=self.text,
            words=words,
            width=width,
            height=height,
            method="ocr",
            language=detect_language(self.text, ocr=True),
            ocr_engine=self.engine,
            ocr_confidence=self.confidence,
        )


def ocr_image(
    image: Image.Image,
    languages: Sequence[str] = DEFAULT_OCR_LANGUAGES,
    *,
    dpi: int | None = None,
    engine: str = "auto",
    _upright: bool = False,
) -> OcrResult:
    """Recognise the text on ``image``, in ``languages`` (Tesseract names) as the page needs.

    ``dpi`` is the image's resolution when the caller knows it (a PDF page
    rendered at 300 dpi); otherwise the image's own metadata is used, or the
    engine estimates it from the text size.
    """
    if not languages:
        raise ExtractionError(ErrorKind.OCR_FAILED, "no OCR language given")
    if engine not in ENGINE_CHOICES and engine != "null":
        raise ExtractionError(ErrorKind.OCR_FAILED, f"unknown OCR engine {engine!r}")
    width, height = image.size
    if min(width, height) < MIN_TEXT_PIXELS:  # a tracking pixel, a spacer: no text to read
        return OcrResult("", (), float(width), float(height), engine, None)
    dpi = dpi if dpi is not None else image_dpi(image)
    if width * height > MAX_OCR_PIXELS:
        return _ocr_reduced(image, languages, dpi, engine)
    prepared = prepare_page(grey(image), dpi)
    lines, description, turn = _read(prepared, tuple(languages), engine)
    if turn and not _upright:
        # A page photographed sideways or upside down without an EXIF tag saying so.
        upright = image.rotate(-turn, expand=True)
        result = ocr_image(upright, languages, dpi=dpi, engine=engine, _upright=True)
        before, after = _mean_confidence(lines), result.confidence or 0.0
        if after > before or (
            mostly_vertical(lines)
            and after >= before - TURN_CONFIDENCE_SLACK
            and result.text.count("\n") >= _line_count(lines)  # now read as rows
        ):
            return _turned_back(result, turn, float(width), float(height))
    text, words = assemble(reading_order(lines), prepared.to_original, width, height)
    confidence = round(sum(w.confidence for w in words) / len(words), 1) if words else None
    return OcrResult(text, words, float(width), float(height), description, confidence)


def _read(
    prepared: Prepared, languages: tuple[str, ...], engine: str
) -> tuple[list[OcrLine], str, int]:
    """The page's lines, a description of what read them, and a turn to try (degrees)."""
    if engine == "tesseract" or (engine == "auto" and not _ppocr_can_read(languages)):
        return (*_read_with_tesseract(prepared, languages), 0)
    chosen = _ENGINES[engine if engine != "auto" else "ppocr"]
    lines = chosen.read(prepared.pixels, languages, prepared.dpi)
    if engine == "auto" and (_doubtful(lines) or mostly_vertical(lines)) and _TESSERACT.available():
        orientation = detect_orientation(prepared.pixels, prepared.dpi)
        if orientation.script is not None:
            wanted = SCRIPT_MODELS.get(orientation.script, ())
            others = tuple(m for m in languages if m in wanted)
            if others and not set(others) <= PPOCR_LANGUAGES:
                return (*_read_with_tesseract(prepared, others), orientation.rotate)
        else:  # too little text for OSD: try the models PP-OCR lacks (uig), keep the surer
            others = tuple(m for m in languages if m not in PPOCR_LANGUAGES)
            if others:
                other_lines, description = _read_with_tesseract(prepared, others)
                if _mean_confidence(other_lines) > _mean_confidence(lines):
                    return other_lines, description, 0
        return lines, chosen.describe(languages), orientation.rotate
    return lines, chosen.describe(languages), 0


def _read_with_tesseract(
    prepared: Prepared, languages: tuple[str, ...]
) -> tuple[list[OcrLine], str]:
    lines, models = _TESSERACT.read_with_models(prepared.pixels, languages, prepared.dpi)
    return lines, _TESSERACT.describe(models)


def _ppocr_can_read(languages: Sequence[str]) -> bool:
    return bool(PPOCR_LANGUAGES & set(languages)) and _ENGINES["ppocr"].available()


def _line_count(lines: Sequence[OcrLine]) -> int:
    return max(0, len(lines) - 1)


def _mean_confidence(lines: Sequence[OcrLine]) -> float:
    count = sum(len(line.words) for line in lines)
    return sum(line.confidence * len(line.words) for line in lines) / count if count else 0.0


def _turned_back(result: OcrResult, turn: int, width: float, height: float) -> OcrResult:
    """A result read on the page turned ``turn`` degrees clockwise, with boxes on the original."""

    def point(x: float, y: float) -> tuple[float, float]:
        if turn == 90:
            return y, height - x
        if turn == 180:
            return width - x, height - y
        return width - y, x  # 270

    words = []
    for word in result.words:
        (ax, ay), (bx, by) = point(word.x0, word.y0), point(word.x1, word.y1)
        words.append(replace(word, x0=min(ax, bx), y0=min(ay, by), x1=max(ax, bx), y1=max(ay, by)))
    return replace(result, words=tuple(words), width=width, height=height)


def _doubtful(lines: Sequence[OcrLine]) -> bool:
    """Whether PP-OCR's reading looks like noise rather than text it has a model for."""
    chars = sum(len(word.text) for line in lines for word in line.words)
    if chars < MIN_PPOCR_CHARS:
        return True
    return _mean_confidence(lines) < MIN_PPOCR_CONFIDENCE


def _ocr_reduced(
    image: Image.Image, languages: Sequence[str], dpi: int | None, engine: str
) -> OcrResult:
    """OCR a huge image (a poster, a hostile 35000-pixel page) at a size memory allows.

    Boxes are scaled back to the image's own pixels, so callers see no difference.
    """
    width, height = image.size
    factor = (MAX_OCR_PIXELS / (width * height)) ** 0.5
    size = (max(1, int(width * factor)), max(1, int(height * factor)))
    small = grey(image).resize(size, Image.Resampling.BOX)
    reduced_dpi = None if dpi is None else max(1, round(dpi * factor))
    result = ocr_image(small, languages, dpi=reduced_dpi, engine=engine)
    scale_x, scale_y = width / size[0], height / size[1]
    words = tuple(
        replace(w, x0=w.x0 * scale_x, y0=w.y0 * scale_y, x1=w.x1 * scale_x, y1=w.y1 * scale_y)
        for w in result.words
    )
    return replace(result, words=words, width=float(width), height=float(height))
