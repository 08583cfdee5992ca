"""PowerPoint 2007+ presentations (.pptx, .pptm, .ppsx, .potx): one page per slide.

Slides come in the order the presentation lists them, hidden ones included
and marked: a page starts with ``[hidden slide]`` when the slide is hidden.
Then comes the slide's text in shape order, the title first: text frames,
table rows (cells separated by tabs), and the shapes inside groups; of an
``mc:AlternateContent`` only the first choice is read, so text is not doubled
by its fallback. Then the speaker notes under "Notes:" and the slide's
review comments under "Comments:", as ``[comment by AUTHOR, DATE] text``
(classic and modern PowerPoint comments).

The package is read with :mod:`office_properties` rather than python-pptx:
the slide list, notes and comments are a few relationships, python-pptx's
shape tree skips shapes wrapped in ``mc:AlternateContent``, and this way every
part goes through the same safe parser (no entities, DTDs refused).

Metadata: the package properties, ``slides`` and ``hidden_slides`` (counted
here, not taken from docProps/app.xml), ``comment_authors``. Embedded files
(``ppt/embeddings``: workbooks behind charts, OLE objects) become children.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.ooxml import (
    Element,
    OoxmlPackage,
    distinct,
    embedded_children,
    local_name,
    ooxml_properties,
    open_package,
)
from culpa.models import Extracted, Page

#: Name used in error messages.
LABEL = "PPTX"
#: First line of a hidden slide's page.
HIDDEN_MARK = "[hidden slide]"

_DEFAULT_PRESENTATION = "ppt/presentation.xml"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_A_P = f"{{{_A}}}p"
_A_T = f"{{{_A}}}t"
_A_BR = f"{{{_A}}}br"
_A_TR = f"{{{_A}}}tr"
_A_TC = f"{{{_A}}}tc"
_A_TBL = f"{{{_A}}}tbl"
_TITLE_PLACEHOLDERS = frozenset({"title", "ctrTitle"})
_NOTES_BODY_PLACEHOLDER = "body"
_FALSE_VALUES = frozenset({"0", "false", "off"})


def _paragraphs(text_body: Element) -> str:
    """Text of a ``txBody``: one line per ``a:p``, ``a:br`` as a line break."""
    lines: list[str] = []
    for paragraph in text_body.iter(_A_P):
        pieces = [
            "\n" if node.tag == _A_BR else node.text or "" for node in paragraph.iter(_A_T, _A_BR)
        ]
        lines.append("".join(pieces).replace("\v", "\n"))
    return "\n".join(lines).strip("\n")


def _child(element: Element, name: str) -> Element | None:
    for child in element.iterchildren():
        if local_name(child.tag) == name:
            return child
    return None


def _placeholder_type(shape: Element) -> str | None:
    """The ``p:ph`` type of a shape (``"body"`` for an untyped placeholder), else None."""
    for properties in shape.iterchildren():
        if local_name(properties.tag).startswith("nv"):
            for node in properties.iter():
                if local_name(node.tag) == "ph":
                    return str(node.get("type") or "body")
    return None


def _table_text(table: Element) -> str:
    rows: list[str] = []
    for row in table.iter(_A_TR):
        cells = [" ".join(_paragraphs(cell).split("\n")) for cell in row.iterchildren(_A_TC)]
        if any(cells):
            rows.append("\t".join(cells))
    return "\n".join(rows)


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    placeholder: str | None


def _shape_blocks(container: Element) -> Iterator[_Block]:
    """Text blocks of a shape tree (``p:spTree``, a group, a choice), in order."""
    for shape in container.iterchildren():
        name = local_name(shape.tag)
        if name in ("sp", "cxnSp"):
            body = _child(shape, "txBody")
            if body is not None:
                text = _paragraphs(body)
                if text.strip():
                    yield _Block(text, _placeholder_type(shape))
        elif name == "grpSp":
            yield from _shape_blocks(shape)
        elif name == "graphicFrame":
            for table in shape.iter(_A_TBL):
                text = _table_text(table)
                if text:
                    yield _Block(text, None)
        elif name == "AlternateContent":
            choice = _child(shape, "Choice")
            if choice is not None:
                yield from _shape_blocks(choice)


def _shape_tree(root: Element) -> Element | None:
    common = _child(root, "cSld")
    return _child(common, "spTree") if common is not None else None


def _slide_text(root: Element) -> str:
    tree = _shape_tree(root)
    if tree is None:
        return ""
    blocks = list(_shape_blocks(tree))
    titles = [block for block in blocks if block.placeholder in _TITLE_PLACEHOLDERS]
    rest = [block for block in blocks if block.placeholder not in _TITLE_PLACEHOLDERS]
    return "\n".join(block.text for block in (*titles, *rest))


def _notes_text(package: OoxmlPackage, slide_part: str) -> str:
    notes_part = package.related_part(slide_part, "notesSlide")
    root = package.parse(notes_part) if notes_part else None
    tree = _shape_tree(root) if root is not None else None
    if tree is None:
        return ""
    # Only the notes body: the notes page also holds the slide image and its number.
    return "\n".join(
        block.text for block in _shape_blocks(tree) if block.placeholder == _NOTES_BODY_PLACEHOLDER
    )


def _comment_authors(package: OoxmlPackage, presentation_part: str) -> dict[str, str]:
    """Comment author id -> name, from classic (commentAuthors) and modern (authors) lists."""
    authors: dict[str, str] = {}
    for kind in ("commentAuthors", "authors"):
        part = package.related_part(presentation_part, kind)
        root = package.parse(part) if part else None
        if root is None:
            continue
        for author in root.iter():
            if local_name(author.tag) in ("cmAuthor", "author"):
                authors[str(author.get("id") or "")] = str(author.get("name") or "").strip()
    return authors


def _comments(
    package: OoxmlPackage, slide_part: str, authors: dict[str, str]
) -> tuple[list[str], list[str]]:
    """Comment lines of a slide and the names of their authors."""
    lines: list[str] = []
    names: list[str] = []
    for relationship in package.relationships(slide_part):
        if relationship.kind != "comments" or relationship.external:
            continue
        root = package.parse(relationship.target)
        if root is None:
            continue
        for comment in root.iter():
            if local_name(comment.tag) not in ("cm", "reply"):
                continue
            author = authors.get(str(comment.get("authorId") or ""), "")
            date = str(comment.get("dt") or comment.get("created") or "").strip()
            text_element = _child(comment, "text")
            if text_element is not None:
                text = "".join(text_element.itertext())
            else:
                body = _child(comment, "txBody")
                text = _paragraphs(body) if body is not None else ""
            who = author or "unknown author"
            label = f"{who}, {date}" if date else who
            lines.append(f"[comment by {label}] {' '.join(text.split())}")
            names.append(author)
    return lines, names


def _slide_parts(package: OoxmlPackage, presentation_part: str, root: Element) -> list[str]:
    """The slides' part names in presentation order."""
    targets = {
        relationship.id: relationship.target
        for relationship in package.relationships(presentation_part)
        if relationship.kind == "slide" and not relationship.external
    }
    parts: list[str] = []
    slide_list = _child(root, "sldIdLst")
    if slide_list is None:
        return parts
    for slide_id in slide_list.iterchildren():
        for key, value in slide_id.attrib.items():
            if key.endswith("}id") and "relationships" in key and value in targets:
                parts.append(targets[value])
    return parts


