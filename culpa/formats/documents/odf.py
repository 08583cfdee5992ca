"""OpenDocument (ODF) text, spreadsheets, presentations and drawings.

ODF files are zip packages (or single "flat" XML files) whose ``content.xml``,
``styles.xml`` and ``meta.xml`` are read straight from the package with lxml set
to refuse entity resolution, DTD loading and network access; a part that
declares a DTD at all is refused as unsafe (ODF never needs one), so XXE and
billion-laughs payloads get nowhere. Declared part sizes are checked against
the archive limits before anything is inflated (zip bombs).

- Text (.odt): paragraphs, headings, lists, tables, frames in reading order,
  split into pages at explicit page breaks (paragraph or table styles with
  ``fo:break-before``/``break-after="page"``) and at the soft page breaks the
  last program to lay the document out recorded. Headers go before the first
  page and footers after the last. Footnotes, comments (with author and date)
  and tracked changes (with the deleted text and who deleted it: a reporter
  needs it) follow the text of the page they are anchored on, in ``Notes:``,
  ``Comments:`` and ``Tracked changes:`` sections.
- Spreadsheets (.ods): an overview page listing the sheets, then each sheet's
  rows as a table (:mod:`culpa.formats.tables.sheets`), numbered as Calc numbers them;
  a sheet hidden by its style (``table:display="false"``) is read and said so.
  The XML is streamed row by row, and repeated rows and cells
  (``number-rows-repeated`` of a million is normal for trailing blanks) are
  never expanded past :data:`~culpa.formats.documents.odf_walker.MAX_REPEAT`, so a
  crafted sheet cannot balloon; empty ones cost nothing, and the row numbers
  after them stay right.
- Presentations and drawings (.odp, .odg): one page per slide, speaker notes
  in a ``Notes:`` section.

Embedded foreign objects (``Object N`` parts: whole OLE files such as a Word or
Excel document pasted into the file) are handed to the ingest as children.
Password-protected packages are reported as ``encrypted`` (not decrypted).

The parts live in modules of their own: the package (safe XML, sizes,
encryption, metadata, embedded objects) in :mod:`culpa.formats.support.odf_package`,
the walk of body XML shared by all three kinds in
:mod:`culpa.formats.documents.odf_walker`, spreadsheets in
:mod:`culpa.formats.documents.odf_sheets`; this module reads text documents and
presentations and holds the extractors.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import lxml.etree

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.odf_sheets import extract_spreadsheet
from culpa.formats.documents.odf_walker import (
    MAX_TEXT_CHARS,
    Budget,
    Change,
    Chunk,
    Styles,
    Walker,
    one_line,
)
from culpa.formats.registry import register
from culpa.formats.support.odf_package import OdfPackage, odf_metadata, office_body, q
from culpa.models import Extracted, Page, Table

_BLANK_LINES = re.compile(r"\n{3,}")
_DRAW_PAGE, _NOTES = q("draw:page"), q("presentation:notes")


def _chunk_text(chunk: Chunk, changes: list[str], prefix: str = "", suffix: str = "") -> str:
    """A page's text: its body (with ``prefix``/``suffix``), then its notes, comments, changes."""
    text = "".join(chunk.body).strip("\n")
    if prefix:
        text = f"{prefix}\n\n{text}"
    if suffix:
        text = f"{text}\n\n{suffix}"
    for title, lines in (
        ("Notes", chunk.notes),
        ("Comments", chunk.comments),
        ("Tracked changes", changes),
    ):
        if lines:
            text = f"{text}\n\n{title}:\n" + "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip("\n")


def _pages(texts: list[str]) -> tuple[Page, ...]:
    return tuple(Page(number=number, text=text) for number, text in enumerate(texts, start=1))


# --------------------------------------------------------------------------- documents


def _headers_footers(styles_root: Any, styles: Styles) -> tuple[str, str]:
    headers: list[str] = []
    footers: list[str] = []
    if styles_root is None:
        return "", ""
    for master in styles_root.iter(q("style:master-page")):
        for child in master.iterchildren("{*}*"):
            local = lxml.etree.QName(child).localname
            if local in ("header", "header-left", "header-first"):
                target = headers
            elif local in ("footer", "footer-left", "footer-first"):
                target = footers
            else:
                continue
            walker = Walker(styles, split_pages=False)
            text = walker.captured_text(child).strip()
            if text and text not in target:
                target.append(text)
    return "\n".join(headers), "\n".join(footers)


