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
  never expanded past :data:`MAX_REPEAT`, so a crafted sheet cannot balloon;
  empty ones cost nothing, and the row numbers after them stay right.
- Presentations and drawings (.odp, .odg): one page per slide, speaker notes
  in a ``Notes:`` section.

Embedded foreign objects (``Object N`` parts: whole OLE files such as a Word or
Excel document pasted into the file) are handed to the ingest as children.
Password-protected packages are reported as ``encrypted`` (not decrypted).
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

import lxml.etree

from culpa.analysis.language import detect_language
from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.odf_crypto import (
    PartEncryption,
    decrypt_part,
    encrypted_parts,
    find_password,
)
from culpa.formats.support.safe_xml import SAFE_PARSER_OPTIONS, is_entity_attack
from culpa.formats.tables.sheets import WorkbookPages
from culpa.formats.tables.table_pages import row_line
from culpa.models import Child, Extracted, Page, Table
from culpa.sources.archive import Unpacker, check_declared_sizes

#: Parts read into a tree (content.xml of text and presentations, styles, meta) are
#: refused above this many bytes; spreadsheets are streamed, up to MAX_STREAMED_PART_BYTES.
MAX_TREE_PART_BYTES = 256 * 1024**2
#: A spreadsheet's content.xml is streamed; larger ones are refused (bytes).
MAX_STREAMED_PART_BYTES = 2 * 1024**3
#: The package's parts may declare at most this many bytes in total.
MAX_PACKAGE_BYTES = 4 * 1024**3
#: Bytes at the start of an XML part searched for a DTD declaration.
PROLOG_BYTES = 64 * 1024
#: A repeated non-empty cell or row is written at most this many times.
MAX_REPEAT = 1_000
#: Columns beyond this one are ignored (LibreOffice's own maximum is 16,384).
MAX_COLUMNS = 16_384
#: Rows of a sheet read between two progress reports to the ingest.
PROGRESS_ROWS = 1_000
#: A sheet's text is cut after this many characters (the cut is recorded in metadata).
MAX_SHEET_CHARS = 20_000_000
#: A document's text (all pages or sheets) is cut after this many characters: a few
#: kilobytes of repeated cells could otherwise describe gigabytes of text.
MAX_TEXT_CHARS = 100_000_000
#: A table row's text is cut after this many characters.
MAX_ROW_CHARS = 10_000_000
#: ``<text:s text:c="N"/>`` is written as at most this many spaces.
MAX_SPACES = 100
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000
#: Separator of list-valued metadata (sheet names), as for OOXML files.
LIST_SEPARATOR = "; "
#: Style inheritance deeper than this is not followed (cycles in hostile files).
MAX_STYLE_DEPTH = 20

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xlink": "http://www.w3.org/1999/xlink",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
    "officeooo": "http://openoffice.org/2009/office",
    "xml": "http://www.w3.org/XML/1998/namespace",
}


def _q(name: str) -> str:
    """``"text:p"`` as lxml's ``"{urn:...}p"``."""
    prefix, local = name.split(":", 1)
    return f"{{{NS[prefix]}}}{local}"


_P, _H = _q("text:p"), _q("text:h")
_LIST, _LIST_ITEM, _LIST_HEADER = _q("text:list"), _q("text:list-item"), _q("text:list-header")
_S, _TAB, _LINE_BREAK = _q("text:s"), _q("text:tab"), _q("text:line-break")
_SOFT_PAGE_BREAK = _q("text:soft-page-break")
_NOTE, _NOTE_CITATION, _NOTE_BODY = _q("text:note"), _q("text:note-citation"), _q("text:note-body")
_CHANGE, _CHANGE_START, _CHANGE_END = (
    _q("text:change"),
    _q("text:change-start"),
    _q("text:change-end"),
)
_TRACKED_CHANGES, _CHANGED_REGION = _q("text:tracked-changes"), _q("text:changed-region")
_INSERTION, _DELETION, _FORMAT_CHANGE = (
    _q("text:insertion"),
    _q("text:deletion"),
    _q("text:format-change"),
)
_CHANGE_INFO = _q("office:change-info")
_ANNOTATION, _ANNOTATION_OOO = _q("office:annotation"), _q("officeooo:annotation")
_ANNOTATION_END = _q("office:annotation-end")
_TABLE, _TABLE_ROW, _TABLE_CELL, _COVERED_CELL = (
    _q("table:table"),
    _q("table:table-row"),
    _q("table:table-cell"),
    _q("table:covered-table-cell"),
)
_DRAW_PAGE, _NOTES = _q("draw:page"), _q("presentation:notes")
_DC_CREATOR, _DC_DATE = _q("dc:creator"), _q("dc:date")
_STYLE_NAME = _q("text:style-name")
_TABLE_STYLE_NAME = _q("table:style-name")
_COLUMNS_REPEATED = _q("table:number-columns-repeated")
_ROWS_REPEATED = _q("table:number-rows-repeated")
_TABLE_NAME = _q("table:name")
_STYLE_STYLE, _STYLE_FAMILY = _q("style:style"), _q("style:family")
_STYLE_NAME_ATTRIBUTE = _q("style:name")
_TABLE_PROPERTIES, _TABLE_DISPLAY = _q("style:table-properties"), _q("table:display")
_TEXT_ID = _q("text:id")
_XML_ID = _q("xml:id")
_CHANGE_ID = _q("text:change-id")

