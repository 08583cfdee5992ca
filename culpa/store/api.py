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
from typing import Protocol

from culpa.models import PartialFailure


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


class CaseStore(Protocol):
    """A case's database, by area. Close it when done."""

    @property
    def provenance(self) -> Provenance: ...

    @property
    def pages(self) -> Pages: ...

    @property
    def warnings(self) -> Warnings: ...

    def close(self) -> None:
        """Release the connection; the store is not used afterwards."""
        ...
