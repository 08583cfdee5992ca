"""The one interface every reader and writer of a case goes through.

Ingest, analysis, search, the web views, the CLI and export ask a
:class:`CaseStore` for what they need and never write SQL of their own, so a
second backend (PostgreSQL for a newsroom server) is a second implementation
of this protocol, not a change to every caller. :mod:`culpa.store.sqlite` is
the laptop's implementation and holds all of culpa's SQL.

Each area of the case has its own small protocol, reached as an attribute of
the store (``store.index`` is the full-text index the search engine asks),
so a backend can be written and tested one area at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from culpa.index.expression import Node
from culpa.models import PartialFailure, StoredDocument
from culpa.store.records import (
    DocumentInfo,
    DocumentMarks,
    DocumentState,
    DocumentSummary,
    FindingRow,
    HitPage,
    NewDocument,
    PageFilters,
    PageInfo,
    PageTable,
    RowPlace,
    RunFailure,
    StoredMember,
    StoredWarning,
    ThreadMessage,
)

if TYPE_CHECKING:
    from culpa.store.entity_edits import Canon
    from culpa.store.records import (
        EntityEdit,
        MentionPlace,
        Note,
        StoredEntity,
        StoredMention,
        StoredQuotation,
        TaggedDocument,
    )


class Provenance(Protocol):
    """Where each document was found: the containers it came out of and their members."""

    def member_count(self, parents: Sequence[str]) -> int:
        """How many files were found directly inside the containers at ``parents``."""
        ...

    def members(self, parents: Sequence[str], limit: int, offset: int) -> list[StoredMember]:
        """Files found directly inside ``parents``, by path, ``limit`` from ``offset``."""
        ...

    def stored_at(self, paths: Sequence[str]) -> dict[str, tuple[int, str]]:
        """The document id and status of each of ``paths`` that was stored."""
        ...

    def containers(self, document_id: int) -> list[tuple[str, int]]:
        """Each container path ``document_id`` was found in, with that container's document."""
        ...

    def document_for_sha256(self, sha256: str) -> int | None:
        """The id of the document with exactly this SHA-256, or None."""
        ...

    def top_level(self, path: str) -> tuple[int | None, int | None, bool] | None:
        """(size, mtime_ns, whether its document is complete) recorded for a top-level path."""
        ...

    def blob_at(self, path: str) -> tuple[str, int, str] | None:
        """(SHA-256, size, when it was stored) of the document found at ``path``."""
        ...

    def document_at(self, path: str) -> int | None:
        """The id of the document found at ``path``, or None."""
        ...

    def add(
        self,
        path: str,
        document_id: int,
        parent: str | None,
        size: int | None,
        mtime_ns: int | None,
    ) -> None:
        """Record ``document_id`` at ``path`` (a path seen before takes the new values)."""
        ...

    def copy_below(self, document_id: int, path: str) -> str | None:
        """Give a complete container found at a new ``path`` its members' paths there too.

        Returns the container's earlier path the members were copied from (None: none).
        """
        ...


