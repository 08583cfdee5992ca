"""Which pages mention which entities, in SQL: the search filters ``person:``, ``org:``,
``place:`` and ``speaker:``, and the entity facets of a result (for
:class:`culpa.store.sqlite.fts.SqliteTextIndex`).

What a filter value names is decided in Python, once per search, for any backend
(:mod:`culpa.store.entity_filter`, over the reporter's edits): from the case's
distinct mention keys (label, canonical name, written text, split) it picks the
keys the filter keeps. SQL then keeps the pages holding a finding with one of
those keys. The keys reach SQLite as one JSON array parameter (``json_each``), so
a filter value is never part of the SQL, however it is written, and a name that
folds to hundreds of spellings costs one parameter. Each key is its parts joined by
U+001F (the unit separator, which canonical names, being white space, never
hold), in SQL and here alike.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from culpa.analysis.entities.mentions import (
    ENTITIES_ANALYZER,
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
from culpa.store.sqlite.entities import (
    NAME_SQL,
    NAMED_LABELS_SQL,
    SPEAKER_END_SQL,
    SPEAKER_START_SQL,
    SPLIT_SQL,
    TEXT_SQL,
    SqliteEntities,
)

_SEP = "\x1f"
_SPEAKER_NAME = "json_extract(f.value, '$.name')"
_SPEAKER = "json_extract(f.value, '$.speaker')"
#: A page (pg) and the findings (f) on it, with their document (d) for the splits.
_ON_PAGES = (
    "FROM findings f JOIN documents d ON d.id = f.document_id "
    "JOIN pages pg ON pg.document_id = f.document_id AND pg.number = f.page"
)


def _key_sql(*parts: str) -> str:
    return " || char(31) || ".join(f"ifnull({part}, '')" for part in parts)


def _key(parts: Sequence[object]) -> str:
    return _SEP.join("" if part is None else str(part) for part in parts)


class EntityPages:
    """The entity findings of one connection, read for one search (its filters, its facets)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                "('findings', 'entity_edits', 'entity_split_mentions')"
            )
        }
        #: False on a case from before analysis (nothing is mentioned on any page).
        self.found = "findings" in tables
        splits = "entity_split_mentions" in tables and (
            conn.execute("SELECT 1 FROM entity_split_mentions LIMIT 1").fetchone() is not None
        )
        self._mention_split = (
            SPLIT_SQL.format(start="f.span_start", end="f.span_end") if splits else "NULL"
        )
        self._speaker_split = (
            SPLIT_SQL.format(start=SPEAKER_START_SQL, end=SPEAKER_END_SQL) if splits else "NULL"
        )
        self._canon: Canon | None = None
        self._keys: list[MentionKey] | None = None
        self._entities: list[StoredEntity] | None = None

    @property
    def canon(self) -> Canon:
        if self._canon is None:
            self._canon = SqliteEntities(self.conn).canon()
        return self._canon

    def _mention_sql(self) -> tuple[str, str, str]:
        """(columns of a mention key, the key as one string, the WHERE of mentions)."""
        parts = ("f.label", NAME_SQL, TEXT_SQL, self._mention_split)
        where = f"f.analyzer = '{ENTITIES_ANALYZER}' AND f.label IN {NAMED_LABELS_SQL}"
        return ", ".join(parts), _key_sql(*parts), where

    def _quote_sql(self) -> tuple[str, str, str]:
        parts = (_SPEAKER_NAME, _SPEAKER, self._speaker_split)
        where = f"f.analyzer = '{QUOTES_ANALYZER}' AND f.label = '{QUOTE_LABEL}'"
        return ", ".join(parts), _key_sql(*parts), where

    def mention_keys(self) -> list[MentionKey]:
        """Every distinct mention key of the case."""
        if self._keys is None:
            columns, _, where = self._mention_sql()
            self._keys = (
                [
                    (row[0], row[1], row[2], row[3])
                    for row in self.conn.execute(
                        f"SELECT DISTINCT {columns} {_ON_PAGES} WHERE {where}"
                    )
                ]
                if self.found
                else []
            )
        return self._keys

    def entities(self) -> list[StoredEntity]:
        """The case's entities, with their aliases, after the edits."""
        if self._entities is None:
            self._entities = key_entities(self.canon, self.mention_keys())
        return self._entities

    def condition(self, field: str, value: str) -> tuple[str, list[object]]:
        """SQL keeping the pages ``p`` that ``field:value`` keeps, and its parameters."""
        if not self.found:
            return "0", []
        if field == SPEAKER_FIELD:
            columns, key, where = self._quote_sql()
            quotes: list[QuoteKey] = [
                (row[0], row[1], row[2])
                for row in self.conn.execute(f"SELECT DISTINCT {columns} {_ON_PAGES} WHERE {where}")
            ]
            keys = [_key(k) for k in matching_quotes(self.canon, self.entities(), quotes, value)]
        elif field in ENTITY_FIELDS:
            _, key, where = self._mention_sql()
            found = matching_mentions(
                self.canon, self.mention_keys(), field, value, self.entities()
            )
            keys = [_key(k) for k in found]
        else:
            raise ValueError(f"no entity filter {field!r}")
        if not keys:
            return "0", []
        sql = (
            f"p.id IN (SELECT pg.id {_ON_PAGES} WHERE {where} "
            f"AND {key} IN (SELECT value FROM json_each(?)))"
        )
        return sql, [json.dumps(sorted(set(keys)), ensure_ascii=False)]

    def on_pages(self, page_ids: Sequence[int]) -> list[tuple[int, str, str]]:
        """``(page id, filter field, entity name)`` of the entities and speakers on these
        pages, each once per page, after the edits."""
        if not self.found or not page_ids:
            return []
        ids = json.dumps(list(page_ids))
        pages = "pg.id IN (SELECT value FROM json_each(?))"
        canon = self.canon
        out: set[tuple[int, str, str]] = set()
        columns, _, where = self._mention_sql()
        resolved: dict[MentionKey, tuple[str, str]] = {}
        for page, label, name, text, split in self.conn.execute(
            f"SELECT DISTINCT pg.id, {columns} {_ON_PAGES} WHERE {pages} AND {where}", (ids,)
        ):
            mention = (label, name, text, split)
            if (entity := resolved.get(mention)) is None:
                entity = resolved[mention] = canon.entity(*mention)
            if entity[0] in FIELD_OF_LABEL:
                out.add((page, FIELD_OF_LABEL[entity[0]], entity[1]))
        columns, _, where = self._quote_sql()
        speakers: dict[QuoteKey, str | None] = {}
        for page, name, speaker, split in self.conn.execute(
            f"SELECT DISTINCT pg.id, {columns} {_ON_PAGES} WHERE {pages} AND {where}", (ids,)
        ):
            quote = (name, speaker, split)
            if quote not in speakers:
                speakers[quote] = canon.speaker(name, speaker, split)
            if (said_by := speakers[quote]) is not None:
                out.add((page, SPEAKER_FIELD, said_by))
        return sorted(out)
