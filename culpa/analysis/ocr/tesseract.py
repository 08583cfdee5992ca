"""Tesseract (Debian's binary and language data) as an OCR engine.

It runs as a subprocess with one OpenMP thread, because the ingest already runs
one OCR per core. It is the engine for Uyghur (Arabic script), which PP-OCR does
not read, and the second opinion on Chinese and English pages.

The script of each page is decided before it is read, never by mixing models:
on real scans ``chi_sim+eng`` turned degraded Chinese into Latin nonsense (139 of
141 pages of a 1-bit booklet scan came out more than 20 % Latin letters), and
``chi_sim+chi_tra`` in one call cost 5-10x the errors of the right model alone.
Tesseract's own script detection (OSD, ``--psm 0``) names the page's script; a
Han page is read with ``chi_sim`` and re-read with ``chi_tra`` only when a sample
of its lines reads with clearly higher confidence in Traditional.

Page segmentation: one uniform block (``--psm 6``) is best on a single column
of Chinese (0.6 % against 9.4 % CER with the automatic layout on one clean
page), but it reads straight across a two-page spread or two columns, so a page
whose ink shows a gutter is cut there and each part read as its own block; the
lines are then put in order by ``layout``.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np
import opencc

from culpa.analysis.ocr.engine import GreyArray, OcrLine, OcrWord
from culpa.analysis.ocr.slots import ocr_slot
from culpa.analysis.ocr.text import is_cjk
from culpa.errors import ErrorKind, ExtractionError

#: Tesseract executable (Debian's ``tesseract-ocr``).
TESSERACT = "tesseract"
#: A page that takes longer than this is treated as a failure, not waited for.
OCR_TIMEOUT_SECONDS = 300.0
#: Page segmentation: one uniform block of text (each column or page of a spread).
SINGLE_BLOCK_PSM = 6
#: Tesseract's Chinese models.
SIMPLIFIED, TRADITIONAL = "chi_sim", "chi_tra"
#: Models for each script OSD names, in the order they are preferred.
SCRIPT_MODELS: dict[str, tuple[str, ...]] = {
    "Han": (SIMPLIFIED, TRADITIONAL),
    "Latin": ("eng",),
    "Arabic": ("uig",),
}
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
#: A clear vertical band at least this share of the page's width, between inked
#: parts of the middle of the page, is a gutter between columns or pages.
MIN_GUTTER_SHARE = 0.015
#: A gutter needs at least this many lines of text on the page, and to be at least
#: one line height wide (word spaces on a short page line up by chance).
MIN_GUTTER_LINES = 3
#: TSV row level of a word (1 page, 2 block, 3 paragraph, 4 line, 5 word).
_TSV_WORD_LEVEL = 5
#: Tesseract joins several language models with this.
_LANGUAGE_SEPARATOR = "+"


class TesseractEngine:
    """Debian's Tesseract 5 with the script of each page chosen first."""

    name: ClassVar[str] = "tesseract"

    def available(self) -> bool:
        return shutil.which(TESSERACT) is not None

    def describe(self, languages: Sequence[str]) -> str:
        joined = _LANGUAGE_SEPARATOR.join(languages)
        return f"tesseract {_tesseract_version()} {joined}"

    def read(self, pixels: GreyArray, languages: Sequence[str], dpi: int | None) -> list[OcrLine]:
        lines, _models = self.read_with_models(pixels, languages, dpi)
        return lines

    def read_with_models(
        self, pixels: GreyArray, languages: Sequence[str], dpi: int | None
    ) -> tuple[list[OcrLine], tuple[str, ...]]:
        """The page's lines and the models that read them."""
        if not languages:
            raise ExtractionError(ErrorKind.OCR_FAILED, "no OCR language given")
        models = page_models(pixels, languages, dpi)
        parts = _split_at_gutters(pixels)
        words = [w for x, part in parts for w in _read_part(part, x, models, dpi)]
        if (
            SIMPLIFIED in models
            and TRADITIONAL in languages
            and _reads_as_traditional(pixels, words, dpi)
        ):
            models = tuple(TRADITIONAL if m == SIMPLIFIED else m for m in models)
            words = [w for x, part in parts for w in _read_part(part, x, models, dpi)]
        return _lines(words), models


def _read_part(
    pixels: GreyArray, left: int, models: Sequence[str], dpi: int | None
) -> list[_TsvWord]:
    """One column or page of a spread, read as one block, its boxes moved to the page."""
    words = _tsv_words(_run_tesseract(pixels, models, dpi, SINGLE_BLOCK_PSM))
    if not left:
        return words
    return [
        _TsvWord((left, *w.line[1:]), w.text, w.left + left, w.top, w.width, w.height, w.confidence)
        for w in words
    ]


#: Columns and spreads are split at most this deep (a page of four columns).
MAX_GUTTER_SPLITS = 2


def _split_at_gutters(pixels: GreyArray, depth: int = 0) -> list[tuple[int, GreyArray]]:
    """The page cut at its gutters: (left x, part) for each column or page, left to right.

    Tesseract's automatic layout (``--psm 3``) still joined lines across the
    gutter of drawn spreads, so each part is read on its own, as one block.
    """
    gutter = gutter_x(pixels) if depth < MAX_GUTTER_SPLITS else None
    if gutter is None:
        return [(0, pixels)]
    left = _split_at_gutters(np.ascontiguousarray(pixels[:, :gutter]), depth + 1)
    right = _split_at_gutters(np.ascontiguousarray(pixels[:, gutter:]), depth + 1)
    return left + [(x + gutter, part) for x, part in right]


