"""Optical character recognition of page images, with word boxes and exact offsets.

Scanned pages and photos carry no text layer; this turns one image into the
page text culpa stores and searches, plus a box for every word so a search hit
can be shown on the image. Tesseract (Debian's binary and language data) runs
as a subprocess, one thread per call, because the ingest already runs one
worker per core. Its output is re-joined here: Tesseract puts a space between
every pair of Chinese characters, which would break phrase search, so no space
is placed where either neighbour is CJK.

Settings were chosen on bench/ocr_quality.py (real report text drawn at 300 dpi,
then skewed, blurred, noised): mixing chi_sim and chi_tra in one Tesseract call
costs 5-10x the errors of the right model alone, so the page is read with
chi_sim first and re-read with chi_tra only when a sample of its lines reads
with clearly higher confidence in Traditional. Deskewing before Tesseract took
a 1.5 degree skewed page from 5.8 % to 0.6 % character errors.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import cv2
import numpy as np
import opencc
from PIL import Image

from culpa.analysis.language import detect_language
from culpa.analysis.preprocess import GreyArray, Prepared, prepare_page
from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import DEFAULT_OCR_LANGUAGES
from culpa.models import Page, Word

#: Tesseract executable (Debian's ``tesseract-ocr``).
TESSERACT = "tesseract"
#: Page segmentation: 6 = one uniform block of text. On Chinese pages the default
#: (3, automatic layout) has dropped and garbled lines (0.6 % vs 9.4 % CER on one
#: page, shared/DEPENDENCIES.md). Cost: two-column pages are read across the columns.
PAGE_SEGMENTATION_MODE = 6
#: A page that takes longer than this is treated as a failure, not waited for.
OCR_TIMEOUT_SECONDS = 300.0
#: Larger images are scaled down before OCR: an A3 page at 300 dpi is 17 Mpx, and
#: Tesseract needs ~40 bytes a pixel, so this keeps one OCR under ~1 GB.
MAX_OCR_PIXELS = 20_000_000
#: Tesseract's Chinese models.
SIMPLIFIED, TRADITIONAL = "chi_sim", "chi_tra"
#: Lines re-read with chi_tra to decide whether a page is Traditional.
SCRIPT_SAMPLE_LINES = 6
#: Confidence points by which chi_tra must beat chi_sim on those lines. On the
#: benchmark pages Traditional won by 11-19 points, Simplified by 0-13.
TRADITIONAL_CONFIDENCE_MARGIN = 5.0
#: chi_sim's mean confidence on simplified-only characters above which the page
#: is taken as Simplified without the chi_tra check (saves a pass). Benchmark
#: pages: Simplified 82-94, Traditional read by chi_sim 71-80.
SIMPLIFIED_SURE_CONFIDENCE = 88.0
#: White kept around each sampled line, px.
LINE_PADDING = 8
#: TSV row level of a word (1 page, 2 block, 3 paragraph, 4 line, 5 word).
_TSV_WORD_LEVEL = 5
#: Tesseract joins several language models with this.
_LANGUAGE_SEPARATOR = "+"


@dataclass(frozen=True, slots=True)
class OcrResult:
    """One recognised page.

    ``text`` has lines joined by ``"\\n"`` and no spaces between adjacent CJK
    characters. Each word's ``start``/``end`` index ``text`` exactly
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
            language=detect_language(self.text),
            ocr_engine=self.engine,
            ocr_confidence=self.confidence,
        )


