"""``culpa analyze``: run every registered analyzer on the documents it has not seen.

What is left to do comes from ``analysis_runs``: an analyzer runs on a
document once per version, so a new analyzer runs on a case ingested before
it existed, an upgraded one (a higher ``version``) runs again everywhere, and
a second run does nothing. Each (document, analyzer) result, its findings and
its run row, is committed in one transaction (``store.analysis``), so a run
killed at any moment, even with ``kill -9``, is finished by the next one, with
the same case as an uninterrupted run.

Document analyzers run as the ``analyze`` stage (culpa.ingest.stages) on the
executor an ingest reads files with, one worker per core, one document at a
time each: an analyzer that takes longer than ``DOCUMENT_TIMEOUT_SECONDS`` on
a document has its worker killed and the document recorded as ``timeout``,
one whose worker takes more memory than an ingest lets a file take
(``FileLimits.memory_bytes``) as ``too_large``, and an analyzer that raises
as ``internal`` (all shown by ``culpa errors``), and the run goes on.
Case-wide analyzers (mail threads) run in this process. Analysis and ingest
of one case never run at once: both hold the case's ``ingest.lock``.
"""

from __future__ import annotations

import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from culpa.analysis import registry
from culpa.analysis.base import (
    Analyzer,
    AnyAnalyzer,
    CaseAnalyzer,
    ingested_version,
    is_case_analyzer,
)
from culpa.errors import ErrorKind
from culpa.ingest.executors import registry as executors
from culpa.ingest.executors.base import (
    Event,
    Executor,
    ExecutorSettings,
    Failure,
    FileLimits,
    Finished,
    Lost,
    Task,
)
from culpa.ingest.stages import ANALYZE, AnalyzeStage, Outcome, drive
from culpa.ingest.temp_root import case_temp
from culpa.models import StoredDocument
from culpa.store.api import Analysis
from culpa.store.case import Case
from culpa.store.lock import CaseLock
from culpa.store.records import finding_rows

#: Seconds one analyzer may spend on one document before its worker is killed. Analyzers
#: read stored text, never parse files, so this is far past any honest document.
DOCUMENT_TIMEOUT_SECONDS = 300.0
#: Times a document is tried again after its worker died (not a timeout): a worker
#: killed from outside, or starved of a CPU, says nothing of the document.
MAX_WORKER_DEATHS = 1
#: Documents handed to each worker before waiting for results (one runs, one waits).
IN_FLIGHT_PER_WORKER = 2

#: Told (analyses done, analyses to do) as the run goes.
ProgressCallback = Callable[[int, int], None]


def default_workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """What to run. Names are analyzers' names; empty ``only`` means all of them."""

    only: tuple[str, ...] = ()
    redo: tuple[str, ...] = ()
    #: Which speeds run (``culpa ingest --analyze fast`` will ask for "fast" only).
    speeds: frozenset[str] = frozenset({"fast", "slow"})
    workers: int = field(default_factory=default_workers)
    timeout: float = DOCUMENT_TIMEOUT_SECONDS
    #: Resident bytes a worker may take on one document: an ingest's limit per file.
    memory_bytes: int = FileLimits().memory_bytes
    #: The executor that runs the document analyzers (culpa.ingest.executors.registry).
    executor: str = executors.DEFAULT_EXECUTOR


@dataclass(slots=True)
class AnalyzerCount:
    """What one analyzer did in this run."""

    version: int
    documents: int = 0
    failed: int = 0
    findings: int = 0


@dataclass(frozen=True, slots=True)
class AnalyzeSummary:
    analyzers: dict[str, AnalyzerCount]
    redone: tuple[str, ...]
    seconds: float

    @property
    def documents(self) -> int:
        return sum(count.documents for count in self.analyzers.values())

    @property
    def failed(self) -> int:
        return sum(count.failed for count in self.analyzers.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "analyses": self.documents,
            "failed": self.failed,
            "redone": list(self.redone),
            "seconds": round(self.seconds, 3),
            "analyzers": {
                name: {
                    "version": count.version,
                    "documents": count.documents,
                    "failed": count.failed,
                    "findings": count.findings,
                }
                for name, count in self.analyzers.items()
            },
        }


