"""A toy format and a toy analyzer, added from outside culpa as docs/architecture.md says.

Each is one class plus one registration line: the format's ``@register``, run when
this module is imported (an ingest's workers import it too), and the analyzer's
``analysis.registry.register`` call, made by ``tests/test_extending.py``, which
imports this module only inside its test and removes both afterwards. Module-level
classes, so worker processes can import and unpickle them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from culpa.analysis.base import Speed
from culpa.formats.base import ExtractContext
from culpa.formats.documents.text import TextExtractor
from culpa.formats.registry import register
from culpa.models import Extracted, Finding, Page, Span, StoredDocument

#: The toy format's pages are separated by this line.
PAGE_BREAK = "\n----\n"
#: The word the toy analyzer looks for.
WORD = "Acme"


@register
class ToyExtractor:
    """``.toy`` files: plain text whose pages are separated by a ``----`` line."""

    type: ClassVar[str] = "toy"
    mime_types: ClassVar[tuple[str, ...]] = ("text/plain",)
    extensions: ClassVar[tuple[str, ...]] = (".toy",)
    #: The text extractor's score: the extension breaks the tie, so only ``.toy`` files.
    score: ClassVar[int] = TextExtractor.score

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        texts = path.read_text(encoding="utf-8").split(PAGE_BREAK)
        return Extracted(pages=tuple(Page(number, text) for number, text in enumerate(texts, 1)))


class ToyMentions:
    """Every ``Acme`` on the pages of toy documents, as a finding with its span."""

    name = "toy_mentions"
    version = 1
    speed: Speed = "slow"

    def applies_to(self, document: StoredDocument) -> bool:
        return document.type == ToyExtractor.type

    def analyze(self, document: StoredDocument) -> Iterator[Finding]:
        for page in document.pages:
            start = page.text.find(WORD)
            while start >= 0:
                span = Span(document.sha256, page.number, start, start + len(WORD))
                yield Finding(self.name, "mention", WORD, span)
                start = page.text.find(WORD, start + 1)
