"""HTML: its visible text (link text kept), title and meta tags; nothing fetched.

The charset comes from a BOM, then a ``<meta>`` declaration (used only if the
bytes decode cleanly with it: leaked pages often lie), then detection. lxml's
HTML parser is given UTF-8 bytes and told not to touch the network; scripts,
styles and other non-text elements are dropped, block elements become line
breaks. :func:`html_to_text` is shared with the email extractor.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import lxml.etree
import lxml.html

from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.plain_text import (
    bom_encoding,
    decode_text,
    normalise_newlines,
    read_bounded,
    text_pages,
)
from culpa.models import Extracted

#: Larger HTML files are refused (bytes).
MAX_HTML_BYTES = 256 * 1024**2
#: The charset declaration must appear within this many bytes (as browsers require).
CHARSET_SCAN_BYTES = 4096
#: At most this many meta tags go into metadata, each cut to MAX_METADATA_CHARS.
MAX_META_TAGS = 100
MAX_METADATA_CHARS = 2_000
#: At most this many distinct link targets are kept (metadata "links", one per line).
MAX_LINKS = 500
#: Link targets worth keeping: where a page points a reader (never fetched).
_LINK_SCHEMES = ("http://", "https://", "ftp://", "mailto:", "tel:")

#: Elements whose content is never shown as text.
SKIPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "canvas",
        "select",
        "datalist",
    }
)
#: Elements that start a new line.
BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
        "caption",
        "option",
    }
)
CELL_TAGS = frozenset({"td", "th"})

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_INLINE_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_LINE_EDGE_SPACE = re.compile(r"[ \t]*\n[ \t]*")


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML file declares near its start, if any."""
    head = data[:CHARSET_SCAN_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None


def decode_html(data: bytes) -> tuple[str, str]:
    """Text of an HTML file and the codec used (BOM, then meta, then detection)."""
    if bom_encoding(data) is not None:
        return decode_text(data)
    return decode_text(data, declared=declared_charset(data))


def _parser() -> lxml.html.HTMLParser:
    return lxml.html.HTMLParser(
        encoding="utf-8",
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        default_doctype=False,
    )


def _parse(html: str) -> lxml.html.HtmlElement | None:
    cleaned = html.replace("\x00", "")
    if not cleaned.strip():
        return None
    try:
        root = lxml.html.document_fromstring(cleaned.encode("utf-8", "replace"), parser=_parser())
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return None
    return root


def _tag(element: lxml.etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""  # comments, processing instructions, entities
    return tag.rsplit("}", 1)[-1].lower()


def _render(root: lxml.etree._Element) -> str:
    """Visible text: inline whitespace collapsed, blocks on their own lines, <pre> kept."""
    parts: list[str] = []
    pre_depth = 0

    def add(text: str | None) -> None:
        if text:
            parts.append(text if pre_depth else _INLINE_SPACE.sub(" ", text))

    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = _tag(element)
        if event == "start":
            if tag in SKIPPED_TAGS:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS or tag == "br":
                parts.append("\n")
            elif tag in CELL_TAGS:
                parts.append("\t")
            if tag == "pre":
                pre_depth += 1
            add(element.text)
        else:
            if tag == "pre":
                pre_depth = max(0, pre_depth - 1)
            if tag in BLOCK_TAGS:
                parts.append("\n")
            add(element.tail)
    text = "".join(parts)
    text = _LINE_EDGE_SPACE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip("\n ")


def _metadata(root: lxml.etree._Element) -> dict[str, str]:
    metadata: dict[str, str] = {}
    titles = root.xpath("//title")
    if isinstance(titles, list) and titles:
        title = titles[0]
        if isinstance(title, lxml.etree._Element):
            text = _INLINE_SPACE.sub(
                " ", title.text_content() if hasattr(title, "text_content") else (title.text or "")
            ).strip()
            if text:
                metadata["title"] = text[:MAX_METADATA_CHARS]
    metas = root.xpath("//meta")
    count = 0
    for meta in metas if isinstance(metas, list) else []:
        if not isinstance(meta, lxml.etree._Element) or count >= MAX_META_TAGS:
            continue
        name = meta.get("name") or meta.get("property") or meta.get("http-equiv")
        content = meta.get("content")
        if not name or content is None:
            continue
        key = "meta:" + name.strip().lower()[:100]
        if key not in metadata:
            metadata[key] = content.strip()[:MAX_METADATA_CHARS]
            count += 1
    links = _links(root)
    if links:
        metadata["links"] = "\n".join(links)
    return metadata


def _links(root: lxml.etree._Element) -> list[str]:
    """Distinct absolute link targets (a href, area href), in page order."""
    found: dict[str, None] = {}
    anchors = root.xpath("//a[@href] | //area[@href]")
    for anchor in anchors if isinstance(anchors, list) else []:
        if not isinstance(anchor, lxml.etree._Element):
            continue
        href = (anchor.get("href") or "").strip()
        if href.lower().startswith(_LINK_SCHEMES) and len(href) <= MAX_METADATA_CHARS:
            found.setdefault(href, None)
            if len(found) >= MAX_LINKS:
                break
    return list(found)


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Visible text of an HTML document, and its title/meta tags."""
    root = _parse(html)
    if root is None:
        return "", {}
    return _render(root), _metadata(root)


@register
class HtmlExtractor:
    """HTML and XHTML pages."""

    type: ClassVar[str] = "html"
    mime_types: ClassVar[tuple[str, ...]] = ("text/html", "application/xhtml+xml")
    extensions: ClassVar[tuple[str, ...]] = (".html", ".htm", ".xhtml", ".shtml")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Decode, parse and flatten the page to text."""
        data = read_bounded(path, MAX_HTML_BYTES)
        html, codec = decode_html(data)
        text, metadata = html_to_text(html)
        metadata["encoding"] = codec
        return Extracted(pages=text_pages(normalise_newlines(text)), metadata=metadata)
