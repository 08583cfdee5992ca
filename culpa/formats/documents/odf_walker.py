"""Walks ODF body XML into page-sized chunks of text, with notes, comments and changes.

Text documents, presentations and the cells of spreadsheets all hold the same
ODF body elements (paragraphs, headings, lists, tables, frames, notes,
annotations, tracked changes); this walker is the one reading of them that the
three readers of :mod:`culpa.formats.documents.odf` share. It follows ODF's own
rules: runs of white space count as one space (real spaces, tabs and line
breaks are elements), a page ends at an explicit break of a paragraph or table
style (:class:`Styles`, following style parents up to :data:`MAX_STYLE_DEPTH`)
or at a soft page break the last program recorded, and footnotes, comments and
tracked changes are kept beside the page they are anchored on.

Hostile files cannot make it balloon: repeated rows and cells are written at
most :data:`MAX_REPEAT` times and never past :data:`MAX_COLUMNS` or
:data:`MAX_ROW_CHARS`, empty repeated cells cost nothing, and every walker of
one file spends one :class:`Budget` of :data:`MAX_TEXT_CHARS` characters.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from culpa.formats.support.odf_package import NS, clean, q

#: A document's text (all pages or sheets) is cut after this many characters: a few
#: kilobytes of repeated cells could otherwise describe gigabytes of text.
MAX_TEXT_CHARS = 100_000_000
#: A repeated non-empty cell or row is written at most this many times.
MAX_REPEAT = 1_000
#: Columns beyond this one are ignored (LibreOffice's own maximum is 16,384).
MAX_COLUMNS = 16_384
#: A table row's text is cut after this many characters.
MAX_ROW_CHARS = 10_000_000
#: ``<text:s text:c="N"/>`` is written as at most this many spaces.
MAX_SPACES = 100
#: Style inheritance deeper than this is not followed (cycles in hostile files).
MAX_STYLE_DEPTH = 20

PARAGRAPH, HEADING, LIST = q("text:p"), q("text:h"), q("text:list")
TABLE, TABLE_ROW = q("table:table"), q("table:table-row")
TABLE_STYLE_NAME = q("table:style-name")
ROWS_REPEATED = q("table:number-rows-repeated")
ANNOTATION, ANNOTATION_OOO = q("office:annotation"), q("officeooo:annotation")
_S, _TAB, _LINE_BREAK = q("text:s"), q("text:tab"), q("text:line-break")
_SOFT_PAGE_BREAK = q("text:soft-page-break")
_NOTE, _NOTE_CITATION, _NOTE_BODY = q("text:note"), q("text:note-citation"), q("text:note-body")
_CHANGE, _CHANGE_START, _CHANGE_END = (
    q("text:change"),
    q("text:change-start"),
    q("text:change-end"),
)
_CHANGED_REGION = q("text:changed-region")
_INSERTION, _DELETION, _FORMAT_CHANGE = (
    q("text:insertion"),
    q("text:deletion"),
    q("text:format-change"),
)
_CHANGE_INFO = q("office:change-info")
_TABLE_CELL, _COVERED_CELL = q("table:table-cell"), q("table:covered-table-cell")
_DC_CREATOR, _DC_DATE = q("dc:creator"), q("dc:date")
_STYLE_NAME = q("text:style-name")
_COLUMNS_REPEATED = q("table:number-columns-repeated")
_TEXT_ID = q("text:id")
_XML_ID = q("xml:id")
_CHANGE_ID = q("text:change-id")

# Elements whose content is never shown as body text.
_SKIPPED = frozenset(
    q(name)
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

_WHITE_SPACE = re.compile(r"[ \t\r\n]+")


# --------------------------------------------------------------------------- styles


@dataclass(slots=True)
class _Style:
    before: bool = False
    after: bool = False
    parent: str | None = None


class Styles:
    """Which paragraph and table styles start or end a page (explicit page breaks)."""

    def __init__(self, *roots: Any) -> None:
        self.styles: dict[str, _Style] = {}
        for root in roots:
            if root is None:
                continue
            for container in ("office:styles", "office:automatic-styles"):
                for holder in root.iter(q(container)):
                    for style in holder.iterchildren(q("style:style")):
                        self._add(style)

    def _add(self, element: Any) -> None:
        name = element.get(q("style:name"))
        if not name or name in self.styles:
            return  # content.xml's automatic styles are read first and win
        style = _Style(parent=element.get(q("style:parent-style-name")))
        master = element.get(q("style:master-page-name"))
        if master:
            style.before = True  # a new page style always starts a new page
        for tag in ("style:paragraph-properties", "style:table-properties"):
            properties = element.find(q(tag))
            if properties is not None:
                style.before |= properties.get(q("fo:break-before")) == "page"
                style.after |= properties.get(q("fo:break-after")) == "page"
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
class Chunk:
    """One page's worth of output while walking."""

    body: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    change_ids: list[str] = field(default_factory=list)

    def has_text(self) -> bool:
        return any(piece.strip() for piece in self.body)


