"""What every OCR engine hands back, and the small interface each one meets.

An engine reads a cleaned page image (``preprocess.Prepared.pixels``) and returns
its text lines, each with word (or, for Chinese, character) boxes in those
pixels and a 0-100 confidence. The reading order of the lines is not the
engine's business: ``layout`` sorts them the way a person reads the page, so
Tesseract, PP-OCR and any later engine share one notion of columns, spreads and
vertical text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
import numpy.typing as npt

GreyArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A recognised word, or one Chinese character, with its box in page-image pixels."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float  # 0-100


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One line of text (a column, for vertical text) as an engine read it."""

    words: tuple[OcrWord, ...]
    #: Written top to bottom (a column of vertical Chinese), not left to right.
    vertical: bool = False

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The line's enclosing box (x0, y0, x1, y1)."""
        return (
            min(w.x0 for w in self.words),
            min(w.y0 for w in self.words),
            max(w.x1 for w in self.words),
            max(w.y1 for w in self.words),
        )

    @property
    def confidence(self) -> float:
        """Mean confidence of the line's words."""
        return sum(w.confidence for w in self.words) / len(self.words)


class OcrEngine(Protocol):
    """An OCR engine: Tesseract, PP-OCR, or the null engine of the tests."""

    #: Short name used on the command line (``--engine``) and stored with each page.
    name: ClassVar[str]

    def available(self) -> bool:
        """Whether the engine can run on this machine (its binary or models are present)."""
        ...

    def describe(self, languages: Sequence[str]) -> str:
        """What produced the text, with version and settings, as stored with each page."""
        ...

    def read(self, pixels: GreyArray, languages: Sequence[str], dpi: int | None) -> list[OcrLine]:
        """The text lines on ``pixels`` (8-bit greyscale), in any order."""
        ...


class NullEngine:
    """Reads nothing: for tests that need the OCR path without an engine's cost."""

    name: ClassVar[str] = "null"

    def available(self) -> bool:
        return True

    def describe(self, languages: Sequence[str]) -> str:
        return "null"

    def read(self, pixels: GreyArray, languages: Sequence[str], dpi: int | None) -> list[OcrLine]:
        return []
