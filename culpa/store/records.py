"""The records a case's store hands back and takes: plain frozen data, no backend.

Every :mod:`culpa.store.api` protocol speaks in these, so a caller and a
second backend (PostgreSQL) share them without importing SQLite; the
protocols themselves are in :mod:`culpa.store.api`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from culpa.models import Finding, Span


@dataclass(frozen=True, slots=True)
class StoredMember:
    """A file found inside a container (an archive's member, a mailbox's message)."""

    path: str
    parent_path: str
    document_id: int
    type: str
    size: int
    status: str


@dataclass(frozen=True, slots=True)
class StoredWarning:
    """A part of a stored document that could not be read, as ``culpa errors`` lists it."""

    document_id: int
    sha256: str
    #: The shortest path the document was found at.
    path: str
    kind: str
    message: str
    page: int | None
    member: str | None
    recorded_at: str


@dataclass(frozen=True, slots=True)
class PageTable:
    """The table rows one stored page holds."""

    name: str
    number: int  # the table's number in its document, from 1
    columns: tuple[str, ...]
    #: The row number of each line of the page text.
    rows: tuple[int, ...]

    def row_at(self, text: str, offset: int) -> int | None:
        """The row whose line holds character ``offset`` of the page text."""
        line = text.count("\n", 0, max(0, min(offset, len(text))))
        return self.rows[line] if line < len(self.rows) else None

    def cells(self, line: str) -> list[tuple[str, str]]:
        """(column, value) for each cell of one line, named as the table names its columns."""
        values = line.split("\t")
        values += [""] * (len(self.columns) - len(values))
        return [(self.column_name(i), value) for i, value in enumerate(values)]

    def column_name(self, index: int) -> str:
        return self.columns[index] if index < len(self.columns) else f"column {index + 1}"


@dataclass(frozen=True, slots=True)
class RowPlace:
    """Where a row of a table is stored: its page, and its line and span in the page text."""

    table: PageTable
    page: int
    row: int
    start: int
    end: int
    line: str


#: A finding as stored: (label, page, span start, span end, JSON value).
FindingRow = tuple[str, int | None, int | None, int | None, str]


@dataclass(frozen=True, slots=True)
class RunFailure:
    """An analyzer that failed on a document, as ``culpa errors`` lists it."""

    document_id: int
    sha256: str
    path: str
    analyzer: str
    version: int
    kind: str
    message: str
    done_at: str


def finding_rows(findings: Iterable[Finding], sha256: str) -> list[FindingRow]:
    """Findings as rows; a ValueError or TypeError for a span or value that cannot be stored.

    Pure, so a worker can check an analyzer's output where its failure is recorded.
    """
    rows: list[FindingRow] = []
    for finding in findings:
        value = json.dumps(finding.value, ensure_ascii=False, sort_keys=True, allow_nan=False)
        span = finding.span
        if span is None:
            rows.append((finding.label, None, None, None, value))
            continue
        if span.sha256 != sha256:
            raise ValueError(f"finding {finding.label!r} points at another document's span")
        if span.page < 1 or not 0 <= span.start <= span.end:
            raise ValueError(f"finding {finding.label!r} has a bad span {span}")
        rows.append((finding.label, span.page, span.start, span.end, value))
    return rows


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    sha256: str
    size: int
    mime: str
    type: str
    status: str
    error_kind: str | None
    error_message: str | None
    page_count: int
    metadata: dict[str, str]
    paths: tuple[str, ...]

    @property
    def file_name(self) -> str:
        """The name a reader knows the file by: the last part of its shortest path."""
        return self.paths[0].rsplit("!/", 1)[-1].rsplit("/", 1)[-1] if self.paths else self.sha256

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "size": self.size,
            "mime": self.mime,
            "type": self.type,
            "status": self.status,
            "error_kind": self.error_kind,
            "error_message": self.error_message,
            "page_count": self.page_count,
            "metadata": self.metadata,
            "paths": list(self.paths),
        }


@dataclass(frozen=True, slots=True)
class PageInfo:
    number: int
    text: str
    language: str | None
    method: str
    ocr_engine: str | None
    ocr_confidence: float | None
    width: float | None
    height: float | None
    words: list[list[float]]

    def as_dict(self, *, words: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "number": self.number,
            "language": self.language,
            "method": self.method,
            "ocr_engine": self.ocr_engine,
            "ocr_confidence": self.ocr_confidence,
            "width": self.width,
            "height": self.height,
            "text": self.text,
        }
        if words:
            data["words"] = [
                {
                    "x0": w[0],
                    "y0": w[1],
                    "x1": w[2],
                    "y1": w[3],
                    "start": int(w[4]),
                    "end": int(w[5]),
                    "confidence": w[6],
                }
                for w in self.words
            ]
        return data


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of a conversation, as ``culpa thread`` lists it."""

    id: int
    depth: int
    date: str | None
    sender: str | None
    subject: str | None
    path: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "depth": self.depth,
            "date": self.date,
            "from": self.sender,
            "subject": self.subject,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class DocumentState:
    """How stored bytes stand: whether they are whole, and whether they read."""

    id: int
    sha256: str
    #: False for a container whose members are not all stored yet.
    complete: bool
    status: str
    error_kind: str | None
    error_message: str | None


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document's row as the writer stores it."""

    sha256: str
    size: int
    mime: str
    type: str
    status: str
    error_kind: str | None
    error_message: str | None
    extractor: str | None
    metadata: Mapping[str, str]
    page_count: int
    complete: bool
    ingested_at: str