class Pages(Protocol):
    """The stored text of documents' pages."""

    def texts(self, document_id: int, numbers: Sequence[int]) -> dict[int, str]:
        """The text of the pages ``numbers`` of ``document_id`` (absent pages left out)."""
        ...

    def write(self, document_id: int, page: PageRecord, page_id: int | None = None) -> int:
        """Store a page of ``document_id`` with its word boxes; returns its id.

        A new row, or (``page_id``) the page read again in place of the old one,
        keeping its id. The full-text index is left to ``store.index``.
        """
        ...

    def find(self, document_id: int, number: int) -> tuple[int, str] | None:
        """(id, text) of page ``number`` of ``document_id``, or None."""
        ...

    def of_document(self, document_id: int) -> list[tuple[int, str]]:
        """(id, text) of every stored page of ``document_id``."""
        ...

    def number_range(self, document_id: int) -> tuple[int | None, int | None]:
        """The first and last page numbers of ``document_id`` (None, None: no pages)."""
        ...

    def drop(self, document_id: int) -> None:
        """Delete a document's pages with their word boxes and OCR runs (not their index rows)."""
        ...

    def documents_with_ocr(self) -> list[int]:
        """Ids of the documents that have OCR'd pages, in order."""
        ...

    def ocr_runs(
        self, document_id: int, numbers: tuple[int, int] | None
    ) -> list[tuple[int, str | None]]:
        """(number, settings it was last OCR'd again with) of a document's pages.

        The pages ``numbers`` (first, last), or its OCR'd pages when None.
        """
        ...

    def record_ocr_run(self, page_id: int, settings: str, done_at: str) -> None:
        """Record that a page was OCR'd again with ``settings``."""
        ...

    def passage_notes(self, document_id: int, number: int) -> list[tuple[int, int, str]]:
        """(note id, span start, quote) of the notes on a passage of a page.

        When the page is read again, :meth:`move_note` moves each to its quote in the new text.
        """
        ...

    def move_note(self, note_id: int, start: int, end: int) -> None:
        """Set a passage note's span on its page."""
        ...


class Warnings(Protocol):
    """Typed warnings (:class:`culpa.models.PartialFailure`) of stored documents.

    Writes join the caller's open transaction, so a document and its warnings
    are stored, or replaced, together.
    """

    def replace(self, document_id: int, warnings: Iterable[PartialFailure]) -> None:
        """Make ``warnings`` the document's only ones (it was stored anew)."""
        ...

    def replace_page(
        self, document_id: int, page: int, kind: str, warning: PartialFailure | None
    ) -> None:
        """Replace the warnings of ``kind`` about one page (read again) with ``warning``."""
        ...

    def listed(self, kind: str | None = None) -> list[StoredWarning]:
        """Every warning (of ``kind``), by the path its document was found at."""
        ...

    def counts(self) -> dict[str, int]:
        """How many warnings of each kind, most first."""
        ...


class Tables(Protocol):
    """Which stored pages hold which rows of which table (see :class:`culpa.models.Table`)."""

    def exist(self) -> bool:
        """Whether the case has the table tables (a read-only case made before them has not)."""
        ...

    def add(self, document_id: int, number: int, name: str, columns: Sequence[str]) -> int:
        """Store table ``number`` (from 1) of a document; returns its id."""
        ...

    def add_pages(self, table_id: int, pages: Iterable[tuple[int, Sequence[int]]]) -> None:
        """Say which rows the stored pages hold: (page id, row number of each line)."""
        ...

    def drop(self, document_id: int) -> None:
        """Remove a document's tables (it is about to be stored anew)."""
        ...

    def page_tables(self, page_ids: Sequence[int]) -> dict[int, PageTable]:
        """The table of each of these pages that holds table rows (others are left out)."""
        ...

    def page_table(self, document_id: int, number: int) -> PageTable | None:
        """The table rows page ``number`` of a document holds, or None for a page of text."""
        ...

    def find_row(self, document_id: int, row: int, table: str | None = None) -> RowPlace:
        """Row ``row`` of the document's table (named ``table`` when it has several)."""
        ...


