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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from culpa.models import PartialFailure

if TYPE_CHECKING:
    from culpa.store.annotations import Note, TaggedDocument
    from culpa.store.queries import DocumentInfo, PageInfo
    from culpa.store.tables import PageTable


@dataclass(frozen=True, slots=True)
class StoredMember:
    """A file found inside a container (an archive's member, a mailbox's message)."""

    path: str
    parent_path: str
    document_id: int
    type: str
    size: int
    status: str


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


class Pages(Protocol):
    """The stored text of documents' pages."""

    def texts(self, document_id: int, numbers: Sequence[int]) -> dict[int, str]:
        """The text of the pages ``numbers`` of ``document_id`` (absent pages left out)."""
        ...

    def matching(self, document_id: int, match: str) -> list[int]:
        """Numbers of ``document_id``'s pages the full-text expression ``match`` finds, in order.

        Raises :class:`culpa.errors.QueryError` when the index refuses the expression.
        """
        ...


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


@dataclass(frozen=True, slots=True)
class PageFilters:
    """What a search keeps besides its words, as data the index turns into its own query.

    Every group in ``types``, ``languages`` and ``paths`` must hold (a query's
    ``type:`` and a ``--type`` option are two groups); within a group, and
    within ``ocr``, ``tags`` and ``years``, any one value will do. ``fields``
    are ``(key, substring)``: each key must hold one of its substrings.
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


class TextIndex(Protocol):
    """The full-text index of the pages, and the page queries a search runs on it.

    ``match`` is an expression over index tokens in FTS5 query syntax, built by
    :mod:`culpa.search.query` from quoted tokens of :mod:`culpa.index.tokens`;
    None means filters alone (each matching document once, by its first page;
    every matching page under an ``ocr`` filter). A refused expression raises
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
        self, match: str | None, filters: PageFilters, limit: int, offset: int
    ) -> list[tuple[int, float]]:
        """``(page id, bm25)`` of the results ``offset`` to ``offset + limit``, best first.

        Lower bm25 is better; pages of filters alone come by id with 0.
        """
        ...

    def count(self, match: str | None, filters: PageFilters) -> int:
        """How many pages match (no ranking)."""
        ...

    def totals(self, match: str | None, filters: PageFilters) -> tuple[int, int]:
        """How many pages and how many documents match."""
        ...

    def matching_pages(
        self, match: str | None, filters: PageFilters, every: int = 1
    ) -> list[tuple[int, str | None]]:
        """``(document id, page language)`` of the matching pages, unranked.

        With ``every`` > 1 about one page in ``every``, chosen by a hash of the
        page id: a sample spread over the whole case.
        """
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


class Annotations(Protocol):
    """Stars, tags and notes people add to a case (see :mod:`culpa.store.annotations`).

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

    def close(self) -> None:
        """Release the connection; the store is not used afterwards."""
        ...
