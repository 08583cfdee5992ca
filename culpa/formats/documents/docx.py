"""Word (OOXML) documents: the text as it now reads, plus what a reporter must not miss.

python-docx opens the package (its XML parser resolves no entities; a part
that declares a DTD is refused as hostile, see :mod:`culpa.formats.support.ooxml`);
the package's declared part sizes are checked first so a zip bomb disguised
as a .docx is refused before anything is inflated. Text is read from the XML
runs directly so explicit page breaks (``<w:br w:type="page"/>``,
``pageBreakBefore``) can split pages; a document without any is one page.
Headers go before the first page's text and footers after the last, once
each, since they repeat on every printed page.

The body is the document as it now reads: inserted runs (``w:ins``) are in
it, deleted runs (``w:del``, ``w:delText``) and text moved away
(``w:moveFrom``) are not. What the final view hides is appended to the last
page, after the footer, in sections of one line per item:

    Footnotes:
    [1] footnote text

    Endnotes:
    [1] endnote text

    Comments:
    [comment by AUTHOR, DATE on «anchored text»] comment text

    Tracked changes:
    [deleted by AUTHOR, DATE] text
    [inserted by AUTHOR, DATE] text
    [moved away by AUTHOR, DATE] text
    [moved here by AUTHOR, DATE] text

A text box that Word wrote twice (``mc:AlternateContent``: DrawingML and a VML
fallback) is read once. A tracked-change line holds one paragraph's run of consecutive changed text
of the same kind, author and date. Metadata adds the core and extended
properties, ``comment_authors`` and ``revision_authors`` (distinct names,
``'; '``-joined: they identify people), ``comment_count`` and
``tracked_change_count``. Embedded files (``word/embeddings``) become children.

The runs are read into text by :mod:`culpa.formats.documents.docx_text`; this
module opens the document and adds what the final view hides.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, cast

import lxml.etree
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.part import PartFactory
from docx.package import Package
from docx.parts.document import DocumentPart

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.docx_text import (
    DELETED,
    ID,
    MC_FALLBACK,
    MOVED_FROM,
    PAGE_BREAK,
    PARAGRAPH,
    TAB,
    TEXT,
    TYPE,
    WORD_NS,
    flattened,
    has_any,
    in_fallback,
    is_tab_stop,
    one_line,
    story_text,
)
from culpa.formats.registry import register
from culpa.formats.support.ooxml import (
    Element,
    OoxmlPackage,
    distinct,
    embedded_children,
    ooxml_properties,
    open_package,
    refuse_dtd,
    xml_error,
)
from culpa.models import Extracted, Page

#: Name used in error messages.
LABEL = "DOCX"
#: Anchored text quoted in a comment line is cut to this many characters.
MAX_ANCHOR_CHARS = 200

# python-docx opens only plain .docx; macro-enabled documents and templates hold
# the same main part under another content type.
_OTHER_MAIN_CONTENT_TYPES = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
for _content_type in _OTHER_MAIN_CONTENT_TYPES:
    PartFactory.part_type_for.setdefault(_content_type, DocumentPart)

_DEL_TEXT = f"{{{WORD_NS}}}delText"
_AUTHOR = f"{{{WORD_NS}}}author"
_DATE = f"{{{WORD_NS}}}date"
_INS = f"{{{WORD_NS}}}ins"
_MOVE_TO = f"{{{WORD_NS}}}moveTo"
_COMMENT = f"{{{WORD_NS}}}comment"
_COMMENT_RANGE_START = f"{{{WORD_NS}}}commentRangeStart"
_COMMENT_RANGE_END = f"{{{WORD_NS}}}commentRangeEnd"
_FOOTNOTE = f"{{{WORD_NS}}}footnote"
_ENDNOTE = f"{{{WORD_NS}}}endnote"
#: Tracked-change wrappers of runs, and how a change line names them.
_CHANGE_LABELS: dict[str, str] = {
    _INS: "inserted",
    DELETED: "deleted",
    MOVED_FROM: "moved away",
    _MOVE_TO: "moved here",
}
_CHANGE_TAGS = tuple(_CHANGE_LABELS)
#: Notes of these types are separator lines, not content.
_SEPARATOR_NOTE_TYPES = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_UNKNOWN_AUTHOR = "unknown author"
#: Every ``w:author`` under an element (python-docx's elements override ``xpath()``).
_AUTHOR_ATTRIBUTES = lxml.etree.XPath(".//@w:author", namespaces={"w": WORD_NS})
_LIBRARY_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    NotImplementedError,
    RuntimeError,
    OSError,
)


def _headers_footers(document: Any) -> tuple[str, str, list[Element]]:
    """Header text, footer text, and their root elements (for tracked changes)."""
    headers: list[str] = []
    footers: list[str] = []
    roots: list[Element] = []
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
            refuse_dtd(element, LABEL, kind.replace("_", " "))
            roots.append(element)
            text = one_line(story_text(element))
            if text and text not in target:
                target.append(text)
    return "\n".join(headers), "\n".join(footers), roots


def _label(author: str, date: str) -> str:
    return f"{author or _UNKNOWN_AUTHOR}, {date}" if date else author or _UNKNOWN_AUTHOR


@dataclass(slots=True)
class _Change:
    kind: str
    author: str
    date: str
    pieces: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = " ".join("".join(self.pieces).split())
        return f"[{self.kind} by {_label(self.author, self.date)}] {text}"


def _tracked_changes(roots: Iterable[Element]) -> list[_Change]:
    """Changed text per paragraph, in document order (see the module docstring)."""
    changes: list[_Change] = []
    for root in roots:
        if not has_any(root, _CHANGE_TAGS):
            continue
        current: _Change | None = None
        has_fallback = has_any(root, (MC_FALLBACK,))
        for node in root.iter(PARAGRAPH, TEXT, _DEL_TEXT, TAB):
            if node.tag == PARAGRAPH:
                current = None  # one line per paragraph
                continue
            if node.tag == TAB and is_tab_stop(node):
                continue
            if has_fallback and in_fallback(node):
                continue
            change = next(node.iterancestors(*_CHANGE_TAGS), None)
            if change is None:
                current = None  # unchanged text ends a run of changes
                continue
            kind = _CHANGE_LABELS[change.tag]
            author = (change.get(_AUTHOR) or "").strip()
            date = (change.get(_DATE) or "").strip()
            if current is None or (current.kind, current.author, current.date) != (
                kind,
                author,
                date,
            ):
                current = _Change(kind, author, date)
                changes.append(current)
            current.pieces.append("\t" if node.tag == TAB else node.text or "")
    return [change for change in changes if "".join(change.pieces).strip()]


def _revision_authors(roots: Iterable[Element]) -> str:
    """Authors of every tracked revision (text and formatting changes)."""
    names: list[str] = []
    for root in roots:
        names.extend(str(value) for value in _AUTHOR_ATTRIBUTES(root))
    return distinct(names)


@dataclass(frozen=True, slots=True)
class _Comment:
    id: str
    author: str
    date: str
    text: str


def _comments(package: OoxmlPackage, main_part: str) -> list[_Comment]:
    part = package.related_part(main_part, "comments")
    root = package.parse(part) if part else None
    if root is None:
        return []
    return [
        _Comment(
            id=comment.get(ID) or "",
            author=(comment.get(_AUTHOR) or "").strip(),
            date=(comment.get(_DATE) or "").strip(),
            text=flattened(story_text(comment)),
        )
        for comment in root.iterchildren(_COMMENT)
    ]


def _anchors(body: Element) -> dict[str, str]:
    """The text each comment is anchored to (between its range start and end)."""
    open_ranges: dict[str, list[str]] = {}
    anchors: dict[str, str] = {}
    if not has_any(body, (_COMMENT_RANGE_START,)):
        return anchors
    has_fallback = has_any(body, (MC_FALLBACK,))
    for node in body.iter(_COMMENT_RANGE_START, _COMMENT_RANGE_END, TEXT, TAB, PARAGRAPH):
        tag = node.tag
        if has_fallback and in_fallback(node):
            continue
        if tag == _COMMENT_RANGE_START:
            open_ranges[node.get(ID) or ""] = []
        elif tag == _COMMENT_RANGE_END:
            comment_id = node.get(ID) or ""
            if comment_id in open_ranges:
                anchors[comment_id] = "".join(open_ranges.pop(comment_id))
        elif open_ranges and not (tag == TAB and is_tab_stop(node)):
            piece = (node.text or "") if tag == TEXT else " "
            for pieces in open_ranges.values():
                if sum(map(len, pieces)) <= MAX_ANCHOR_CHARS:
                    pieces.append(piece)
    return anchors


def _comment_lines(comments: list[_Comment], anchors: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for comment in comments:
        anchor = " ".join(anchors.get(comment.id, "").split())
        if len(anchor) > MAX_ANCHOR_CHARS:
            anchor = anchor[:MAX_ANCHOR_CHARS].rstrip() + "…"
        on = f" on «{anchor}»" if anchor else ""
        lines.append(f"[comment by {_label(comment.author, comment.date)}{on}] {comment.text}")
    return lines


def _notes(package: OoxmlPackage, main_part: str, kind: str, tag: str) -> tuple[list[str], Any]:
    """Lines ``[id] text`` of the footnotes or endnotes, and the part's root."""
    part = package.related_part(main_part, kind)
    root = package.parse(part) if part else None
    if root is None:
        return [], None
    lines: list[str] = []
    for note in root.iterchildren(tag):
        if note.get(TYPE) in _SEPARATOR_NOTE_TYPES:
            continue
        text = flattened(story_text(note))
        if text:
            lines.append(f"[{note.get(ID) or '?'}] {text}")
    return lines, root


