"""Stages: what culpa's workers do, and the one loop that feeds them an executor.

Reading files (extraction and the OCR of the pages extractors mark), reading
pages again (``culpa ocr``) and running analyzers on stored documents
(``culpa analyze``) are three stages of one machinery:

==========  ====================================  ====================  =====================
stage       runner (main process)                 task payload          result
==========  ====================================  ====================  =====================
extract     :mod:`culpa.ingest.runner`            :class:`WorkItem`     :class:`WorkResult`
ocr         :mod:`culpa.ingest.reocr`             :class:`OcrJob`       each page as an Output
analyze     :mod:`culpa.ingest.analyze`           analyzer, document    :data:`Outcome`
==========  ====================================  ====================  =====================

A runner decides what is left to do from the case (files unchanged since the
last ingest, pages in ``ocr_runs``, documents in ``analysis_runs``), hands it
to an executor (:mod:`culpa.ingest.executors`) as tasks through :func:`drive`,
and writes every result from its own process, each in a transaction of its
own, so that a run killed at any moment loses nothing committed and a re-run
does exactly what is left. A stage is a small picklable object built with
what its workers need (the ingest's :class:`WorkerConfig`, the OCR settings)
and sent to each worker once; a worker reads no module-global state of the
runner's and never writes to the case database. What every stage needs of
a worker comes from the executor, the same for all: a time limit (no progress
for ``FileLimits.timeout`` seconds) and a memory limit per task, a fresh
worker for one that died or was stopped, the network refused, the OCR
engines bounded to one per core, and the page counts of the progress bar.
Case-wide analyzers (mail threads) need every document at once and run in
the runner's process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from culpa.analysis.base import Analyzer
from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext, PageRenderer
from culpa.ingest.executors.base import Event, Executor, Report, Task
from culpa.ingest.ocr_stage import PageOcr, ocr_pages
from culpa.ingest.worker import WorkerConfig, WorkItem, WorkResult, process
from culpa.models import StoredDocument
from culpa.store.case import Case
from culpa.store.records import FindingRow, finding_rows

#: The stages' names, as tasks give them.
EXTRACT, OCR, ANALYZE = "extract", "ocr", "analyze"


def _share_ocr_slots(ocr_slots: Any) -> None:
    from culpa.analysis.ocr import share_ocr_slots

    share_ocr_slots(ocr_slots)


@dataclass(frozen=True, slots=True)
class ExtractStage:
    """Read one file: hash, store, sniff, extract, OCR (:func:`culpa.ingest.worker.process`)."""

    config: WorkerConfig
    name: str = EXTRACT

    def start(self, ocr_slots: Any) -> None:
        _share_ocr_slots(ocr_slots)
        for module in self.config.extractor_modules:
            importlib.import_module(module)

    def run(self, payload: WorkItem, report: Report) -> WorkResult:
        return process(payload, self.config, report.heartbeat, report.pages)


@dataclass(frozen=True, slots=True)
class OcrJob:
    """Pages of one stored document to OCR again (``culpa ocr``)."""

    document_id: int
    sha256: str
    #: The class name of the extractor that read the document (it renders the pages).
    extractor: str | None
    numbers: tuple[int, ...]


def renderer_named(name: str | None) -> PageRenderer | None:
    """The extractor called ``name`` if it can render pages for OCR."""
    for cls in registry.registered():
        if cls.__name__ == name:
            extractor = cls()
            return extractor if isinstance(extractor, PageRenderer) else None
    return None


@dataclass(frozen=True, slots=True)
class OcrStage:
    """Render pages of an original in the blob store and OCR them (``culpa ocr``).

    Each page is emitted (a :class:`PageOcr`) as soon as it is read, so the
    runner commits it at once; the result is why the pages not emitted could
    not be read (None when every page was emitted).
    """

    case_root: Path
    languages: tuple[str, ...]
    engine: str
    passwords: tuple[str, ...]
    name: str = OCR

    def start(self, ocr_slots: Any) -> None:
        _share_ocr_slots(ocr_slots)

    def run(self, payload: OcrJob, report: Report) -> str | None:
        renderer = renderer_named(payload.extractor)
        if renderer is None:
            message = f"{payload.extractor or 'this format'} pages cannot be rendered for OCR"
            for number in payload.numbers:
                report.emit(PageOcr(number, None, message))
            return None
        case = Case(self.case_root)
        context = ExtractContext(
            workdir=case.tmp_dir,
            ocr_languages=self.languages,
            passwords=self.passwords,
            progress=report.heartbeat,
        )
        blob = case.blobs.path_for(payload.sha256)
        try:
            for outcome in ocr_pages(renderer, blob, payload.numbers, context, engine=self.engine):
                report.emit(outcome)
        except ExtractionError as exc:
            return exc.message
        except Exception as exc:  # a bug: recorded against the document, the run goes on
            return repr(exc)
        return None


#: A document analyzer's result: finding rows, or (error kind, message).
Outcome = tuple[list[FindingRow], tuple[str, str] | None]


def run_analyzer(analyzer: Analyzer, document: StoredDocument) -> Outcome:
    """Run ``analyzer`` on ``document``; a failure is returned, not raised."""
    try:
        return finding_rows(analyzer.analyze(document), document.sha256), None
    except Exception as exc:  # an analyzer's bug is the document's failure, not the run's
        return [], (str(ErrorKind.INTERNAL), f"{type(exc).__name__}: {exc}"[:2000])


@dataclass(frozen=True, slots=True)
class AnalyzeStage:
    """Run one document analyzer on one stored document (``culpa analyze``).

    The analyzer travels with the task, pickled: one registered in the
    runner's process (a newsroom's own, a test's toy) runs in the workers too.
    """

    name: str = ANALYZE

    def start(self, ocr_slots: Any) -> None:
        """Nothing to prepare: analyzers read stored text."""

    def run(self, payload: tuple[Analyzer, StoredDocument], report: Report) -> Outcome:
        return run_analyzer(*payload)


def drive(
    start: Callable[[], Executor],
    next_task: Callable[[], Task | None],
    on_event: Callable[[Event], None],
    limit: int,
    after_events: Callable[[], None] | None = None,
) -> None:
    """Run tasks on an executor until none is left to hand out and none is in flight.

    ``next_task`` is asked again after every round of events (a task's result
    may make new ones, as an archive's members); at most ``limit`` tasks are in
    flight, so memory stays flat however many there are. The executor is
    started at the first task (a run with nothing to do never starts workers)
    and closed at the end, whatever happens.
    """
    executor: Executor | None = None
    try:
        while True:
            while executor is None or executor.in_flight < limit:
                task = next_task()
                if task is None:
                    break
                if executor is None:
                    executor = start()
                executor.submit(task)
            if executor is None or not executor.in_flight:
                break  # nothing in flight and nothing left to hand out
            for event in executor.collect():
                on_event(event)
            if after_events is not None:
                after_events()
    finally:
        if executor is not None:
            executor.close()


def tasks(stage: str, payloads: Iterator[Any]) -> Callable[[], Task | None]:
    """A ``next_task`` for :func:`drive` handing out ``payloads`` for ``stage``, in order."""

    def next_task() -> Task | None:
        payload = next(payloads, None)
        return None if payload is None else Task(stage, payload)

    return next_task
