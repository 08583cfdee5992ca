"""OCR as a stage after extraction: one path for PDFs, images and ``culpa ocr``.

Extractors do not OCR. They mark the pages that need it
(:attr:`culpa.models.Extracted.ocr_pages`) and can render any page to an image
(:class:`culpa.formats.base.PageRenderer`); this stage renders those pages one
at a time in the calling thread (MuPDF is not thread-safe) and OCRs them in a
thread pool (the engines run in subprocesses or release the GIL), at most
:data:`OCR_THREADS` at once per process and, through the shared OCR slots, one
engine per core across all workers. The ingest runs it in each worker right
after extraction (the ``extract`` stage of :mod:`culpa.ingest.stages`);
``culpa ocr`` runs it in its workers on originals already in the case (the
``ocr`` stage). A page that fails to render or to OCR keeps what extraction gave it and
is named in the document's ``ocr_errors`` metadata.

At ingest, OCR of one document stops at its :class:`OcrBudget` (issue 10: a
12 MB PDF of 100,000 pages each holding one dot kept a worker busy for two
days, every page counting as progress). The pages read so far are kept, the
rest keep what extraction gave them (no text), and the metadata says which
pages were not read (``ocr_not_read``) and why (``ocr_stopped``); the worker
then stores the document as partial, with a warning naming ``culpa ocr``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, replace
from pathlib import Path

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, Extractor, PageImage, PageRenderer
from culpa.models import Extracted, Page, PartialFailure

#: Pages of one document OCR'd at once; the OCR slots bound engines per machine.
OCR_THREADS = max(1, os.cpu_count() or 1)
#: Rendered pages held per OCR thread (rendering runs ahead of OCR by this much).
RENDERED_PER_THREAD = 2

#: Told (pages newly known, pages newly done) as OCR advances: the progress bar
#: counts pages while OCR runs, not files.
PagesCallback = Callable[[int, int], None]


def no_pages(known: int, done: int) -> None:
    """The default :data:`PagesCallback`: nobody is counting."""


def never() -> bool:
    """The default stop test of :func:`ocr_pages`: read every page."""
    return False


@dataclass(frozen=True, slots=True)
class OcrBudget:
    """How much OCR one document may take at ingest; 0 turns a bound off.

    Measured: 1.7 s per page on 2 cores (169 s per 100 pages), so the defaults
    stop a hostile file of blank-looking pages after about 90 s, and any
    document after an hour (about 2,000 scanned pages); a reporter reads the
    rest later with ``culpa ocr DOC --pages A-B``.
    """

    #: Pages OCR'd per document (``--max-ocr-pages``).
    max_pages: int = 5000
    #: OCR'd pages in a row without a letter or digit (``--max-blank-ocr-pages``):
    #: a real scan has no run of 50 empty pages, a page-count bomb is nothing else.
    max_blank_pages: int = 50
    #: Seconds of OCR per document, waiting for an OCR slot included (``--max-ocr-minutes``).
    max_seconds: float = 3600.0


#: No bound at all: ``culpa ocr`` reads every page it is asked for.
NO_BUDGET = OcrBudget(0, 0, 0.0)


@dataclass(frozen=True, slots=True)
class PageOcr:
    """One page's OCR: the new page, or why there is none."""

    number: int
    page: Page | None
    error: str | None = None


def ocr_pages(
    renderer: PageRenderer,
    path: Path,
    numbers: Sequence[int],
    context: ExtractContext,
    *,
    engine: str = "auto",
    on_pages: PagesCallback = no_pages,
    stop: Callable[[], bool] = never,
) -> Iterator[PageOcr]:
    """OCR pages ``numbers`` of ``path``; yield each page as soon as it is read (any order).

    ``stop`` is asked before each page is handed to OCR: once it says True no
    further page is started, the pages already started are finished and
    yielded, and the rest are not yielded at all (so the pages read are the
    first ones of ``numbers``). Raises ExtractionError when the file cannot be
    opened for rendering at all.
    """
    on_pages(len(numbers), 0)
    limit = OCR_THREADS * RENDERED_PER_THREAD
    pending: dict[Future[Page], int] = {}
    with ThreadPoolExecutor(max_workers=OCR_THREADS, thread_name_prefix="ocr") as pool:
        rendering = renderer.render_pages(path, numbers, context)
        try:
            for rendered in rendering:
                context.progress()
                if stop():
                    break
                if rendered.image is None:
                    on_pages(0, 1)
                    yield PageOcr(rendered.number, None, rendered.error or "could not be rendered")
                    continue
                future = pool.submit(_read_page, rendered, context.ocr_languages, engine)
                pending[future] = rendered.number
                if len(pending) >= limit:  # bound the rendered pages held in memory
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    yield from _finished(done, pending, context, on_pages)
            yield from _finished(as_completed(list(pending)), pending, context, on_pages)
        finally:
            close = getattr(rendering, "close", None)
            if close is not None:  # let the renderer close its document now
                close()
            for future in pending:  # an abandoned run (the consumer stopped): drop the rest
                future.cancel()