# Elements whose content is never shown as body text.
_SKIPPED = frozenset(
    _q(name)
    for name in (
        "text:tracked-changes",
        "text:sequence-decls",
        "text:variable-decls",
        "text:user-field-decls",
        "text:dde-connection-decls",
        "text:table-of-content-source",
        "text:alphabetical-index-source",
        "text:illustration-index-source",
        "text:object-index-source",
        "text:user-index-source",
        "text:table-index-source",
        "text:bibliography-source",
        "office:forms",
        "office:binary-data",
        "office:event-listeners",
        "table:calculation-settings",
        "table:content-validations",
        "table:label-ranges",
        "table:named-expressions",
        "table:database-ranges",
        "table:table-source",
        "svg:title",
        "svg:desc",
        "draw:image",
        "draw:object",
        "draw:object-ole",
        "draw:plugin",
        "draw:applet",
        "draw:contour-polygon",
        "draw:contour-path",
        "presentation:notes",
        "office:annotation-end",
        "text:bookmark",
        "text:bookmark-start",
        "text:bookmark-end",
        "text:reference-mark",
        "text:reference-mark-start",
        "text:reference-mark-end",
        "text:alphabetical-index-mark",
        "text:toc-mark",
        "text:user-index-mark",
    )
)

#: meta.xml element -> culpa metadata key.
_META_FIELDS: tuple[tuple[str, str], ...] = (
    ("meta:initial-creator", "author"),
    ("dc:creator", "last_modified_by"),
    ("dc:title", "title"),
    ("dc:subject", "subject"),
    ("dc:description", "comments"),
    ("meta:creation-date", "created"),
    ("dc:date", "modified"),
    ("meta:print-date", "last_printed"),
    ("meta:printed-by", "printed_by"),
    ("meta:generator", "application"),
    ("meta:editing-cycles", "revision"),
    ("dc:language", "language"),
    ("meta:editing-duration", "editing_duration"),
)

_PARSER_OPTIONS: dict[str, Any] = {
    **SAFE_PARSER_OPTIONS,
    "remove_comments": True,
    "remove_pis": True,
}
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_ERRORS: tuple[type[Exception], ...] = (lxml.etree.XMLSyntaxError, lxml.etree.ParseError)
_BLANK_LINES = re.compile(r"\n{3,}")
_OBJECT_PART = re.compile(r"^Object \d+$")
_WHITE_SPACE = re.compile(r"[ \t\r\n]+")


def _refuse_dtd(head: bytes, part: str) -> None:
    if _DTD.search(head[:PROLOG_BYTES]):
        raise ExtractionError(
            ErrorKind.UNSAFE, f"ODF part {part} declares a DTD or entities (refused as hostile)"
        )


def xml_error(exc: Exception, part: str) -> ExtractionError:
    """The file error for an XML parse failure: entity tricks are unsafe, the rest corrupt."""
    message = str(exc)
    if is_entity_attack(exc) or "entit" in message.lower():
        return ExtractionError(ErrorKind.UNSAFE, f"ODF part {part} abuses XML entities: {message}")
    return ExtractionError(ErrorKind.CORRUPT, f"ODF part {part} is not valid XML: {message}")


def parse_xml(data: bytes, part: str) -> Any:
    """The root element of an XML part, parsed without entities, DTDs or network."""
    _refuse_dtd(data, part)
    parser = lxml.etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = lxml.etree.fromstring(data, parser)
    except _XML_ERRORS as exc:
        raise xml_error(exc, part) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise ExtractionError(ErrorKind.UNSAFE, f"ODF part {part} declares a DTD (refused)")
    return root


def _clean(value: str) -> str:
    return value.replace("\x00", "").strip()[:MAX_METADATA_CHARS]


# --------------------------------------------------------------------------- package


