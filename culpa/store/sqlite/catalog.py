"""What a case holds, counted (:class:`culpa.store.api.Catalog`), over SQLite.

The search page's facets count the documents of a result by type, year and
folder (:mod:`culpa.search.facets`), its results show each document's type,
title and pages, and a search that finds nothing names the filter values the
case does not hold next to those it does (:mod:`culpa.search.explain`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from culpa.store.records import DocumentSummary

if TYPE_CHECKING:
    from culpa.store.records import DocumentInfo, PageInfo, ThreadMessage
from culpa.store.sqlite.queries import document_info, email_thread, page_info
from culpa.store.sqlite.words import page_words

#: A document's year: the first four characters of the date its text states
#: (:mod:`culpa.analysis.dates`), else of created, else date_iso, else modified.
YEAR_SQL = (
    "substr(coalesce(json_extract(d.metadata, '$.date_in_text'), "
    "json_extract(d.metadata, '$.created'), "
    "json_extract(d.metadata, '$.date_iso'), json_extract(d.metadata, '$.modified')), 1, 4)"
)


def path_range(prefix: str) -> tuple[str, str]:
    """Bounds of the paths under ``prefix``, for an indexed ``path >= ? AND path < ?``."""
    # Every string starting with prefix sorts (binary collation) inside [prefix, prefix+U+10FFFF).
    return prefix, prefix + "\U0010ffff"


class SqliteCatalog:
    """Counts over ``documents``, ``pages`` and ``provenance``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def type_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            "SELECT type, count(*) FROM documents GROUP BY type ORDER BY 2 DESC, 1"
        ).fetchall()

    def language_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            "SELECT language, count(*) FROM pages WHERE language IS NOT NULL "
            "GROUP BY language ORDER BY 2 DESC, 1"
        ).fetchall()

    def has_path_under(self, prefix: str) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM provenance WHERE path >= ? AND path < ? LIMIT 1", path_range(prefix)
        ).fetchone()
        return found is not None

    def field_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            "SELECT je.key, count(*) FROM documents d, json_each(d.metadata) je "
            "GROUP BY je.key ORDER BY 2 DESC, 1"
        ).fetchall()

    def year_counts(self) -> list[tuple[str, int]]:
        return self.conn.execute(
            f"SELECT {YEAR_SQL} AS y, count(*) FROM documents d "
            "WHERE y GLOB '[0-9][0-9][0-9][0-9]' GROUP BY y ORDER BY y DESC"
        ).fetchall()

    def types_and_years(self, document_ids: Sequence[int]) -> list[tuple[int, str, object]]:
        return self.conn.execute(
            f"SELECT d.id, d.type, {YEAR_SQL} FROM documents d "
            "WHERE d.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(document_ids)),),
        ).fetchall()

    def paths(self, document_ids: Sequence[int]) -> list[tuple[int, str]]:
        return self.conn.execute(
            "SELECT document_id, path FROM provenance "
            "WHERE document_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(document_ids)),),
        ).fetchall()

    def last_page_id(self) -> int | None:
        row = self.conn.execute("SELECT max(id) FROM pages").fetchone()
        return None if row[0] is None else int(row[0])

    def summaries(self, document_ids: Sequence[int]) -> dict[int, DocumentSummary]:
        rows = self.conn.execute(
            "SELECT id, type, page_count, metadata FROM documents "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(document_ids)),),
        )
        return {
            int(r[0]): DocumentSummary(str(r[1]), int(r[2] or 0), json.loads(r[3]) if r[3] else {})
            for r in rows
        }

    def pages_at(self, pages: Sequence[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, int]]:
        if not pages:
            return {}
        where = " OR ".join("(document_id = ? AND number = ?)" for _ in pages)
        rows = self.conn.execute(
            f"SELECT document_id, number, text, id FROM pages WHERE {where}",
            [v for pair in pages for v in pair],
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    def words(self, page_ids: Iterable[int]) -> dict[int, list[list[float]]]:
        return page_words(self.conn, page_ids)

    def document_info(self, document_id: int) -> DocumentInfo:
        return document_info(self.conn, document_id)

    def page_info(self, document_id: int, number: int) -> PageInfo:
        return page_info(self.conn, document_id, number)

    def email_thread(self, document_id: int) -> list[ThreadMessage]:
        return email_thread(self.conn, document_id)
