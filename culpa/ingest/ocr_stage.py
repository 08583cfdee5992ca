"""OCR as a stage after extraction: one path for PDFs, images and ``culpa ocr``.

Extractors do not OCR. They mark the pages that need it
(:attr:`culpa.models.Extracted.ocr_pages`) and can render any page to an image
(:class:`culpa.formats.base.PageRenderer`); this stage renders those pages one
at a time in the calling thread (MuPDF is not thread-safe) and OCRs them in a
thread pool (the engines run in subprocesses or release the GIL), at most
:data:`OCR_THREADS` at once per process and, through the shared OCR slots, one
engine per core across all ingest workers. The ingest runs it in each worker
right after extraction; ``culpa ocr`` runs it on originals already in the
case. A page that fails to render or to OCR keeps what extraction gave it and
is named in the document's ``ocr_errors`` metadata.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, replace
from pathlib import Path

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, Extractor, PageImage, PageRenderer
from culpa.models import Extracted, Page

#: Pages of one document OCR'd at once; the OCR slots bound engines per machine.
OCR_THREADS = max(1, os.cpu_count() or 1)
#: Rendered pages held per OCR thread (rendering runs ahead of OCR by this much).
RENDERED_PER_THREAD = 2

#: Told (pages newly known, pages newly done) as OCR advances: the progress bar
#: counts pages while OCR runs, not files.
PagesCallback = Callable[[int, int], None]


def no_pages(known: int, done: int) -> None:
    """The default :data:`PagesCallback`: nobody is counting."""


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
) -> Iterator[PageOcr]:
    """OCR pages ``numbers`` of ``path``; yield each page as soon as it is read (any order).

    Raises ExtractionError when the file cannot be opened for rendering at all.
    """
    on_pages(len(numbers), 0)
    limit = OCR_THREADS * RENDERED_PER_THREAD
    pending: dict[Future[Page], int] = {}
    with ThreadPoolExecutor(max_workers=OCR_THREADS, thread_name_prefix="ocr") as pool:
        try:
            for rendered in renderer.render_pages(path, numbers, context):
                context.progress()
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
) -> Extracted:
    """``extracted`` with its :attr:`~Extracted.ocr_pages` OCR'd (the ingest's OCR stage).

    Failed pages keep their text layer and are listed in ``ocr_errors``. When
    every page failed and none has any text, the file is recorded as
    ``ocr_failed`` (ExtractionError), as nothing of it could be read.
    """
    numbers = extracted.ocr_pages
    if not numbers or not context.ocr:
        return extracted
    pages = {page.number: page for page in extracted.pages}
    errors: dict[int, str] = {}
    if not isinstance(extractor, PageRenderer):
        errors = dict.fromkeys(numbers, "this format's pages cannot be rendered for OCR")
    else:
        try:
            for done in ocr_pages(
                extractor, path, numbers, context, engine=engine, on_pages=on_pages
            ):
                if done.page is not None:
                    pages[done.number] = done.page
                else:
                    errors[done.number] = done.error or "OCR failed"
        except ExtractionError as exc:  # could not be opened again for rendering
            read = {n for n, page in pages.items() if page.method == "ocr"}
            errors.update((n, exc.message) for n in numbers if n not in read and n not in errors)
    metadata = dict(extracted.metadata)
    if errors:
        lines = [f"page {number}: {errors[number]}" for number in sorted(errors)]
        if len(errors) == len(pages) and not any(page.text.strip() for page in pages.values()):
            raise ExtractionError(ErrorKind.OCR_FAILED, lines[0])
        metadata["ocr_errors"] = "\n".join(lines)
    ordered = tuple(pages[number] for number in sorted(pages))
    return replace(extracted, pages=ordered, metadata=metadata)


def extract_with_ocr(
    extractor: Extractor,
    path: Path,
    context: ExtractContext,
    *,
    engine: str = "auto",
    on_pages: PagesCallback = no_pages,
) -> Extracted:
    """Extract ``path`` and OCR the pages that need it: what a worker does with a file."""
    extracted = extractor.extract(path, context)
    return ocr_extracted(extractor, path, extracted, context, engine=engine, on_pages=on_pages)
