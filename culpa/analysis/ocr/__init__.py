"""Optical character recognition: page images in, text with word boxes out.

``ocr_image`` (in ``page``) is the one entry point the ingest and ``culpa ocr``
use. The engines behind it live in their own modules (``tesseract``, ``ppocr``,
and a null engine in ``engine``), page clean-up in ``preprocess``, reading order
in ``layout``, text assembly in ``text`` and doubt thresholds in ``quality``.

The names below are loaded on first use: ``culpa search`` and ``culpa cite``
import ``quality`` and must not pay for OpenCV and the engines.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from culpa.analysis.ocr.choices import ENGINE_CHOICES
    from culpa.analysis.ocr.page import OcrResult, ocr_image
    from culpa.analysis.ocr.slots import share_ocr_slots
    from culpa.analysis.ocr.text import is_cjk
    from culpa.models import DEFAULT_OCR_LANGUAGES

_WHERE = {
    "ENGINE_CHOICES": "culpa.analysis.ocr.choices",
    "OcrResult": "culpa.analysis.ocr.page",
    "ocr_image": "culpa.analysis.ocr.page",
    "share_ocr_slots": "culpa.analysis.ocr.slots",
    "is_cjk": "culpa.analysis.ocr.text",
    "DEFAULT_OCR_LANGUAGES": "culpa.models",
}

__all__ = [
    "DEFAULT_OCR_LANGUAGES",
    "ENGINE_CHOICES",
    "OcrResult",
    "is_cjk",
    "ocr_image",
    "share_ocr_slots",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