def _finished(
    done: Iterable[Future[Page]],
    pending: dict[Future[Page], int],
    context: ExtractContext,
    on_pages: PagesCallback,
) -> Iterator[PageOcr]:
    for future in done:
        number = pending.pop(future)
        context.progress()
        on_pages(0, 1)
        try:
            yield PageOcr(number, future.result())
        except ExtractionError as exc:
            yield PageOcr(number, None, exc.message)


def _read_page(rendered: PageImage, languages: Sequence[str], engine: str) -> Page:
    """OCR one rendered page (thread-safe); word boxes in page units."""
    from culpa.analysis.ocr import ocr_image

    image = rendered.image
    assert image is not None
    if image.mode == "L" and image.getextrema() == (255, 255):  # a blank page: nothing to read
        return Page(
            rendered.number, "", width=rendered.width, height=rendered.height, language="und"
        )
    result = ocr_image(image, languages, dpi=rendered.dpi, engine=engine)
    return result.page(
        rendered.number, width=rendered.width, height=rendered.height, scale=rendered.scale
    )


def ocr_extracted(
    extractor: object,
    path: Path,
    extracted: Extracted,
    context: ExtractContext,
    *,
    engine: str = "auto",
    on_pages: PagesCallback = no_pages,
    budget: OcrBudget = NO_BUDGET,
) -> Extracted:
    """``extracted`` with its :attr:`~Extracted.ocr_pages` OCR'd (the ingest's OCR stage).

    Failed pages keep their text layer and are listed in ``ocr_errors``. When
    every page failed and none has any text, the file is recorded as
    ``ocr_failed`` (ExtractionError), as nothing of it could be read. When
    ``budget`` stops the OCR, the pages not read keep what extraction gave
    them and are listed in ``ocr_not_read`` (page ranges), the reason in
    ``ocr_stopped``.
    """
    numbers = extracted.ocr_pages
    if not numbers or not context.ocr:
        return extracted
    pages = {page.number: page for page in extracted.pages}
    errors: dict[int, str] = {}
    meter = _BudgetMeter(budget)
    seen: set[int] = set()
    if not isinstance(extractor, PageRenderer):
        errors = dict.fromkeys(numbers, "this format's pages cannot be rendered for OCR")
    else:
        try:
            for done in ocr_pages(
                extractor, path, numbers, context, engine=engine, on_pages=on_pages, stop=meter.stop
            ):
                seen.add(done.number)
                if done.page is not None:
                    pages[done.number] = done.page
                    meter.read(done.page)
                else:
                    errors[done.number] = done.error or "OCR failed"
        except ExtractionError as exc:  # could not be opened again for rendering
            read = {n for n, page in pages.items() if page.method == "ocr"}
            errors.update((n, exc.message) for n in numbers if n not in read and n not in errors)
    metadata = dict(extracted.metadata)
    if meter.reason is not None:
        unread = [n for n in numbers if n not in seen and n not in errors]
        if unread:
            on_pages(-len(unread), 0)  # announced, never to be read: the bar forgets them
            metadata["ocr_not_read"] = page_ranges(unread)
            metadata["ocr_stopped"] = (
                f"OCR stopped {meter.reason}: {len(numbers) - len(unread)} of the "
                f"{len(numbers)} pages to OCR were read"
            )
    if errors:
        lines = [f"page {number}: {errors[number]}" for number in sorted(errors)]
        if len(errors) == len(pages) and not any(page.text.strip() for page in pages.values()):
            raise ExtractionError(ErrorKind.OCR_FAILED, lines[0])
        metadata["ocr_errors"] = "\n".join(lines)
    warnings = tuple(ocr_warning(number, errors[number]) for number in sorted(errors))
    ordered = tuple(pages[number] for number in sorted(pages))
    return replace(
        extracted, pages=ordered, metadata=metadata, warnings=extracted.warnings + warnings
    )


