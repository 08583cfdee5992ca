"""DjVu documents: the hidden text layer where a page has one, OCR where it doesn't.

DjVu (``image/vnd.djvu``) is how many scanned books, archives and court
records are published. Debian's djvulibre-bin reads it: ``djvused`` counts the
pages and gives their sizes, ``djvutxt --detail=word --escape`` gives every
page's hidden text as one S-expression per page (``()`` for a page without
text), words with boxes in the page's own pixels, origin at the bottom left,
and ``ddjvu`` renders a page to a greyscale image for OCR. One page per DjVu
page; words keep their boxes (page units are the page's pixels, y from the
top, as for images). A page whose text layer is missing or unusable is marked
for OCR, which the OCR stage (culpa/ingest/ocr_stage.py) does through
:meth:`DjvuExtractor.render_pages`, rendered at 300 dpi (less for huge pages).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from PIL import Image

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, PageImage
from culpa.formats.documents.pdf import MAX_RENDER_PIXELS, OCR_DPI, is_usable_text
from culpa.formats.registry import register
from culpa.formats.support.tools import require_tool, run_tool
from culpa.models import Extracted, Page, Word

DJVU_MIME = "image/vnd.djvu"
#: Seconds djvulibre may take to read a whole document's text or sizes.
READ_TIMEOUT = 300.0
#: Seconds ``ddjvu`` may take to render one page.
RENDER_TIMEOUT = 120.0
#: A document with more pages than this is refused (a hostile directory can claim millions).
MAX_PAGES = 100_000
#: Text-layer zones; a string directly inside one of these is one word.
_ZONES = {b"page", b"column", b"region", b"para", b"line", b"word", b"char"}
_SIZE = re.compile(rb"width=(\d+)\s+height=(\d+)")
_INFO = re.compile(rb"INFO \[\d+\]\s+DjVu (\d+)x(\d+),.*?(\d+) dpi")
_ESCAPES = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"b": b"\b", b"f": b"\f", b"v": b"\v"}

# An S-expression as djvutxt writes it: lists, numbers and symbols, and strings.
SExpr = bytes | int | list["SExpr"]


@dataclass(frozen=True, slots=True)
class _PageSize:
    width: int
    height: int
    dpi: int | None = None


def _unescape(body: bytes) -> bytes:
    """A djvutxt ``--escape`` string's bytes: C escapes and octal (UTF-8 bytes as \\346)."""
    out = bytearray()
    i = 0
    while i < len(body):
        byte = body[i : i + 1]
        if byte != b"\\" or i + 1 >= len(body):
            out += byte
            i += 1
            continue
        following = body[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", body[i + 1 : i + 4])
        if octal is not None:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
            continue
        out += _ESCAPES.get(following, following)
        i += 2
    return bytes(out)


_TOKEN = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()"]+))', re.DOTALL)


def parse_sexprs(data: bytes) -> list[SExpr]:
    """The top-level S-expressions of ``data`` (one per page from djvutxt)."""
    stack: list[list[SExpr]] = [[]]
    position = 0
    while True:
        match = _TOKEN.match(data, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        opened, closed, string, atom = match.groups()
        if opened:
            stack.append([])
        elif closed:
            if len(stack) > 1:
                done = stack.pop()
                stack[-1].append(done)
        elif string is not None:
            stack[-1].append(_unescape(string))
        elif atom is not None:
            stack[-1].append(int(atom) if atom.lstrip(b"-").isdigit() else atom)
    while len(stack) > 1:  # an unclosed list at the end (a truncated layer): keep it
        done = stack.pop()
        stack[-1].append(done)
    return stack[0]


def _leaves(zone: list[SExpr], line: int, found: list[tuple[int, tuple[int, ...], str]]) -> int:
    """Collect (line number, box, text) for every string in ``zone``; returns the line count."""
    if len(zone) < 5 or zone[0] not in _ZONES:
        return line
    box = tuple(item for item in zone[1:5] if isinstance(item, int))
    if len(box) != 4:
        return line
    if zone[0] == b"line":
        line += 1
    for item in zone[5:]:
        if isinstance(item, bytes):
            lines = item.decode("utf-8", "replace").splitlines()
            text = "\n".join(" ".join(part.split()) for part in lines if part.strip())
            if text:
                found.append((line, box, text))
        elif isinstance(item, list):
            line = _leaves(item, line, found)
    if zone[0] in (b"para", b"region", b"column"):
        line += 1  # a string directly under these is a line of its own
    return line


def page_text(zone: SExpr, height: int) -> tuple[str, tuple[Word, ...]]:
    """A page's text and words from its text-layer S-expression (boxes turned y-down)."""
    if not isinstance(zone, list):
        return "", ()
    found: list[tuple[int, tuple[int, ...], str]] = []
    _leaves(zone, 0, found)
    parts: list[str] = []
    words: list[Word] = []
    offset = 0
    last_line: int | None = None
    for line, (x0, y0, x1, y1), text in found:
        if last_line is not None:
            parts.append(" " if line == last_line else "\n")
            offset += 1
        parts.append(text)
        words.append(
            Word(
                text,
                float(x0),
                float(height - y1),
                float(x1),
                float(height - y0),
                offset,
                offset + len(text),
            )
        )
        offset += len(text)
        last_line = line
    return "".join(parts), tuple(words)


def _tool_output(args: list[str], path: Path, what: str) -> bytes:
    result = run_tool([*args, str(path)], timeout=READ_TIMEOUT, what=what)
    if result.returncode != 0:
        detail = result.stderr.splitlines()[0] if result.stderr else f"exit {result.returncode}"
        # Without the store path it names (same error, same record).
        detail = detail.replace(f"file://localhost{path}", "the file").replace(
            str(path), "the file"
        )
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable DjVu document: {detail}")
    return result.stdout


def _page_sizes(path: Path) -> list[_PageSize]:
    """Every page's size in its own pixels, and its resolution where djvudump states it."""
    djvused = require_tool("djvused")
    count_text = _tool_output([djvused, "-e", "n"], path, "djvused").strip()
    if not count_text.isdigit() or int(count_text) == 0:
        raise ExtractionError(ErrorKind.CORRUPT, "DjVu document has no pages")
    count = int(count_text)
    if count > MAX_PAGES:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED, f"DjVu document claims {count} pages (over {MAX_PAGES})"
        )
    sizes = [
        (int(w), int(h))
        for w, h in _SIZE.findall(_tool_output([djvused, "-e", "size"], path, "djvused"))
    ]
    dpis: list[int | None] = [None] * count
    djvudump = require_tool("djvudump")
    dump = run_tool([djvudump, str(path)], timeout=READ_TIMEOUT, what="djvudump").stdout
    infos = _INFO.findall(dump)
    if len(infos) == count:  # one INFO chunk per page, in page order (bundled documents)
        dpis = [int(dpi) if 25 <= int(dpi) <= 6000 else None for _w, _h, dpi in infos]
    sizes += [(0, 0)] * (count - len(sizes))
    return [_PageSize(w, h, dpis[i]) for i, (w, h) in enumerate(sizes[:count])]


@register
class DjvuExtractor:
    """DjVu documents, page by page: text layer, else marked for OCR."""

    type: ClassVar[str] = "djvu"
    mime_types: ClassVar[tuple[str, ...]] = (DJVU_MIME, "image/x-djvu")
    extensions: ClassVar[tuple[str, ...]] = (".djvu", ".djv")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """One page per DjVu page; pages without a usable text layer are marked for OCR."""
        sizes = _page_sizes(path)
        djvutxt = require_tool("djvutxt")
        layers = parse_sexprs(_tool_output([djvutxt, "--detail=word", "--escape"], path, "djvutxt"))
        pages: list[Page] = []
        ocr_pages: list[int] = []
        for index, size in enumerate(sizes):
            context.progress()
            number = index + 1
            layer = layers[index] if index < len(layers) else []
            text, words = page_text(layer, size.height)
            pages.append(
                Page(
                    number=number,
                    text=text,
                    words=words,
                    width=float(size.width),
                    height=float(size.height),
                    text_layer=bool(text),
                )
            )
            if context.ocr and not is_usable_text(text):
                ocr_pages.append(number)
        metadata = {"page_count": str(len(sizes))}
        with_text = len(sizes) - len([p for p in pages if not p.text.strip()])
        metadata["text_layer_pages"] = str(with_text)
        return Extracted(pages=tuple(pages), metadata=metadata, ocr_pages=tuple(ocr_pages))

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Pages ``numbers`` rendered in greyscale at 300 dpi (less for huge pages)."""
        sizes = _page_sizes(path)
        ddjvu = require_tool("ddjvu")
        for number in numbers:
            context.progress()
            yield _render_page(ddjvu, path, number, sizes)


def render_page(path: Path, number: int) -> PageImage:
    """One page rendered as for OCR (the viewer's page image); raises ExtractionError."""
    return _render_page(require_tool("ddjvu"), path, number, _page_sizes(path))


def _render_page(ddjvu: str, path: Path, number: int, sizes: list[_PageSize]) -> PageImage:
    if not 1 <= number <= len(sizes):
        return PageImage(number, None, error=f"the DjVu document has no page {number}")
    size = sizes[number - 1]
    if size.width <= 0 or size.height <= 0:
        return PageImage(number, None, error="the page has no size")
    factor = OCR_DPI / size.dpi if size.dpi else 1.0
    pixels = size.width * size.height * factor * factor
    if pixels > MAX_RENDER_PIXELS:
        factor *= (MAX_RENDER_PIXELS / pixels) ** 0.5
    width = max(1, round(size.width * factor))
    height = max(1, round(size.height * factor))
    args = [ddjvu, "-format=pgm", f"-page={number}", f"-size={width}x{height}", str(path)]
    try:
        result = run_tool(args, timeout=RENDER_TIMEOUT, what="ddjvu")
    except ExtractionError as exc:
        return PageImage(number, None, error=f"rendering failed: {exc}")
    if result.returncode != 0 or not result.stdout:
        return PageImage(number, None, error=f"rendering failed: {result.stderr or 'no image'}")
    try:
        with Image.open(io.BytesIO(result.stdout)) as opened:
            image = opened.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return PageImage(number, None, error=f"rendering failed: {exc}")
    dpi = round(size.dpi * image.width / size.width) if size.dpi else None
    scale = size.width / image.width
    return PageImage(number, image, dpi, scale, float(size.width), float(size.height))
