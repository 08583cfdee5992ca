"""Word (OOXML) documents: body paragraphs and tables in reading order.

python-docx opens the package (its XML parser does not resolve entities);
the package's declared part sizes are checked first so a zip bomb disguised
as a .docx is refused before anything is inflated. Text is read from the XML
runs directly so explicit page breaks (``<w:br w:type="page"/>``,
``pageBreakBefore``) can split pages; a document without any is one page.
Headers go before the first page's text and footers after the last, once
each, since they repeat on every printed page.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import docx
import lxml.etree
from docx.opc.exceptions import PackageNotFoundError

from culpa.analysis.language import detect_language
from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted, Page

#: The package's parts may inflate to at most this many bytes in total.
MAX_UNCOMPRESSED_BYTES = 1024**3
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P = f"{{{_W}}}p"
_TBL = f"{{{_W}}}tbl"
_TR = f"{{{_W}}}tr"
_TC = f"{{{_W}}}tc"
_T = f"{{{_W}}}t"
_TAB = f"{{{_W}}}tab"
_BR = f"{{{_W}}}br"
_CR = f"{{{_W}}}cr"
_NO_BREAK_HYPHEN = f"{{{_W}}}noBreakHyphen"
_PAGE_BREAK_BEFORE = f"{{{_W}}}pageBreakBefore"
_TYPE = f"{{{_W}}}type"
_VAL = f"{{{_W}}}val"
_SDT = f"{{{_W}}}sdt"
_SDT_CONTENT = f"{{{_W}}}sdtContent"

#: Marker placed in the text stream where a page ends.
_PAGE_BREAK = "\f"
_CORE_PROPERTIES = (
    "author",
    "title",
    "subject",
    "keywords",
    "comments",
    "category",
    "created",
    "modified",
    "last_modified_by",
    "last_printed",
    "revision",
    "identifier",
    "language",
    "version",
    "content_status",
)


def _check_package(path: Path, context: ExtractContext) -> None:
    """Refuse a package whose parts would inflate past the limits (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable DOCX package: {exc}") from exc
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED, f"DOCX parts would inflate to {total} bytes"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024**2 and ratio > context.limits.max_ratio:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED,
                f"DOCX part {info.filename!r} has compression ratio {ratio:.0f}",
            )


def _paragraph_text(paragraph: Any) -> Iterator[str]:
    """Text pieces of a ``<w:p>``, with page-break markers."""
    for node in paragraph.iter(_T, _TAB, _BR, _CR, _NO_BREAK_HYPHEN, _PAGE_BREAK_BEFORE):
        tag = node.tag
        if tag == _T:
            if node.text:
                yield node.text
        elif tag == _TAB:
            yield "\t"
        elif tag == _BR:
            yield _PAGE_BREAK if node.get(_TYPE) == "page" else "\n"
        elif tag == _CR:
            yield "\n"
        elif tag == _NO_BREAK_HYPHEN:
            yield "-"
        elif tag == _PAGE_BREAK_BEFORE and node.get(_VAL, "true") not in ("0", "false", "off"):
            yield _PAGE_BREAK


def _table_text(table: Any) -> Iterator[str]:
    for row in table.iterchildren(_TR):
        cells: list[str] = []
        for cell in row.iterchildren(_TC):
            cells.append("\n".join("".join(_block_text(child)) for child in cell.iterchildren()))
        yield "\t".join(c.strip("\n") for c in cells) + "\n"


def _block_text(element: Any) -> Iterator[str]:
    """Text of a body-level element (paragraph, table, content control)."""
    tag = element.tag
    if tag == _P:
        yield from _paragraph_text(element)
        yield "\n"
    elif tag == _TBL:
        yield from _table_text(element)
    elif tag == _SDT:
        for content in element.iterchildren(_SDT_CONTENT):
            for child in content.iterchildren():
                yield from _block_text(child)


def _story_text(container: Any) -> str:
    return "".join(piece for child in container.iterchildren() for piece in _block_text(child))


def _headers_footers(document: Any) -> tuple[str, str]:
    headers: list[str] = []
    footers: list[str] = []
    seen: set[int] = set()
    for section in document.sections:
        for kind, target in (
            ("header", headers),
            ("first_page_header", headers),
            ("even_page_header", headers),
            ("footer", footers),
            ("first_page_footer", footers),
            ("even_page_footer", footers),
        ):
            part = getattr(section, kind)
            if part.is_linked_to_previous:
                continue
            element = part._element
            if id(element) in seen:
                continue
            seen.add(id(element))
            text = _story_text(element).replace(_PAGE_BREAK, "\n").strip()
            if text and text not in target:
                target.append(text)
    return "\n".join(headers), "\n".join(footers)


def _metadata(document: Any) -> dict[str, str]:
    metadata: dict[str, str] = {}
    properties = document.core_properties
    for name in _CORE_PROPERTIES:
        try:
            value = getattr(properties, name)
        except (ValueError, TypeError):
            continue  # a malformed date or number in docProps/core.xml
        if value is None or value == "":
            continue
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        metadata[name] = text[:MAX_METADATA_CHARS]
    return metadata


class DocxExtractor:
    """Word 2007+ documents (.docx, .docm)."""

    type: ClassVar[str] = "docx"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    )
    extensions: ClassVar[tuple[str, ...]] = (".docx", ".docm", ".dotx")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Body text split at explicit page breaks; headers, footers, core properties."""
        _check_package(path, context)
        try:
            document = docx.Document(str(path))
            body = _story_text(document.element.body)
            header, footer = _headers_footers(document)
            metadata = _metadata(document)
        except PackageNotFoundError as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"not a DOCX package: {exc}") from exc
        except (zipfile.BadZipFile, KeyError, lxml.etree.XMLSyntaxError, ValueError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"DOCX is damaged: {exc}") from exc
        chunks = body.split(_PAGE_BREAK)
        if header:
            chunks[0] = header + "\n\n" + chunks[0]
        if footer:
            chunks[-1] = chunks[-1].rstrip("\n") + "\n\n" + footer
        chunks = [chunk.strip("\n") for chunk in chunks]
        while len(chunks) > 1 and not chunks[-1].strip():
            chunks.pop()
        pages = tuple(
            Page(number=n, text=chunk, language=detect_language(chunk))
            for n, chunk in enumerate(chunks, start=1)
        )
        return Extracted(pages=pages, metadata=metadata)


register(DocxExtractor)