def ocr_image(
    image: Image.Image,
    languages: Sequence[str] = DEFAULT_OCR_LANGUAGES,
    *,
    dpi: int | None = None,
) -> OcrResult:
    """Recognise the text on ``image`` with Tesseract in ``languages``.

    ``dpi`` is the image's resolution when the caller knows it (a PDF page
    rendered at 300 dpi); otherwise the image's own metadata is used, or
    Tesseract estimates it from the text size. When both Chinese models are
    asked for, only the one that fits the page is used (see the module doc).
    """
    if not languages:
        raise ExtractionError(ErrorKind.OCR_FAILED, "no OCR language given")
    width, height = image.size
    if width == 0 or height == 0:
        return OcrResult("", (), float(width), float(height), _engine(languages), None)
    dpi = dpi if dpi is not None else _image_dpi(image)
    if width * height > MAX_OCR_PIXELS:
        return _ocr_reduced(image, languages, dpi)
    prepared = prepare_page(_grey(image), dpi)
    chosen = _first_languages(languages)
    tsv_words = _tsv_words(_run_tesseract(prepared.pixels, chosen, prepared.dpi))
    if chosen != tuple(languages) and _reads_as_traditional(prepared, tsv_words):
        chosen = _traditional_languages(languages)
        tsv_words = _tsv_words(_run_tesseract(prepared.pixels, chosen, prepared.dpi))
    text, words = _assemble(tsv_words, prepared, width, height)
    confidence = sum(w.confidence for w in words) / len(words) if words else None
    return OcrResult(text, words, float(width), float(height), _engine(chosen), confidence)


def _ocr_reduced(image: Image.Image, languages: Sequence[str], dpi: int | None) -> OcrResult:
    """OCR a huge image (a poster, a hostile 35000-pixel page) at a size memory allows.

    Boxes are scaled back to the image's own pixels, so callers see no difference.
    """
    width, height = image.size
    factor = (MAX_OCR_PIXELS / (width * height)) ** 0.5
    size = (max(1, int(width * factor)), max(1, int(height * factor)))
    small = _grey(image).resize(size, Image.Resampling.BOX)
    result = ocr_image(small, languages, dpi=None if dpi is None else max(1, round(dpi * factor)))
    scale_x, scale_y = width / size[0], height / size[1]
    words = tuple(
        replace(w, x0=w.x0 * scale_x, y0=w.y0 * scale_y, x1=w.x1 * scale_x, y1=w.y1 * scale_y)
        for w in result.words
    )
    return replace(result, words=words, width=float(width), height=float(height))


def _engine(languages: Sequence[str]) -> str:
    """What produced the text, as stored with the page."""
    joined = _LANGUAGE_SEPARATOR.join(languages)
    return f"tesseract {_tesseract_version()} {joined} psm{PAGE_SEGMENTATION_MODE}"


def _first_languages(languages: Sequence[str]) -> tuple[str, ...]:
    """The models for the first pass: without chi_tra when chi_sim is also asked for."""
    if SIMPLIFIED in languages and TRADITIONAL in languages:
        return tuple(lang for lang in languages if lang != TRADITIONAL)
    return tuple(languages)


def _traditional_languages(languages: Sequence[str]) -> tuple[str, ...]:
    """The models for a Traditional page: chi_tra in place of chi_sim."""
    return tuple(lang for lang in languages if lang != SIMPLIFIED)


def _reads_as_traditional(prepared: Prepared, first_pass: Sequence[_TsvWord]) -> bool:
    """Whether the page's Chinese is Traditional.

    Each model reads the other script's characters as its own forms, so the
    characters alone can't tell; the confidence can. The lines of the first
    (chi_sim) pass richest in simplified-only characters are re-read with
    chi_tra, and the mean confidence of the words holding script-specific
    characters is compared.
    """
    simplified_words = [w for w in first_pass if _has_simplified_only(w.text)]
    if not simplified_words:
        return False  # no character that differs: chi_sim reads it as well
    if _mean_confidence(simplified_words) >= SIMPLIFIED_SURE_CONFIDENCE:
        return False
    by_line: dict[tuple[int, int, int], list[_TsvWord]] = {}
    for word in first_pass:
        by_line.setdefault(word.line, []).append(word)
    ranked = sorted(
        by_line.values(), key=lambda ws: -sum(_has_simplified_only(w.text) for w in ws)
    )[:SCRIPT_SAMPLE_LINES]
    sample_words = [w for ws in ranked for w in ws if _has_simplified_only(w.text)]
    simplified = _mean_confidence(sample_words)
    strip = _line_strip(prepared.pixels, ranked)
    second = _tsv_words(_run_tesseract(strip, (TRADITIONAL,), prepared.dpi))
    traditional_words = [w for w in second if _has_traditional_only(w.text)]
    if not traditional_words:
        return False
    return _mean_confidence(traditional_words) > simplified + TRADITIONAL_CONFIDENCE_MARGIN