class Analysis(Protocol):
    """What analyzers found (``findings``) and which ran on which document (``analysis_runs``).

    A document's findings of one analyzer and its run are written in one
    transaction of their own, so a killed run leaves both or neither. The reads
    answer "nothing" on a case made before the analysis tables, opened read-only.
    """

    def documents(self) -> Iterator[StoredDocument]:
        """Every document that has something to analyse (not a failed file), without pages."""
        ...

    def with_pages(self, document: StoredDocument) -> StoredDocument:
        """``document`` with its stored pages (text, language, method; no word boxes)."""
        ...

    def done_documents(self, analyzer: str, version: int, ingested: int | None = None) -> set[int]:
        """Ids of the documents ``analyzer`` has run on at ``version`` (failed or not).

        ``ingested``: the version at which ingest does the analyzer's work itself; a
        document without a run of it then counts as done at that version.
        """
        ...

    def record_document(
        self,
        document_id: int,
        analyzer: str,
        version: int,
        rows: Iterable[FindingRow] = (),
        error: tuple[str, str] | None = None,
    ) -> None:
        """Replace one document's findings of ``analyzer`` and mark it done (error: failed)."""
        ...

    def record_case(
        self, analyzer: str, version: int, results: Mapping[int, Iterable[FindingRow]]
    ) -> None:
        """Replace every finding of a case-wide analyzer at once."""
        ...

    def record_failures(
        self, analyzer: str, version: int, document_ids: Iterable[int], error: tuple[str, str]
    ) -> None:
        """Mark documents as failed by ``analyzer`` (a case-wide one that raised)."""
        ...

    def forget_analyzer(self, analyzer: str, *, pending: bool = False) -> int:
        """Delete every finding and run of ``analyzer`` (``--redo``); how many runs there were."""
        ...

    def forget_other_versions(self, analyzer: str, version: int) -> None:
        """Drop results of ``analyzer`` at other versions."""
        ...

    def record_ingested(self, document_id: int, analyzer: str, version: int) -> None:
        """Mark a document being stored as done by ``analyzer`` at ``version``, in the open
        transaction: ingest did the analyzer's work as it read the file."""
        ...

    def document_findings(
        self, document_id: int, analyzer: str
    ) -> list[tuple[str, int | None, int | None, int | None, Any]]:
        """A document's findings of ``analyzer``: (label, page, start, end, value), in order."""
        ...

    def documents_with(
        self, analyzer: str, label: str, value: Any
    ) -> list[tuple[int, dict[str, Any]]]:
        """Documents with a finding ``label`` = ``value`` of ``analyzer``, and their findings."""
        ...

    def failures(self, kind: str | None = None) -> list[RunFailure]:
        """Every (document, analyzer) that failed, by path."""
        ...

    def failure_counts(self) -> dict[str, int]:
        """Failed documents per analyzer."""
        ...