def extract_text_document(package: OdfPackage, budget: Budget) -> tuple[list[str], dict[str, str]]:
    """Pages of an ODF text document and counts for metadata."""
    content = package.read("content.xml")
    if content is None:
        raise ExtractionError(ErrorKind.CORRUPT, "ODF package has no content.xml")
    styles_root = package.read("styles.xml")
    styles = Styles(content, styles_root)
    body = office_body(content, "text")
    walker = Walker(styles, budget=budget)
    changes = walker.tracked_changes(body)
    walker.blocks(body)
    header, footer = _headers_footers(styles_root, styles)
    chunks = walker.chunks
    while len(chunks) > 1 and not chunks[-1].has_text() and not chunks[-1].notes:
        chunks.pop()
    placed: set[str] = set()
    texts: list[str] = []
    last = len(chunks) - 1
    for index, chunk in enumerate(chunks):
        lines: list[str] = []
        for change_id in chunk.change_ids:
            if change_id in changes and change_id not in placed:
                placed.add(change_id)
                lines.append(_change_line(changes[change_id], walker.insertions.get(change_id)))
        if index == last:  # changes not anchored in the body go last
            lines.extend(
                _change_line(change, walker.insertions.get(change_id))
                for change_id, change in changes.items()
                if change_id not in placed
            )
        prefix = header if index == 0 else ""
        suffix = footer if index == last else ""
        texts.append(_chunk_text(chunk, lines, prefix, suffix))
    counts: dict[str, str] = {}
    if changes:
        counts["tracked_changes"] = str(len(changes))
    if walker.comment_count:
        counts["comment_count"] = str(walker.comment_count)
    return texts, counts


def _change_line(change: Change, inserted: str | None) -> str:
    if change.kind == "Inserted" and inserted:
        change = Change(change.kind, change.author, change.date, one_line(inserted))
    return change.line()


def extract_presentation(
    package: OdfPackage, kind: str, budget: Budget
) -> tuple[list[str], dict[str, str]]:
    """One text per slide (presentation) or page (drawing), speaker notes after it."""
    content = package.read("content.xml")
    if content is None:
        raise ExtractionError(ErrorKind.CORRUPT, "ODF package has no content.xml")
    body = office_body(content, kind)
    texts: list[str] = []
    comments = 0
    for slide in body.iterchildren(_DRAW_PAGE):
        walker = Walker(split_pages=False, budget=budget)
        walker.blocks(slide)
        chunk = walker.chunk
        notes = slide.find(_NOTES)
        if notes is not None:
            note_walker = Walker(split_pages=False, budget=budget)
            note_walker.blocks(notes)
            note_text = "".join(note_walker.chunk.body).strip()
            if note_text:
                chunk.notes.append(note_text)
            chunk.comments.extend(note_walker.chunk.comments)
        comments += walker.comment_count
        texts.append(_chunk_text(chunk, []))
    counts = {"slides": str(len(texts))}
    if comments:
        counts["comment_count"] = str(comments)
    return texts, counts


# --------------------------------------------------------------------------- extractors


def _extract(path: Path, context: ExtractContext, kind: str) -> Extracted:
    if path.stat().st_size == 0:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    package = OdfPackage(path, context)
    budget = Budget(MAX_TEXT_CHARS)
    pages: tuple[Page, ...] = ()
    tables: tuple[Table, ...] = ()
    texts: list[str] = []
    try:
        if kind == "text":
            texts, extra = extract_text_document(package, budget)
        elif kind == "spreadsheet":
            pages, tables, extra = extract_spreadsheet(package, context.progress, budget)
        else:
            texts, extra = extract_presentation(package, kind, budget)
        metadata = odf_metadata(package.read("meta.xml"))
        children = package.embedded_objects(context)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"ODF package is damaged: {exc}") from exc
    finally:
        package.close()
    metadata.update(extra)
    if package.encrypted:
        metadata["decrypted"] = "yes (a --password opened it)"
    if budget.exhausted:
        metadata["truncated"] = f"text cut at {MAX_TEXT_CHARS} characters"
    if children:
        metadata["embedded_files"] = str(len(children))
    if not pages:
        pages = _pages(texts or [""])
    return Extracted(pages=pages, metadata=metadata, children=children, tables=tables)


@register
class OdtExtractor:
    """OpenDocument text (.odt, .ott, flat .fodt)."""

    type: ClassVar[str] = "odt"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.text-template",
        "application/vnd.oasis.opendocument.text-flat-xml",
    )
    extensions: ClassVar[tuple[str, ...]] = (".odt", ".ott", ".fodt")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Pages split at explicit and recorded page breaks, with notes, comments, changes."""
        return _extract(path, context, "text")


@register
class OdsExtractor:
    """OpenDocument spreadsheets (.ods, .ots, flat .fods)."""

    type: ClassVar[str] = "ods"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.spreadsheet-template",
        "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
    )
    extensions: ClassVar[tuple[str, ...]] = (".ods", ".ots", ".fods")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """An overview page, then each sheet's rows as a table."""
        return _extract(path, context, "spreadsheet")


@register
class OdpExtractor:
    """OpenDocument presentations (.odp, .otp, flat .fodp)."""

    type: ClassVar[str] = "odp"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.presentation-template",
        "application/vnd.oasis.opendocument.presentation-flat-xml",
    )
    extensions: ClassVar[tuple[str, ...]] = (".odp", ".otp", ".fodp")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """One page per slide, speaker notes after the slide's text."""
        return _extract(path, context, "presentation")


@register
class OdgExtractor:
    """OpenDocument drawings (.odg, .otg, flat .fodg): one page per drawing page."""

    type: ClassVar[str] = "odg"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.oasis.opendocument.graphics",
        "application/vnd.oasis.opendocument.graphics-template",
        "application/vnd.oasis.opendocument.graphics-flat-xml",
    )
    extensions: ClassVar[tuple[str, ...]] = (".odg", ".otg", ".fodg")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """One page per drawing page."""
        return _extract(path, context, "drawing")