def choose(options: AnalyzeOptions) -> list[AnyAnalyzer]:
    """The analyzers to run, in registration order; unknown names are a usage error."""
    for name in (*options.only, *options.redo):
        registry.by_name(name)
    wanted = set(options.only) | set(options.redo) if options.only else None
    return [
        analyzer
        for analyzer in registry.registered()
        if (wanted is None or analyzer.name in wanted)
        and (analyzer.speed in options.speeds or analyzer.name in options.redo)
    ]


def _pending(
    analyzer: AnyAnalyzer, documents: Sequence[StoredDocument], done: set[int]
) -> list[StoredDocument]:
    return [doc for doc in documents if doc.id not in done and analyzer.applies_to(doc)]


def _run_case_analyzer(
    results: Analysis,
    analyzer: CaseAnalyzer,
    documents: Sequence[StoredDocument],
    count: AnalyzerCount,
) -> None:
    """Run a case-wide analyzer on every document it applies to, and store all at once."""
    members = [doc for doc in documents if analyzer.applies_to(doc)]
    try:
        found = analyzer.analyze_case(members)
        rows = {doc.id: finding_rows(found.get(doc.id, ()), doc.sha256) for doc in members}
    except Exception as exc:  # the analyzer's bug: recorded on the documents it left undone
        done = results.done_documents(analyzer.name, analyzer.version)
        failed = [doc.id for doc in members if doc.id not in done]
        error = (str(ErrorKind.INTERNAL), f"{type(exc).__name__}: {exc}"[:2000])
        results.record_failures(analyzer.name, analyzer.version, failed, error)
        count.failed += len(failed)
        count.documents += len(failed)
        return
    results.record_case(analyzer.name, analyzer.version, rows)
    count.documents += len(members)
    count.findings += sum(len(found_rows) for found_rows in rows.values())


def _document_tasks(
    results: Analysis, plan: Sequence[tuple[Analyzer, list[StoredDocument]]]
) -> Iterable[tuple[Analyzer, StoredDocument]]:
    """Tasks document by document (its pages read once for all its analyzers)."""
    by_document: dict[int, list[Analyzer]] = {}
    heads: dict[int, StoredDocument] = {}
    for analyzer, pending in plan:
        for doc in pending:
            by_document.setdefault(doc.id, []).append(analyzer)
            heads[doc.id] = doc
    for doc_id in sorted(by_document):
        document = results.with_pages(heads[doc_id])
        for analyzer in by_document[doc_id]:
            yield analyzer, document


def analyze(
    case: Case, options: AnalyzeOptions | None = None, progress: ProgressCallback | None = None
) -> AnalyzeSummary:
    """Run the pending analyses of ``case``; safe to re-run and to kill."""
    options = options or AnalyzeOptions()
    began = time.monotonic()
    # Analyzer workers and any tool they start write temp files in the case's own temp
    # folder, emptied by the next run of the case if this one is killed (issue 10).
    with CaseLock(case, "analyze"), case_temp(case):
        store = case.store()
        results = store.analysis
        try:
            analyzers = choose(options)
            for name in options.redo:
                redone = registry.by_name(name)
                results.forget_analyzer(name, pending=ingested_version(redone) is not None)
            documents = list(results.documents())
            counts = {a.name: AnalyzerCount(a.version) for a in analyzers}
            case_plan: list[CaseAnalyzer] = []
            plan: list[tuple[Analyzer, list[StoredDocument]]] = []
            total = 0
            for analyzer in analyzers:
                done = results.done_documents(
                    analyzer.name, analyzer.version, ingested_version(analyzer)
                )
                pending = _pending(analyzer, documents, done)
                total += len(pending)
                if is_case_analyzer(analyzer):
                    if pending:
                        case_plan.append(analyzer)
                else:
                    plan.append((cast(Analyzer, analyzer), pending))
            finished = 0
            if progress:
                progress(finished, total)
            for case_analyzer in case_plan:
                count = counts[case_analyzer.name]
                before = count.documents
                _run_case_analyzer(results, case_analyzer, documents, count)
                finished += count.documents - before
                if progress:
                    progress(min(finished, total), total)
            finished = _run_documents(results, plan, options, counts, finished, total, progress)
            for analyzer in analyzers:
                results.forget_other_versions(analyzer.name, analyzer.version)
        finally:
            store.close()
    return AnalyzeSummary(counts, tuple(options.redo), time.monotonic() - began)