def _mean_confidence(words: Sequence[_TsvWord]) -> float:
    return sum(w.confidence for w in words) / len(words)


def _line_strip(pixels: GreyArray, lines: Sequence[Sequence[_TsvWord]]) -> GreyArray:
    """The given text lines cut out and stacked, white between them."""
    height, width = pixels.shape
    pieces: list[GreyArray] = []
    for words in lines:
        top = max(0, min(w.top for w in words) - LINE_PADDING)
        bottom = min(height, max(w.top + w.height for w in words) + LINE_PADDING)
        left = max(0, min(w.left for w in words) - LINE_PADDING)
        right = min(width, max(w.left + w.width for w in words) + LINE_PADDING)
        piece = np.full((bottom - top, width), 255, dtype=np.uint8)
        piece[:, left:right] = pixels[top:bottom, left:right]
        pieces.append(piece)
    return np.vstack(pieces)


def _has_simplified_only(text: str) -> bool:
    return any(_simplified_to_traditional().convert(c) != c for c in text if is_cjk(c))


def _has_traditional_only(text: str) -> bool:
    return any(_traditional_to_simplified().convert(c) != c for c in text if is_cjk(c))


@functools.cache
def _simplified_to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@functools.cache
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class _TsvWord:
    line: tuple[int, int, int]  # (block, paragraph, line)
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float


def _grey(image: Image.Image) -> Image.Image:
    """8-bit greyscale, with transparency flattened onto white (as printed)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit/float scans: scale to 8 bits rather than clip.
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("L")


def _image_dpi(image: Image.Image) -> int | None:
    """The resolution stored in the image file, if plausible."""
    value = image.info.get("dpi")
    if not value:
        return None
    try:
        dpi = round(float(value[0]))
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if 50 <= dpi <= 2400 else None


class _Slots(Protocol):
    def acquire(self, block: bool = ..., timeout: float | None = ...) -> bool: ...
    def release(self) -> None: ...


_slots: _Slots | None = None


def share_ocr_slots(slots: _Slots | None) -> None:
    """Bound the Tesseract processes running at once across all ingest workers.

    The ingest gives every worker one semaphore with a slot per core, so a
    worker may OCR several pages of one scanned PDF in parallel when the other
    workers are idle, without ever running more engines than there are cores.
    """
    global _slots
    _slots = slots


@contextlib.contextmanager
def _slot() -> Iterator[None]:
    if _slots is None:
        yield
        return
    _slots.acquire()
    try:
        yield
    finally:
        _slots.release()


def _run_tesseract(pixels: GreyArray, languages: Sequence[str], dpi: int | None) -> str:
    """Run Tesseract on a greyscale page and return its TSV output."""
    encoded, buffer = cv2.imencode(".pgm", pixels)  # uncompressed: cheapest to write and read
    if not encoded:
        raise ExtractionError(ErrorKind.OCR_FAILED, "could not encode the page for tesseract")
    command = [
        TESSERACT,
        "stdin",
        "stdout",
        "-l",
        _LANGUAGE_SEPARATOR.join(languages),
        "--psm",
        str(PAGE_SEGMENTATION_MODE),
    ]
    if dpi is not None:
        command += ["--dpi", str(dpi)]
    command.append("tsv")
    try:
        with _slot():
            completed = subprocess.run(
                command,
                input=buffer.tobytes(),
                capture_output=True,
                timeout=OCR_TIMEOUT_SECONDS,
                env=_tesseract_env(),
                check=False,
            )
    except FileNotFoundError as exc:
        raise ExtractionError(
            ErrorKind.OCR_FAILED, "tesseract is not installed (apt install tesseract-ocr)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            ErrorKind.OCR_FAILED, f"tesseract took longer than {OCR_TIMEOUT_SECONDS:.0f} s"
        ) from exc
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise ExtractionError(
            ErrorKind.OCR_FAILED,
            f"tesseract failed (exit {completed.returncode}): {message[-500:]}",
        )
    return completed.stdout.decode("utf-8", "replace")


def _tesseract_env() -> dict[str, str]:
    """Environment for Tesseract: one OpenMP thread (one worker per core already)."""
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


@functools.cache
def _tesseract_version() -> str:
    """Tesseract's version number, e.g. ``5.3.0`` (``unknown`` if it won't say)."""
    try:
        completed = subprocess.run(
            [TESSERACT, "--version"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    output = (completed.stdout or completed.stderr).decode("utf-8", "replace").split()
    return output[1] if len(output) > 1 else "unknown"


def _tsv_words(tsv: str) -> list[_TsvWord]:
    """The word rows of Tesseract's TSV, in reading order."""
    words: list[_TsvWord] = []
    # Tesseract doesn't quote fields; a word may contain a '"'.
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if len(row) < 12 or row[0] != str(_TSV_WORD_LEVEL):
            continue
        text = row[11].strip()
        if not text:
            continue
        try:
            words.append(
                _TsvWord(
                    line=(int(row[2]), int(row[3]), int(row[4])),
                    text=text,
                    left=int(row[6]),
                    top=int(row[7]),
                    width=int(row[8]),
                    height=int(row[9]),
                    confidence=max(0.0, min(100.0, float(row[10]))),
                )
            )
        except ValueError:
            continue
    return words


