"""Ingest orchestration: walk, fan out to an executor, write from one place.

Workers (one per core, run by the executor the options name: see
culpa.ingest.executors) hash, store and extract (the ``extract`` stage of
culpa.ingest.stages); this process walks the
given paths, skips what an earlier run already completed, commits every
result through :class:`CaseWriter`, and feeds containers' children back into
the queue. The number of files in flight is bounded, so memory stays flat
however large the trove.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from culpa.errors import (
    ErrorKind,
    StorageError,
    is_storage_message,
    storage_errno,
    storage_message,
)
from culpa.formats import registry
from culpa.formats.base import ArchiveLimits
from culpa.ingest.executors import registry as executors
from culpa.ingest.executors.base import (
    Event,
    Executor,
    ExecutorSettings,
    Failure,
    FileLimits,
    Finished,
    Lost,
    Pages,
    Task,
)
from culpa.ingest.known import CaseContents
from culpa.ingest.ocr_stage import OcrBudget
from culpa.ingest.stages import EXTRACT, ExtractStage, drive
from culpa.ingest.temp_root import case_temp
from culpa.ingest.worker import ChildItem, WorkerConfig, WorkItem, WorkResult
from culpa.ingest.writer import CaseWriter
from culpa.models import child_provenance
from culpa.sources.walk import SourceFile, provenance_name, walk_sources
from culpa.store.api import CaseStore
from culpa.store.blobs import blob_looks_intact
from culpa.store.case import Case
from culpa.store.lock import CaseLock

#: Files handed to the pool per worker before waiting for results: enough that the
#: workers stay busy while the writer flushes (4 left them idle ~18 % of a run).
IN_FLIGHT_PER_WORKER = 12
#: Results are committed together at most this often (seconds): fewer commits mean
#: fewer FTS5 segments to merge; a kill loses at most this much uncommitted work ...
FLUSH_SECONDS = 1.0
#: ... or once this many files wait in the open transaction.
FLUSH_FILES = 1000
#: Bytes of archive members one run may unpack (a trove of many large archives, or
#: bombs just under each archive's own limits, must not fill the disk): 100 GiB.
DEFAULT_UNPACK_BUDGET = 100 * 1024**3
#: A file whose worker dies this many times is recorded as failed.
MAX_CRASHES_PER_FILE = 2


@dataclass(slots=True)
class IngestSummary:
    """What one ingest run did; printed by the CLI, as JSON with --json."""

    files_seen: int = 0
    files_unchanged: int = 0
    documents_added: int = 0
    duplicates: int = 0
    pages_added: int = 0
    ocr_pages_added: int = 0
    #: Failed documents read again because of --retry or --password.
    retried: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    #: Typed warnings (what stored files could not give: a page, a member) recorded
    #: by this run, per kind; ``culpa errors`` lists them, ``culpa status`` counts all.
    warnings: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    #: OCR pages announced and read during the run (the progress bar's count).
    ocr_pages_known: int = 0
    ocr_pages_done: int = 0
    #: The OCR settings the case was ingested with, when this run asked for other
    #: ones and found files unchanged: those keep their old OCR (``culpa ocr``).
    earlier_ocr: OcrSettings | None = None
    #: What to tell the user when files failed because the disk holding the case was
    #: full or failing (they are recorded as ``environment``; a re-run reads them).
    storage_fault: str | None = None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def warning_count(self) -> int:
        return sum(self.warnings.values())

    # ``errors`` counts every recorded error under the paths of this run,
    # including those recorded by an earlier run for files that did not change.

    def as_dict(self) -> dict[str, object]:
        return {
            "files_seen": self.files_seen,
            "files_unchanged": self.files_unchanged,
            "documents_added": self.documents_added,
            "duplicates": self.duplicates,
            "pages_added": self.pages_added,
            "ocr_pages_added": self.ocr_pages_added,
            "retried": self.retried,
            "errors": dict(sorted(self.errors.items())),
            "error_count": self.error_count,
            "warnings": dict(sorted(self.warnings.items())),
            "warning_count": self.warning_count,
            "seconds": round(self.seconds, 3),
            "earlier_ocr": None if self.earlier_ocr is None else self.earlier_ocr.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class OcrSettings:
    """The OCR a case was ingested with, kept in its meta table (key ``ocr_settings``)."""

    languages: tuple[str, ...]
    engine: str = "auto"

    def as_dict(self) -> dict[str, str]:
        return {"languages": "+".join(self.languages), "engine": self.engine}

    @classmethod
    def from_json(cls, text: str) -> OcrSettings | None:
        try:
            data = json.loads(text)
            return cls(tuple(str(data["languages"]).split("+")), str(data["engine"]))
        except (ValueError, KeyError, TypeError):
            return None


#: The meta key holding the case's OCR settings (JSON of OcrSettings.as_dict()).
OCR_SETTINGS_KEY = "ocr_settings"


def recorded_ocr_settings(store: CaseStore) -> OcrSettings | None:
    """The OCR settings the case was first ingested with (or last re-OCR'd with)."""
    value = store.meta.get(OCR_SETTINGS_KEY)
    return None if value is None else OcrSettings.from_json(value)


def record_ocr_settings(store: CaseStore, settings: OcrSettings, *, replace: bool = False) -> None:
    """Keep ``settings`` as the case's OCR settings (only if none are kept, unless ``replace``)."""
    value = json.dumps(settings.as_dict(), sort_keys=True)
    store.meta.put(OCR_SETTINGS_KEY, value, replace=replace)


@dataclass(slots=True)
class _Container:
    doc_id: int
    parent: str | None
    remaining: int


@dataclass(frozen=True, slots=True)
class IngestOptions:
    workers: int = max(1, os.cpu_count() or 1)
    ocr: bool = True
    ocr_languages: tuple[str, ...] = ("chi_sim", "chi_tra", "eng", "uig")
    #: OCR engine: auto, tesseract or ppocr.
    ocr_engine: str = "auto"
    #: Tried on encrypted archives, PDFs and Office files; never written to the case.
    passwords: tuple[str, ...] = ()
    #: Time and memory one file may take before its worker is stopped.
    limits: FileLimits = field(default_factory=FileLimits)
    #: Extra modules registering extractors, imported in every worker.
    extractor_modules: tuple[str, ...] = ()
    #: Error kinds recorded by earlier runs under the paths to try again (``--retry``);
    #: ``encrypted`` is always retried when passwords are given.
    retry_kinds: frozenset[str] = frozenset()
    #: How much OCR one document may take before it is kept as partial.
    ocr_budget: OcrBudget = field(default_factory=OcrBudget)
    #: Members one archive may unpack before it is kept as partial (0: no budget).
    member_budget: int = ArchiveLimits().member_budget
    #: Bytes all the archives of one run may unpack (``--max-unpack-gb``); past it an
    #: archive keeps the members that fit, as partial, and the rest are not read.
    max_unpack_bytes: int = DEFAULT_UNPACK_BUDGET
    #: The executor that reads the files (culpa.ingest.executors.registry).
    executor: str = executors.DEFAULT_EXECUTOR


#: Told (files done, files known, OCR pages done, OCR pages known) as the run goes.
ProgressCallback = Callable[[int, int, int, int], None]


def ingest(
    case: Case,
    paths: Sequence[Path],
    options: IngestOptions | None = None,
    progress: ProgressCallback | None = None,
) -> IngestSummary:
    """Ingest files and folders into ``case``; safe to re-run and to kill."""
    options = options or IngestOptions()
    with CaseLock(case, "ingest"), case_temp(case):
        _clear_tmp(case)
        try:
            summary = _Run(case, options, progress).run(walk_sources(paths), paths)
        finally:
            _clear_tmp(case)
    os.sync()  # blobs are not fsynced one by one; make the run durable as a whole
    return summary


def _clear_tmp(case: Case) -> None:
    """Children of unfinished containers left by a killed run; they are unpacked anew."""
    if case.tmp_dir.is_dir():
        shutil.rmtree(case.tmp_dir)
    case.tmp_dir.mkdir()


class _Run:
    def __init__(self, case: Case, options: IngestOptions, progress: ProgressCallback | None):
        self.case = case
        self.options = options
        self.progress = progress
        #: Read in this process too, when the executor's workers run here (tests).
        self.known = CaseContents(case.db_path, options.passwords)
        self.config = WorkerConfig(
            case.root,
            options.ocr,
            options.ocr_languages,
            options.passwords,
            tuple(dict.fromkeys((*options.extractor_modules, *registry.added_modules()))),
            ocr_engine=options.ocr_engine,
            ocr_budget=options.ocr_budget,
            member_budget=options.member_budget,
            known=self.known,
        )
        #: Bytes of archive members unpacked by this run (see IngestOptions.max_unpack_bytes).
        self.unpacked = 0
        self.summary = IngestSummary()
        self.children: deque[WorkItem] = deque()
        self.containers: dict[str, _Container] = {}
        self.crashes: Counter[str] = Counter()
        self.done = 0
        self.total = 0
        self.unflushed = 0
        self.last_flush = time.monotonic()

    def run(self, sources: Iterator[SourceFile], paths: Sequence[Path] = ()) -> IngestSummary:
        started = time.perf_counter()
        store = self.case.store()
        self.writer = CaseWriter(store)
        try:
            return self._run(store, sources, paths, started)
        except Exception as exc:
            code = storage_errno(exc)
            if code is None:
                raise
            # The disk refused a write: drop the half-written transaction (the files in
            # it are read again next time) and say so plainly, not as a bug.
            self.writer.discard()
            raise StorageError(storage_message(code)) from exc
        finally:
            store.close()

    def _run(
        self,
        store: CaseStore,
        sources: Iterator[SourceFile],
        paths: Sequence[Path],
        started: float,
    ) -> IngestSummary:
        # Files that failed because of the machine are always read again (issue 10).
        kinds = set(self.options.retry_kinds) | {str(ErrorKind.ENVIRONMENT)}
        if self.options.passwords:
            kinds.add(str(ErrorKind.ENCRYPTED))
        # Top-level provenance names, as walk_sources gives them (see sources/walk.py).
        prefixes = [provenance_name(Path(os.path.abspath(path)).name) for path in paths]
        self.summary.retried = self.writer.reopen_errors(frozenset(kinds), prefixes)
        settings = OcrSettings(self.options.ocr_languages, self.options.ocr_engine)
        earlier = recorded_ocr_settings(store)
        if self.options.ocr:
            record_ocr_settings(store, settings)
        try:
            self._loop(sources)
        except BaseException as exc:
            if storage_errno(exc) is None:
                self.writer.flush()  # whole files handled before an interrupt are kept
            raise
        self.writer.flush()
        if (
            self.options.ocr
            and earlier is not None
            and earlier != settings
            and self.summary.files_unchanged
        ):
            self.summary.earlier_ocr = earlier
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _loop(self, sources: Iterator[SourceFile]) -> None:
        retry: deque[WorkItem] = deque()
        # Chosen before any file is read, so that an unknown name fails at once.
        factory = executors.factory_for(self.options.executor)

        def start() -> Executor:
            # Called at the first file that needs reading: a re-run over unchanged files
            # never pays for the fork server importing every extractor.
            settings = ExecutorSettings(
                self.options.workers, self.options.limits, registry.EXTRACTOR_MODULES
            )
            return factory([ExtractStage(self.config)], settings)

        def next_task() -> Task | None:
            item = self._next_item(sources, retry)
            return None if item is None else Task(EXTRACT, item)

        def on_event(event: Event) -> None:
            if isinstance(event, Finished):
                self._handle(event.result)
            elif isinstance(event, Pages):
                self._count_pages(event)
            elif isinstance(event, Lost):
                item = event.task.payload
                if event.failure is Failure.CRASHED:
                    self._on_crash(item, _lost_message(event), retry)
                else:
                    self._handle(_failed(item, _lost_kind(event), _lost_message(event)))

        try:
            limit = self.options.workers * IN_FLIGHT_PER_WORKER
            drive(start, next_task, on_event, limit, self._maybe_flush)
        finally:
            self.known.close()

    def _maybe_flush(self) -> None:
        now = time.monotonic()
        if self.unflushed >= FLUSH_FILES or now - self.last_flush >= FLUSH_SECONDS:
            self.writer.flush()
            self.unflushed = 0
            self.last_flush = now

    def _next_item(self, sources: Iterator[SourceFile], retry: deque[WorkItem]) -> WorkItem | None:
        """Retries first, then children (to finish containers), then new files."""
        if retry:
            return retry.popleft()
        if self.children:
            return self.children.popleft()
        for source in sources:
            self.summary.files_seen += 1
            self.total += 1
            if source.error is not None:
                self._handle(
                    WorkResult(
                        WorkItem(source.provenance, source.path),
                        "",
                        0,
                        error_kind=str(ErrorKind.UNREADABLE),
                        error_message=source.error,
                    )
                )
                continue
            seen = self.writer.lookup_top_level(source.provenance)
            if (
                seen is not None
                and seen == (source.size, source.mtime_ns, True)
                and self._blob_looks_intact(source.provenance)
            ):
                self.summary.files_unchanged += 1
                # Earlier failures under this path still stand: the exit status says so.
                self.summary.errors.update(self.writer.recorded_errors(source.provenance))
                self._tick()
                continue
            return WorkItem(source.provenance, source.path, mtime_ns=source.mtime_ns)
        return None

    def _blob_looks_intact(self, provenance: str) -> bool:
        """Whether an unchanged top-level file's blob is still there, unaltered.

        A stat per file keeps re-runs fast: a blob of the wrong size, or written
        after its document was stored (blobs are written once, before the row),
        is hashed, and a missing or damaged one sends the file to a worker, which
        restores it (issue 10). A damaged blob with its old size and mtime is
        found by `culpa verify`.
        """
        row = self.writer.store.provenance.blob_at(provenance)
        if row is None or not row[0]:
            return True
        sha256, size, ingested_at = str(row[0]), int(row[1]), str(row[2])
        stored_at = datetime.fromisoformat(ingested_at).timestamp()
        return blob_looks_intact(self.case.blobs.path_for(sha256), sha256, size, stored_at)

    def _on_crash(self, item: WorkItem, detail: str, retry: deque[WorkItem]) -> None:
        """A worker died on ``item``: try it once more on a fresh one, then record it."""
        self.crashes[item.provenance] += 1
        if self.crashes[item.provenance] >= MAX_CRASHES_PER_FILE:
            # SIGKILL comes from outside (the kernel's out-of-memory killer, an operator):
            # the pool stops workers itself only for timeout and too_large.
            kind = ErrorKind.ENVIRONMENT if "(signal 9)" in detail else ErrorKind.INTERNAL
            self._handle(_failed(item, kind, detail))
        else:
            retry.append(item)

    def _handle(self, result: WorkResult) -> None:
        item = result.item
        if result.children and not result.known:
            result = self._unpack_budget(result)
        try:
            doc_id, inserted, awaiting = self.writer.add(result)
        except (sqlite3.Error, UnicodeError, ValueError) as exc:  # recorded, not lost
            if storage_errno(exc) is not None:
                raise  # the disk, not the file: the run stops (see run)
            self.writer.add(
                WorkResult(
                    item,
                    "",
                    0,
                    error_kind=str(ErrorKind.INTERNAL),
                    error_message=f"could not store the extracted text: {exc}",
                )
            )
            doc_id, inserted, awaiting = None, False, False
            result = WorkResult(item, "", 0, error_kind=str(ErrorKind.INTERNAL))
        self.unflushed += 1
        summary = self.summary
        if result.error_kind:
            summary.errors[result.error_kind] += 1
            if result.error_message and is_storage_message(result.error_message):
                summary.storage_fault = result.error_message.split(" (", 1)[0]
        if inserted:  # stored now, with its warnings
            summary.warnings.update(str(warning.kind) for warning in result.warnings)
            summary.documents_added += 1
            summary.pages_added += result.page_count
            summary.ocr_pages_added += sum(1 for page in result.pages if page.method == "ocr")
        elif doc_id is not None:
            summary.duplicates += 1
            if not result.error_kind and not awaiting:
                # Known bytes at a new path carry their errors there (and a known
                # container's members theirs): the summary counts every failed path.
                summary.errors.update(self.writer.recorded_errors(item.provenance))
        if awaiting and doc_id is not None:
            self.containers[item.provenance] = _Container(
                doc_id, item.parent, remaining=len(result.children)
            )
            for child in result.children:
                self.total += 1
                self.children.append(
                    WorkItem(
                        child_provenance(item.provenance, child.name),
                        child.path,
                        parent=item.provenance,
                        depth=item.depth + 1,
                        owned=True,
                        sha256=child.sha256,
                        size=child.size,
                    )
                )
        else:
            for child in result.children:  # already complete elsewhere: drop the copies
                child.path.unlink(missing_ok=True)
            self._finished(item.parent)
        self._tick()

    def _unpack_budget(self, result: WorkResult) -> WorkResult:
        """``result`` with only the children that fit in the run's unpack budget."""
        budget = self.options.max_unpack_bytes
        kept: list[ChildItem] = []
        for child in result.children:
            if budget and self.unpacked + child.size > budget:
                break
            self.unpacked += child.size
            kept.append(child)
        if len(kept) == len(result.children):
            return result
        for child in result.children[len(kept) :]:
            child.path.unlink(missing_ok=True)
        message = (
            f"the run's unpack budget (--max-unpack-gb {budget / 1024**3:g}) was reached: "
            f"{len(kept)} of its {len(result.children)} members were read, the rest were not"
        )
        if result.partial and result.error_message:
            message = f"{result.error_message}; {message}"
        return replace(
            result,
            children=tuple(kept),
            error_kind=result.error_kind or str(ErrorKind.LIMIT_EXCEEDED),
            error_message=message,
            partial=True,
        )

    def _finished(self, parent: str | None) -> None:
        """A child is fully committed: complete its container when it was the last."""
        while parent is not None:
            container = self.containers[parent]
            container.remaining -= 1
            if container.remaining > 0:
                return
            self.writer.mark_complete(container.doc_id)
            del self.containers[parent]
            parent = container.parent

    def _count_pages(self, pages: Pages) -> None:
        """Pages the workers have to OCR and have OCR'd: the bar counts these while OCR runs."""
        summary = self.summary
        if (pages.done, pages.known) != (summary.ocr_pages_done, summary.ocr_pages_known):
            summary.ocr_pages_done, summary.ocr_pages_known = pages.done, pages.known
            self._report()

    def _tick(self) -> None:
        self.done += 1
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            summary = self.summary
            self.progress(self.done, self.total, summary.ocr_pages_done, summary.ocr_pages_known)


def _lost_kind(lost: Lost) -> ErrorKind:
    """The error recorded for a file its worker was stopped on (not a crash)."""
    if lost.failure is Failure.TOO_LARGE:
        return ErrorKind.TOO_LARGE
    if lost.failure is Failure.STARVED:
        return ErrorKind.ENVIRONMENT  # the load, not the file
    return ErrorKind.TIMEOUT


#: What the executor's words for a lost task (Lost.detail) get for a file, by failure.
_FILE_HINTS: dict[Failure, str] = {
    Failure.CRASHED: " while reading this file",
    Failure.TOO_LARGE: " (raise --memory-limit to allow more)",
    Failure.STARVED: ", and read again by the next run",
    Failure.TIMED_OUT: " (a parser hang or a very slow file; raise --file-timeout to allow more)",
}


def _lost_message(lost: Lost) -> str:
    """The error message recorded for a file its worker was stopped on or died on."""
    return lost.detail + _FILE_HINTS.get(lost.failure, "")


def _failed(item: WorkItem, kind: ErrorKind, message: str) -> WorkResult:
    return WorkResult(item, "", 0, error_kind=str(kind), error_message=message)
