"""Two documents whose pages name people, organisations and places, with the findings the
entities and quotes analyzers would store on them (through ``store.analysis``), for the
tests of the entity filters and facets."""

from __future__ import annotations

import sqlite3

from culpa.analysis.entities.mentions import ENTITIES_ANALYZER, QUOTE_LABEL, QUOTES_ANALYZER
from culpa.models import Finding, Span
from culpa.store.records import finding_rows
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.fts import index_page

#: Page texts of the Chinese document (1) and the English one (2).
ZH = (
    "自治区党委书记陳全國在喀什地区强调稳定。",
    "新疆维吾尔自治区公安厅通知。陈全国说：“要严打。”",
    "会议讨论了棉花。",
)
EN = (
    "Chen Quanguo and Zhu Hailun visited Kashgar.",
    "Zhu Hailun said: “Round them up.” O'Brien agreed.",
    "Secretary Chen spoke to the Public Security Bureau.",
)
#: (page, label, text as written, canonical name) of each document's mentions.
ZH_MENTIONS = (
    (1, "PER", "自治区党委书记陳全國", "陈全国"),
    (1, "LOC", "喀什地区", "喀什地区"),
    (2, "ORG", "新疆维吾尔自治区公安厅", "新疆维吾尔自治区公安厅"),
    (2, "PER", "陈全国", "陈全国"),
)
EN_MENTIONS = (
    (1, "PER", "Chen Quanguo", "Chen Quanguo"),
    (1, "PER", "Zhu Hailun", "Zhu Hailun"),
    (1, "LOC", "Kashgar", "Kashgar"),
    (2, "PER", "Zhu Hailun", "Zhu Hailun"),
    (2, "PER", "O'Brien", "O'Brien"),
    (3, "PER", "Secretary Chen", "Chen"),
    (3, "ORG", "the Public Security Bureau", "Public Security Bureau"),
)
#: (page, quoted words, speaker as written, speaker's canonical name).
ZH_QUOTES = ((2, "要严打。", "陈全国", "陈全国"),)
EN_QUOTES = ((2, "Round them up.", "Zhu Hailun", "Zhu Hailun"),)


def add_document(conn: sqlite3.Connection, pages: tuple[str, ...], language: str) -> int:
    """Store and index a text document of ``pages``; its id (its SHA-256 is the id in hex)."""
    n: int = conn.execute("SELECT count(*) FROM documents").fetchone()[0] + 1
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, ingested_at,"
        " metadata) VALUES (?, ?, 0, 'text/plain', 'text', 'ok', ?, '', '{}')",
        (n, f"{n:064x}", len(pages)),
    )
    conn.execute("INSERT INTO provenance(path, document_id) VALUES (?, ?)", (f"doc{n}.txt", n))
    for number, text in enumerate(pages, 1):
        cur = conn.execute(
            "INSERT INTO pages(document_id, number, text, language, method)"
            " VALUES (?, ?, ?, ?, 'text')",
            (n, number, text, language),
        )
        assert cur.lastrowid is not None
        index_page(conn, cur.lastrowid, text)
    conn.commit()
    return n


def findings(
    sha256: str,
    pages: tuple[str, ...],
    mentions: tuple[tuple[int, str, str, str], ...],
    quotes: tuple[tuple[int, str, str, str], ...],
) -> tuple[list[Finding], list[Finding]]:
    """The entities and quotes findings of one document, each at its first place on its page."""
    named = []
    for page, label, text, name in mentions:
        start = pages[page - 1].index(text)
        value = {"text": text, "name": name, "role": None}
        span = Span(sha256, page, start, start + len(text))
        named.append(Finding(ENTITIES_ANALYZER, label, value, span))
    said = []
    for page, words, speaker, name in quotes:
        start = pages[page - 1].index(words)
        at = pages[page - 1].index(speaker)
        value = {
            "text": words,
            "speaker": speaker,
            "speaker_start": at,
            "speaker_end": at + len(speaker),
            "name": name,
        }
        span = Span(sha256, page, start, start + len(words))
        said.append(Finding(QUOTES_ANALYZER, QUOTE_LABEL, value, span))
    return named, said


def build(conn: sqlite3.Connection) -> SqliteCaseStore:
    """Both documents with their findings, saved as the analyzers save them; the store."""
    store = SqliteCaseStore(conn)
    for pages, language, mentions, quotes in (
        (ZH, "zh-Hans", ZH_MENTIONS, ZH_QUOTES),
        (EN, "en", EN_MENTIONS, EN_QUOTES),
    ):
        document = add_document(conn, pages, language)
        sha256 = f"{document:064x}"
        named, said = findings(sha256, pages, mentions, quotes)
        for analyzer, found in ((ENTITIES_ANALYZER, named), (QUOTES_ANALYZER, said)):
            store.analysis.record_document(document, analyzer, 1, finding_rows(found, sha256))
    return store
