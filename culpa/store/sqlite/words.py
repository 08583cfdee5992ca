"""The word boxes of stored pages: ``page_words``, one JSON array per page.

A stored word is ``[x0, y0, x1, y1, start, end, confidence]`` (see
docs/case-layout.md); search snippets, the viewer and citations read the
confidences to mark the words an OCR engine guessed (:mod:`culpa.search.doubt`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable


def page_words(conn: sqlite3.Connection, page_ids: Iterable[int]) -> dict[int, list[list[float]]]:
    """The stored words of these pages, by page id (pages without words are left out)."""
    ids = list(page_ids)
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT page_id, words FROM page_words WHERE page_id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    ).fetchall()
    return {int(page_id): json.loads(words) for page_id, words in rows if words}
