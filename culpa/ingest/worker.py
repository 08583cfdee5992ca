"""What a worker process does with one file: hash, store, sniff, extract.

Runs in a worker of the executor (the ``extract`` stage of
:mod:`culpa.ingest.stages`), so everything it returns is plain, picklable data
ready for the single writer: page rows already carry their FTS tokens and
word-box JSON, children are already hashed. A worker never opens the case
database: whether content is already complete (and skipped) it asks the
lookup its config carries (``WorkerConfig.known``, see culpa.ingest.known).
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import pickle
import shutil
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from culpa.analysis.dates import with_text_date
from culpa.analysis.language import tag_languages
from culpa.errors import ErrorKind, ExtractionError, storage_errno, storage_message
from culpa.formats import registry
from culpa.formats.base import ArchiveLimits, ExtractContext, no_progress
from culpa.formats.sniff import detect_mime
from culpa.formats.tables.table_pages import read_spool
from culpa.index.tokens import index_text
from culpa.ingest.known import ContentLookup
from culpa.ingest.ocr_stage import (
    OcrBudget,
    PagesCallback,
    budget_warning,
    extract_with_ocr,
    no_pages,
)
from culpa.models import Extracted, Page, PartialFailure, Table, Word
from culpa.sources.archive import MemberBudgetError
from culpa.store.blobs import BlobState, BlobStore, check_blob, sha256_file
from culpa.store.case import Case


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One file to ingest, found at ``provenance``."""

    provenance: str
    source: Path
    parent: str | None = None
    depth: int = 0
    #: True for a temporary file the ingest made (moved into the store, not copied).
    owned: bool = False
    sha256: str | None = None
    size: int | None = None
    mtime_ns: int | None = None


@dataclass(frozen=True, slots=True)
class PageRow:
    """A page as the writer stores it."""

    number: int
    text: str
    language: str | None
    method: str
    ocr_engine: str | None
    ocr_confidence: float | None
    width: float
    height: float
    words_json: str
    tokens: str


@dataclass(frozen=True, slots=True)
class SpooledRow:
    """A page row in a worker's spool, with the table rows it holds (``table`` indexes tables)."""

    page: PageRow
    table: int | None
    rows: tuple[int, ...]


def read_page_spool(path: Path) -> Iterator[SpooledRow]:
    """The page rows of a worker's spool, one at a time (only culpa writes these files)."""
    with path.open("rb") as handle:
        while True:
            try:
                record = pickle.load(handle)  # written by a worker of this ingest only
            except EOFError:
                return
            if not isinstance(record, SpooledRow):
                raise TypeError(f"not a page spool: {path}")
            yield record


#: Page texts of a spooled file that the date-in-text search looks at (its first pages).
SPOOL_DATE_PAGES = 5


