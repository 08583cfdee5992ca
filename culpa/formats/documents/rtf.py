"""Rich Text Format (.rtf): the document's text and its ``\\info`` properties.

striprtf turns RTF into text: it follows ``\\ansicpgN`` and each font's
``\\fcharsetN`` to decode ``\\'xx`` escapes (so GBK in ``\\ansicpg936``
documents comes out as Chinese), reads ``\\uN`` escapes with their fallback
skipping, and drops destinations that are not body text (font and style
tables, headers and footers, footnotes, comments, fields' instructions).
Around it, this module:

- turns raw 8-bit bytes (which some Chinese writers emit unescaped) into
  ``\\'xx`` escapes, so they are decoded in the document's code page too;
- cuts ``\\binN`` payloads, pictures and embedded objects' data out before
  parsing (hex image data would otherwise be walked character by character),
  and records how many embedded objects were skipped: they are not extracted;
- splits pages at explicit page breaks (``\\page``, ``\\pagebb``);
- teaches Python the Mac code page numbers (``\\ansicpg10000`` is Mac Roman);
- reads the ``\\info`` group: author, operator (last modified by), title,
  subject, keywords, comments, company, manager, category, and the creation,
  revision and print times.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from striprtf import striprtf

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted, Page

#: Larger RTF files are refused (bytes): the parser walks text character by character.
MAX_RTF_BYTES = 256 * 1024**2
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000
#: A group nested deeper than this ends the scan for its end (hostile files).
MAX_GROUP_SCAN_BYTES = 64 * 1024**2

#: Windows code page numbers RTF writers use that Python knows under other names.
_CODE_PAGE_CODECS = {
    "cp10000": "mac_roman",
    "cp10001": "shift_jis",
    "cp10002": "big5",
    "cp10003": "euc_kr",
    "cp10006": "mac_greek",
    "cp10007": "mac_cyrillic",
    "cp10008": "gb2312",
    "cp10029": "mac_latin2",
    "cp10079": "mac_iceland",
    "cp10081": "mac_turkish",
    "cp20127": "ascii",
    "cp20936": "gb2312",
    "cp28591": "latin_1",
    "cp54936": "gb18030",
    "cp65001": "utf_8",
}


def _code_page_codec(name: str) -> codecs.CodecInfo | None:
    """Codec search function: only the code page numbers above, nothing else."""
    target = _CODE_PAGE_CODECS.get(name.lower().replace("-", "").replace("_", ""))
    return codecs.lookup(target) if target else None


codecs.register(_code_page_codec)

#: striprtf's converter (the library is untyped).
_rtf_to_text: Callable[..., str] = striprtf.rtf_to_text

_BIN = re.compile(rb"\\bin(\d{1,10}) ?")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_PAGE_BREAK = re.compile(r"\\page(?:bb)?(?![A-Za-z])(?:-?\d+)? ?")
#: Groups whose content is binary or hex data, dropped before parsing.
_DATA_GROUP = re.compile(
    r"\{\s*(?:\\\*\s*)?\\(?:pict|objdata|datastore|themedata|colorschememapping|blipuid)"
    r"(?![A-Za-z])"
)
_OBJECT = re.compile(r"\\object(?![A-Za-z])")
_BRACE = re.compile(r"\\[\\{}]|[{}]")
_INFO = re.compile(r"\{\s*\\info(?![A-Za-z])")
_INFO_FIELD = re.compile(r"\{\s*(?:\\\*\s*)?\\([a-z]+)(?![A-Za-z])(-?\d+)? ?")
_TIME_PART = re.compile(r"\\(yr|mo|dy|hr|min|sec)(-?\d+)")
_ANSICPG = re.compile(r"\\ansicpg(\d{1,5})")
_FORM_FEED = "\f"

#: ``\info`` sub-groups -> culpa metadata keys.
_INFO_TEXT = {
    "title": "title",
    "subject": "subject",
    "author": "author",
    "operator": "last_modified_by",
    "keywords": "keywords",
    "doccomm": "comments",
    "company": "company",
    "manager": "manager",
    "category": "category",
    "hlinkbase": "hyperlink_base",
}
_INFO_TIMES = {"creatim": "created", "revtim": "modified", "printim": "last_printed"}
_INFO_NUMBERS = {"version": "revision", "nofpages": "page_count", "edmins": "editing_minutes"}


def _prepare(data: bytes) -> str:
    """RTF bytes as 7-bit text: ``\\bin`` payloads cut, raw 8-bit bytes as ``\\'xx``."""
    parts: list[bytes] = []
    position = 0
    for match in _BIN.finditer(data):
        if match.start() < position:
            continue  # inside a payload already cut
        parts.append(data[position : match.start()])
        position = match.end() + int(match.group(1))
    parts.append(data[position:])
    joined = b"".join(parts)
    escaped = _HIGH_BYTE.sub(lambda m: b"\\'%02x" % m.group()[0], joined)
    return escaped.decode("ascii", "replace")