class _Package:
    """The XML parts of an ODF file: a zip package or one flat XML document."""

    def __init__(self, path: Path, context: ExtractContext) -> None:
        self.path = path
        self.flat: Any = None
        self.zip: zipfile.ZipFile | None = None
        #: Encrypted parts and the password that opens them (see odf_crypto).
        self.encrypted: dict[str, PartEncryption] = {}
        self.password: str | None = None
        try:
            is_zip = zipfile.is_zipfile(path)
        except OSError as exc:
            raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
        if not is_zip:
            self._open_flat()
            return
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"not a readable ODF package: {exc}") from exc
        self._check_sizes(infos, context)
        self.names = {info.filename for info in infos}
        self._check_encryption(context.passwords)

    def _open_flat(self) -> None:
        size = self.path.stat().st_size
        if size == 0:
            raise ExtractionError(ErrorKind.EMPTY, "file is empty")
        if size > MAX_TREE_PART_BYTES:
            raise ExtractionError(ErrorKind.TOO_LARGE, f"flat ODF document of {size} bytes")
        root = parse_xml(self.path.read_bytes(), self.path.name)
        if root.tag != _q("office:document"):
            raise ExtractionError(ErrorKind.CORRUPT, "not an ODF document (no office:document)")
        self.flat = root

    @staticmethod
    def _check_sizes(infos: list[zipfile.ZipInfo], context: ExtractContext) -> None:
        check_declared_sizes(infos, context.limits, "ODF", max_total=MAX_PACKAGE_BYTES)

    def _check_encryption(self, passwords: tuple[str, ...]) -> None:
        """Find the password of a protected package (its manifest lists encrypted parts)."""
        manifest = self.read("META-INF/manifest.xml")
        if manifest is None:
            return
        encrypted = encrypted_parts(manifest)
        if not encrypted:
            return
        probe = "content.xml" if "content.xml" in encrypted else next(iter(encrypted))
        if passwords and probe in self.names:
            self.password = find_password(passwords, encrypted[probe], self._raw(probe))
        if self.password is None:
            tried = (
                f"none of the {len(passwords)} passwords given opens it"
                if passwords
                else "give its password with --password or --password-file"
            )
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"ODF document is password-protected (encrypted parts); {tried}",
            )
        self.encrypted = encrypted

    def _raw(self, name: str) -> bytes:
        assert self.zip is not None
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"ODF part {name} is damaged: {exc}") from exc

    def _decrypted(self, name: str, max_bytes: int) -> bytes:
        assert self.password is not None
        return decrypt_part(self._raw(name), self.encrypted[name], self.password, max_bytes)

    def read(self, name: str) -> Any:
        """The root element of part ``name`` (a tree), or None if the package lacks it."""
        if self.flat is not None:
            return self.flat
        assert self.zip is not None
        if name not in self.names:
            return None
        if name in self.encrypted:
            return parse_xml(self._decrypted(name, MAX_TREE_PART_BYTES), name)
        info = self.zip.getinfo(name)
        if info.file_size > MAX_TREE_PART_BYTES:
            raise ExtractionError(
                ErrorKind.TOO_LARGE, f"ODF part {name} is {info.file_size} bytes (too large)"
            )
        try:
            data = self.zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"ODF part {name} is damaged: {exc}") from exc
        return parse_xml(data, name)

    @contextlib.contextmanager
    def stream(self, name: str) -> Iterator[IO[bytes] | None]:
        """An open stream over part ``name`` for incremental parsing (None if missing)."""
        if self.flat is not None:
            yield None
            return
        assert self.zip is not None
        if name not in self.names:
            yield None
            return
        if name in self.encrypted:
            data = self._decrypted(name, MAX_STREAMED_PART_BYTES)
            _refuse_dtd(data[:PROLOG_BYTES], name)
            yield io.BytesIO(data)
            return
        info = self.zip.getinfo(name)
        if info.file_size > MAX_STREAMED_PART_BYTES:
            raise ExtractionError(
                ErrorKind.TOO_LARGE, f"ODF part {name} is {info.file_size} bytes (too large)"
            )
        try:
            with self.zip.open(info) as handle:
                _refuse_dtd(handle.read(PROLOG_BYTES), name)
            with self.zip.open(info) as handle:
                yield handle
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"ODF part {name} is damaged: {exc}") from exc

    def embedded_objects(self, context: ExtractContext) -> tuple[Child, ...]:
        """Embedded foreign objects (an OLE file per ``Object N`` part), as children.

        LibreOffice stores an embedded Word, Excel or PowerPoint object (or other
        OLE object) as a whole compound file; embedded ODF objects (charts,
        sub-documents) are folders of XML and are not extracted.
        """
        if self.zip is None or context.depth >= context.limits.max_depth:
            return ()
        members = [info for info in self.zip.infolist() if _OBJECT_PART.match(info.filename)]
        if not members:
            return ()
        unpacker = Unpacker(context)
        for info in members:
            try:
                with self.zip.open(info) as stream:
                    unpacker.add(info.filename, stream, info.compress_size)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise ExtractionError(
                    ErrorKind.CORRUPT, f"ODF part {info.filename!r} is damaged: {exc}"
                ) from exc
        return tuple(unpacker.children)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