class PageRecord(Protocol):
    """A page as it is stored (:class:`culpa.ingest.worker.PageRow` is one)."""

    @property
    def number(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def language(self) -> str | None: ...
    @property
    def method(self) -> str: ...
    @property
    def ocr_engine(self) -> str | None: ...
    @property
    def ocr_confidence(self) -> float | None: ...
    @property
    def width(self) -> float: ...
    @property
    def height(self) -> float: ...
    @property
    def words_json(self) -> str: ...


class Documents(Protocol):
    """One stored document per distinct content (SHA-256), whatever paths it was found at."""

    def find(self, sha256: str) -> DocumentState | None:
        """The document holding these bytes, or None."""
        ...

    def state(self, document_id: int) -> DocumentState | None:
        """How document ``document_id`` stands, or None if there is none."""
        ...

    def source(self, document_id: int) -> tuple[str, str | None] | None:
        """(SHA-256, name of the extractor that read it) of a document, or None."""
        ...

    def add(self, document: NewDocument) -> int:
        """Store a new document; returns its id."""
        ...

    def replace(self, document_id: int, document: NewDocument) -> None:
        """Overwrite document ``document_id`` (read again), keeping its id."""
        ...

    def status(self, document_id: int) -> str:
        """'ok', 'partial' or 'error'."""
        ...

    def metadata(self, document_id: int) -> dict[str, str]:
        """A document's metadata (empty if it has none)."""
        ...

    def set_metadata(self, document_id: int, metadata: Mapping[str, str]) -> None:
        """Replace a document's metadata."""
        ...

    def set_warning(self, document_id: int, message: str | None) -> None:
        """Replace the message of a document's error or warning."""
        ...

    def clear_warning(self, document_id: int) -> None:
        """A partial document is whole again: status 'ok', no error kind or message."""
        ...

    def mark_complete(self, document_id: int) -> None:
        """Every member of a container is stored."""
        ...

    def mark_incomplete(self, document_ids: Iterable[int]) -> None:
        """Containers (or failed documents) the next ingest opens again."""
        ...

    def resolve(self, ref: str) -> int:
        """A document id from an id or a SHA-256 prefix; a usage error when it names nothing."""
        ...

    def counts(self) -> dict[str, Any]:
        """What ``culpa status`` shows: files, documents, pages, errors, warnings by kind."""
        ...

    def export(self) -> Iterator[dict[str, Any]]:
        """Every document with its pages, one at a time (memory stays flat)."""
        ...


class Errors(Protocol):
    """Files that failed or were read only in part, one row per provenance path."""

    def kinds_under(self, path: str) -> list[str]:
        """Kinds of the errors recorded for ``path`` and everything inside it."""
        ...

    def failed_under(
        self, kinds: Collection[str], prefixes: Sequence[str]
    ) -> tuple[list[tuple[str, int]], list[str]]:
        """Errors of ``kinds`` at or below ``prefixes``: (path, document id) of the
        stored documents that failed or are partial, and the paths of files that
        could not even be stored."""
        ...

    def record(
        self,
        path: str,
        sha256: str | None,
        kind: str | None,
        message: str | None,
        recorded_at: str,
    ) -> None:
        """Record (or replace) the error at ``path``."""
        ...

    def clear_path(self, path: str) -> None:
        """Forget the error at ``path``."""
        ...

    def clear_content(self, sha256: str, kind: str | None = None) -> None:
        """Forget the errors (of ``kind``) of these bytes, at every path."""
        ...

    def set_message(self, sha256: str, kind: str, message: str | None) -> None:
        """Replace the message of the errors of ``kind`` of these bytes."""
        ...

    def copy_below(self, old: str, new: str) -> None:
        """Copy the errors recorded inside container path ``old`` to its new path ``new``."""
        ...

    def listed(self, kind: str | None = None) -> list[dict[str, Any]]:
        """What ``culpa errors`` lists (of ``kind``): files that failed, then documents an
        analyzer failed on, then the warnings of stored documents."""
        ...


class Meta(Protocol):
    """Case-wide settings, by key."""

    def get(self, key: str) -> str | None:
        """The value kept under ``key``, or None."""
        ...

    def put(self, key: str, value: str, *, replace: bool = False) -> None:
        """Keep ``value`` under ``key`` (only if none is kept, unless ``replace``)."""
        ...


class TextIndex(Protocol):
    """The full-text index of the pages, and the page queries a search runs on it.

    ``expr`` is the boolean expression of a search as :mod:`culpa.index.expression`
    gives it (parsed by :mod:`culpa.search.query`), never a string in some index's
    syntax: each backend renders it into its own query (FTS5 MATCH in
    :mod:`culpa.store.sqlite.fts`), matching each term by its index tokens
    (:func:`culpa.index.expression.term_tokens`). None means filters alone (each
    matching document once, by its first page; every matching page under an
    ``ocr`` filter or an entity filter). An expression the index refuses raises
    :class:`culpa.errors.QueryError`.
    """

    def index_page(self, page_id: int, text: str) -> None:
        """Index one stored page."""
        ...

    def index_pages(self, pages: Iterable[tuple[int, str]]) -> int:
        """Index many ``(page id, text)`` pairs; return how many."""
        ...

    def unindex_page(self, page_id: int, text: str) -> None:
        """Remove a page from the index; ``text`` must be what it was indexed with."""
        ...

    def index_tokens(self, rows: Iterable[tuple[int, str]]) -> None:
        """Index pages already tokenized: ``(page id, index_text(text))`` pairs.

        The ingest's workers tokenize the pages, so the single writer only stores them.
        """
        ...

    def reindex_all(self) -> int:
        """Rebuild the whole index from the stored pages; return how many."""
        ...

    def optimize(self) -> None:
        """Make queries faster after a bulk ingest."""
        ...

    def ranked(
        self, expr: Node | None, filters: PageFilters, limit: int, offset: int
    ) -> list[tuple[int, float]]:
        """``(page id, bm25)`` of the results ``offset`` to ``offset + limit``, best first.

        Lower bm25 is better; pages of filters alone come by id with 0.
        """
        ...

    def count(self, expr: Node | None, filters: PageFilters) -> int:
        """How many pages match (no ranking)."""
        ...

    def totals(self, expr: Node | None, filters: PageFilters) -> tuple[int, int]:
        """How many pages and how many documents match."""
        ...

    def matching_pages(
        self, expr: Node | None, filters: PageFilters, every: int = 1
    ) -> list[tuple[int, str | None]]:
        """``(document id, page language)`` of the matching pages, unranked.

        With ``every`` > 1 about one page in ``every``, chosen by a hash of the
        page id: a sample spread over the whole case.
        """
        ...

    def matching_page_ids(
        self, expr: Node | None, filters: PageFilters, every: int = 1
    ) -> list[tuple[int, int, str | None]]:
        """``(page id, document id, page language)`` of the matching pages, unranked
        (``every`` as in :meth:`matching_pages`)."""
        ...

    def page_entities(self, page_ids: Sequence[int]) -> list[tuple[int, str, str]]:
        """``(page id, filter field, name)`` of the people, organisations, places
        (``person``, ``org``, ``place``) and speakers (``speaker``) on these pages, each
        once per page, as entities after the reporter's edits."""
        ...

    def page_numbers(self, document_id: int, expr: Node) -> list[int]:
        """Numbers of ``document_id``'s pages that ``expr`` finds, in order."""
        ...

    def hit_pages(self, page_ids: Sequence[int], path_prefixes: Sequence[str]) -> list[HitPage]:
        """The stored pages ``page_ids`` (absent ones left out), in no order."""
        ...


class Catalog(Protocol):
    """What the case holds, looked up and counted for search: the facets and the documents
    of a result, and what exists when a search found nothing."""

    def type_counts(self) -> list[tuple[str, int]]:
        """Documents by type, most first."""
        ...

    def language_counts(self) -> list[tuple[str, int]]:
        """Pages by language, most first."""
        ...

    def has_path_under(self, prefix: str) -> bool:
        """Whether a file was found under the path ``prefix``."""
        ...

    def field_counts(self) -> list[tuple[str, int]]:
        """Documents by metadata key, most first."""
        ...

    def year_counts(self) -> list[tuple[str, int]]:
        """Documents by the four-digit year of their date, latest first."""
        ...

    def types_and_years(self, document_ids: Sequence[int]) -> list[tuple[int, str, object]]:
        """``(id, type, year or None)`` of these documents (the year as stored, unchecked)."""
        ...

    def paths(self, document_ids: Sequence[int]) -> list[tuple[int, str]]:
        """``(document id, path)`` of every path these documents were found under."""
        ...

    def last_page_id(self) -> int | None:
        """The highest page id (it changes when an ingest adds pages)."""
        ...

    def summaries(self, document_ids: Sequence[int]) -> dict[int, DocumentSummary]:
        """Type, page count and metadata of these documents, by id (absent ones left out)."""
        ...

    def pages_at(self, pages: Sequence[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, int]]:
        """``(text, page id)`` of each ``(document id, page number)`` that is stored."""
        ...

    def words(self, page_ids: Iterable[int]) -> dict[int, list[list[float]]]:
        """The stored words of these pages, by page id (pages without words are left out)."""
        ...

    def document_info(self, document_id: int) -> DocumentInfo:
        """A stored document with its paths; :class:`culpa.errors.UsageError` if there is none."""
        ...

    def page_info(self, document_id: int, number: int) -> PageInfo:
        """A stored page with its words; :class:`culpa.errors.UsageError` if there is none."""
        ...

    def email_thread(self, document_id: int) -> list[ThreadMessage]:
        """Every message of the conversation an e-mail belongs to, in reply order."""
        ...


class Annotations(Protocol):
    """Stars, tags and notes people add to a case (see :mod:`culpa.store.sqlite.annotations`).

    Writes refuse an unknown document or a bad tag or note with
    :class:`culpa.errors.UsageError`.
    """

    def marks_of(self, document_ids: Sequence[int]) -> DocumentMarks:
        """The tags and stars of these documents."""
        ...

    def starred_documents(self, limit: int) -> list[tuple[int, str]]:
        """``(document id, shortest path)`` of the latest starred documents, latest first."""
        ...

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag with the number of documents carrying it, most used first."""
        ...

    def all_notes(self) -> list[Note]:
        """Every note, by document, page and place."""
        ...

    def set_star(self, document_id: int, starred: bool) -> None: ...

    def add_tag(self, document_id: int, tag: str) -> str:
        """Tag a document; returns the tag as stored."""
        ...

    def remove_tag(self, document_id: int, tag: str) -> None: ...

    def delete_note(self, note_id: int) -> int | None:
        """Delete a note; returns the document it was on (None: no such note)."""
        ...

    def add_note(
        self,
        document_id: int,
        body: str,
        *,
        page: int | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> Note:
        """Attach a note to a document, to one of its pages, or to a span of a page's text."""
        ...

    def tagged_documents(self) -> list[TaggedDocument]:
        """Every (tag, document) pair, by tag then path."""
        ...

    def is_starred(self, document_id: int) -> bool: ...

    def document_tags(self, document_id: int) -> list[str]:
        """A document's tags, in order."""
        ...

    def document_notes(self, document_id: int) -> list[Note]:
        """A document's notes, by page and place."""
        ...


class Entities(Protocol):
    """The entities and quotations analyzers found, with the reporter's edits applied.

    The edits (``entity_edits``) are kept apart from the findings, which a re-run
    of an analyzer replaces, and are applied as they are read by
    :class:`culpa.store.entity_edits.Canon`.
    """

    def edits(self) -> list[EntityEdit]:
        """Every edit, in the order made."""
        ...

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
        """Record a merge, split or alias of entity (label, name); the edit as stored."""
        ...

    def remove_edit(self, edit_id: int) -> bool:
        """Undo an edit; whether there was one with that id."""
        ...

    def canon(self) -> Canon:
        """The edits, ready to apply."""
        ...

    def entities(self, label: str | None = None, canon: Canon | None = None) -> list[StoredEntity]:
        """Every entity after the edits (of ``label``), most mentioned first."""
        ...

    def mentions(
        self, label: str | None = None, document_id: int | None = None
    ) -> Iterator[StoredMention]:
        """Every mention (of ``label`` after the edits; in one document), in page order."""
        ...

    def quotations(self, speaker: str | None = None) -> Iterator[StoredQuotation]:
        """Every quotation in page order; ``speaker``: by that entity, alias or written name."""
        ...


class CaseStore(Protocol):
    """A case's database, by area. Close it when done."""

    @property
    def provenance(self) -> Provenance: ...

    @property
    def pages(self) -> Pages: ...

    @property
    def warnings(self) -> Warnings: ...

    @property
    def index(self) -> TextIndex: ...

    @property
    def catalog(self) -> Catalog: ...

    @property
    def annotations(self) -> Annotations: ...

    @property
    def documents(self) -> Documents: ...

    @property
    def tables(self) -> Tables: ...

    @property
    def errors(self) -> Errors: ...

    @property
    def meta(self) -> Meta: ...

    @property
    def analysis(self) -> Analysis: ...

    @property
    def entities(self) -> Entities: ...

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open."""
        ...

    def begin(self) -> None:
        """Open a write transaction, taking the case's write lock at once."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self, name: str) -> None:
        """Mark a point inside the transaction that :meth:`rollback_to` returns to."""
        ...

    def release(self, name: str) -> None:
        """Keep what was done since savepoint ``name`` (as part of the transaction)."""
        ...

    def rollback_to(self, name: str) -> None:
        """Undo what was done since savepoint ``name``, and forget the savepoint."""
        ...

    def close(self) -> None:
        """Release the connection; the store is not used afterwards."""
        ...