def _assemble(
    tsv_words: Iterable[_TsvWord], prepared: Prepared, width: int, height: int
) -> tuple[str, tuple[Word, ...]]:
    """Page text and its words: lines joined by newlines, no space next to CJK."""
    parts: list[str] = []
    words: list[Word] = []
    offset = 0
    previous: _TsvWord | None = None
    for tsv_word in tsv_words:
        tsv_word = _with_cjk_punctuation(tsv_word, previous)
        if previous is not None:
            if tsv_word.line != previous.line:
                separator = "\n"
            elif is_cjk(previous.text[-1]) or is_cjk(tsv_word.text[0]):
                separator = ""
            else:
                separator = " "
            parts.append(separator)
            offset += len(separator)
        parts.append(tsv_word.text)
        x0, y0, x1, y1 = prepared.to_original(
            tsv_word.left,
            tsv_word.top,
            tsv_word.left + tsv_word.width,
            tsv_word.top + tsv_word.height,
        )
        words.append(
            Word(
                text=tsv_word.text,
                x0=min(max(x0, 0.0), width),
                y0=min(max(y0, 0.0), height),
                x1=min(max(x1, 0.0), width),
                y1=min(max(y1, 0.0), height),
                start=offset,
                end=offset + len(tsv_word.text),
                confidence=tsv_word.confidence,
            )
        )
        offset += len(tsv_word.text)
        previous = tsv_word
    return "".join(parts), tuple(words)


#: ASCII punctuation Chinese models emit where the page has the full-width form.
_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！"})


def _with_cjk_punctuation(word: _TsvWord, previous: _TsvWord | None) -> _TsvWord:
    """``word`` with ASCII , ; : ? ! after a CJK character made full-width, as printed.

    chi_tra reads "，" as ","; same length, so offsets are unaffected.
    """
    before = previous.text[-1] if previous is not None and previous.line == word.line else ""
    chars = list(word.text)
    for index, char in enumerate(chars):
        left = chars[index - 1] if index else before
        if left and is_cjk(left) and char in ",;:?!":
            chars[index] = char.translate(_FULL_WIDTH)
    text = "".join(chars)
    return word if text == word.text else replace(word, text=text)


#: Code point ranges written without spaces between words: CJK ideographs,
#: punctuation, kana, Hangul syllables, full-width forms.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x3190, 0x31FF),  # kanbun, strokes, katakana extension
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # compatibility forms
    (0xFF00, 0xFFEF),  # half- and full-width forms
    (0x20000, 0x3FFFF),  # extensions B and later
)


def is_cjk(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces between words."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)
