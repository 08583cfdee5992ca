"""Legacy (97-2003) Office files: Word .doc, PowerPoint .ppt, Excel .xls.

- .doc and .ppt are converted to PDF by LibreOffice (headless) and the PDF
  extractor reads the result, so pages are LibreOffice's real page (or slide)
  layout and every word keeps its box; comments are exported as PDF
  annotations and added to their page's text in a ``Comments:`` section;
  hidden slides are exported too.
- Only the document's own text: LibreOffice fills a date or time field that the
  document does not fix, and a file-name field, from its clock and from the
  scratch copy's name when it lays the page out, so the text would claim a
  moment that is not in the file and two ingests would differ (issue 10). Each
  file is therefore converted to ODF first; every such field there is replaced
  by a marker (:data:`~culpa.formats.documents.clock_fields.CLOCK_FIELD_MARKERS`:
  ``[date field]``, ``[time field]``,
  ``[file name field]``; a slide footer showing "today" likewise) and that ODF is
  converted to PDF. Fixed fields keep the value saved in the file. A PowerPoint
  date field holds no value at all (PowerPoint shows the day it is opened). A
  Word DATE or TIME field keeps the result Word saved: LibreOffice keeps it for a
  locked field, so the fields are locked in a copy first (:func:`lock_word_fields`).
- .xls is read by xlrd directly (no converter): an overview page listing the
  sheets (hidden ones said), then each sheet's rows as a table numbered as Excel
  numbers them (:mod:`culpa.formats.tables.sheets`), cell comments on a page after.
- Metadata of all three comes from the OLE property streams
  (SummaryInformation, DocumentSummaryInformation) via olefile.
- Files embedded in them (an OOXML document's ``package`` stream, a file
  wrapped by the Object Packager, an embedded PDF's ``CONTENTS``) are handed to
  the ingest as children. Embedded 97-2003 documents, which live as storages
  inside their parent, are counted in metadata but not extracted.
- Password protection (the Word FIB's encryption flag, Excel's FILEPASS
  record, PowerPoint's encrypted session) is detected with msoffcrypto-tool
  before any conversion; a password from ``context.passwords`` (and Excel's
  public default password) is tried, else the file is ``encrypted``.

LibreOffice never reaches the network and never touches the user's files:
each conversion gets a fresh private profile (``-env:UserInstallation``) whose
settings block linked content from the document (``BlockUntrustedRefererLinks``:
a remote image is not fetched), never update links and never run macros; it
runs under :func:`culpa.formats.support.tools.run_tool` (private HOME and temporary
folder, time limit, process group killed on timeout), and, where the kernel
allows it, in a network namespace of its own with no interfaces up. Two
conversions at once (two worker processes) share nothing.

The parts shared with other formats live apart: the LibreOffice sandbox in
:mod:`culpa.formats.support.libreoffice`, OLE properties, embedded files and
passwords in :mod:`culpa.formats.support.ole`, clock fields in
:mod:`culpa.formats.documents.clock_fields`, and the reading of .xls workbooks in
:mod:`culpa.formats.tables.xls_workbook`; this module holds the extractors.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pymupdf

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, PageImage
from culpa.formats.documents.clock_fields import lock_word_fields, mark_clock_fields
from culpa.formats.documents.pdf import PdfExtractor
from culpa.formats.registry import register
from culpa.formats.support.libreoffice import libreoffice_converted
from culpa.formats.support.ole import (
    decrypted_copy,
    embedded_files,
    embedded_metadata,
    ole_metadata,
)
from culpa.formats.tables.xls_workbook import read_workbook
from culpa.models import Extracted, Page

#: Larger legacy Office files are refused (bytes).
MAX_LEGACY_BYTES = 512 * 1024**2
#: PDF export filters and options: comments as annotations, hidden slides included.
_PDF_FILTERS = {
    "writer": 'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}',
    "impress": (
        'pdf:impress_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"},'
        '"ExportHiddenSlides":{"type":"boolean","value":"true"}}'
    ),
}

#: LibreOffice's own (ODF) format each application writes first, so that fields
#: filled from the clock can be marked before the PDF is made: (target, suffix).
_ODF_TARGETS = {"writer": ("odt:writer8", ".odt"), "impress": ("odp:impress8", ".odp")}
#: PyMuPDF's type number of a "Text" (sticky note) annotation: how comments are exported.
_TEXT_ANNOTATION: int = pymupdf.PDF_ANNOT_TEXT  # type: ignore[attr-defined]


@contextlib.contextmanager
def office_pdf(source: Path, *, application: str, suffix: str) -> Iterator[tuple[Path, int]]:
    """LibreOffice's PDF of a .doc or .ppt, with clock fields marked; and how many were.

    Two conversions: to ODF (where the fields are marked), then that ODF to PDF.
    """
    odf_target, odf_suffix = _ODF_TARGETS[application]
    with libreoffice_converted(source, odf_target, suffix=suffix) as odf:
        marked_odf = odf.with_name(f"marked{odf_suffix}")
        marked = mark_clock_fields(odf, marked_odf)
        with libreoffice_converted(marked_odf, _PDF_FILTERS[application], suffix=odf_suffix) as pdf:
            yield pdf, marked


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
    if size == 0:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    if size > MAX_LEGACY_BYTES:
        raise ExtractionError(ErrorKind.TOO_LARGE, f"Office file of {size} bytes is too large")


def _annotation_comments(pdf: Path) -> dict[int, list[str]]:
    """Comment annotations LibreOffice exported, by page number: ``author, date: text``."""
    comments: dict[int, list[str]] = {}
    try:
        with pymupdf.open(pdf) as document:  # type: ignore[no-untyped-call]
            for index, page in enumerate(document):
                for annotation in page.annots(types=[_TEXT_ANNOTATION]):
                    info = annotation.info
                    text = " ".join(str(info.get("content") or "").split())
                    if not text:
                        continue
                    who = str(info.get("title") or "").strip().strip(",").strip()
                    comments.setdefault(index + 1, []).append(f"{who}: {text}" if who else text)
    except (RuntimeError, ValueError) as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"converted PDF is unreadable: {exc}") from exc
    return comments


def _with_comments(page: Page, comments: list[str]) -> Page:
    # Appended after the text layer, so the words' offsets stay valid.
    text = f"{page.text}\n\nComments:\n" + "\n".join(comments)
    return dataclasses.replace(page, text=text, text_layer=True)


def _with_word_fields_locked(source: Path, scratch: Path, application: str) -> tuple[Path, int]:
    """A copy of a Word file with its DATE and TIME fields locked (see lock_word_fields)."""
    if application != "writer":
        return source, 0
    copy = scratch / "locked.doc"
    if copy != source:
        shutil.copyfile(source, copy)
    copy.chmod(0o600)
    locked = lock_word_fields(copy)
    return (copy, locked) if locked else (source, 0)


def _convert_and_read(
    path: Path, context: ExtractContext, *, application: str, suffix: str, label: str
) -> Extracted:
    _check_size(path)
    metadata = ole_metadata(path)
    with tempfile.TemporaryDirectory(prefix="culpa-legacy-") as scratch:
        source, encryption = decrypted_copy(path, context, Path(scratch), label)
        if encryption:
            metadata.update(ole_metadata(source) or {})
            metadata["encryption"] = encryption
        children, skipped = embedded_files(source, context)
        source, locked = _with_word_fields_locked(source, Path(scratch), application)
        if locked:
            metadata["clock_fields_saved_values"] = str(locked)
        with office_pdf(source, application=application, suffix=suffix) as (pdf, marked):
            context.progress()
            try:
                converted = PdfExtractor().extract(pdf, context)
            except ExtractionError as exc:
                raise ExtractionError(
                    exc.kind, f"the PDF LibreOffice made from it: {exc.message}"
                ) from exc
            comments = _annotation_comments(pdf)
            producer = converted.metadata.get("producer", "LibreOffice")
    pages = tuple(
        _with_comments(page, comments[page.number]) if page.number in comments else page
        for page in converted.pages
    )
    for key in ("page_count", "ocr_errors", "page_errors"):
        if key in converted.metadata:
            metadata[key] = converted.metadata[key]
    if application == "impress":
        metadata["slides"] = str(len(pages))
    comment_count = sum(len(found) for found in comments.values())
    if comment_count:
        metadata["comment_count"] = str(comment_count)
    metadata["converted_from"] = suffix.lstrip(".")
    metadata["converter"] = producer
    if marked:
        metadata["clock_fields_marked"] = str(marked)
    metadata.update(embedded_metadata(children, skipped))
    return Extracted(
        pages=pages,
        metadata=metadata,
        children=children,
        ocr_pages=converted.ocr_pages,
        warnings=converted.warnings,
    )


def _convert_and_render(
    path: Path,
    numbers: Sequence[int],
    context: ExtractContext,
    *,
    application: str,
    suffix: str,
    label: str,
) -> Iterator[PageImage]:
    """Pages of the PDF LibreOffice makes from ``path`` (converted again: the first
    conversion is gone by the time the OCR stage asks; rare, as few such pages need OCR)."""
    with tempfile.TemporaryDirectory(prefix="culpa-legacy-") as scratch:
        source, _encryption = decrypted_copy(path, context, Path(scratch), label)
        source, _locked = _with_word_fields_locked(source, Path(scratch), application)
        with office_pdf(source, application=application, suffix=suffix) as (pdf, _marked):
            yield from PdfExtractor().render_pages(pdf, numbers, context)


@register
class DocExtractor:
    """Word 97-2003 documents (.doc, .dot), through LibreOffice and the PDF extractor."""

    type: ClassVar[str] = "doc"
    mime_types: ClassVar[tuple[str, ...]] = ("application/msword",)
    extensions: ClassVar[tuple[str, ...]] = (".doc", ".dot", ".wps")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """LibreOffice's page layout, word boxes, comments; OLE properties."""
        return _convert_and_read(path, context, application="writer", suffix=".doc", label="Word")

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Pages of LibreOffice's PDF, for OCR."""
        return _convert_and_render(
            path, numbers, context, application="writer", suffix=".doc", label="Word"
        )


