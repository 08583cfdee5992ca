"""Documents with OCR'd pages of known word confidences, stored straight into a case database.

Search, citation and CLI tests need exact confidences to check the doubt marks
against (a real Tesseract run gives whatever it gives; tests/web/test_browser_ocr.py
covers that). Words are the page's whitespace-separated runs.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping

from culpa.store.sqlite.fts import index_page

#: Confidence of every word not named in ``doubts``.
SURE = 96.0


def stored_words(text: str, doubts: Mapping[str, float] | None = None) -> list[list[float]]:
    """``[x0, y0, x1, y1, start, end, confidence]`` for each word of ``text``, one line of boxes."""
    words: list[list[float]] = []
    for index, m in enumerate(re.finditer(r"\S+", text)):
        confidence = (doubts or {}).get(m.group(), SURE)
        x0 = 10.0 + 60 * index
        words.append([x0, 10.0, x0 + 50, 30.0, m.start(), m.end(), confidence])
    return words


def add_ocr_document(
    conn: sqlite3.Connection,
    pages: list[tuple[str, Mapping[str, float] | None]],
    *,
    engine: str = "tesseract 5.3.0 eng psm6",
    text_pages: tuple[int, ...] = (),
    path: str | None = None,
) -> int:
    """Store a document whose pages (text, {word: confidence}) were OCR'd; return its id.

    Page numbers in ``text_pages`` are stored as text-layer pages instead. A
    page's confidence is the mean of its words', as the OCR engines compute it.
    """
    doc_id: int = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM documents").fetchone()[0]
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at)"
        " VALUES (?, ?, 0, 'image/png', 'image', 'ok', ?, '')",
        (doc_id, f"{doc_id:064x}", len(pages)),
    )
    conn.execute(
        "INSERT INTO provenance(path, document_id) VALUES (?, ?)",
        (path or f"scans/scan{doc_id}.png", doc_id),
    )
    for number, (text, doubts) in enumerate(pages, 1):
        ocr = number not in text_pages
        words = stored_words(text, doubts if ocr else None)
        if not ocr:
            for word in words:
                word[6] = 100.0
        confidence = sum(w[6] for w in words) / len(words) if ocr and words else None
        cur = conn.execute(
            "INSERT INTO pages(document_id, number, text, language, method, ocr_engine,"
            " ocr_confidence, width, height) VALUES (?, ?, ?, 'en', ?, ?, ?, 1000, 1000)",
            (doc_id, number, text, "ocr" if ocr else "text", engine if ocr else None, confidence),
        )
        assert cur.lastrowid is not None
        conn.execute(
            "INSERT INTO page_words(page_id, words) VALUES (?, ?)",
            (cur.lastrowid, json.dumps(words)),
        )
        index_page(conn, cur.lastrowid, text)
    conn.commit()
    return doc_id
