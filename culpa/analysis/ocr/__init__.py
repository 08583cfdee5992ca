"""Optical character recognition: page images in, text with word boxes out.

``ocr_image`` (in ``page``) is the one entry point the ingest and ``culpa ocr``
use. The engines behind it live in their own modules (``tesseract``, ``ppocr``,
and a null engine in ``engine``), page clean-up in ``preprocess``, reading order
in ``layout``, text assembly in ``text`` and doubt thresholds in ``quality``.
"""

from culpa.analysis.ocr.page import ENGINE_CHOICES, OcrResult, ocr_image
from culpa.analysis.ocr.slots import share_ocr_slots
from culpa.analysis.ocr.text import is_cjk
from culpa.formats.base import DEFAULT_OCR_LANGUAGES

__all__ = [
    "DEFAULT_OCR_LANGUAGES",
    "ENGINE_CHOICES",
    "OcrResult",
    "is_cjk",
    "ocr_image",
    "share_ocr_slots",
]
