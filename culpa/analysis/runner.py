"""``culpa analyze``: run every registered analyzer on the documents it has not seen.

What is left to do comes from ``analysis_runs``: an analyzer runs on a
document once per version, so a new analyzer runs on a case ingested before
it existed, an upgraded one (a higher ``version``) runs again everywhere, and
a second run does nothing. Each (document, analyzer) result, its findings and
its run row, is committed in one transaction (culpa.store.analysis), so a run
killed at any moment, even with ``kill -9``, is finished by the next one, with
the same case as an uninterrupted run.

Document analyzers run in worker processes, one per core, one document at a
time each; a document that takes longer than ``DOCUMENT_TIMEOUT_SECONDS`` has
its worker killed and is recorded as ``timeout``, and an analyzer that raises
is recorded as ``internal`` (both shown by ``culpa errors``), and the run goes
on. Case-wide analyzers (mail threads) run in this process. Analysis and
ingest of one case never run at once: both hold the case's ``ingest.lock``.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
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
from culpa.ingest.network_guard import AUDIT_ENV, forbid_network
from culpa.ingest.temp_root import case_temp
from culpa.models import StoredDocument
from culpa.store import analysis as store
from culpa.store.case import Case
from culpa.store.lock import CaseLock

#: Seconds one analyzer may spend on one document before its worker is killed. Analyzers
#: read stored text, never parse files, so this is far past any honest document.
DOCUMENT_TIMEOUT_SECONDS = 300.0
#: Seconds between two checks of the workers while none has finished.
CHECK_SECONDS = 0.25
#: Times a document is tried again after its worker died (not a timeout): the pool
#: breaks for every document in flight, and only one of them killed it.
MAX_WORKER_DEATHS = 1

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


#: A document analyzer's result: finding rows, or (error kind, message).
Outcome = tuple[list[store.FindingRow], tuple[str, str] | None]


def run_one(analyzer: Analyzer, document: StoredDocument) -> Outcome:
    """Run ``analyzer`` on ``document`` (in a worker); a failure is returned, not raised."""
    try:
        return store.finding_rows(analyzer.analyze(document), document.sha256), None
    except Exception as exc:  # an analyzer's bug is the document's failure, not the run's
        return [], (str(ErrorKind.INTERNAL), f"{type(exc).__name__}: {exc}"[:2000])


def _init_worker(log: str | None) -> None:
    forbid_network(Path(log) if log else None)


@dataclass(slots=True)
class _Task:
    analyzer: Analyzer
    document: StoredDocument
    deaths: int = 0
    started: float = 0.0


class _Pool:
    """Worker processes with a time limit per document.

    ``concurrent.futures`` cannot stop one task, so no more tasks are in
    flight than there are workers (each starts at once), and a task past its
    time limit kills the whole pool: the others in flight are sent again to a
    fresh one. Workers are spawned, so an analyzer must be picklable.
    """

    def __init__(self, workers: int, timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
        self.running: dict[Future[Outcome], _Task] = {}
        self.retry: deque[_Task] = deque()
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.environ.get(AUDIT_ENV),),
            )
        return self._executor

    def has_room(self) -> bool:
        return len(self.running) < self.workers

    def submit(self, task: _Task) -> None:
        task.started = time.monotonic()
        self.running[self._pool().submit(run_one, task.analyzer, task.document)] = task

    def collect(self) -> list[tuple[_Task, Outcome]]:
        """Tasks finished (or failed for good) by now; re-sends the ones a dead pool lost."""
        while self.retry and self.has_room():
            self.submit(self.retry.popleft())
        if not self.running:
            return []
        done, _ = wait(list(self.running), timeout=CHECK_SECONDS, return_when=FIRST_COMPLETED)
        out: list[tuple[_Task, Outcome]] = []
        broken = False
        for future in done:
            task = self.running.pop(future)
            try:
                out.append((task, future.result()))
            except BrokenProcessPool:
                broken = True
                task.deaths += 1
                if task.deaths > MAX_WORKER_DEATHS:
                    message = f"{task.analyzer.name}: the worker process died on this document"
                    out.append((task, ([], (str(ErrorKind.INTERNAL), message))))
                else:
                    self.retry.append(task)
        now = time.monotonic()
        late = [f for f, task in self.running.items() if now - task.started > self.timeout]
        for future in late:
            task = self.running.pop(future)
            message = f"{task.analyzer.name} took more than {self.timeout:g} s on this document"
            out.append((task, ([], (str(ErrorKind.TIMEOUT), message))))
        if late or broken:
            self.retry.extend(self.running.values())  # lost with the pool, through no fault
            self.running.clear()
            self.close()
        return out

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        for process in list(getattr(executor, "_processes", {}).values()):
            process.kill()  # a hung analyzer never returns: shutdown alone would wait for it
        executor.shutdown(wait=True, cancel_futures=True)


def _pending(
    analyzer: AnyAnalyzer, documents: Sequence[StoredDocument], done: set[int]
) -> list[StoredDocument]:
    return [doc for doc in documents if doc.id not in done and analyzer.applies_to(doc)]


def _run_case_analyzer(
    conn: sqlite3.Connection,
    analyzer: CaseAnalyzer,
    documents: Sequence[StoredDocument],
    count: AnalyzerCount,
) -> None:
    """Run a case-wide analyzer on every document it applies to, and store all at once."""
    members = [doc for doc in documents if analyzer.applies_to(doc)]
    try:
        found = analyzer.analyze_case(members)
        rows = {doc.id: store.finding_rows(found.get(doc.id, ()), doc.sha256) for doc in members}
    except Exception as exc:  # the analyzer's bug: recorded on the documents it left undone
        done = store.done_documents(conn, analyzer.name, analyzer.version)
        failed = [doc.id for doc in members if doc.id not in done]
        error = (str(ErrorKind.INTERNAL), f"{type(exc).__name__}: {exc}"[:2000])
        store.record_failures(conn, analyzer.name, analyzer.version, failed, error)
        count.failed += len(failed)
        count.documents += len(failed)
        return
    store.record_case(conn, analyzer.name, analyzer.version, rows)
    count.documents += len(members)
    count.findings += sum(len(found_rows) for found_rows in rows.values())


def _document_tasks(
    conn: sqlite3.Connection, plan: Sequence[tuple[Analyzer, list[StoredDocument]]]
) -> Iterable[_Task]:
    """Tasks document by document (its pages read once for all its analyzers)."""
    by_document: dict[int, list[Analyzer]] = {}
    heads: dict[int, StoredDocument] = {}
    for analyzer, pending in plan:
        for doc in pending:
            by_document.setdefault(doc.id, []).append(analyzer)
            heads[doc.id] = doc
    for doc_id in sorted(by_document):
        document = store.with_pages(conn, heads[doc_id])
        for analyzer in by_document[doc_id]:
            yield _Task(analyzer, document)


def analyze(
    case: Case, options: AnalyzeOptions | None = None, progress: ProgressCallback | None = None
) -> AnalyzeSummary:
    """Run the pending analyses of ``case``; safe to re-run and to kill."""
    options = options or AnalyzeOptions()
    began = time.monotonic()
    # Analyzer workers and any tool they start write temp files in the case's own temp
    # folder, emptied by the next run of the case if this one is killed (issue 10).
    with CaseLock(case, "analyze"), case_temp(case):
        conn = case.connect()
        try:
            analyzers = choose(options)
            for name in options.redo:
                redone = registry.by_name(name)
                store.forget_analyzer(conn, name, pending=ingested_version(redone) is not None)
            documents = list(store.documents(conn))
            counts = {a.name: AnalyzerCount(a.version) for a in analyzers}
            case_plan: list[CaseAnalyzer] = []
            plan: list[tuple[Analyzer, list[StoredDocument]]] = []
            total = 0
            for analyzer in analyzers:
                done = store.done_documents(
                    conn, analyzer.name, analyzer.version, ingested_version(analyzer)
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
                _run_case_analyzer(conn, case_analyzer, documents, count)
                finished += count.documents - before
                if progress:
                    progress(min(finished, total), total)
            finished = _run_documents(conn, plan, options, counts, finished, total, progress)
            for analyzer in analyzers:
                store.forget_other_versions(conn, analyzer.name, analyzer.version)
        finally:
            conn.close()
    return AnalyzeSummary(counts, tuple(options.redo), time.monotonic() - began)


def _run_documents(
    conn: sqlite3.Connection,
    plan: Sequence[tuple[Analyzer, list[StoredDocument]]],
    options: AnalyzeOptions,
    counts: dict[str, AnalyzerCount],
    finished: int,
    total: int,
    progress: ProgressCallback | None,
) -> int:
    if not any(pending for _analyzer, pending in plan):
        return finished
    tasks = iter(_document_tasks(conn, plan))
    pool = _Pool(max(1, options.workers), options.timeout)
    exhausted = False
    try:
        while True:
            while not exhausted and pool.has_room() and not pool.retry:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                else:
                    pool.submit(task)
            if exhausted and not pool.running and not pool.retry:
                break
            for task, (rows, error) in pool.collect():
                name = task.analyzer.name
                store.record_document(
                    conn, task.document.id, name, task.analyzer.version, rows, error
                )
                count = counts[name]
                count.documents += 1
                count.failed += error is not None
                count.findings += len(rows)
                finished += 1
                if progress:
                    progress(finished, total)
    finally:
        pool.close()
    return finished