def ocr_warning(number: int, message: str) -> PartialFailure:
    """The typed warning for page ``number`` that OCR could not read (its ``ocr_errors`` line)."""
    return PartialFailure(ErrorKind.OCR_FAILED, message, page=number)


class _BudgetMeter:
    """Counts one document's OCR against its :class:`OcrBudget`; ``reason`` once it is spent."""

    def __init__(self, budget: OcrBudget) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self.started_pages = 0
        self.blank_run = 0
        self.reason: str | None = None

    def read(self, page: Page) -> None:
        """A page came back from OCR: a run of pages without text grows or ends."""
        self.blank_run = 0 if any(ch.isalnum() for ch in page.text) else self.blank_run + 1

    def stop(self) -> bool:
        """Asked before each page is started; True once a bound is reached."""
        budget = self.budget
        if self.reason is None:
            if budget.max_blank_pages and self.blank_run >= budget.max_blank_pages:
                self.reason = (
                    f"after {self.blank_run} pages in a row without text "
                    f"(--max-blank-ocr-pages {budget.max_blank_pages})"
                )
            elif budget.max_pages and self.started_pages >= budget.max_pages:
                self.reason = f"at its page budget (--max-ocr-pages {budget.max_pages})"
            elif budget.max_seconds and time.monotonic() - self.started >= budget.max_seconds:
                self.reason = f"at its time budget (--max-ocr-minutes {budget.max_seconds / 60:g})"
        if self.reason is not None:
            return True
        self.started_pages += 1
        return False


def page_ranges(numbers: Iterable[int]) -> str:
    """``1-3,7,9-10`` for pages 1, 2, 3, 7, 9, 10."""
    ranges: list[tuple[int, int]] = []
    for number in sorted(numbers):
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], number)
        else:
            ranges.append((number, number))
    return ",".join(f"{a}-{b}" if b > a else str(a) for a, b in ranges)


def without_page(ranges: str, number: int) -> str:
    """``ranges`` (as :func:`page_ranges` writes them) without page ``number``."""
    out: list[str] = []
    for part in ranges.split(","):
        first, _, last = part.partition("-")
        low, high = int(first), int(last or first)
        pieces = [(low, number - 1), (number + 1, high)] if low <= number <= high else [(low, high)]
        out.extend(f"{a}-{b}" if b > a else str(a) for a, b in pieces if a <= b)
    return ",".join(out)


def budget_warning(metadata: dict[str, str], doc: str) -> str | None:
    """The warning recorded for a document whose OCR its budget stopped; None if it did not.

    ``doc`` names the document for ``culpa ocr`` (a SHA-256 prefix).
    """
    stopped, not_read = metadata.get("ocr_stopped"), metadata.get("ocr_not_read")
    if not stopped or not not_read:
        return None
    ranges = not_read.split(",")
    commands = "; ".join(f"culpa ocr {doc} --pages {r}" for r in ranges[:3])
    more = f" (and {len(ranges) - 3} more ranges: see ocr_not_read)" if len(ranges) > 3 else ""
    return (
        f"{stopped}; pages {not_read if len(ranges) <= 3 else ','.join(ranges[:3]) + ',...'} "
        f"are stored without text. Read them with: {commands}{more}"
    )


def extract_with_ocr(
    extractor: Extractor,
    path: Path,
    context: ExtractContext,
    *,
    engine: str = "auto",
    on_pages: PagesCallback = no_pages,
    budget: OcrBudget = NO_BUDGET,
) -> Extracted:
    """Extract ``path`` and OCR the pages that need it: what a worker does with a file."""
    extracted = extractor.extract(path, context)
    return ocr_extracted(
        extractor, path, extracted, context, engine=engine, on_pages=on_pages, budget=budget
    )
