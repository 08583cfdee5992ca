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

import csv
import functools
import io
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from culpa.analysis.preprocess import Prepared, prepare_page
from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import DEFAULT_OCR_LANGUAGES
from culpa.models import Word

#: Tesseract executable (Debian's ``tesseract-ocr``).
TESSERACT = "tesseract"
#: Page segmentation: 6 = one uniform block of text. On Chinese pages the
#: default (3, automatic layout) drops and garbles lines; see bench/ocr_quality.py.
PAGE_SEGMENTATION_MODE = 6
#: A page that takes longer than this is treated as a failure, not waited for.
OCR_TIMEOUT_SECONDS = 300.0
#: Resolution Tesseract's models expect; the scale images are brought to.
TARGET_DPI = 300
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


def ocr_image(
    image: Image.Image,
    languages: Sequence[str] = DEFAULT_OCR_LANGUAGES,
    *,
    dpi: int | None = None,
) -> OcrResult:
    """Recognise the text on ``image`` with Tesseract in ``languages``.

    ``dpi`` is the image's resolution when the caller knows it (a PDF page
    rendered at 300 dpi); otherwise the image's own metadata is used, or
    Tesseract estimates it from the text size.
    """
    if not languages:
        raise ExtractionError(ErrorKind.OCR_FAILED, "no OCR language given")
    width, height = image.size
    engine = f"tesseract {_tesseract_version()} {_LANGUAGE_SEPARATOR.join(languages)} psm{PAGE_SEGMENTATION_MODE}"
    if width == 0 or height == 0:
        return OcrResult("", (), float(width), float(height), engine, None)
    resolution = dpi if dpi is not None else _image_dpi(image)
    tsv = _run_tesseract(_grey(image), languages, resolution)
    text, words = _assemble(_tsv_words(tsv))
    confidence = sum(w.confidence for w in words) / len(words) if words else None
    return OcrResult(text, words, float(width), float(height), engine, confidence)


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
        image = image.point(lambda v: v / 256).convert("L")  # type: ignore[no-untyped-call]
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


def _run_tesseract(image: Image.Image, languages: Sequence[str], dpi: int | None) -> str:
    """Run Tesseract on ``image`` and return its TSV output."""
    buffer = io.BytesIO()
    image.save(buffer, format="PPM")  # uncompressed PGM: cheapest to write and read
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
        completed = subprocess.run(
            command,
            input=buffer.getvalue(),
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


def _assemble(tsv_words: Iterable[_TsvWord]) -> tuple[str, tuple[Word, ...]]:
    """Page text and its words: lines joined by newlines, no space next to CJK."""
    parts: list[str] = []
    words: list[Word] = []
    offset = 0
    previous: _TsvWord | None = None
    for tsv_word in tsv_words:
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
        words.append(
            Word(
                text=tsv_word.text,
                x0=float(tsv_word.left),
                y0=float(tsv_word.top),
                x1=float(tsv_word.left + tsv_word.width),
                y1=float(tsv_word.top + tsv_word.height),
                start=offset,
                end=offset + len(tsv_word.text),
                confidence=tsv_word.confidence,
            )
        )
        offset += len(tsv_word.text)
        previous = tsv_word
    return "".join(parts), tuple(words)


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
