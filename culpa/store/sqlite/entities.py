"""Entities, mentions and quotations in the case (:class:`culpa.store.api.Entities`): the
``entity_edits`` and ``entity_split_mentions`` tables, and the reads of the entities and
quotes analyzers' findings (all their SQL).

The findings are the analyzers' (replaced on every re-run); the edits are the
reporter's (kept). SQL groups the mentions and finds, for each, the latest split
that moved it by its document's SHA-256 and span; :class:`culpa.store.entity_edits.Canon`
applies the edits, so a second backend shares that logic. A case opened read-only
from before the tables existed reads as having no findings and no edits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from culpa.analysis.entities.mentions import (
    ENTITIES_ANALYZER,
    LABELS,
    NAMED_LABELS,
    QUOTE_LABEL,
    QUOTES_ANALYZER,
)
from culpa.models import Span
from culpa.store.entity_edits import Canon, MentionGroup, folded, matching_names
from culpa.store.records import (
    EntityEdit,
    MentionPlace,
    StoredEntity,
    StoredMention,
    StoredQuotation,
)
from culpa.store.sqlite.connection import tables_exist

# SQL fragments over a finding f (and its document d), shared with entity_pages.py.
#: The latest split that moved the mention at f's span (s: entity_split_mentions).
SPLIT_SQL = (
    "(SELECT max(s.edit_id) FROM entity_split_mentions s WHERE s.sha256 = d.sha256 "
    "AND s.page = f.page AND s.span_start = {start} AND s.span_end = {end})"
)
_LABELS = "(" + ", ".join(f"'{label}'" for label in LABELS) + ")"
NAMED_LABELS_SQL = "(" + ", ".join(f"'{label}'" for label in NAMED_LABELS) + ")"
NAME_SQL = "coalesce(json_extract(f.value, '$.name'), json_extract(f.value, '$.text'), '')"
TEXT_SQL = "coalesce(json_extract(f.value, '$.text'), json_extract(f.value, '$.name'), '')"
SPEAKER_START_SQL = "json_extract(f.value, '$.speaker_start')"
SPEAKER_END_SQL = "json_extract(f.value, '$.speaker_end')"


class SqliteEntities:
    """The reporter's entity edits and the entities analyzers' findings they apply to."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _split(self, start: str, end: str) -> str:
        if tables_exist(self.conn, "entity_split_mentions"):
            return SPLIT_SQL.format(start=start, end=end)
        return "NULL"

    def edits(self) -> list[EntityEdit]:
        """Every edit, in the order made."""
        if not tables_exist(self.conn, "entity_edits", "entity_split_mentions"):
            return []
        places: dict[int, list[MentionPlace]] = {}
        for edit_id, sha256, page, start, end in self.conn.execute(
            "SELECT edit_id, sha256, page, span_start, span_end FROM entity_split_mentions "
            "ORDER BY edit_id, sha256, page, span_start, span_end"
        ):
            places.setdefault(edit_id, []).append((sha256, page, start, end))
        return [
            EntityEdit(
                id=row[0],
                kind=row[1],
                label=row[2],
                name=row[3],
                target_label=row[4],
                target_name=row[5],
                alias=row[6],
                mentions=tuple(places.get(row[0], ())),
                made_at=row[7],
            )
            for row in self.conn.execute(
                "SELECT id, kind, label, name, target_label, target_name, alias, made_at "
                "FROM entity_edits ORDER BY id"
            )
        ]

    def add_edit(
        self,
        kind: str,
        label: str,
        name: str,
        *,
        target: tuple[str, str] | None = None,
        alias: str | None = None,
        mentions: Sequence[MentionPlace] = (),
    ) -> EntityEdit:
        """Record an edit (with a split's mentions) in one transaction; the edit as stored."""
        made_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = self.conn.execute(
                "INSERT INTO entity_edits (kind, label, name, target_label, target_name, alias, "
                "made_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, label, name, *(target or (None, None)), alias, made_at),
            )
            edit_id = int(cursor.lastrowid or 0)
            places = tuple(dict.fromkeys(mentions))
            self.conn.executemany(
                "INSERT INTO entity_split_mentions (edit_id, sha256, page, span_start, span_end) "
                "VALUES (?, ?, ?, ?, ?)",
                [(edit_id, *place) for place in places],
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return EntityEdit(
            id=edit_id,
            kind=kind,
            label=label,
            name=name,
            target_label=target[0] if target else None,
            target_name=target[1] if target else None,
            alias=alias,
            mentions=places,
            made_at=made_at,
        )

    def remove_edit(self, edit_id: int) -> bool:
        """Undo an edit; whether there was one with that id."""
        if not tables_exist(self.conn, "entity_edits", "entity_split_mentions"):
            return False
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute("DELETE FROM entity_split_mentions WHERE edit_id = ?", (edit_id,))
            removed = self.conn.execute("DELETE FROM entity_edits WHERE id = ?", (edit_id,))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return removed.rowcount > 0

    def canon(self) -> Canon:
        """The edits, ready to apply, over the folding of the case's names."""
        return Canon(self.edits(), self._folds())

    def _folds(self) -> dict[tuple[str, str], str]:
        """(label, canonical name) → the name it folds into across the case, where another.

        :func:`culpa.analysis.entities.canonical.fold_names` needs every name of a
        label with its count (one spelling folds into the most mentioned; an English
        one into the one Chinese name it is the pinyin of), so it is applied here,
        where the case is read, not by the analyzer, which sees one document.
        """
        if not tables_exist(self.conn, "findings"):
            return {}
        # Imported here: pypinyin and the title lists load only when entities are read.
        from culpa.analysis.entities.canonical import fold_names

        counts: dict[str, dict[str, int]] = {}
        for label, name, count in self.conn.execute(
            f"SELECT f.label, {NAME_SQL}, count(*) FROM findings f WHERE f.analyzer = ? "
            f"AND f.label IN {NAMED_LABELS_SQL} GROUP BY 1, 2",
            (ENTITIES_ANALYZER,),
        ):
            counts.setdefault(label, {})[name] = count
        return {
            (label, name): into
            for label, named in counts.items()
            for name, into in fold_names(named, label).items()
            if into != name
        }

    def _groups(self) -> Iterator[MentionGroup]:
        if not tables_exist(self.conn, "findings"):
            return
        for row in self.conn.execute(
            f"SELECT f.label, {NAME_SQL}, {TEXT_SQL}, {self._split('f.span_start', 'f.span_end')}, "
            "f.document_id, count(*) FROM findings f JOIN documents d ON d.id = f.document_id "
            f"WHERE f.analyzer = ? AND f.label IN {_LABELS} GROUP BY 1, 2, 3, 4, 5",
            (ENTITIES_ANALYZER,),
        ):
            yield MentionGroup(*row)

    def entities(self, label: str | None = None, canon: Canon | None = None) -> list[StoredEntity]:
        """Every entity after the edits (of ``label``), most mentioned first."""
        found = (canon or self.canon()).entities(self._groups())
        return [e for e in found if label is None or e.label == label]

    def mentions(
        self, label: str | None = None, document_id: int | None = None
    ) -> Iterator[StoredMention]:
        """Every mention (of ``label`` after the edits; in one document), in page order."""
        if not tables_exist(self.conn, "findings"):
            return
        canon = self.canon()
        sql = (
            f"SELECT f.document_id, d.sha256, f.page, f.span_start, f.span_end, f.label, "
            f"{NAME_SQL}, {TEXT_SQL}, json_extract(f.value, '$.role'), "
            f"{self._split('f.span_start', 'f.span_end')} "
            "FROM findings f JOIN documents d ON d.id = f.document_id "
            f"WHERE f.analyzer = ? AND f.label IN {_LABELS} AND f.page IS NOT NULL"
        )
        params: tuple[object, ...] = (ENTITIES_ANALYZER,)
        if document_id is not None:
            sql += " AND f.document_id = ?"
            params += (document_id,)
        sql += " ORDER BY f.document_id, f.page, f.span_start, f.span_end, f.id"
        for doc, sha256, page, start, end, found, name, text, role, split in self.conn.execute(
            sql, params
        ):
            entity_label, entity = canon.entity(found, name, text, split)
            if label is not None and entity_label != label:
                continue
            yield StoredMention(
                document_id=doc,
                span=Span(sha256, page, start, end),
                text=text,
                label=entity_label,
                entity=entity,
                role=role,
            )

    def quotations(self, speaker: str | None = None) -> Iterator[StoredQuotation]:
        """Every quotation, in page order; ``speaker``: only those by that entity or name.

        ``speaker`` matches, folded (陳全國 = 陈全国, case and accents aside), the
        speaker's entity, any alias of that entity, or the speaker as written.
        """
        if not tables_exist(self.conn, "findings"):
            return
        canon = self.canon()
        names: set[str] = set()
        if speaker is not None:
            names = matching_names(self.entities(canon=canon), speaker) | {speaker}
        wanted = {folded(n) for n in names}
        for row in self.conn.execute(
            "SELECT f.document_id, d.sha256, f.page, f.span_start, f.span_end, f.value, "
            f"{self._split(SPEAKER_START_SQL, SPEAKER_END_SQL)} "
            "FROM findings f JOIN documents d ON d.id = f.document_id "
            "WHERE f.analyzer = ? AND f.label = ? AND f.page IS NOT NULL "
            "ORDER BY f.document_id, f.page, f.span_start, f.id",
            (QUOTES_ANALYZER, QUOTE_LABEL),
        ):
            value = json.loads(row[5])
            said_by = value.get("speaker")
            entity = canon.speaker(value.get("name"), said_by, row[6])
            if speaker is not None and not (
                (entity is not None and folded(entity) in wanted)
                or (said_by and folded(said_by) in wanted)
            ):
                continue
            yield StoredQuotation(
                document_id=row[0],
                span=Span(row[1], row[2], row[3], row[4]),
                text=value.get("text") or "",
                speaker=said_by,
                speaker_start=value.get("speaker_start"),
                speaker_end=value.get("speaker_end"),
                entity=entity,
            )