def _run_documents(
    results: Analysis,
    plan: Sequence[tuple[Analyzer, list[StoredDocument]]],
    options: AnalyzeOptions,
    counts: dict[str, AnalyzerCount],
    finished: int,
    total: int,
    progress: ProgressCallback | None,
) -> int:
    if not any(pending for _analyzer, pending in plan):
        return finished
    pairs = iter(_document_tasks(results, plan))
    limits = FileLimits(options.timeout, options.memory_bytes)
    factory = executors.factory_for(options.executor)
    retry: deque[Task] = deque()
    deaths: Counter[tuple[int, str]] = Counter()
    done = finished

    def start() -> Executor:
        settings = ExecutorSettings(max(1, options.workers), limits, registry.ANALYZER_MODULES)
        return factory([AnalyzeStage()], settings)

    def next_task() -> Task | None:
        if retry:
            return retry.popleft()
        pair = next(pairs, None)
        return None if pair is None else Task(ANALYZE, pair, limits)

    def record(task: Task, outcome: Outcome) -> None:
        nonlocal done
        analyzer, document = cast(tuple[Analyzer, StoredDocument], task.payload)
        rows, error = outcome
        results.record_document(document.id, analyzer.name, analyzer.version, rows, error)
        count = counts[analyzer.name]
        count.documents += 1
        count.failed += error is not None
        count.findings += len(rows)
        done += 1
        if progress:
            progress(done, total)

    def on_event(event: Event) -> None:
        if isinstance(event, Finished):
            record(event.task, event.result)
        elif isinstance(event, Lost):
            analyzer, document = cast(tuple[Analyzer, StoredDocument], event.task.payload)
            key = (document.id, analyzer.name)
            if event.failure in (Failure.CRASHED, Failure.STARVED):
                deaths[key] += 1
                if deaths[key] <= MAX_WORKER_DEATHS:
                    retry.append(event.task)  # perhaps not this document's doing
                    return
            record(event.task, ([], _lost_error(analyzer.name, event, limits)))

    drive(start, next_task, on_event, max(1, options.workers) * IN_FLIGHT_PER_WORKER)
    return done


def _lost_error(name: str, lost: Lost, limits: FileLimits) -> tuple[str, str]:
    """The error recorded for a document whose analyzer's worker was stopped or died."""
    failure = lost.failure
    if failure is Failure.CRASHED:  # the executor's words say how: "(signal 9)"
        return str(ErrorKind.INTERNAL), f"{name}: {lost.detail} on this document"
    if failure is Failure.STARVED:  # the machine, not the analyzer: said as it was
        return str(ErrorKind.TIMEOUT), f"{name}: {lost.detail} on this document"
    if failure is Failure.TOO_LARGE:
        return (
            str(ErrorKind.TOO_LARGE),
            f"{name} took more than {limits.memory_bytes / 2**20:.0f} MiB of memory "
            "on this document",
        )
    return str(ErrorKind.TIMEOUT), f"{name} took more than {limits.timeout:g} s on this document"
