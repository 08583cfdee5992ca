"""What an analyzer is: a named, versioned, pure function from stored documents to findings.

Analysis runs after ingest, on what the case stores (page text, language,
method, metadata), never on the originals, so a new analyzer can run on a
trove ingested before it existed, and ``culpa analyze`` knows what is left to
do from the ``analysis_runs`` table: a document is analysed by ``name`` at
``version`` once. Bump ``version`` when the findings would change, and the
analyzer runs again on every document, and only it.

Two shapes, both pure (plain data in, findings out; no database, no files,
no network):

* :class:`Analyzer` looks at one document and its pages (people, quotations,
  figures, redaction checks). It runs in worker processes, one document at a
  time, with a time limit, so it must be picklable (a module-level instance).
* :class:`CaseAnalyzer` links documents to each other (mail threads,
  near-duplicates). It sees every document it applies to, without pages, and
  runs in the main process whenever one of them has not been seen; expensive
  per-page work belongs in an :class:`Analyzer` whose findings it can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, Protocol, TypeGuard, runtime_checkable

from culpa.models import Finding, StoredDocument

#: "fast" analyzers are cheap enough to run after every ingest; "slow" ones on request.
Speed = Literal["fast", "slow"]


class Analyzer(Protocol):
    """Findings in one document, from its stored pages and metadata."""

    #: Stable, short, lower-case: stored in the case and typed after ``--only``.
    name: str
    #: Raise it when the findings would change: the analyzer then runs again everywhere.
    version: int
    speed: Speed

    def applies_to(self, document: StoredDocument) -> bool:
        """Whether to run on this document (given without its pages)."""
        ...

    def analyze(self, document: StoredDocument) -> Iterable[Finding]:
        """The findings in ``document``; spans carry its SHA-256. Raising records a failure."""
        ...


@runtime_checkable
class CaseAnalyzer(Protocol):
    """Findings that link documents, computed from all the documents it applies to."""

    name: str
    version: int
    speed: Speed

    def applies_to(self, document: StoredDocument) -> bool:
        """Whether this document takes part (given without its pages)."""
        ...

    def analyze_case(self, documents: Sequence[StoredDocument]) -> Mapping[int, Iterable[Finding]]:
        """Findings per document id, for every document given (none: an empty list)."""
        ...


AnyAnalyzer = Analyzer | CaseAnalyzer


def ingested_version(analyzer: AnyAnalyzer) -> int | None:
    """The version a document stored by ingest without a run of this analyzer counts as done at.

    None if ingest does not do the analyzer's work. An analyzer whose function
    ingest already runs (the language of each page) declares
    ``ingested_version``: ingest records no run of it while its ``version`` is
    that one, so a case keeps no row per document for it, and does not leave the
    same work for ``culpa analyze``. Once ``version`` is raised past it, ingest
    records a run at ``version`` for every document it stores
    (culpa.ingest.writer): only the documents stored before the change run
    again, and ``--redo`` runs it everywhere.
    """
    version = getattr(analyzer, "ingested_version", None)
    return version if isinstance(version, int) else None


def is_case_analyzer(analyzer: AnyAnalyzer) -> TypeGuard[CaseAnalyzer]:
    """Whether ``analyzer`` links documents (runs once over the case) or reads one at a time."""
    return isinstance(analyzer, CaseAnalyzer)
