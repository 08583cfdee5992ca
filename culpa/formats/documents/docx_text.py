"""Word's body XML read as the document now reads: paragraphs, tables, page breaks.

A story of a .docx (the body, a header, a footnote, a comment) is WordprocessingML
that :mod:`culpa.formats.documents.docx` needs as plain text in several places:
the pages, the headers and footers, the notes and comments, and the text a
tracked change or a comment's anchor covers. This module is that one reading.
It walks the runs directly rather than through python-docx's objects so that
explicit page breaks (``<w:br w:type="page"/>``, ``pageBreakBefore``) come out
as :data:`PAGE_BREAK` markers the extractor splits pages at, tables come out
one row a line with tab-separated cells, content controls and custom XML are
looked into, and text that the final view does not show (deleted runs, text
moved away, the VML fallback copy of a text box: :data:`REMOVED_TAGS`) is left
out, so the body is the document as it now reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from culpa.formats.support.ooxml import (
    Element,
)

WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PARAGRAPH = f"{{{WORD_NS}}}p"
_TBL = f"{{{WORD_NS}}}tbl"
_TR = f"{{{WORD_NS}}}tr"
_TC = f"{{{WORD_NS}}}tc"
TEXT = f"{{{WORD_NS}}}t"
TAB = f"{{{WORD_NS}}}tab"
_BR = f"{{{WORD_NS}}}br"
_CR = f"{{{WORD_NS}}}cr"
_NO_BREAK_HYPHEN = f"{{{WORD_NS}}}noBreakHyphen"
_PAGE_BREAK_BEFORE = f"{{{WORD_NS}}}pageBreakBefore"
TYPE = f"{{{WORD_NS}}}type"
_VAL = f"{{{WORD_NS}}}val"
ID = f"{{{WORD_NS}}}id"
_SDT = f"{{{WORD_NS}}}sdt"
_SDT_CONTENT = f"{{{WORD_NS}}}sdtContent"
_CUSTOM_XML = f"{{{WORD_NS}}}customXml"
_TABS = f"{{{WORD_NS}}}tabs"
DELETED = f"{{{WORD_NS}}}del"
MOVED_FROM = f"{{{WORD_NS}}}moveFrom"
#: Marker placed in the text stream where a page ends.
PAGE_BREAK = "\f"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
#: Runs under these are not part of the text as it now reads; a text box is written
#: twice, as a DrawingML choice and a VML fallback, and only the choice is read.
REMOVED_TAGS = (DELETED, MOVED_FROM, MC_FALLBACK)


def is_tab_stop(node: Element) -> bool:
    """A ``w:tab`` in a paragraph's tab-stop list (``w:pPr/w:tabs``), not a tab character."""
    parent = node.getparent()
    return parent is not None and parent.tag == _TABS


def in_fallback(node: Element) -> bool:
    """Whether ``node`` is inside the fallback copy of ``mc:AlternateContent``."""
    return next(node.iterancestors(MC_FALLBACK), None) is not None


def _removed(node: Element) -> bool:
    return next(node.iterancestors(*REMOVED_TAGS), None) is not None


def _paragraph_text(paragraph: Element, skip_removed: bool) -> Iterator[str]:
    """Text pieces of a ``<w:p>``, with page-break markers."""
    for node in paragraph.iter(TEXT, TAB, _BR, _CR, _NO_BREAK_HYPHEN, _PAGE_BREAK_BEFORE):
        tag = node.tag
        if tag == TEXT:
            if node.text and not (skip_removed and _removed(node)):
                yield node.text
        elif tag == TAB:
            if not is_tab_stop(node):
                yield "\t"
        elif tag == _BR:
            yield PAGE_BREAK if node.get(TYPE) == "page" else "\n"
        elif tag == _CR:
            yield "\n"
        elif tag == _NO_BREAK_HYPHEN:
            yield "-"
        elif tag == _PAGE_BREAK_BEFORE and node.get(_VAL, "true") not in ("0", "false", "off"):
            yield PAGE_BREAK


def _unwrapped(parent: Element, tag: str) -> Iterator[Element]:
    """Children of ``parent`` named ``tag``, also inside content controls and custom XML."""
    for child in parent.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                yield from _unwrapped(content, tag)
        elif child.tag == _CUSTOM_XML:
            yield from _unwrapped(child, tag)


def _table_text(table: Element, skip_removed: bool) -> Iterator[str]:
    for row in _unwrapped(table, _TR):
        cells: list[str] = []
        for cell in _unwrapped(row, _TC):
            cells.append(
                "\n".join(
                    "".join(_block_text(child, skip_removed)) for child in cell.iterchildren()
                )
            )
        yield "\t".join(c.strip("\n") for c in cells) + "\n"


def _block_text(element: Element, skip_removed: bool) -> Iterator[str]:
    """Text of a body-level element (paragraph, table, content control)."""
    tag = element.tag
    if tag == PARAGRAPH:
        yield from _paragraph_text(element, skip_removed)
        yield "\n"
    elif tag == _TBL:
        yield from _table_text(element, skip_removed)
    elif tag == _SDT:
        for content in element.iterchildren(_SDT_CONTENT):
            for child in content.iterchildren():
                yield from _block_text(child, skip_removed)
    elif tag == _CUSTOM_XML:
        for child in element.iterchildren():
            yield from _block_text(child, skip_removed)


def has_any(root: Element, tags: Iterable[str]) -> bool:
    """Whether any element under ``root`` is named one of ``tags``."""
    return next(root.iter(*tags), None) is not None


def story_text(container: Element) -> str:
    """Text of a story (body, header, note, comment) as it now reads."""
    skip_removed = has_any(container, REMOVED_TAGS)
    return "".join(
        piece for child in container.iterchildren() for piece in _block_text(child, skip_removed)
    )


def one_line(text: str) -> str:
    """``text`` with its page-break markers as line breaks, stripped."""
    return text.replace(PAGE_BREAK, "\n").strip()


def flattened(text: str) -> str:
    """A note's or comment's paragraphs on one line, so each item stays one line."""
    return " ".join(line.strip() for line in one_line(text).split("\n") if line.strip())