def _section(title: str, lines: list[str]) -> str:
    return f"{title}:\n" + "\n".join(lines)


def _open_document(path: Path) -> Any:
    """python-docx's Document for ``path`` (macro-enabled and template ones too)."""
    try:
        part = Package.open(str(path)).main_document_part
        if not isinstance(part, DocumentPart):
            raise ExtractionError(
                ErrorKind.UNSUPPORTED,
                f"main part is {part.content_type}, not a Word document",
            )
        return cast(Any, part).document
    except PackageNotFoundError as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"not a DOCX package: {exc}") from exc
    except lxml.etree.XMLSyntaxError as exc:
        raise xml_error(exc, LABEL) from exc
    except _LIBRARY_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"DOCX is damaged: {exc}") from exc


@register
class DocxExtractor:
    """Word 2007+ documents (.docx, .docm, .dotx, .dotm)."""

    type: ClassVar[str] = "docx"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        "application/vnd.ms-word.template.macroenabled.12",
    )
    extensions: ClassVar[tuple[str, ...]] = (".docx", ".docm", ".dotx", ".dotm")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Body text split at explicit page breaks; notes, comments, changes; properties."""
        with open_package(path, context, LABEL) as package:
            document = _open_document(path)
            try:
                main_part = str(document.part.partname.membername)
                body = document.element.body
                refuse_dtd(body, LABEL, main_part)
                text = story_text(body)
                header, footer, header_roots = _headers_footers(document)
            except _LIBRARY_ERRORS as exc:
                raise ExtractionError(ErrorKind.CORRUPT, f"DOCX is damaged: {exc}") from exc
            footnotes, footnotes_root = _notes(package, main_part, "footnotes", _FOOTNOTE)
            endnotes, endnotes_root = _notes(package, main_part, "endnotes", _ENDNOTE)
            comments = _comments(package, main_part)
            comment_lines = _comment_lines(comments, _anchors(body))
            revision_roots = [body, *header_roots]
            revision_roots += [root for root in (footnotes_root, endnotes_root) if root is not None]
            changes = _tracked_changes(revision_roots)
            metadata = ooxml_properties(package)
            folder = posixpath.dirname(main_part) or "word"
            children = embedded_children(package, [f"{folder}/embeddings"], context)
        revision_authors = _revision_authors(revision_roots)
        comment_authors = distinct(comment.author for comment in comments)
        if comment_authors:
            metadata["comment_authors"] = comment_authors
        if revision_authors:
            metadata["revision_authors"] = revision_authors
        if comments:
            metadata["comment_count"] = str(len(comments))
        if changes:
            metadata["tracked_change_count"] = str(len(changes))

        chunks = text.split(PAGE_BREAK)
        if header:
            chunks[0] = header + "\n\n" + chunks[0]
        if footer:
            chunks[-1] = chunks[-1].rstrip("\n") + "\n\n" + footer
        chunks = [chunk.strip("\n") for chunk in chunks]
        while len(chunks) > 1 and not chunks[-1].strip():
            chunks.pop()
        sections = [
            _section(title, lines)
            for title, lines in (
                ("Footnotes", footnotes),
                ("Endnotes", endnotes),
                ("Comments", comment_lines),
                ("Tracked changes", [change.line() for change in changes]),
            )
            if lines
        ]
        if sections:
            last = chunks[-1].rstrip("\n")
            chunks[-1] = (last + "\n\n" if last else "") + "\n\n".join(sections)
        pages = tuple(Page(number=n, text=chunk) for n, chunk in enumerate(chunks, start=1))
        return Extracted(pages=pages, metadata=metadata, children=children)
