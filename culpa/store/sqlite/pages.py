"""The stored text of pages (:class:`culpa.store.api.Pages`), over SQLite.

Which of a document's pages a search finds is the full-text index's question
(:meth:`culpa.store.sqlite.fts.SqliteTextIndex.page_numbers`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from culpa.store.api import PageRecord


class SqlitePages:
    """The ``pages`` table and what hangs on a page (word boxes, OCR runs, notes' spans)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def texts(self, document_id: int, numbers: Sequence[int]) -> dict[int, str]:
        rows = self.conn.execute(
            "SELECT number, text FROM pages WHERE document_id = ? AND number IN "
            "(SELECT value FROM json_each(?))",
            (document_id, json.dumps(list(numbers))),
        ).fetchall()
        return {int(number): str(text) for number, text in rows}

    def write(self, document_id: int, page: PageRecord, page_id: int | None = None) -> int:
        values = (
            page.text,
            page.language,
            page.method,
            page.ocr_engine,
            page.ocr_confidence,
            page.width,
            page.height,
        )
        if page_id is None:
            cursor = self.conn.execute(
                "INSERT INTO pages (document_id, number, text, language, method, ocr_engine, "
                "ocr_confidence, width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (document_id, page.number, *values),
            )
            assert cursor.lastrowid is not None
            page_id = cursor.lastrowid
            self.conn.execute(
                "INSERT INTO page_words (page_id, words) VALUES (?, ?)", (page_id, page.words_json)
            )
        else:
            self.conn.execute(
                "UPDATE pages SET text = ?, language = ?, method = ?, ocr_engine = ?, "
                "ocr_confidence = ?, width = ?, height = ? WHERE id = ?",
                (*values, page_id),
            )
            self.conn.execute(
                "INSERT OR REPLACE INTO page_words (page_id, words) VALUES (?, ?)",
                (page_id, page.words_json),
            )
        return page_id

    def find(self, document_id: int, number: int) -> tuple[int, str] | None:
        row = self.conn.execute(
            "SELECT id, text FROM pages WHERE document_id = ? AND number = ?",
            (document_id, number),
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def of_document(self, document_id: int) -> list[tuple[int, str]]:
        return self.conn.execute(
            "SELECT id, text FROM pages WHERE document_id = ?", (document_id,)
        ).fetchall()

    def number_range(self, document_id: int) -> tuple[int | None, int | None]:
        first, last = self.conn.execute(
            "SELECT min(number), max(number) FROM pages WHERE document_id = ?", (document_id,)
        ).fetchone()
        return first, last

    def drop(self, document_id: int) -> None:
        for table, column in (("page_words", "page_id"), ("ocr_runs", "page_id")):
            self.conn.execute(
                f"DELETE FROM {table} WHERE {column} IN "
                "(SELECT id FROM pages WHERE document_id = ?)",
                (document_id,),
            )
        self.conn.execute("DELETE FROM pages WHERE document_id = ?", (document_id,))

    def documents_with_ocr(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT DISTINCT document_id FROM pages WHERE method = 'ocr' ORDER BY document_id"
        )
        return [int(row[0]) for row in rows]

    def ocr_runs(
        self, document_id: int, numbers: tuple[int, int] | None
    ) -> list[tuple[int, str | None]]:
        params: tuple[int, ...] = ()
        if numbers is None:
            where = "method = 'ocr'"
        else:
            where, params = "number BETWEEN ? AND ?", numbers
        rows = self.conn.execute(
            "SELECT p.number, r.settings FROM pages p LEFT JOIN ocr_runs r ON r.page_id = p.id "
            f"WHERE p.document_id = ? AND {where} ORDER BY p.number",
            (document_id, *params),
        ).fetchall()
        return [(int(number), settings) for number, settings in rows]

    def record_ocr_run(self, page_id: int, settings: str, done_at: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ocr_runs (page_id, settings, done_at) VALUES (?, ?, ?)",
            (page_id, settings, done_at),
        )

    def passage_notes(self, document_id: int, number: int) -> list[tuple[int, int, str]]:
        rows = self.conn.execute(
            "SELECT id, span_start, quote FROM notes WHERE document_id = ? AND page = ? "
            "AND quote IS NOT NULL AND span_start IS NOT NULL",
            (document_id, number),
        ).fetchall()
        return [(int(note_id), int(start), str(quote)) for note_id, start, quote in rows]

    def move_note(self, note_id: int, start: int, end: int) -> None:
        self.conn.execute(
            "UPDATE notes SET span_start = ?, span_end = ? WHERE id = ?", (start, end, note_id)
        )