# --------------------------------------------------------------------------- metadata


def odf_metadata(meta_root: Any) -> dict[str, str]:
    """culpa metadata from meta.xml's ``office:meta`` (or a flat document's)."""
    metadata: dict[str, str] = {}
    if meta_root is None:
        return metadata
    meta = meta_root.find(_q("office:meta"))
    if meta is None:
        return metadata
    for tag, key in _META_FIELDS:
        element = meta.find(_q(tag))
        if element is not None and element.text and _clean(element.text):
            metadata[key] = _clean(element.text)
    keywords = [_clean(k.text) for k in meta.iter(_q("meta:keyword")) if k.text and _clean(k.text)]
    if keywords:
        metadata["keywords"] = _clean(", ".join(keywords))
    template = meta.find(_q("meta:template"))
    if template is not None:
        name = template.get(_q("xlink:title")) or template.get(_q("xlink:href")) or ""
        if _clean(name):
            metadata["template"] = _clean(name)
    statistics = meta.find(_q("meta:document-statistic"))
    if statistics is not None:
        pages = statistics.get(_q("meta:page-count"))
        if pages and pages.isdigit():
            metadata["page_count"] = pages
    return metadata


# --------------------------------------------------------------------------- styles


@dataclass(slots=True)
class _Style:
    before: bool = False
    after: bool = False
    parent: str | None = None


class _Styles:
    """Which paragraph and table styles start or end a page (explicit page breaks)."""

    def __init__(self, *roots: Any) -> None:
        self.styles: dict[str, _Style] = {}
        for root in roots:
            if root is None:
                continue
            for container in ("office:styles", "office:automatic-styles"):
                for holder in root.iter(_q(container)):
                    for style in holder.iterchildren(_q("style:style")):
                        self._add(style)

    def _add(self, element: Any) -> None:
        name = element.get(_q("style:name"))
        if not name or name in self.styles:
            return  # content.xml's automatic styles are read first and win
        style = _Style(parent=element.get(_q("style:parent-style-name")))
        master = element.get(_q("style:master-page-name"))
        if master:
            style.before = True  # a new page style always starts a new page
        for tag in ("style:paragraph-properties", "style:table-properties"):
            properties = element.find(_q(tag))
            if properties is not None:
                style.before |= properties.get(_q("fo:break-before")) == "page"
                style.after |= properties.get(_q("fo:break-after")) == "page"
        self.styles[name] = style

    def breaks(self, name: str | None) -> tuple[bool, bool]:
        """(break before, break after) for style ``name``, following its parents."""
        before = after = False
        for _ in range(MAX_STYLE_DEPTH):
            if not name or name not in self.styles:
                break
            style = self.styles[name]
            before |= style.before
            after |= style.after
            name = style.parent
        return before, after


# --------------------------------------------------------------------------- text walking


@dataclass(slots=True)
class _Chunk:
    """One page's worth of output while walking."""

    body: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    change_ids: list[str] = field(default_factory=list)

    def has_text(self) -> bool:
        return any(piece.strip() for piece in self.body)


@dataclass(frozen=True, slots=True)
class _Change:
    kind: str  # "Deleted", "Inserted", "Formatting changed"
    author: str
    date: str
    text: str

    def line(self) -> str:
        who = f" by {self.author}" if self.author else ""
        when = f" on {self.date}" if self.date else ""
        text = f": {self.text}" if self.text else ""
        return f"{self.kind}{who}{when}{text}"


def _person_and_date(element: Any) -> tuple[str, str]:
    creator = element.find(_DC_CREATOR)
    date = element.find(_DC_DATE)
    author = _clean(creator.text or "") if creator is not None else ""
    when = _clean(date.text or "") if date is not None else ""
    return author, when


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Budget:
    """Characters a document may still produce (shared by all walkers of one file)."""

    def __init__(self, limit: int | None = None) -> None:
        self.remaining = MAX_TEXT_CHARS if limit is None else limit
        self.exhausted = False

    def spend(self, count: int) -> bool:
        """Take ``count`` characters; True (and nothing taken) once the budget is spent."""
        if count > self.remaining:
            self.exhausted = True
            return True
        self.remaining -= count
        return False