@dataclass(frozen=True, slots=True)
class PageFilters:
    """What a search keeps besides its words, as data the index turns into its own query.

    Every group in ``types``, ``languages`` and ``paths`` must hold (a query's
    ``type:`` and a ``--type`` option are two groups); within a group, and
    within ``ocr``, ``tags`` and ``years``, any one value will do. ``fields``
    are ``(key, substring)``: each key must hold one of its substrings. Every one
    of ``entities`` must hold: a page naming both people is what two ``person:``
    filters ask for.
    """

    #: Document types, lowercase.
    types: tuple[tuple[str, ...], ...] = ()
    #: Page languages; "zh" keeps zh, zh-Hans and zh-Hant.
    languages: tuple[tuple[str, ...], ...] = ()
    #: "yes", "no" or "low" (an OCR'd page of low or unknown confidence).
    ocr: tuple[str, ...] = ()
    #: Prefixes of a path the document was found under.
    paths: tuple[tuple[str, ...], ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    #: Four-digit years of the document's date.
    years: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: Only starred (True) or only unstarred (False) documents.
    starred: bool | None = None
    #: ``(field, value)`` of ``person:``, ``org:``, ``place:`` and ``speaker:``
    #: (:mod:`culpa.store.entity_filter`): each must hold on the page itself.
    entities: tuple[tuple[str, str], ...] = ()

    @property
    def path_prefixes(self) -> tuple[str, ...]:
        """Every path prefix of every group."""
        return tuple(prefix for group in self.paths for prefix in group)


@dataclass(frozen=True, slots=True)
class HitPage:
    """A stored page as a search hit shows it."""

    id: int
    document_id: int
    sha256: str
    #: The document's shortest path (among those under the path filters, if any).
    path: str | None
    number: int
    text: str
    type: str
    language: str | None
    method: str
    ocr_engine: str | None
    ocr_confidence: float | None
    #: The stored words of an OCR'd page (see :mod:`culpa.store.sqlite.words`).
    words: list[list[float]] | None = None
    #: The table whose rows the page holds.
    table: PageTable | None = None


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """What a list of results shows of a document besides its hits."""

    type: str
    page_count: int
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DocumentMarks:
    """The tags and stars of some documents."""

    #: ``(document id, tag)``, in no order.
    tags: tuple[tuple[int, str], ...]
    starred: frozenset[int]


@dataclass(frozen=True, slots=True)
class Note:
    """A note on a document, on one of its pages, or on a passage of a page (its ``span``)."""

    id: int
    document_id: int
    #: The page the note is on (its passage's page); None for a note on the whole document.
    page: int | None
    #: The passage the note is on, if it is on one.
    span: Span | None
    quote: str | None
    body: str
    created_at: str
    sha256: str
    path: str
    #: The page no longer reads as the quote at the note's span (``culpa ocr`` read the
    #: page again and the quote was not found in the new text): check the page image.
    passage_changed: bool = False

    @property
    def start(self) -> int | None:
        """Where the passage starts in the page's text (None for a note on no passage)."""
        return None if self.span is None else self.span.start

    @property
    def end(self) -> int | None:
        """Where the passage ends in the page's text (None for a note on no passage)."""
        return None if self.span is None else self.span.end

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document_id": self.document_id,
            "sha256": self.sha256,
            "path": self.path,
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "body": self.body,
            "created_at": self.created_at,
            "passage_changed": self.passage_changed,
        }