@register
class PptxExtractor:
    """PowerPoint 2007+ presentations, slide shows and templates."""

    type: ClassVar[str] = "pptx"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
        "application/vnd.openxmlformats-officedocument.presentationml.template",
        "application/vnd.ms-powerpoint.presentation.macroenabled.12",
        "application/vnd.ms-powerpoint.slideshow.macroenabled.12",
        "application/vnd.ms-powerpoint.template.macroenabled.12",
    )
    extensions: ClassVar[tuple[str, ...]] = (".pptx", ".pptm", ".ppsx", ".ppsm", ".potx", ".potm")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """One page per slide: text, notes, comments; properties; embedded files."""
        with open_package(path, context, LABEL) as package:
            presentation_part = package.main_part(_DEFAULT_PRESENTATION)
            root = package.parse(presentation_part)
            if root is None:
                raise ExtractionError(ErrorKind.CORRUPT, "PPTX package has no presentation part")
            authors = _comment_authors(package, presentation_part)
            pages: list[Page] = []
            hidden = 0
            comment_authors: list[str] = []
            for number, slide_part in enumerate(
                _slide_parts(package, presentation_part, root), start=1
            ):
                slide = package.parse(slide_part)
                sections: list[str] = []
                if slide is None:
                    sections.append("[slide part missing]")
                else:
                    if (slide.get("show") or "").lower() in _FALSE_VALUES:
                        hidden += 1
                        sections.append(HIDDEN_MARK)
                    body = _slide_text(slide)
                    if body:
                        sections.append(body)
                notes = _notes_text(package, slide_part)
                comments, names = _comments(package, slide_part, authors)
                comment_authors.extend(names)
                text = "\n".join(sections)
                if notes:
                    text += "\n\nNotes:\n" + notes
                if comments:
                    text += "\n\nComments:\n" + "\n".join(comments)
                text = text.strip("\n")
                pages.append(Page(number=number, text=text))
            metadata = ooxml_properties(package)
            folder = posixpath.dirname(presentation_part) or "ppt"
            children = embedded_children(package, [f"{folder}/embeddings"], context)
        metadata["slides"] = str(len(pages))
        metadata["hidden_slides"] = str(hidden)
        joined = distinct(comment_authors)
        if joined:
            metadata["comment_authors"] = joined
        return Extracted(pages=tuple(pages), metadata=metadata, children=children)