class _Walker:
    """Turns ODF body XML into page chunks of text with notes, comments and changes."""

    def __init__(
        self,
        styles: _Styles | None = None,
        *,
        split_pages: bool = True,
        budget: _Budget | None = None,
    ) -> None:
        self.budget = budget or _Budget()
        self.styles = styles or _Styles()
        self.split_pages = split_pages
        self.chunks: list[_Chunk] = [_Chunk()]
        self._target: list[str] = self.chunks[0].body
        self._captures: list[list[str]] = []
        self._open_insertions: dict[str, list[str]] = {}
        self.insertions: dict[str, str] = {}
        self.comment_count = 0

    # output -----------------------------------------------------------------
    @property
    def chunk(self) -> _Chunk:
        return self.chunks[-1]

    def emit(self, text: str) -> None:
        if not text:
            return
        if self.budget.spend(len(text)):
            return
        self._target.append(text)
        for pieces in self._open_insertions.values():
            pieces.append(text)

    def page_break(self) -> None:
        if not self.split_pages or self._captures or not self.chunk.has_text():
            return
        self.chunks.append(_Chunk())
        self._target = self.chunk.body

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[str]]:
        """Send output to a separate list (cells, notes, comments) instead of the page."""
        pieces: list[str] = []
        saved = self._target
        self._target = pieces
        self._captures.append(pieces)
        try:
            yield pieces
        finally:
            self._captures.pop()
            self._target = saved

    def captured_text(self, element: Any) -> str:
        """The text of ``element``'s block-level children, kept off the page."""
        with self.capture() as pieces:
            self.blocks(element)
        return "".join(pieces)

    def captured_block(self, element: Any) -> str:
        """The text of block ``element`` itself (a paragraph, list or table), off the page."""
        with self.capture() as pieces:
            self.block(element)
        return "".join(pieces)

    # blocks ------------------------------------------------------------------
    def blocks(self, element: Any) -> None:
        """Walk the block-level children of ``element``."""
        for child in element.iterchildren("{*}*"):
            self.block(child)

    def block(self, element: Any) -> None:
        tag = element.tag
        if tag in (_P, _H):
            self.paragraph(element)
        elif tag == _TABLE:
            self.table(element)
        elif tag == _SOFT_PAGE_BREAK:
            self.page_break()
        elif tag in (_ANNOTATION, _ANNOTATION_OOO):
            self.annotation(element)
        elif tag in _SKIPPED:
            return
        else:  # lists, list items, sections, index bodies, frames, text boxes, shapes, groups
            self.blocks(element)

    def paragraph(self, element: Any) -> None:
        before, after = self.styles.breaks(element.get(_STYLE_NAME))
        if before:
            self.page_break()
        self.inline(element)
        self.emit("\n")
        if after:
            self.page_break()

    def table(self, element: Any) -> None:
        before, after = self.styles.breaks(element.get(_TABLE_STYLE_NAME))
        if before:
            self.page_break()
        self._table_rows(element)
        if after:
            self.page_break()

    def _table_rows(self, element: Any) -> None:
        for child in element.iterchildren("{*}*"):
            tag = child.tag
            if tag == _TABLE_ROW:
                self._table_row(child)
            elif tag == _SOFT_PAGE_BREAK:
                self.page_break()
            elif tag in _SKIPPED or tag.endswith("}table-columns") or tag.endswith("}table-column"):
                continue
            else:  # table-header-rows, table-rows, table-row-group
                self._table_rows(child)

    def _table_row(self, row: Any) -> None:
        cells = row_cells(row, lambda cell, _column: _one_line(self.captured_text(cell)))
        if not cells:
            return
        line = "\t".join(cells) + "\n"
        for _ in range(min(_repeat(row.get(_ROWS_REPEATED)), MAX_REPEAT)):
            self.emit(line)

    # inline ------------------------------------------------------------------
    def inline(self, element: Any) -> None:
        """Walk a paragraph's mixed content.

        As ODF specifies, runs of white space in the XML text count as one space:
        real spaces, tabs and line breaks are elements (text:s, text:tab, ...).
        """
        if element.text:
            self.emit(_WHITE_SPACE.sub(" ", element.text))
        for child in element.iterchildren():
            if isinstance(child.tag, str):
                self.inline_element(child)
            if child.tail:
                self.emit(_WHITE_SPACE.sub(" ", child.tail))

    def inline_element(self, element: Any) -> None:
        tag = element.tag
        if tag == _S:
            self.emit(" " * min(_repeat(element.get(_q("text:c"))), MAX_SPACES))
        elif tag == _TAB:
            self.emit("\t")
        elif tag == _LINE_BREAK:
            self.emit("\n")
        elif tag == _SOFT_PAGE_BREAK:
            self.page_break()
        elif tag == _NOTE:
            self.note(element)
        elif tag in (_ANNOTATION, _ANNOTATION_OOO):
            self.annotation(element)
        elif tag == _CHANGE:
            self._mark_change(element.get(_CHANGE_ID))
        elif tag == _CHANGE_START:
            change_id = element.get(_CHANGE_ID)
            self._mark_change(change_id)
            if change_id and change_id not in self._open_insertions:
                self._open_insertions[change_id] = []
        elif tag == _CHANGE_END:
            change_id = element.get(_CHANGE_ID)
            pieces = self._open_insertions.pop(change_id or "", None)
            if change_id and pieces is not None:
                self.insertions[change_id] = "".join(pieces)
        elif tag in (_P, _H, _TABLE, _LIST) or tag.startswith(f"{{{NS['draw']}}}"):
            self.block(element)  # frames, text boxes and shapes anchored in the paragraph
        elif tag in _SKIPPED:
            return
        else:  # spans, links, fields, ruby, meta
            self.inline(element)

    def _mark_change(self, change_id: str | None) -> None:
        if change_id:
            self.chunk.change_ids.append(change_id)

    def note(self, element: Any) -> None:
        citation_element = element.find(_NOTE_CITATION)
        citation = (
            _one_line(citation_element.xpath("string()")) if citation_element is not None else ""
        )
        body = element.find(_NOTE_BODY)
        text = _one_line(self.captured_text(body)) if body is not None else ""
        marker = f"[{citation}]" if citation else "[*]"
        self.emit(marker)
        if text:
            self.chunk.notes.append(f"{marker} {text}")

    def annotation_text(self, element: Any) -> str | None:
        """A comment as ``author, date: text`` (None if it has no text)."""
        author, when = _person_and_date(element)
        with self.capture() as pieces:
            for child in element.iterchildren(_P, _H, _LIST):
                self.block(child)
        text = _one_line("".join(pieces))
        if not text:
            return None
        self.comment_count += 1
        who = ", ".join(part for part in (author, when) if part)
        return f"{who}: {text}" if who else text

    def annotation(self, element: Any) -> None:
        comment = self.annotation_text(element)
        if comment:
            self.chunk.comments.append(comment)

    # tracked changes -------------------------------------------------------------
    def tracked_changes(self, body: Any) -> dict[str, _Change]:
        """Every changed region of ``body``'s ``text:tracked-changes``, by id."""
        changes: dict[str, _Change] = {}
        for region in body.iter(_CHANGED_REGION):
            change_id = region.get(_TEXT_ID) or region.get(_XML_ID)
            if not change_id:
                continue
            for kind, label in (
                (_DELETION, "Deleted"),
                (_INSERTION, "Inserted"),
                (_FORMAT_CHANGE, "Formatting changed"),
            ):
                change = region.find(kind)
                if change is None:
                    continue
                info = change.find(_CHANGE_INFO)
                author, when = _person_and_date(info) if info is not None else ("", "")
                text = ""
                if kind == _DELETION:
                    with self.capture() as pieces:
                        for child in change.iterchildren("{*}*"):
                            if child.tag != _CHANGE_INFO:
                                self.block(child)
                    text = _one_line("".join(pieces))
                changes[change_id] = _Change(label, author, when, text)
                break
        return changes


