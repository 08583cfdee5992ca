"""XML and SVG: the text they hold, parsed so that nothing is expanded or fetched.

XML in a leak may be a trap: an external entity (``<!ENTITY x SYSTEM
"file:///etc/passwd">`` or an ``http://`` URL) that would copy a file from the
investigator's laptop into the case or tell a server the file was opened, or
entities nested to expand a kilobyte into gigabytes ("billion laughs"). lxml
parses with entity substitution off, no DTD loading and no network, so an
external entity is never read: its reference is left out of the text and its
name is listed in metadata. Entities that amplify past libxml2's limit, or
refer to themselves, are refused as :attr:`~culpa.errors.ErrorKind.UNSAFE`.

The bytes are decoded by culpa's own rules (BOM, the XML declaration if it
decodes cleanly, then detection, so a Big5 file labelled GB2312 still reads)
and handed to the parser as UTF-8. A document that is not well-formed (often
a truncated one) is read again in libxml2's recovery mode and whatever it
keeps is stored, with the parse error in metadata.

Generic XML gives its text nodes, one element per line where content is not
mixed. Android string resources (a ``<resources>`` root) keep each value's key
beside it, one per line, so a hit says which string of the app it is::

    abnormal_cause: بىنورماللىق سەۋەبى
    bank[0]: 中国建设银行            (<string-array name="bank"><item>…)
    days[one]: %d day               (<plurals name="days"><item quantity="one">…)

Android's backslash escapes of quotes (``don\\'t``) are undone, so the text
reads as the app shows it.

SVG gives the text a viewer shows or announces: ``text``/``tspan``/``textPath``
(a ``tspan`` that moves to a new baseline starts a new line), ``title`` and
``desc``. A gzip-compressed SVG (.svgz) handed to the SVG extractor is
inflated up to :data:`MAX_XML_BYTES`; during an ingest libmagic calls it
application/gzip, so the tar extractor inflates it and its child is read here.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import lxml.etree

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.html import decode_html
from culpa.formats.registry import register
from culpa.formats.support.plain_text import normalise_newlines, read_bounded, text_pages
from culpa.formats.support.safe_xml import is_entity_attack, safe_parser
from culpa.models import Extracted

#: Larger XML files (and .svgz files inflating past this) are refused (bytes):
#: lxml's tree takes several times the file's size in memory.
MAX_XML_BYTES = 128 * 1024**2
#: At most this many entity names are listed in metadata.
MAX_LISTED_ENTITIES = 50
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000
#: gzip's magic bytes (a .svgz file).
GZIP_MAGIC = b"\x1f\x8b"

SVG_NS = "http://www.w3.org/2000/svg"
XHTML_NS = "http://www.w3.org/1999/xhtml"
DC_NS = "http://purl.org/dc/elements/1.1/"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"

#: SVG elements whose text is read; each starts a new line.
SVG_TEXT_ELEMENTS = frozenset({"text", "title", "desc"})
#: Elements of SVG and XHTML whose content is code or styling, never shown as text.
CODE_ELEMENTS = frozenset({"script", "style"})
#: Namespaces in which :data:`CODE_ELEMENTS` mean code (elsewhere they may be data).
CODE_NAMESPACES = frozenset({SVG_NS, XHTML_NS, ""})

_SPACE = re.compile(r"\s+")
_GENERATOR = re.compile(r"Generator:\s*(.+?)(?:,|\s*-->|$)")


def _parser(*, recover: bool) -> lxml.etree.XMLParser:
    # Entity references stay nodes (never read, never expanded into text); see safe_xml.
    return safe_parser(
        encoding="utf-8",
        attribute_defaults=False,
        remove_comments=False,
        remove_pis=True,
        recover=recover,
    )


def _is_entity_attack(error: lxml.etree.XMLSyntaxError) -> bool:
    """libxml2 stopped on exponential entity expansion or an entity loop."""
    return is_entity_attack(error)


def parse_xml(data: bytes) -> tuple[lxml.etree._Element, dict[str, str]]:
    """The root element of an XML document and facts about the parse (encoding, errors).

    Raises UNSAFE for entity bombs and CORRUPT when nothing can be recovered.
    """
    text, codec = decode_html(data)  # BOM, then the declared encoding, then detection
    utf8 = text.replace("\x00", "").encode("utf-8", "replace")
    facts = {"encoding": codec}
    try:
        root = lxml.etree.fromstring(utf8, _parser(recover=False))
    except lxml.etree.XMLSyntaxError as exc:
        if _is_entity_attack(exc):
            raise ExtractionError(
                ErrorKind.UNSAFE,
                "XML declares entities that expand exponentially or refer to themselves "
                "(entity expansion attack); not expanded",
            ) from exc
        facts["xml_error"] = str(exc)[:MAX_METADATA_CHARS]
        try:
            recovered = lxml.etree.fromstring(utf8, _parser(recover=True))
        except lxml.etree.XMLSyntaxError as again:
            raise ExtractionError(ErrorKind.CORRUPT, f"not well-formed XML: {exc}") from again
        if recovered is None:
            raise ExtractionError(ErrorKind.CORRUPT, f"not well-formed XML: {exc}") from exc
        root = recovered
    except ValueError as exc:  # lxml refuses some inputs outright (e.g. no document)
        raise ExtractionError(ErrorKind.CORRUPT, f"not an XML document: {exc}") from exc
    entities = _declared_entities(root)
    if entities:
        facts["entities_not_expanded"] = ", ".join(entities[:MAX_LISTED_ENTITIES])
    return root, facts


def _declared_entities(root: lxml.etree._Element) -> list[str]:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return []
    return [str(entity.name) for entity in dtd.iterentities()]


def _local(element: lxml.etree._Element) -> tuple[str, str]:
    """(namespace, local name) of an element; ("", "") for comments, PIs and entities."""
    tag = element.tag
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _is_code(element: lxml.etree._Element) -> bool:
    namespace, local = _local(element)
    return local in CODE_ELEMENTS and namespace in CODE_NAMESPACES


def _collapse(text: str | None) -> str:
    return _SPACE.sub(" ", text) if text else ""


def _is_mixed(element: lxml.etree._Element) -> bool:
    """True if text sits beside child elements (inline markup: no line breaks inside)."""
    if (element.text or "").strip():
        return True
    return any((child.tail or "").strip() for child in element)


def _inline_text(element: lxml.etree._Element) -> str:
    """Text of an element and its descendants on one line (entity references dropped)."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and not _is_code(child):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")  # an entity reference's tail is text too
    return "".join(parts)