@dataclass(frozen=True, slots=True)
class ChildItem:
    name: str
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class WorkResult:
    item: WorkItem
    sha256: str
    size: int
    #: True when the content was already complete in the case: nothing extracted.
    known: bool = False
    mime: str = ""
    type: str = "unknown"
    extractor: str | None = None
    pages: tuple[PageRow, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    children: tuple[ChildItem, ...] = ()
    error_kind: str | None = None
    error_message: str | None = None
    #: True when the file was read only in part (a budget stopped it): its pages and
    #: children are kept, and ``error_kind``/``error_message`` are the warning.
    partial: bool = False
    #: The tables among ``pages`` (Extracted.tables), stored in ``tables``/``table_pages``.
    tables: tuple[Table, ...] = ()
    #: A file too large to send whole (a CSV of a gigabyte): its page rows, with their
    #: table rows, are in this spool file (:func:`read_page_spool`) after ``pages``, and
    #: its tables' ``pages`` are empty. The writer stores it page by page and deletes it.
    spool: Path | None = None
    #: How many pages the spool holds.
    spooled_pages: int = 0
    #: What could not be read while the rest was (Extracted.warnings), stored in ``warnings``.
    warnings: tuple[PartialFailure, ...] = ()

    @property
    def page_count(self) -> int:
        return len(self.pages) + self.spooled_pages


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    case_root: Path
    ocr: bool = True
    ocr_languages: tuple[str, ...] = ("chi_sim", "chi_tra", "eng", "uig")
    passwords: tuple[str, ...] = ()
    #: Extra modules that register extractors, imported by each worker (plugins;
    #: the tests inject faulty extractors this way).
    extractor_modules: tuple[str, ...] = ()
    #: OCR engine: auto, tesseract or ppocr (``--ocr-engine``).
    ocr_engine: str = "auto"
    #: How much OCR one document may take (``--max-ocr-pages`` and the like).
    ocr_budget: OcrBudget = field(default_factory=OcrBudget)
    #: Members one archive may unpack before it is kept as partial (``--max-archive-members``).
    member_budget: int = ArchiveLimits().member_budget
    #: Whether bytes are already complete in the case (skipped); None: read every file.
    known: ContentLookup | None = None


_workdir_numbers = itertools.count()


def words_json(words: tuple[Word, ...]) -> str:
    """Compact JSON of word boxes: [x0, y0, x1, y1, start, end, confidence]."""
    return json.dumps(
        [
            [
                round(w.x0, 1),
                round(w.y0, 1),
                round(w.x1, 1),
                round(w.y1, 1),
                w.start,
                w.end,
                round(w.confidence),
            ]
            for w in words
        ],
        separators=(",", ":"),
    )


def page_row(page: Page) -> PageRow:
    return PageRow(
        number=page.number,
        text=page.text,
        language=page.language,
        method=page.method,
        ocr_engine=page.ocr_engine,
        ocr_confidence=page.ocr_confidence,
        width=page.width,
        height=page.height,
        words_json=words_json(page.words),
        tokens=index_text(page.text),
    )


def process(
    item: WorkItem,
    config: WorkerConfig,
    progress: Callable[[], None] = no_progress,
    pages: PagesCallback = no_pages,
) -> WorkResult:
    """Ingest one file as far as a worker can; never raises for a bad file.

    ``progress`` is called as extraction advances (see ExtractContext.progress),
    ``pages`` as pages to OCR are found and read (the progress bar counts them).
    """
    try:
        return _process(item, config, progress, pages)
    except Exception as exc:  # a bug in culpa: record it against the file, keep going
        detail = traceback.format_exception_only(exc)[-1].strip()
        kind, message = ErrorKind.INTERNAL, f"internal error: {detail}"
        if (code := storage_errno(exc)) is not None:
            kind, message = ErrorKind.ENVIRONMENT, f"{storage_message(code)} ({detail})"
        return WorkResult(
            item, item.sha256 or "", item.size or 0, error_kind=str(kind), error_message=message
        )


def _os_failure(item: WorkItem, sha256: str, size: int, exc: OSError) -> WorkResult:
    """A file that could not be staged or stored: the disk's fault, or the file's."""
    if (code := storage_errno(exc)) is not None:
        kind, message = ErrorKind.ENVIRONMENT, f"{storage_message(code)} ({exc})"
    else:
        kind, message = ErrorKind.UNREADABLE, str(exc)
    return WorkResult(item, sha256, size, error_kind=str(kind), error_message=message)


#: Free bytes under which the disk holding the case counts as full when an extraction
#: fails: a converter (LibreOffice, unar) that hits a full disk reports it its own way.
DISK_FULL_BYTES = 1024 * 1024


def _disk_full(folder: Path) -> bool:
    try:
        stat = os.statvfs(folder)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < DISK_FULL_BYTES


def _environment_fault(exc: BaseException, workdir: Path) -> str | None:
    """The message for an extraction that failed because of the disk, else None."""
    if (code := storage_errno(exc)) is not None:
        return storage_message(code)
    if _disk_full(workdir if workdir.exists() else workdir.parent):
        return storage_message(errno.ENOSPC)
    return None


def _process(
    item: WorkItem, config: WorkerConfig, progress: Callable[[], None], pages: PagesCallback
) -> WorkResult:
    case = Case(config.case_root)
    blobs: BlobStore = case.blobs
    staged: Path | None = None
    try:
        if item.sha256 is not None and item.size is not None:
            sha256, size = item.sha256, item.size  # a child, hashed by its container's worker
        else:
            sha256, size, staged = blobs.stage(item.source, case.tmp_dir)  # hash and copy
    except OSError as exc:
        return _os_failure(item, "", 0, exc)
    if config.known is not None and config.known.is_complete(sha256):
        if check_blob(blobs.path_for(sha256), sha256) is not BlobState.INTACT:
            # Complete in the database, but its original was deleted or changed on
            # disk: these are the same bytes, so they become the blob again (issue 10).
            try:
                if staged is not None:
                    blobs.restore(staged, sha256, move=True)
                else:
                    blobs.restore(item.source, sha256, move=item.owned)
            except OSError as exc:
                return _os_failure(item, sha256, size, exc)
            return WorkResult(item, sha256, size, known=True)
        if staged is not None:
            staged.unlink(missing_ok=True)
        elif item.owned:
            item.source.unlink(missing_ok=True)
        return WorkResult(item, sha256, size, known=True)
    try:
        if staged is not None:
            blob = blobs.adopt(staged, sha256)
        else:
            blob = blobs.put(item.source, sha256, move=item.owned)
    except OSError as exc:
        return _os_failure(item, sha256, size, exc)
    mime = "application/x-empty" if size == 0 else detect_mime(blob)
    name = item.provenance.rsplit("/", 1)[-1]
    extractor = registry.extractor_for(mime, name)
    kind = extractor.type if extractor is not None else registry.type_for(mime)
    base = WorkResult(
        item,
        sha256,
        size,
        mime=mime,
        type=kind,
        extractor=type(extractor).__name__ if extractor else None,
    )
    if size == 0:
        return _failed(base, ErrorKind.EMPTY, "the file is empty (0 bytes)")
    if extractor is None:
        return _failed(base, ErrorKind.UNSUPPORTED, f"no extractor reads {mime} files")
    # One folder per file handled: two copies of one container in a row must not share it.
    workdir = case.tmp_dir / f"{sha256[:16]}-{os.getpid()}-{next(_workdir_numbers)}"
    context = ExtractContext(
        workdir=workdir,
        ocr=config.ocr,
        ocr_languages=config.ocr_languages,
        depth=item.depth,
        name=name,
        passwords=config.passwords,
        progress=progress,
        limits=ArchiveLimits(member_budget=config.member_budget),
        extractor_for=registry.extractor_for,
    )
    warning: str | None = None
    try:
        try:
            extracted = extract_with_ocr(
                extractor,
                blob,
                context,
                engine=config.ocr_engine,
                on_pages=pages,
                budget=config.ocr_budget,
            )
        except MemberBudgetError as exc:  # the members so far are kept and read
            unpacked = {"members_unpacked": str(len(exc.children))}
            extracted = Extracted(metadata=unpacked, children=exc.children)
            warning = exc.message
        else:
            warning = budget_warning(extracted.metadata, sha256[:12])
        children = tuple(
            ChildItem(child.name, child.path, *sha256_file(child.path))
            for child in extracted.children
        )
    except ExtractionError as exc:
        # Checked before the work folder goes: what filled the disk is still in it.
        fault = _environment_fault(exc, workdir)
        shutil.rmtree(workdir, ignore_errors=True)
        if fault is not None:  # e.g. a converter that could not write its output
            return _failed(base, ErrorKind.ENVIRONMENT, f"{fault} ({exc.kind}: {exc.message})")
        return _failed(base, exc.kind, exc.message)
    except MemoryError:
        shutil.rmtree(workdir, ignore_errors=True)
        return _failed(
            base, ErrorKind.ENVIRONMENT, "the machine ran out of memory while extracting"
        )
    except Exception as exc:  # a bug or an unexpected library failure on hostile input
        fault = _environment_fault(exc, workdir)
        shutil.rmtree(workdir, ignore_errors=True)
        detail = traceback.format_exception_only(exc)[-1].strip()
        if fault is not None:
            return _failed(base, ErrorKind.ENVIRONMENT, f"{fault} ({detail})")
        return _failed(base, ErrorKind.INTERNAL, f"{type(extractor).__name__} failed: {detail}")
    spool: Path | None = None
    spooled = 0
    first_texts = [page.text for page in extracted.pages]
    if extracted.spool is not None:
        # Next to the work folder, which goes when the file has no children.
        spool = workdir.parent / f"{workdir.name}.pages"
        try:
            spooled, first_texts = _respool(extracted.spool, spool, progress)
        except BaseException:
            spool.unlink(missing_ok=True)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
    if not children and workdir.exists():
        shutil.rmtree(workdir, ignore_errors=True)
    return WorkResult(
        item,
        sha256,
        size,
        mime=mime,
        type=kind,
        extractor=base.extractor,
        pages=tuple(page_row(page) for page in tag_languages(extracted.pages)),
        metadata=with_text_date(
            {key: str(value) for key, value in extracted.metadata.items()}, first_texts
        ),
        children=children,
        error_kind=None if warning is None else str(_warning_kind(extracted)),
        error_message=warning,
        partial=warning is not None,
        tables=extracted.tables,
        spool=spool,
        spooled_pages=spooled,
        warnings=extracted.warnings,
    )


def _respool(source: Path, target: Path, progress: Callable[[], None]) -> tuple[int, list[str]]:
    """Turn an extractor's page spool into page rows (tokens made here, in the worker).

    One page at a time, so memory stays flat whatever the file's size. Returns how
    many pages, and the texts of the first few (for the date in the text).
    """
    count = 0
    first: list[str] = []
    with target.open("wb") as out:
        for record in read_spool(source):
            (page,) = tag_languages((record.page,))
            row = SpooledRow(page_row(page), record.table, record.rows)
            pickle.dump(row, out, protocol=pickle.HIGHEST_PROTOCOL)
            count += 1
            if len(first) < SPOOL_DATE_PAGES:
                first.append(record.page.text)
            progress()
    source.unlink(missing_ok=True)
    return count, first


def _warning_kind(extracted: Extracted) -> ErrorKind:
    """The kind recorded for a file a budget stopped: its OCR, or its unpacking."""
    return ErrorKind.OCR_BUDGET if "ocr_stopped" in extracted.metadata else ErrorKind.LIMIT_EXCEEDED


def _failed(base: WorkResult, kind: ErrorKind, message: str) -> WorkResult:
    return WorkResult(
        base.item,
        base.sha256,
        base.size,
        mime=base.mime,
        type=base.type,
        extractor=base.extractor,
        error_kind=str(kind),
        error_message=message,
    )
