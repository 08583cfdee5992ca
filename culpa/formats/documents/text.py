"""Plain text files: the registered extractor.

The reading (the encoding guessed, newlines normalised, pages cut) is in
:mod:`culpa.formats.support.plain_text`, shared with the mail extractors and
the tables read as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.plain_text import read_text_file
from culpa.models import Extracted


@register
class TextExtractor:
    """Plain text files (and XML/JSON/CSV read as text: nothing is parsed)."""

    type: ClassVar[str] = "text"
    mime_types: ClassVar[tuple[str, ...]] = (
        "text/plain",
        "text/*",
        "application/xml",
        "application/json",
        "application/csv",
        "application/x-subrip",
        "image/svg+xml",
    )
    extensions: ClassVar[tuple[str, ...]] = (".txt", ".csv", ".tsv", ".json", ".xml", ".log")
    score: ClassVar[int] = 10

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Decode the file and split it into pages."""
        return read_text_file(path)