def _xml_lines(element: lxml.etree._Element) -> Iterator[str]:
    """Lines of a generic XML element: mixed content on one line, else one per element."""
    if _is_code(element):
        return
    if _is_mixed(element):
        yield _collapse(_inline_text(element))
        return
    for child in element:
        if isinstance(child.tag, str):
            yield from _xml_lines(child)


def xml_text(root: lxml.etree._Element) -> str:
    """Text nodes of a generic XML document, whitespace normalised, one block per line."""
    lines = (line.strip() for line in _xml_lines(root))
    return "\n".join(line for line in lines if line)


#: The root element of Android resource files (res/values*/strings.xml, arrays.xml).
ANDROID_RESOURCES = "resources"
#: Android's escapes (backslash before a quote, an at sign or a question mark).
_ANDROID_ESCAPE = re.compile(r"\\([\'\"@?])")


def _resource_value(element: lxml.etree._Element) -> str:
    return _ANDROID_ESCAPE.sub(r"\1", _collapse(_inline_text(element)).strip())


def _resource_lines(root: lxml.etree._Element) -> Iterator[str]:
    """``key: value`` lines of an Android resource file; array items as ``key[0]``."""
    for element in root:
        if not isinstance(element.tag, str):
            continue  # a comment or an entity reference
        name = element.get("name")
        if name is None:
            yield from (line.strip() for line in _xml_lines(element))
            continue
        key = _collapse(name).strip()
        items = [child for child in element if _local(child)[1] == "item"]
        if not items:
            yield f"{key}: {_resource_value(element)}"
        for index, item in enumerate(items):
            quantity = item.get("quantity")
            yield f"{key}[{quantity or index}]: {_resource_value(item)}"


def resource_text(root: lxml.etree._Element) -> str:
    """Text of an Android resource file, each value beside its key."""
    return "\n".join(line for line in _resource_lines(root) if line)


