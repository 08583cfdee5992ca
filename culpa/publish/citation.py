"""Citations an editor can check against the original.

A citation names the file, every path it was found at, its SHA-256 (so the
original can be verified byte for byte), the page and character span, and
quotes the text exactly as stored.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from culpa.errors import UsageError
from culpa.store.queries import document_info, page_info


@dataclass(frozen=True, slots=True)
class Citation:
    document_id: int
    file_name: str
    paths: tuple[str, ...]
    sha256: str
    page: int
    start: int
    end: int
    quote: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "file_name": self.file_name,
            "paths": list(self.paths),
            "sha256": self.sha256,
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
        }

    def as_text(self) -> str:
        quote = (
            " ".join(self.quote.split())
            if not _is_cjk_heavy(self.quote)
            else "".join(self.quote.split())
        )
        lines = [
            f"“{quote}”",
            f"— {self.file_name}, page {self.page}, characters {self.start}–{self.end}",
            f"  SHA-256: {self.sha256}",
        ]
        lines += [f"  found at: {path}" for path in self.paths]
        return "\n".join(lines)


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


def cite(conn: sqlite3.Connection, doc_id: int, page: int, start: int, end: int) -> Citation:
    info = document_info(conn, doc_id)
    text = page_info(conn, doc_id, page).text
    if end > len(text):
        raise UsageError(f"span {start}:{end} runs past the end of page {page} ({len(text)} chars)")
    return Citation(
        document_id=info.id,
        file_name=info.file_name,
        paths=info.paths,
        sha256=info.sha256,
        page=page,
        start=start,
        end=end,
        quote=text[start:end],
    )
