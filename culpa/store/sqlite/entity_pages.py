"""Which pages mention which entities, in SQL: the search filters ``person:``, ``org:``,
``place:`` and ``speaker:``, and the entity facets of a result (for
:class:`culpa.store.sqlite.fts.SqliteTextIndex`).

What a filter value names is decided in Python, once per search, for any backend
(:mod:`culpa.store.entity_filter`, over the reporter's edits): from the case's
distinct mention keys (label, canonical name, written text, split) it picks the
keys the filter keeps. SQL then finds the findings with those stored values on
the ``findings_value`` index (analyzer, label, value) and their pages, and the
search keeps those pages. Values and pages reach SQLite as JSON array parameters
(``json_each``): a filter value is never part of the SQL, however it is written,
and a name that folds to hundreds of spellings costs one parameter.

Findings' JSON values are parsed here, once per distinct value, not by SQLite's
``json_extract`` on every row (which parses the whole value once per field: on the
facet sample of 1,000 pages of 220,000 findings, 0.43 s against 0.22 s).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from culpa.analysis.entities.mentions import (
    ENTITIES_ANALYZER,
    NAMED_LABELS,
    QUOTE_LABEL,
    QUOTES_ANALYZER,
)
from culpa.store.entity_edits import Canon
from culpa.store.entity_filter import (
    ENTITY_FIELDS,
    FIELD_OF_LABEL,
    SPEAKER_FIELD,
    MentionKey,
    QuoteKey,
    key_entities,
    matching_mentions,
    matching_quotes,
)
from culpa.store.records import StoredEntity
from culpa.store.sqlite.connection import tables_exist
from culpa.store.sqlite.entities import (
    SPEAKER_END_SQL,
    SPEAKER_START_SQL,
    SPLIT_SQL,
    SqliteEntities,
)

#: A finding as read: (label, JSON value as stored, split edit or None).
_Raw = tuple[str, str, int | None]
#: The findings (f) with their document (d), whose SHA-256 keys the splits.
_OF_DOCUMENTS = "FROM findings f JOIN documents d ON d.id = f.document_id"
_MENTIONS = f"f.analyzer = ? AND f.label IN ({', '.join('?' for _ in NAMED_LABELS)})"
_MENTION_PARAMS: tuple[str, ...] = (ENTITIES_ANALYZER, *NAMED_LABELS)
_QUOTES = "f.analyzer = ? AND f.label = ?"
_QUOTE_PARAMS: tuple[str, ...] = (QUOTES_ANALYZER, QUOTE_LABEL)


def _text(value: Any) -> str | None:
    return None if value is None else value if isinstance(value, str) else str(value)


def _loads(value: str) -> dict[str, Any]:
    try:
        loaded = json.loads(value)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _mention_key(label: str, value: str, split: int | None) -> MentionKey:
    """As :mod:`culpa.store.sqlite.entities` reads a mention: the name, else the text."""
    found = _loads(value)
    name, text = _text(found.get("name")), _text(found.get("text"))
    first = name if name is not None else text
    second = text if text is not None else name
    return (label, first or "", second or "", split)


def _quote_key(value: str, split: int | None) -> QuoteKey:
    found = _loads(value)
    return (_text(found.get("name")), _text(found.get("speaker")), split)


class EntityPages:
    """The entity findings of one connection, read for its searches (filters, facets)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        #: False on a case from before analysis (nothing is mentioned on any page).
        self.found = tables_exist(conn, "findings")
        splits = tables_exist(conn, "entity_split_mentions") and (
            conn.execute("SELECT 1 FROM entity_split_mentions LIMIT 1").fetchone() is not None
        )
        # Without splits (as in most cases) no finding needs its document's SHA-256.
        self._mention_split = (
            SPLIT_SQL.format(start="f.span_start", end="f.span_end") if splits else "NULL"
        )
        self._speaker_split = (
            SPLIT_SQL.format(start=SPEAKER_START_SQL, end=SPEAKER_END_SQL) if splits else "NULL"
        )
        self._conditions: dict[tuple[str, str], tuple[str, list[object]]] = {}
        self._canon: Canon | None = None
        self._mentions: dict[_Raw, MentionKey] | None = None
        self._quotes: dict[tuple[str, int | None], QuoteKey] | None = None
        self._entities: list[StoredEntity] | None = None

    @property
    def canon(self) -> Canon:
        if self._canon is None:
            self._canon = SqliteEntities(self.conn).canon()
        return self._canon

    def _raw_mentions(self) -> dict[_Raw, MentionKey]:
        """Every distinct stored mention (label, value, split) with its key."""
        if self._mentions is None:
            self._mentions = {}
            if self.found:
                for label, value, split in self.conn.execute(
                    f"SELECT DISTINCT f.label, f.value, {self._mention_split} {_OF_DOCUMENTS} "
                    f"WHERE {_MENTIONS} AND f.page IS NOT NULL",
                    _MENTION_PARAMS,
                ):
                    self._mentions[(label, value, split)] = _mention_key(label, value, split)
        return self._mentions

    def _raw_quotes(self) -> dict[tuple[str, int | None], QuoteKey]:
        """Every distinct stored quotation (value, split) with its key."""
        if self._quotes is None:
            self._quotes = {}
            if self.found:
                for value, split in self.conn.execute(
                    f"SELECT DISTINCT f.value, {self._speaker_split} {_OF_DOCUMENTS} "
                    f"WHERE {_QUOTES} AND f.page IS NOT NULL",
                    _QUOTE_PARAMS,
                ):
                    self._quotes[(value, split)] = _quote_key(value, split)
        return self._quotes

    def mention_keys(self) -> list[MentionKey]:
        """Every distinct mention key of the case."""
        return list(dict.fromkeys(self._raw_mentions().values()))

    def entities(self) -> list[StoredEntity]:
        """The case's entities, with their aliases, after the edits."""
        if self._entities is None:
            self._entities = key_entities(self.canon, self.mention_keys())
        return self._entities

    def condition(self, field: str, value: str) -> tuple[str, list[object]]:
        """SQL keeping the pages ``p`` that ``field:value`` keeps, and its parameters."""
        if (field, value) not in self._conditions:
            pages = self._pages(field, value)
            self._conditions[(field, value)] = (
                ("p.id IN (SELECT value FROM json_each(?))", [json.dumps(pages)])
                if pages
                else ("0", [])
            )
        sql, params = self._conditions[(field, value)]
        return sql, list(params)

    def _pages(self, field: str, value: str) -> list[int]:
        """The ids of the pages ``field:value`` keeps, in order."""
        if field == SPEAKER_FIELD:
            quotes = self._raw_quotes()
            kept = set(matching_quotes(self.canon, self.entities(), set(quotes.values()), value))
            wanted = {(stored, split) for (stored, split), key in quotes.items() if key in kept}
            rows = self._on_values(
                _QUOTES, _QUOTE_PARAMS, self._speaker_split, {stored for stored, _ in wanted}
            )
            return sorted({page for page, _, stored, split in rows if (stored, split) in wanted})
        if field not in ENTITY_FIELDS:
            raise ValueError(f"no entity filter {field!r}")
        mentions = self._raw_mentions()
        keys = list(dict.fromkeys(mentions.values()))
        named = set(matching_mentions(self.canon, keys, field, value, self.entities()))
        chosen = {raw for raw, key in mentions.items() if key in named}
        # Only the labels kept (on the index): a person's filter reads no place.
        labels = sorted({label for label, _, _ in chosen})
        where = f"f.analyzer = ? AND f.label IN ({', '.join('?' for _ in labels)})"
        rows = self._on_values(
            where,
            (ENTITIES_ANALYZER, *labels),
            self._mention_split,
            {stored for _, stored, _ in chosen},
        )
        return sorted(
            {page for page, label, stored, split in rows if (label, stored, split) in chosen}
        )

    def _on_values(
        self, where: str, params: Sequence[str], split: str, values: Iterable[str]
    ) -> list[tuple[int, str, str, int | None]]:
        """(page id, label, value, split) of the findings holding one of ``values``."""
        wanted = sorted(set(values))
        if not wanted:
            return []
        return self.conn.execute(
            f"SELECT DISTINCT pg.id, f.label, f.value, {split} {_OF_DOCUMENTS} "
            "JOIN pages pg ON pg.document_id = f.document_id AND pg.number = f.page "
            f"WHERE {where} AND f.value IN (SELECT value FROM json_each(?))",
            [*params, json.dumps(wanted, ensure_ascii=False)],
        ).fetchall()

    def on_pages(self, page_ids: Sequence[int]) -> list[tuple[int, str, str]]:
        """``(page id, filter field, entity name)`` of the entities and speakers on these
        pages, each once per page, after the edits."""
        if not self.found or not page_ids:
            return []
        canon = self.canon
        # From the pages to their findings (CROSS JOIN keeps that order): driven from the
        # findings, SQLite probed every page id for each finding of the case.
        rows = self.conn.execute(
            f"SELECT DISTINCT pg.id, f.analyzer, f.label, f.value, "
            f"CASE f.analyzer WHEN ? THEN {self._mention_split} ELSE {self._speaker_split} END "
            "FROM json_each(?) j CROSS JOIN pages pg ON pg.id = j.value "
            "CROSS JOIN findings f ON f.document_id = pg.document_id AND f.page = pg.number "
            "JOIN documents d ON d.id = f.document_id "
            f"WHERE ({_MENTIONS}) OR ({_QUOTES})",
            (ENTITIES_ANALYZER, json.dumps(list(page_ids)), *_MENTION_PARAMS, *_QUOTE_PARAMS),
        )
        out: set[tuple[int, str, str]] = set()
        entities: dict[_Raw, tuple[str, str]] = {}
        speakers: dict[tuple[str, int | None], str | None] = {}
        for page, analyzer, label, value, split in rows:
            if analyzer == ENTITIES_ANALYZER:
                raw = (label, value, split)
                if (entity := entities.get(raw)) is None:
                    entity = entities[raw] = canon.entity(*_mention_key(*raw))
                if entity[0] in FIELD_OF_LABEL:
                    out.add((page, FIELD_OF_LABEL[entity[0]], entity[1]))
                continue
            said = (value, split)
            if said not in speakers:
                speakers[said] = canon.speaker(*_quote_key(*said))
            if (speaker := speakers[said]) is not None:
                out.add((page, SPEAKER_FIELD, speaker))
        return sorted(out)
