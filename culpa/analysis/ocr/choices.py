"""The OCR choices a user can name, kept apart so the CLI need not load the engines."""

from __future__ import annotations

#: Engine names ``--engine``/``--ocr-engine`` accept ("auto": the best for each page).
ENGINE_CHOICES = ("auto", "tesseract", "ppocr")
#: ``--ocr-lang``/``--lang`` when not given: a page is read with those of its script.
DEFAULT_OCR_LANG = "chi_sim+chi_tra+eng+uig"