def _repeat(value: str | None) -> int:
    """A ``number-*-repeated`` attribute as a positive int (1 when absent or bad)."""
    if not value or not value.isdigit():
        return 1
    return max(1, min(int(value), 10**9))


def row_cells(row: Any, cell_text: Callable[[Any, int], str]) -> list[str]:
    """A table row's cell texts, trailing empty cells dropped.

    Repeats are capped: a value repeated N times is written at most MAX_REPEAT
    times, and empty cells are only materialised when a value follows them, so
    the usual ``number-columns-repeated="16384"`` of blank cells costs nothing.
    """
    cells: list[str] = []
    empty = 0  # blank cells seen but not yet written
    column = 0
    chars = 0
    for cell in row.iterchildren(_TABLE_CELL, _COVERED_CELL):
        if column >= MAX_COLUMNS or chars > MAX_ROW_CHARS:
            break
        repeat = _repeat(cell.get(_COLUMNS_REPEATED))
        text = cell_text(cell, column)
        if text:
            cells.extend([""] * min(empty, MAX_COLUMNS - len(cells)))
            empty = 0
            count = min(repeat, MAX_REPEAT, MAX_COLUMNS - len(cells))
            count = max(1, min(count, (MAX_ROW_CHARS - chars) // (len(text) + 1)))
            cells.extend([text] * count)
            chars += count * (len(text) + 1)
        else:
            empty += repeat
        column += repeat
    return cells


def _chunk_text(chunk: _Chunk, changes: list[str], prefix: str = "", suffix: str = "") -> str:
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
    return tuple(
        Page(number=number, text=text, language=detect_language(text))
        for number, text in enumerate(texts, start=1)
    )


# --------------------------------------------------------------------------- documents


def _body(content: Any, kind: str) -> Any:
    body = content.find(_q("office:body")) if content is not None else None
    element = body.find(_q(f"office:{kind}")) if body is not None else None
    if element is None:
        raise ExtractionError(ErrorKind.CORRUPT, f"ODF content has no office:{kind} body")
    return element


def _headers_footers(styles_root: Any, styles: _Styles) -> tuple[str, str]:
    headers: list[str] = []
    footers: list[str] = []
    if styles_root is None:
        return "", ""
    for master in styles_root.iter(_q("style:master-page")):
        for child in master.iterchildren("{*}*"):
            local = lxml.etree.QName(child).localname
            if local in ("header", "header-left", "header-first"):
                target = headers
            elif local in ("footer", "footer-left", "footer-first"):
                target = footers
            else:
                continue
            walker = _Walker(styles, split_pages=False)
            text = walker.captured_text(child).strip()
            if text and text not in target:
                target.append(text)
    return "\n".join(headers), "\n".join(footers)


def extract_text_document(package: _Package, budget: _Budget) -> tuple[list[str], dict[str, str]]:
    """Pages of an ODF text document and counts for metadata."""
    content = package.read("content.xml")
    if content is None:
        raise ExtractionError(ErrorKind.CORRUPT, "ODF package has no content.xml")
    styles_root = package.read("styles.xml")
    styles = _Styles(content, styles_root)
    body = _body(content, "text")
    walker = _Walker(styles, budget=budget)
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


def _change_line(change: _Change, inserted: str | None) -> str:
    if change.kind == "Inserted" and inserted:
        change = _Change(change.kind, change.author, change.date, _one_line(inserted))
    return change.line()


def extract_presentation(
    package: _Package, kind: str, budget: _Budget
) -> tuple[list[str], dict[str, str]]:
    """One text per slide (presentation) or page (drawing), speaker notes after it."""
    content = package.read("content.xml")
    if content is None:
        raise ExtractionError(ErrorKind.CORRUPT, "ODF package has no content.xml")
    body = _body(content, kind)
    texts: list[str] = []
    comments = 0
    for slide in body.iterchildren(_DRAW_PAGE):
        walker = _Walker(split_pages=False, budget=budget)
        walker.blocks(slide)
        chunk = walker.chunk
        notes = slide.find(_NOTES)
        if notes is not None:
            note_walker = _Walker(split_pages=False, budget=budget)
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


# --------------------------------------------------------------------------- spreadsheets


def _column_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


_VALUE_ATTRIBUTES = tuple(
    _q(f"office:{name}")
    for name in ("string-value", "value", "date-value", "time-value", "boolean-value")
)


class _SheetWriter:
    """Feeds one sheet's rows to its table pages, with caps on repeats and size."""

    def __init__(
        self,
        name: str,
        progress: Callable[[], None],
        budget: _Budget,
        book: WorkbookPages,
        hidden: bool = False,
    ) -> None:
        self.name = name
        self.budget = budget
        self.progress = progress
        self.hidden = hidden
        self.sheet = book.sheet(name, ["hidden sheet"] if hidden else [])
        self.chars = 0
        self.row_index = 0
        self.comments: list[str] = []
        self.truncated = False
        #: Copies of repeated rows not written out (past MAX_REPEAT).
        self.unrepeated = 0
        self.walker = _Walker(split_pages=False)

    def cell_text(self, cell: Any, row: int, column: int) -> str:
        """A cell's displayed text; its comments are recorded with its address."""
        pieces: list[str] = []
        for child in cell.iterchildren("{*}*"):
            if child.tag in (_ANNOTATION, _ANNOTATION_OOO):
                comment = self.walker.annotation_text(child)
                if comment:
                    self.comments.append(f"{_column_name(column)}{row + 1}: {comment}")
            elif child.tag in (_P, _H, _LIST):
                pieces.append(_one_line(self.walker.captured_block(child)))
        text = " ".join(piece for piece in pieces if piece)
        if not text:
            for attribute in _VALUE_ATTRIBUTES:
                value = cell.get(attribute)
                if value:
                    return _one_line(value)
        return text

    def add_row(self, row: Any) -> None:
        """A ``table:table-row``: its cells as one line, once per repeat (up to MAX_REPEAT)."""
        if self.row_index % PROGRESS_ROWS == 0:
            self.progress()
        row_repeat = _repeat(row.get(_ROWS_REPEATED))
        row_index = self.row_index
        cells = row_cells(row, lambda cell, column: self.cell_text(cell, row_index, column))
        self.row_index += row_repeat
        if not cells:
            return  # empty rows, however many, are no rows of the table
        line = row_line(cells)
        written = min(row_repeat, MAX_REPEAT)
        self.unrepeated += row_repeat - written
        for offset in range(written):
            if self.chars + len(line) > MAX_SHEET_CHARS or self.budget.spend(len(line) + 1):
                self.truncated = True
                return
            self.sheet.add(row_index + offset + 1, line)  # the row number Calc shows
            self.chars += len(line) + 1

    def finish(self) -> None:
        """The sheet's last page, comments and overview line."""
        notes: list[str] = []
        if self.unrepeated:
            notes.append(f"{self.unrepeated} copies of repeated rows not written out")
        if self.truncated:
            notes.append("cut: text limit reached")
        self.sheet.finish(self.comments, "; ".join(notes))


def _hides_table(style: Any) -> bool:
    """Whether an automatic style hides the sheet that uses it (``table:display="false"``)."""
    if style.get(_STYLE_FAMILY) != "table":
        return False
    return any(p.get(_TABLE_DISPLAY) == "false" for p in style.iterchildren(_TABLE_PROPERTIES))


def _sheets_from_tree(
    root: Any, progress: Callable[[], None], budget: _Budget, book: WorkbookPages
) -> list[_SheetWriter]:
    hiding = {
        style.get(_STYLE_NAME_ATTRIBUTE)
        for styles in root.iter(_q("office:automatic-styles"))
        for style in styles.iterchildren(_STYLE_STYLE)
        if _hides_table(style)
    }
    body = _body(root, "spreadsheet")
    sheets: list[_SheetWriter] = []
    for table in body.iterchildren(_TABLE):
        name = _clean(table.get(_TABLE_NAME) or f"Sheet{len(sheets) + 1}")
        hidden = table.get(_TABLE_STYLE_NAME) in hiding
        sheet = _SheetWriter(name, progress, budget, book, hidden)
        for row in table.iter(_TABLE_ROW):
            if sheet.truncated:
                break
            sheet.add_row(row)
        sheet.finish()
        sheets.append(sheet)
    return sheets


def _sheets_from_stream(
    stream: IO[bytes], progress: Callable[[], None], budget: _Budget, book: WorkbookPages
) -> list[_SheetWriter]:
    """Sheets of a spreadsheet's content.xml, parsed row by row (memory stays flat)."""
    sheets: list[_SheetWriter] = []
    current: _SheetWriter | None = None
    depth = 0
    hiding: set[str] = set()  # automatic styles that hide a sheet (they come before the body)
    events = lxml.etree.iterparse(
        stream, events=("start", "end"), tag=(_TABLE, _TABLE_ROW, _STYLE_STYLE), **_PARSER_OPTIONS
    )
    for event, element in events:
        if element.tag == _STYLE_STYLE:
            if event == "end" and depth == 0:
                if _hides_table(element):
                    hiding.add(element.get(_STYLE_NAME_ATTRIBUTE) or "")
                element.clear(keep_tail=True)
        elif element.tag == _TABLE:
            if event == "start":
                depth += 1
                if depth == 1:
                    name = _clean(element.get(_TABLE_NAME) or f"Sheet{len(sheets) + 1}")
                    hidden = element.get(_TABLE_STYLE_NAME) in hiding
                    current = _SheetWriter(name, progress, budget, book, hidden)
                    sheets.append(current)
            else:
                depth -= 1
                if depth == 0:
                    if current is not None:
                        current.finish()
                    current = None
                    element.clear()
        elif event == "end" and current is not None and depth == 1:
            if not current.truncated:
                current.add_row(element)
            element.clear(keep_tail=True)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    return sheets


def extract_spreadsheet(
    package: _Package, progress: Callable[[], None], budget: _Budget
) -> tuple[tuple[Page, ...], tuple[Table, ...], dict[str, str]]:
    """An overview page, then each sheet's rows as a table (culpa.formats.tables.sheets)."""
    book = WorkbookPages()
    if package.flat is not None:
        sheets = _sheets_from_tree(package.flat, progress, budget, book)
    else:
        with package.stream("content.xml") as stream:
            if stream is None:
                raise ExtractionError(ErrorKind.CORRUPT, "ODF package has no content.xml")
            try:
                sheets = _sheets_from_stream(stream, progress, budget, book)
            except _XML_ERRORS as exc:
                raise xml_error(exc, "content.xml") from exc
    if not sheets:
        raise ExtractionError(ErrorKind.CORRUPT, "ODF spreadsheet has no sheets")
    counts = {"sheet_names": _clean(LIST_SEPARATOR.join(sheet.name for sheet in sheets))}
    hidden = [sheet.name for sheet in sheets if sheet.hidden]
    if hidden:
        counts["hidden_sheets"] = _clean(LIST_SEPARATOR.join(hidden))
    truncated = [sheet.name for sheet in sheets if sheet.truncated]
    if truncated:
        counts["truncated_sheets"] = _clean(LIST_SEPARATOR.join(truncated))
    comments = sum(len(sheet.comments) for sheet in sheets)
    if comments:
        counts["comment_count"] = str(comments)
    pages, tables = book.result()
    return pages, tables, counts


# --------------------------------------------------------------------------- extractors


def _extract(path: Path, context: ExtractContext, kind: str) -> Extracted:
    if path.stat().st_size == 0:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    package = _Package(path, context)
    budget = _Budget()
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


register(OdtExtractor)
register(OdsExtractor)
register(OdpExtractor)
register(OdgExtractor)
