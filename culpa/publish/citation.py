"""Citations an editor can check against the original.

A citation names the file, every path it was found at, its SHA-256 (so the
original can be verified byte for byte), the page and character span, and
quotes the text exactly as stored.

Text read by OCR is a machine's reading, not the document's own text: such a
citation says so, with the engine, the page's confidence and the lowest word
confidence inside the quote, names every doubtful word (confidence under
:data:`culpa.analysis.ocr.quality.LOW_WORD_CONFIDENCE`), and tells the editor
to check the quotation against the page image. A text-layer citation is as it
always was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from culpa.errors import UsageError
from culpa.models import Span
from culpa.search.doubt import words_in
from culpa.store.api import CaseStore

#: What an OCR citation tells the editor to do.
CHECK_AGAINST_IMAGE = (
    "This text was read by OCR, not taken from the document's own text: "
    "check the quotation against the page image before publishing it."
)


#: Said when an OCR quote crosses a blank line of the stored text: OCR puts one
#: between the columns, or the two pages of a spread, that it read one after the other.
CROSSES_COLUMNS = (
    "The quotation runs from one column or page of the scan into the next "
    "(joined in reading order): check on the image that the two parts belong together."
)


@dataclass(frozen=True, slots=True)
class DoubtfulWord:
    """A word inside the quote that OCR read with low confidence."""

    text: str
    start: int
    end: int
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class Citation:
    """A quoted passage: ``span`` names the document (by SHA-256), the page and the characters."""

    document_id: int
    file_name: str
    paths: tuple[str, ...]
    span: Span
    quote: str
    #: "text" (text layer) or "ocr"; the OCR fields are None/empty for a text layer.
    method: str = "text"
    ocr_engine: str | None = None
    ocr_confidence: float | None = None
    #: The lowest confidence of the words inside the quote (None when no word is known).
    min_word_confidence: float | None = None
    doubtful: tuple[DoubtfulWord, ...] = ()
    #: The quote runs from one column (or page of a spread) of an OCR'd page into the next.
    crosses_columns: bool = False

    @property
    def is_ocr(self) -> bool:
        return self.method == "ocr"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "document_id": self.document_id,
            "file_name": self.file_name,
            "paths": list(self.paths),
            "sha256": self.span.sha256,
            "page": self.span.page,
            "start": self.span.start,
            "end": self.span.end,
            "quote": self.quote,
        }
        if self.is_ocr:
            from culpa.analysis.ocr.quality import is_low_page  # see search.doubt

            data.update(
                {
                    "method": self.method,
                    "ocr_engine": self.ocr_engine,
                    "ocr_confidence": self.ocr_confidence,
                    "ocr_low": is_low_page(self.method, self.ocr_confidence),
                    "min_word_confidence": self.min_word_confidence,
                    "doubtful_words": [word.as_dict() for word in self.doubtful],
                    "crosses_columns": self.crosses_columns,
                    "check": CHECK_AGAINST_IMAGE,
                }
            )
        return data

    def as_text(self) -> str:
        span = self.span
        lines = [
            f"“{_flat(self.quote)}”",
            f"— {self.file_name}, page {span.page}, characters {span.start}–{span.end}",
            f"  SHA-256: {span.sha256}",
        ]
        lines += [f"  found at: {path}" for path in self.paths]
        if self.is_ocr:
            lines += self._ocr_lines()
        return "\n".join(lines)

    def _ocr_lines(self) -> list[str]:
        from culpa.analysis.ocr.quality import LOW_WORD_CONFIDENCE, is_low_page

        low = " (low)" if is_low_page(self.method, self.ocr_confidence) else ""
        parts = [f"OCR by {self.ocr_engine or 'an unknown engine'}"]
        parts.append(f"page confidence {_percent(self.ocr_confidence)}{low}")
        if self.min_word_confidence is not None:
            parts.append(
                f"lowest word confidence in the quote {_percent(self.min_word_confidence)}"
            )
        lines = ["  " + ", ".join(parts) + "."]
        if self.doubtful:
            words = "; ".join(
                f"“{_flat(w.text)}” ({_percent(w.confidence)}, characters {w.start}–{w.end})"
                for w in self.doubtful
            )
            lines.append(f"  Doubtful words (under {LOW_WORD_CONFIDENCE:.0f}%): {words}.")
        if self.crosses_columns:
            lines.append(f"  {CROSSES_COLUMNS}")
        lines.append(f"  {CHECK_AGAINST_IMAGE}")
        return lines


def _percent(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0f}%"


def _flat(text: str) -> str:
    return "".join(text.split()) if _is_cjk_heavy(text) else " ".join(text.split())


def _is_cjk_heavy(text: str) -> bool:
    cjk = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
    return cjk * 2 > len(text.strip() or " ")


def parse_span(span: str) -> tuple[int, int]:
    """``S:E`` (end exclusive) as two ints."""
    try:
        start_text, end_text = span.split(":", 1)
        start, end = int(start_text), int(end_text)
    except ValueError as exc:
        raise UsageError(f"bad span {span!r}: write START:END, e.g. 120:135") from exc
    if start < 0 or end <= start:
        raise UsageError(f"bad span {span!r}: need 0 <= START < END")
    return start, end


def cite(store: CaseStore, doc_id: int, page: int, start: int, end: int) -> Citation:
    catalog = store.catalog
    info = catalog.document_info(doc_id)
    stored = catalog.page_info(doc_id, page)
    text = stored.text
    if end > len(text):
        raise UsageError(f"span {start}:{end} runs past the end of page {page} ({len(text)} chars)")
    ocr: dict[str, Any] = {}
    if stored.method == "ocr":
        from culpa.analysis.ocr.quality import is_low_word  # see search.doubt

        inside = words_in(stored.words, start, end)
        ocr = {
            "method": stored.method,
            "ocr_engine": stored.ocr_engine,
            "ocr_confidence": stored.ocr_confidence,
            "min_word_confidence": min((c for _, _, c in inside), default=None),
            "doubtful": tuple(
                DoubtfulWord(text[s:e], s, e, c) for s, e, c in inside if is_low_word(c, text[s:e])
            ),
            "crosses_columns": "\n\n" in text[start:end].strip(),
        }
    return Citation(
        document_id=info.id,
        file_name=info.file_name,
        paths=info.paths,
        span=Span(info.sha256, page, start, end),
        quote=text[start:end],
        **ocr,
    )


@dataclass(frozen=True, slots=True)
class RowCitation:
    """A row of a table (``doc 12 row 4031``): its cells under their column names.

    The row number is the one the table's own program shows (a sheet's row, a
    CSV's record with the header as row 1, a JSON record's position), so an
    editor can find it in the original; ``span`` says where culpa stores it.
    """

    document_id: int
    file_name: str
    paths: tuple[str, ...]
    table: str
    row: int
    span: Span
    cells: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "file_name": self.file_name,
            "paths": list(self.paths),
            "sha256": self.span.sha256,
            "table": self.table,
            "row": self.row,
            "page": self.span.page,
            "start": self.span.start,
            "end": self.span.end,
            "cells": [{"column": name, "value": value} for name, value in self.cells],
        }

    def as_text(self) -> str:
        span = self.span
        lines = [f"{name}: {value}" for name, value in self.cells]
        lines += [
            f"— {self.file_name}, table “{self.table}”, row {self.row} "
            f"(doc {self.document_id} row {self.row}; page {span.page}, "
            f"characters {span.start}–{span.end})",
            f"  SHA-256: {span.sha256}",
        ]
        lines += [f"  found at: {path}" for path in self.paths]
        return "\n".join(lines)


def cite_row(store: CaseStore, doc_id: int, row: int, table: str | None = None) -> RowCitation:
    """Cite row ``row`` of a document's table (``table`` names it when there are several)."""
    info = store.catalog.document_info(doc_id)
    place = store.tables.find_row(doc_id, row, table)
    return RowCitation(
        document_id=info.id,
        file_name=info.file_name,
        paths=info.paths,
        table=place.table.name,
        row=row,
        span=Span(info.sha256, place.page, place.start, place.end),
        cells=tuple(place.table.cells(place.line)),
    )