def _svg_text_element(element: lxml.etree._Element) -> str:
    """A ``<text>`` (or title/desc): its runs, a new line where a tspan changes baseline."""
    parts: list[str] = []
    last_y: str | None = element.get("y")

    def walk(node: lxml.etree._Element) -> None:
        nonlocal last_y
        parts.append(_collapse(node.text))
        for child in node:
            if isinstance(child.tag, str) and not _is_code(child):
                y, dy = child.get("y"), child.get("dy")
                moves = (y is not None and y != last_y) or (dy not in (None, "", "0"))
                if moves and "".join(parts).strip():
                    parts.append("\n")
                if y is not None:
                    last_y = y
                walk(child)
            parts.append(_collapse(child.tail))

    walk(element)
    lines = (_collapse(line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def svg_text(root: lxml.etree._Element) -> str:
    """The text an SVG shows or announces: text runs, titles, descriptions."""
    blocks: list[str] = []
    walker = lxml.etree.iterwalk(root, events=("start",))
    for _event, element in walker:
        namespace, local = _local(element)
        if _is_code(element):
            walker.skip_subtree()
        elif local in SVG_TEXT_ELEMENTS and namespace in (SVG_NS, ""):
            block = _svg_text_element(element)
            if block:
                blocks.append(block)
            walker.skip_subtree()
    return "\n".join(blocks)


def _first_text(root: lxml.etree._Element, path: str) -> str | None:
    found = root.find(path)
    if found is None:
        return None
    text = _collapse(_inline_text(found)).strip()
    return text[:MAX_METADATA_CHARS] or None


def _svg_metadata(root: lxml.etree._Element) -> dict[str, str]:
    metadata: dict[str, str] = {}
    title = _first_text(root, f"{{{SVG_NS}}}title") or _first_text(root, f".//{{{DC_NS}}}title")
    if title:
        metadata["title"] = title
    author = _first_text(root, f".//{{{DC_NS}}}creator")
    if author:
        metadata["author"] = author
    inkscape = root.get(f"{{{INKSCAPE_NS}}}version")
    if inkscape:
        metadata["application"] = f"Inkscape {inkscape}"[:MAX_METADATA_CHARS]
    else:
        # Adobe Illustrator and others leave a "Generator: ..." comment before the root.
        for node in root.itersiblings(preceding=True):
            if isinstance(node, lxml.etree._Comment):
                match = _GENERATOR.search(str(node.text or ""))
                if match:
                    metadata["application"] = match.group(1).strip()[:MAX_METADATA_CHARS]
                    break
    return metadata


def _read(path: Path) -> bytes:
    """The file's bytes; a gzip-compressed file (.svgz) inflated, within the size limit."""
    data = read_bounded(path, MAX_XML_BYTES)
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        with gzip.open(path, "rb") as stream:
            inflated = stream.read(MAX_XML_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"unreadable gzip stream: {exc}") from exc
    if len(inflated) > MAX_XML_BYTES:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED, f"compressed XML inflates past {MAX_XML_BYTES} bytes"
        )
    if not inflated:
        raise ExtractionError(ErrorKind.EMPTY, "compressed XML inflates to nothing")
    return inflated


def extract_xml(path: Path) -> Extracted:
    """Text and metadata of an XML or SVG file (an SVG root is read as SVG)."""
    root, metadata = parse_xml(_read(path))
    namespace, local = _local(root)
    metadata["root_element"] = local[:MAX_METADATA_CHARS]
    if namespace:
        metadata["namespace"] = namespace[:MAX_METADATA_CHARS]
    if local == "svg" and namespace in (SVG_NS, ""):
        text = svg_text(root)
        metadata.update(_svg_metadata(root))
    elif local == ANDROID_RESOURCES and not namespace:
        text = resource_text(root)
    else:
        text = xml_text(root)
    return Extracted(pages=text_pages(normalise_newlines(text)), metadata=metadata)


@register
class XmlExtractor:
    """Generic XML documents (feeds, exports, configuration, data dumps)."""

    type: ClassVar[str] = "xml"
    mime_types: ClassVar[tuple[str, ...]] = ("text/xml", "application/xml")
    extensions: ClassVar[tuple[str, ...]] = (".xml", ".rss", ".atom", ".xsd", ".xsl", ".kml")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Text nodes, whitespace normalised; entities neither expanded nor fetched."""
        return extract_xml(path)


@register
class SvgExtractor:
    """SVG drawings (.svg, and gzip-compressed .svgz)."""

    type: ClassVar[str] = "svg"
    mime_types: ClassVar[tuple[str, ...]] = ("image/svg+xml",)
    extensions: ClassVar[tuple[str, ...]] = (".svg", ".svgz")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Text runs, titles and descriptions; nothing referenced is fetched."""
        return extract_xml(path)