@dataclass(frozen=True, slots=True)
class TaggedDocument:
    """One document carrying a tag."""

    tag: str
    document_id: int
    sha256: str
    path: str


#: A mention's place, as the reporter's split keeps it: (document SHA-256, page, start, end).
MentionPlace = tuple[str, int, int, int]


@dataclass(frozen=True, slots=True)
class EntityEdit:
    """One of the reporter's edits to the entities (``culpa entities merge|split|alias``).

    ``merge``: entity (label, name) goes into (target_label, target_name); ``split``:
    the mentions at ``mentions`` leave (label, name) for (target_label, target_name);
    ``alias``: ``alias`` is another name of (label, name).
    """

    id: int
    kind: str
    label: str
    name: str
    target_label: str | None = None
    target_name: str | None = None
    alias: str | None = None
    mentions: tuple[MentionPlace, ...] = ()
    made_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "name": self.name,
            "target_label": self.target_label,
            "target_name": self.target_name,
            "alias": self.alias,
            "mentions": [
                {"sha256": sha256, "page": page, "start": start, "end": end}
                for sha256, page, start, end in self.mentions
            ],
            "made_at": self.made_at,
        }


@dataclass(frozen=True, slots=True)
class StoredEntity:
    """An entity after the reporter's edits: its mentions' texts and added names as aliases."""

    label: str
    name: str
    aliases: tuple[str, ...]
    mentions: int
    documents: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "name": self.name,
            "aliases": list(self.aliases),
            "mentions": self.mentions,
            "documents": self.documents,
        }


#: The keys that say where a mention or quotation is, first in its JSON and CSV.
PLACE_KEYS: Final = ("document_id", "sha256", "page", "start", "end")


def place_dict(document_id: int, span: Span) -> dict[str, Any]:
    """The :data:`PLACE_KEYS` of a finding on a page, as its JSON gives them."""
    return {
        "document_id": document_id,
        "sha256": span.sha256,
        "page": span.page,
        "start": span.start,
        "end": span.end,
    }


@dataclass(frozen=True, slots=True)
class StoredMention:
    """A mention of an entity on a page, with the entity it belongs to after the edits."""

    document_id: int
    span: Span
    text: str
    label: str
    entity: str
    role: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **place_dict(self.document_id, self.span),
            "text": self.text,
            "label": self.label,
            "entity": self.entity,
            "role": self.role,
        }


@dataclass(frozen=True, slots=True)
class StoredQuotation:
    """A quotation on a page: the speaker as written, where the page names them, the entity."""

    document_id: int
    span: Span
    text: str
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    entity: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **place_dict(self.document_id, self.span),
            "text": self.text,
            "speaker": self.speaker,
            "speaker_start": self.speaker_start,
            "speaker_end": self.speaker_end,
            "entity": self.entity,
        }
