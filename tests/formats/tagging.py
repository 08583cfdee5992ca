"""Extractor output with its pages' languages, as the ingest worker stores them.

Extractors leave ``Page.language`` unset; the worker tags every page with
:func:`culpa.analysis.language.tag_languages` after extraction and OCR. Tests
that check an extractor's languages call the same function.
"""

from __future__ import annotations

import dataclasses

from culpa.analysis.language import tag_languages
from culpa.models import Extracted


def tagged(extracted: Extracted) -> Extracted:
    """``extracted`` with each page's language detected as the ingest does."""
    return dataclasses.replace(extracted, pages=tag_languages(extracted.pages))