@dataclass(frozen=True, slots=True)
class Change:
    """One tracked change: what was done, by whom, when, and the text it touched."""

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
    author = clean(creator.text or "") if creator is not None else ""
    when = clean(date.text or "") if date is not None else ""
    return author, when


def one_line(text: str) -> str:
    """``text`` with its runs of white space (line breaks too) as single spaces."""
    return " ".join(text.split())


class Budget:
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


class Walker:
    """Turns ODF body XML into page chunks of text with notes, comments and changes."""

    def __init__(
        self,
        styles: Styles | None = None,
        *,
        split_pages: bool = True,
        budget: Budget | None = None,
    ) -> None:
        self.budget = budget or Budget()
        self.styles = styles or Styles()
        self.split_pages = split_pages
        self.chunks: list[Chunk] = [Chunk()]
        self._target: list[str] = self.chunks[0].body
        self._captures: list[list[str]] = []
        self._open_insertions: dict[str, list[str]] = {}
        self.insertions: dict[str, str] = {}
        self.comment_count = 0

    # output -----------------------------------------------------------------
    @property
    def chunk(self) -> Chunk:
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
        self.chunks.append(Chunk())
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
        if tag in (PARAGRAPH, HEADING):
            self.paragraph(element)
        elif tag == TABLE:
            self.table(element)
        elif tag == _SOFT_PAGE_BREAK:
            self.page_break()
        elif tag in (ANNOTATION, ANNOTATION_OOO):
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
        before, after = self.styles.breaks(element.get(TABLE_STYLE_NAME))
        if before:
            self.page_break()
        self._table_rows(element)
        if after:
            self.page_break()

    def _table_rows(self, element: Any) -> None:
        for child in element.iterchildren("{*}*"):
            tag = child.tag
            if tag == TABLE_ROW:
                self._table_row(child)
            elif tag == _SOFT_PAGE_BREAK:
                self.page_break()
            elif tag in _SKIPPED or tag.endswith("}table-columns") or tag.endswith("}table-column"):
                continue
            else:  # table-header-rows, table-rows, table-row-group
                self._table_rows(child)

    def _table_row(self, row: Any) -> None:
        cells = row_cells(row, lambda cell, _column: one_line(self.captured_text(cell)))
        if not cells:
            return
        line = "\t".join(cells) + "\n"
        for _ in range(min(repeat_count(row.get(ROWS_REPEATED)), MAX_REPEAT)):
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
            self.emit(" " * min(repeat_count(element.get(q("text:c"))), MAX_SPACES))
        elif tag == _TAB:
            self.emit("\t")
        elif tag == _LINE_BREAK:
            self.emit("\n")
        elif tag == _SOFT_PAGE_BREAK:
            self.page_break()
        elif tag == _NOTE:
            self.note(element)
        elif tag in (ANNOTATION, ANNOTATION_OOO):
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
        elif tag in (PARAGRAPH, HEADING, TABLE, LIST) or tag.startswith(f"{{{NS['draw']}}}"):
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
            one_line(citation_element.xpath("string()")) if citation_element is not None else ""
        )
        body = element.find(_NOTE_BODY)
        text = one_line(self.captured_text(body)) if body is not None else ""
        marker = f"[{citation}]" if citation else "[*]"
        self.emit(marker)
        if text:
            self.chunk.notes.append(f"{marker} {text}")

    def annotation_text(self, element: Any) -> str | None:
        """A comment as ``author, date: text`` (None if it has no text)."""
        author, when = _person_and_date(element)
        with self.capture() as pieces:
            for child in element.iterchildren(PARAGRAPH, HEADING, LIST):
                self.block(child)
        text = one_line("".join(pieces))
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
    def tracked_changes(self, body: Any) -> dict[str, Change]:
        """Every changed region of ``body``'s ``text:tracked-changes``, by id."""
        changes: dict[str, Change] = {}
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
                    text = one_line("".join(pieces))
                changes[change_id] = Change(label, author, when, text)
                break
        return changes


def repeat_count(value: str | None) -> int:
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
        repeat = repeat_count(cell.get(_COLUMNS_REPEATED))
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