def page_models(pixels: GreyArray, languages: Sequence[str], dpi: int | None) -> tuple[str, ...]:
    """The models for this page: those of its script among ``languages``, one Chinese at most.

    With one model asked for, or when OSD cannot tell (too little text), the
    languages asked for are used, less chi_tra when chi_sim is also asked for
    (the page is re-read with chi_tra if it reads as Traditional).
    """
    asked = tuple(languages)
    if len(asked) > 1:
        script = detect_orientation(pixels, dpi).script
        wanted = SCRIPT_MODELS.get(script or "", ())
        chosen = tuple(m for m in asked if m in wanted)
        if chosen:
            asked = chosen
    if SIMPLIFIED in asked and TRADITIONAL in asked:
        asked = tuple(m for m in asked if m != TRADITIONAL)
    return asked


@dataclass(frozen=True, slots=True)
class Orientation:
    """What Tesseract's OSD says of a page: its script, and how to turn it upright."""

    script: str | None
    #: Degrees (0, 90, 180, 270) to turn the page clockwise to make it upright.
    rotate: int


#: OSD's orientation confidence under which its rotation is not believed.
MIN_ORIENTATION_CONFIDENCE = 2.0


def detect_orientation(pixels: GreyArray, dpi: int | None) -> Orientation:
    """The page's main script (Han, Latin, Arabic…) and rotation, per OSD (``--psm 0``)."""
    try:
        output = _run_tesseract(pixels, ("osd",), dpi, 0, output="")
    except ExtractionError:
        return Orientation(None, 0)  # "Too few characters": a near-empty page
    script = re.search(r"^Script: (\w+)", output, re.MULTILINE)
    rotate = re.search(r"^Rotate: (\d+)", output, re.MULTILINE)
    confidence = re.search(r"^Orientation confidence: ([\d.]+)", output, re.MULTILINE)
    turn = 0
    if rotate and confidence and float(confidence.group(1)) >= MIN_ORIENTATION_CONFIDENCE:
        turn = int(rotate.group(1)) % 360
    return Orientation(script.group(1) if script else None, turn)


def gutter_x(pixels: GreyArray) -> int | None:
    """The x (page pixels) of the middle of the widest clear vertical band between inked parts."""
    small = cv2.resize(pixels, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    if min(small.shape) < 16:
        return None
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    height, width = ink.shape
    rows = ink[height // 10 : height - height // 10]
    profile = rows.sum(axis=0)
    # A column inked nearly top to bottom is the binding's shadow, not text.
    inked = (profile > max(1, rows.shape[0] // 100)) & (profile < rows.shape[0] * 0.6)
    if inked.sum() < width // 10:
        return None
    columns = np.flatnonzero(inked)
    first, last = int(columns[0]), int(columns[-1])
    low, high = first + (last - first) // 5, last - (last - first) // 5
    run = best = 0
    middle = 0
    for x in range(low, high):
        run = run + 1 if not inked[x] else 0
        if run > best:
            best, middle = run, x - run // 2
    if best < MIN_GUTTER_SHARE * width:
        return None
    bands = _line_heights(np.asarray(ink, dtype=np.uint8))
    if len(bands) < MIN_GUTTER_LINES or best < float(np.median(bands)):
        return None  # the space between two words of a short page, not a gutter
    return int(min(pixels.shape[1] - 1, max(1, middle * 4)))


def _line_heights(ink: GreyArray) -> list[int]:
    """Heights of the horizontal bands of ink (text lines), in the given pixels."""
    inked = ink.sum(axis=1) > 0
    heights: list[int] = []
    run = 0
    for row in inked:
        if row:
            run += 1
        elif run:
            heights.append(run)
            run = 0
    if run:
        heights.append(run)
    return [h for h in heights if h > 1]


@dataclass(frozen=True, slots=True)
class _TsvWord:
    line: tuple[int, int, int]  # (block, paragraph, line)
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float


def _lines(words: Sequence[_TsvWord]) -> list[OcrLine]:
    """Tesseract's words grouped into its lines."""
    grouped: dict[tuple[int, int, int], list[OcrWord]] = {}
    for word in words:
        grouped.setdefault(word.line, []).append(
            OcrWord(
                text=word.text,
                x0=word.left,
                y0=word.top,
                x1=word.left + word.width,
                y1=word.top + word.height,
                confidence=word.confidence,
            )
        )
    return [OcrLine(words=tuple(line)) for line in grouped.values()]


def _reads_as_traditional(
    pixels: GreyArray, first_pass: Sequence[_TsvWord], dpi: int | None
) -> bool:
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
    strip = _line_strip(pixels, ranked)
    second = _tsv_words(_run_tesseract(strip, (TRADITIONAL,), dpi, SINGLE_BLOCK_PSM))
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


def _run_tesseract(
    pixels: GreyArray, languages: Sequence[str], dpi: int | None, psm: int, output: str = "tsv"
) -> str:
    """Run Tesseract on a greyscale page and return its output (TSV unless told)."""
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
        str(psm),
    ]
    if dpi is not None:
        command += ["--dpi", str(dpi)]
    if output:
        command.append(output)
    try:
        with ocr_slot():
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
    """The word rows of Tesseract's TSV, in Tesseract's order."""
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
