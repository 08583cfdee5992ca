"""``culpa ocr``: read pages of documents already in the case again, with other OCR settings.

A reporter who finds a scan read with the wrong languages, or wants a newer
engine, should not have to rebuild the case: the original is in the blob
store, so its pages are rendered again exactly as the ingest renders them
(:mod:`culpa.ingest.ocr_stage`) and OCR'd with the settings asked for.

Each page is replaced in one transaction: its text, language, engine and
confidence, its word boxes, its search-index row (the old tokens are
replayed to delete it, as the index is contentless) and the spans of notes on
it. Tags, stars and notes stay: a note keeps the quote it was made on; where
that quote is found again in the new text, its span moves there, otherwise
the note reads as "passage changed" (a check computed from the quote and the
page text, see :mod:`culpa.store.sqlite.annotations`). The table ``ocr_runs`` records,
per page, the settings it was last re-read with, in the same transaction, so
a killed run loses nothing committed and a re-run of the same command does
only the pages not done yet.

The pages are read by the ``ocr`` stage (:mod:`culpa.ingest.stages`) on the
executor an ingest reads files with: one document per worker, each page
handed back as soon as it is read and committed here, in this process, and
each document held to an ingest's limits per file (no progress for
``FileLimits.timeout`` seconds, or more memory than ``FileLimits.memory_bytes``:
its pages not read yet are recorded as failed and the run goes on).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from culpa.analysis.dates import DATE_KEY, with_text_date
from culpa.errors import ErrorKind, UsageError
from culpa.formats import registry
from culpa.ingest.executors import registry as executors
from culpa.ingest.executors.base import (
    Event,
    Executor,
    ExecutorSettings,
    Failure,
    FileLimits,
    Finished,
    Lost,
    Output,
)
from culpa.ingest.ocr_stage import PageOcr, budget_warning, ocr_warning, without_page
from culpa.ingest.runner import OcrSettings, record_ocr_settings
from culpa.ingest.stages import OCR, OcrJob, OcrStage, drive, tasks
from culpa.ingest.temp_root import case_temp
from culpa.ingest.worker import page_row
from culpa.models import DEFAULT_OCR_LANGUAGES, Page
from culpa.store.api import CaseStore
from culpa.store.case import Case
from culpa.store.lock import CaseLock

#: Documents read at once, one per worker (each OCRs its own pages in threads; the
#: OCR slots bound the engines to one per core).
DOCUMENT_THREADS = max(1, os.cpu_count() or 1)

#: Told (documents done, documents, pages done, pages to read) as the run goes.
ProgressCallback = Callable[[int, int, int, int], None]


@dataclass(frozen=True, slots=True)
class ReocrOptions:
    """What ``culpa ocr`` reads and how."""

    languages: tuple[str, ...] = DEFAULT_OCR_LANGUAGES
    engine: str = "auto"
    #: First and last page number (1-based, inclusive); None: the OCR'd pages.
    pages: tuple[int, int] | None = None
    passwords: tuple[str, ...] = ()
    #: Read pages again even when they were already re-read with these settings.
    force: bool = False

    @property
    def settings(self) -> str:
        """How ``ocr_runs`` names these settings."""
        return json.dumps(OcrSettings(self.languages, self.engine).as_dict(), sort_keys=True)


@dataclass(frozen=True, slots=True)
class PageError:
    document_id: int
    page: int
    message: str


@dataclass(slots=True)
class ReocrSummary:
    """What one ``culpa ocr`` run did; printed by the CLI, as JSON with --json."""

    documents: int = 0
    pages_read: int = 0
    #: Pages already re-read with the same settings by an earlier run (not read again).
    pages_skipped: int = 0
    notes_moved: int = 0
    notes_changed: int = 0
    errors: list[PageError] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "pages_read": self.pages_read,
            "pages_skipped": self.pages_skipped,
            "pages_failed": len(self.errors),
            "notes_moved": self.notes_moved,
            "notes_changed": self.notes_changed,
            "errors": [
                {"document_id": e.document_id, "page": e.page, "message": e.message}
                for e in self.errors
            ],
            "seconds": round(self.seconds, 3),
        }


def _jobs(
    store: CaseStore, doc_ids: Sequence[int], options: ReocrOptions, summary: ReocrSummary
) -> list[OcrJob]:
    jobs: list[OcrJob] = []
    for doc_id in dict.fromkeys(doc_ids):
        doc = store.documents.source(doc_id)
        if doc is None:
            raise UsageError(f"no document {doc_id}")
        numbers = []
        for number, settings in store.pages.ocr_runs(doc_id, options.pages):
            if settings == options.settings and not options.force:
                summary.pages_skipped += 1
            else:
                numbers.append(number)
        if numbers:
            jobs.append(OcrJob(doc_id, doc[0], doc[1], tuple(numbers)))
    return jobs


def reocr(
    case: Case,
    doc_ids: Sequence[int] | None,
    options: ReocrOptions | None = None,
    progress: ProgressCallback | None = None,
) -> ReocrSummary:
    """OCR pages of ``doc_ids`` (None: every document with OCR'd pages) again; safe to kill."""
    options = options or ReocrOptions()
    started = time.perf_counter()
    summary = ReocrSummary()
    store = case.store()
    try:
        # The renderers' tools (LibreOffice ...) use the case's temp root (issue 10).
        with CaseLock(case, "ocr"), case_temp(case):
            ids = store.pages.documents_with_ocr() if doc_ids is None else list(doc_ids)
            jobs = _jobs(store, ids, options, summary)
            summary.documents = len(jobs)
            _run(case, store, jobs, options, summary, progress)
            if doc_ids is None and options.pages is None and not summary.errors:
                # The whole case now reads with these settings: a re-run of the ingest
                # with them has nothing to tell.
                settings = OcrSettings(options.languages, options.engine)
                record_ocr_settings(store, settings, replace=True)
    finally:
        store.close()
    summary.seconds = time.perf_counter() - started
    return summary


#: What the pages of a document that ended before all were read are recorded with.
NOT_READ = "not read (the document could not be opened again)"


def _run(
    case: Case,
    store: CaseStore,
    jobs: list[OcrJob],
    options: ReocrOptions,
    summary: ReocrSummary,
    progress: ProgressCallback | None,
) -> None:
    """Read the jobs' pages on the executor; commit each page here, in this thread, as it comes."""
    total = sum(len(job.numbers) for job in jobs)
    remaining = {job.document_id: set(job.numbers) for job in jobs}
    documents_done = pages_done = 0
    stage = OcrStage(case.root, options.languages, options.engine, options.passwords)
    limits = FileLimits()

    def start() -> Executor:
        settings = ExecutorSettings(DOCUMENT_THREADS, limits, registry.EXTRACTOR_MODULES)
        return executors.factory_for(executors.DEFAULT_EXECUTOR)([stage], settings)

    def unread(job: OcrJob, message: str) -> int:
        """Record the pages of ``job`` not read as failed with ``message``; how many."""
        left = sorted(remaining.pop(job.document_id, set()))
        summary.errors.extend(PageError(job.document_id, number, message) for number in left)
        return len(left)

    def on_event(event: Event) -> None:
        nonlocal documents_done, pages_done
        if isinstance(event, Output):
            job, item = event.task.payload, event.value
            assert isinstance(item, PageOcr)
            remaining[job.document_id].discard(item.number)
            pages_done += 1
            if item.page is not None:
                _replace_page(store, job.document_id, item.page, options.settings, summary)
                summary.pages_read += 1
            else:
                _record_failure(store, job.document_id, item.number, item.error or "")
                summary.errors.append(
                    PageError(job.document_id, item.number, item.error or "OCR failed")
                )
        elif isinstance(event, Finished | Lost):
            job = event.task.payload
            detail = event.result if isinstance(event, Finished) else _lost(event, limits)
            if detail is not None:  # the document failed: its pages left fail with it
                pages_done += unread(job, detail)
            documents_done += 1
            unread(job, NOT_READ)
        else:
            return
        if progress is not None:
            progress(documents_done, len(jobs), pages_done, total)

    if progress is not None:
        progress(0, len(jobs), 0, total)
    drive(start, tasks(OCR, iter(jobs)), on_event, DOCUMENT_THREADS)
    summary.errors.sort(key=lambda e: (e.document_id, e.page))


def _lost(lost: Lost, limits: FileLimits) -> str:
    """Why the pages of a document whose worker was stopped or died were not read."""
    if lost.failure is Failure.TOO_LARGE:
        return (
            f"not read (the OCR took more than {limits.memory_bytes / 2**20:.0f} MiB "
            "of memory: stopped)"
        )
    if lost.failure is Failure.CRASHED:
        return "not read (the OCR process died)"
    return f"not read (no progress for {limits.timeout:.0f} s: stopped)"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _replace_page(
    store: CaseStore, doc_id: int, page: Page, settings: str, summary: ReocrSummary
) -> None:
    """Put the new reading of one page in place of the old, in one transaction."""
    store.begin()
    try:
        found = store.pages.find(doc_id, page.number)
        if found is None:  # the page went away meanwhile (cannot happen under the lock)
            store.rollback()
            return
        page_id, old_text = found
        store.index.unindex_page(page_id, old_text)
        row = page_row(page)
        store.pages.write(doc_id, row, page_id)
        store.index.index_tokens([(page_id, row.tokens)])
        _move_notes(store, doc_id, page.number, page.text, summary)
        _set_page_error(store, doc_id, page.number, None)
        _mark_read(store, doc_id, page.number)
        refresh_text_date(store, doc_id, page.number)
        store.pages.record_ocr_run(page_id, settings, _now())
        store.commit()
    except BaseException:
        if store.in_transaction:
            store.rollback()
        raise


def refresh_text_date(store: CaseStore, doc_id: int, number: int) -> None:
    """The date the document states (:mod:`culpa.analysis.dates`, for ``year:``) follows a
    new reading of its first or last page, where it is looked for."""
    first, last = store.pages.number_range(doc_id)
    if first is None or last is None or number not in (first, last):
        return
    found = store.pages.texts(doc_id, [first, last])
    texts = [found[n] for n in sorted(found)]
    metadata = store.documents.metadata(doc_id)
    updated = with_text_date({k: v for k, v in metadata.items() if k != DATE_KEY}, texts)
    if updated != metadata:
        store.documents.set_metadata(doc_id, updated)


def _mark_read(store: CaseStore, doc_id: int, number: int) -> None:
    """Page ``number`` is read: drop it from the pages the ingest's OCR budget left unread.

    Once none is left, a document that was partial for its OCR budget is whole
    again (status ``ok``, its ``ocr_budget`` warning gone); until then the
    warning names the pages still unread.
    """
    metadata = store.documents.metadata(doc_id)
    not_read = metadata.get("ocr_not_read")
    if not not_read:
        return
    left = without_page(not_read, number)
    if left == not_read:
        return
    state = store.documents.state(doc_id)
    assert state is not None  # it has metadata
    budget_kind = state.status == "partial" and state.error_kind == ErrorKind.OCR_BUDGET
    if left:
        metadata["ocr_not_read"] = left
        warning = budget_warning(metadata, state.sha256[:12])
        if budget_kind:
            store.documents.set_warning(doc_id, warning)
            store.errors.set_message(state.sha256, str(ErrorKind.OCR_BUDGET), warning)
    else:
        metadata.pop("ocr_not_read", None)
        metadata.pop("ocr_stopped", None)
        if budget_kind:
            store.documents.clear_warning(doc_id)
            store.errors.clear_content(state.sha256, str(ErrorKind.OCR_BUDGET))
    store.documents.set_metadata(doc_id, metadata)


def _move_notes(
    store: CaseStore, doc_id: int, number: int, text: str, summary: ReocrSummary
) -> None:
    """Move each passage note's span to its quote in the new text, if it is still there."""
    for note_id, start, quote in store.pages.passage_notes(doc_id, number):
        found = nearest_occurrence(text, quote, start)
        if found is None:
            summary.notes_changed += 1  # the span stays; the quote no longer matches it
            continue
        if found != start:
            summary.notes_moved += 1
        store.pages.move_note(note_id, found, found + len(quote))


def nearest_occurrence(text: str, quote: str, near: int) -> int | None:
    """Where ``quote`` occurs in ``text`` closest to offset ``near``; None if nowhere."""
    best: int | None = None
    at = text.find(quote)
    while at != -1 and quote:
        if best is None or abs(at - near) < abs(best - near):
            best = at
        at = text.find(quote, at + 1)
    return best


def _record_failure(store: CaseStore, doc_id: int, number: int, message: str) -> None:
    store.begin()
    try:
        _set_page_error(store, doc_id, number, message or "OCR failed")
        store.commit()
    except BaseException:
        if store.in_transaction:
            store.rollback()
        raise


def _set_page_error(store: CaseStore, doc_id: int, number: int, message: str | None) -> None:
    """Set (or clear) page ``number``'s line in the document's ``ocr_errors`` metadata.

    Its typed warning (``ocr_failed``, in ``warnings``) is set or cleared with it.
    """
    warning = None if message is None else ocr_warning(number, message)
    store.warnings.replace_page(doc_id, number, str(ErrorKind.OCR_FAILED), warning)
    metadata = store.documents.metadata(doc_id)
    prefix = f"page {number}: "
    lines = [
        line for line in metadata.get("ocr_errors", "").splitlines() if not line.startswith(prefix)
    ]
    if message is not None:
        lines.append(prefix + message)
        lines.sort(key=lambda line: int(line.split(":", 1)[0].removeprefix("page ") or 0))
    if lines:
        metadata["ocr_errors"] = "\n".join(lines)
    elif "ocr_errors" in metadata:
        del metadata["ocr_errors"]
    else:
        return
    store.documents.set_metadata(doc_id, metadata)


def parse_page_range(text: str) -> tuple[int, int]:
    """``3`` or ``3-7`` as (first, last)."""
    first, _, last = text.partition("-")
    try:
        low, high = int(first), int(last or first)
    except ValueError as exc:
        raise UsageError(f"bad page range {text!r}: write N or A-B") from exc
    if low < 1 or high < low:
        raise UsageError(f"bad page range {text!r}: pages count from 1, A <= B")
    return low, high