@register
class PptExtractor:
    """PowerPoint 97-2003 presentations (.ppt, .pps, .pot): one page per slide."""

    type: ClassVar[str] = "ppt"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-powerpoint",)
    extensions: ClassVar[tuple[str, ...]] = (".ppt", ".pps", ".pot")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """One page per slide (hidden ones included), with comments; OLE properties."""
        return _convert_and_read(
            path, context, application="impress", suffix=".ppt", label="PowerPoint"
        )

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Slides of LibreOffice's PDF, for OCR."""
        return _convert_and_render(
            path, numbers, context, application="impress", suffix=".ppt", label="PowerPoint"
        )


@register
class XlsExtractor:
    """Excel 97-2003 workbooks (.xls, .xlt), read by xlrd: every sheet as a table."""

    type: ClassVar[str] = "xls"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-excel",)
    extensions: ClassVar[tuple[str, ...]] = (".xls", ".xlt")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """An overview page, then each sheet's rows as a table; OLE properties."""
        _check_size(path)
        metadata = ole_metadata(path)
        with tempfile.TemporaryDirectory(prefix="culpa-legacy-") as scratch:
            source, encryption = decrypted_copy(path, context, Path(scratch), "Excel")
            if encryption:
                metadata["encryption"] = encryption
            pages, tables, extra = read_workbook(source, context)
            children, skipped = embedded_files(source, context)
        metadata.update(extra)
        metadata.update(embedded_metadata(children, skipped))
        return Extracted(pages=pages, metadata=metadata, children=children, tables=tables)


@register
class OleObjectExtractor:
    """An OLE compound file that is no Office document: an embedded object saved on its
    own (``word/embeddings/oleObject1.bin``). Its packaged file becomes a child."""

    type: ClassVar[str] = "ole"
    mime_types: ClassVar[tuple[str, ...]] = ("application/x-ole-storage", "application/CDFV2")
    extensions: ClassVar[tuple[str, ...]] = (".bin",)
    score: ClassVar[int] = 10

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """No pages of its own; the embedded file (Ole10Native, CONTENTS, Package) as a child."""
        children, skipped = embedded_files(path, context, at_root=True)
        if not children:
            raise ExtractionError(
                ErrorKind.UNSUPPORTED,
                "OLE compound file holding no embedded file culpa can take out"
                + (f" ({skipped} embedded 97-2003 documents)" if skipped else ""),
            )
        return Extracted(metadata=embedded_metadata(children, skipped), children=children)