def _group_end(text: str, start: int) -> int:
    """Index just past the group opening at ``start`` (``{``), or len(text) if unclosed."""
    depth = 0
    limit = min(len(text), start + MAX_GROUP_SCAN_BYTES)
    for match in _BRACE.finditer(text, start, limit):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                return match.end()
    return len(text)


def _drop_data_groups(text: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _DATA_GROUP.finditer(text):
        if match.start() < position:
            continue
        parts.append(text[position : match.start()])
        position = _group_end(text, match.start())
    parts.append(text[position:])
    return "".join(parts)


def _codec(text: str) -> str:
    """The Python codec for the document's ``\\ansicpg`` (cp1252 when absent or unknown)."""
    match = _ANSICPG.search(text, 0, 4096)
    if match is None:
        return "cp1252"
    name = f"cp{match.group(1)}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def _fix_surrogates(text: str) -> str:
    """Join ``\\uN`` surrogate pairs that striprtf emitted as two code points."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def rtf_body_text(rtf: str, codec: str) -> str:
    """Plain text of prepared RTF, with form feeds at explicit page breaks."""
    marked = _PAGE_BREAK.sub(lambda _m: "\\'0c", rtf)
    try:
        text = _rtf_to_text(marked, encoding=codec, errors="replace")
    except (ValueError, LookupError, IndexError, TypeError) as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"RTF could not be parsed: {exc}") from exc
    return _fix_surrogates(text).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def rtf_to_text(data: bytes) -> str:
    """Plain text of RTF bytes (an e-mail's RTF body, say), page breaks as form feeds."""
    rtf = _drop_data_groups(_prepare(data))
    return rtf_body_text(rtf, _codec(rtf))


def _info_text(content: str, codec: str) -> str:
    number = codec[2:] if codec.startswith("cp") and codec[2:].isdigit() else "1252"
    return rtf_body_text(f"{{\\rtf1\\ansi\\ansicpg{number} {content}}}", codec).strip()


def _info_time(content: str) -> str | None:
    parts = {name: int(value) for name, value in _TIME_PART.findall(content)}
    try:
        moment = datetime(
            parts["yr"],
            parts.get("mo", 1),
            parts.get("dy", 1),
            parts.get("hr", 0),
            parts.get("min", 0),
            parts.get("sec", 0),
        )
    except (KeyError, ValueError, OverflowError):
        return None
    return moment.isoformat()


def rtf_metadata(rtf: str, codec: str) -> dict[str, str]:
    """culpa metadata from the ``\\info`` group."""
    metadata: dict[str, str] = {}
    found = _INFO.search(rtf)
    if found is None:
        return metadata
    end = _group_end(rtf, found.start())
    info = rtf[found.end() : end - 1]
    position = 0
    for match in _INFO_FIELD.finditer(info):
        if match.start() < position:
            continue
        group_end = _group_end(info, match.start())
        position = group_end
        name, number = match.group(1), match.group(2)
        content = info[match.end() : group_end - 1]
        value: str | None = None
        if name in _INFO_TEXT:
            value = _info_text(content, codec)
            key = _INFO_TEXT[name]
        elif name in _INFO_TIMES:
            value = _info_time(content)
            key = _INFO_TIMES[name]
        elif name in _INFO_NUMBERS and number is not None:
            value = number
            key = _INFO_NUMBERS[name]
        if value:
            metadata[key] = value.replace("\x00", "")[:MAX_METADATA_CHARS]
    return metadata


@register
class RtfExtractor:
    """Rich Text Format documents."""

    type: ClassVar[str] = "rtf"
    mime_types: ClassVar[tuple[str, ...]] = ("text/rtf", "application/rtf")
    extensions: ClassVar[tuple[str, ...]] = (".rtf",)
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Body text split at explicit page breaks; ``\\info`` properties."""
        try:
            size = path.stat().st_size
            if size > MAX_RTF_BYTES:
                raise ExtractionError(ErrorKind.TOO_LARGE, f"RTF of {size} bytes is too large")
            data = path.read_bytes()
        except OSError as exc:
            raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
        if not data:
            raise ExtractionError(ErrorKind.EMPTY, "file is empty")
        if not data.lstrip()[:5] == b"{\\rtf":
            raise ExtractionError(ErrorKind.CORRUPT, "not an RTF document (no {\\rtf header)")
        rtf = _drop_data_groups(_prepare(data))
        codec = _codec(rtf)
        metadata = rtf_metadata(rtf, codec)
        objects = len(_OBJECT.findall(rtf))
        if objects:
            metadata["embedded_objects_skipped"] = str(objects)
        chunks = [chunk.strip("\n") for chunk in rtf_body_text(rtf, codec).split(_FORM_FEED)]
        while len(chunks) > 1 and not chunks[-1].strip():
            chunks.pop()
        while len(chunks) > 1 and not chunks[0].strip():
            chunks.pop(0)
        pages = tuple(
            Page(number=number, text=chunk) for number, chunk in enumerate(chunks, start=1)
        )
        return Extracted(pages=pages, metadata=metadata)
