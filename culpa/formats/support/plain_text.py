"""Plain text in whatever encoding it was saved in.

Leaked Chinese text is mostly GB2312/GBK/GB18030 or Big5, rarely labelled.
Both decode many of the same byte strings without error, so the choice is made
by how plausible the result is as Chinese (share of very common characters),
not by which codec happens to succeed first; EUC-TW (Taiwan's Unix encoding)
takes part in that contest. 7-bit ISO-2022 text (Japanese, Korean and Chinese
mail and news) is told by its escape sequences before UTF-8 is tried, since
UTF-8 accepts the escapes and would keep them as mojibake. charset-normalizer
handles the rest (Latin-1, cp1251, Shift_JIS, ...). The encoding used goes
into metadata. EUC-TW and ISO-2022-CN come from culpa.formats.support.extra_codecs.

Shared by the text extractor (culpa.formats.documents.text), the mail
extractors (bodies, headers) and the table extractors (a file read as text).
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from pathlib import Path

from charset_normalizer import from_bytes
from charset_normalizer.constant import FREQUENCIES

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.support.extra_codecs import register_codecs
from culpa.models import Extracted, Page

register_codecs()  # euc_tw, iso2022_cn: every codec name this module returns must decode

#: Pages longer than this are split at a line break near it (characters).
MAX_PAGE_CHARS = 20_000
#: A split looks back this far for a line break before cutting hard.
PAGE_SPLIT_WINDOW = 5_000
#: Larger text files are refused rather than held in memory (bytes).
MAX_TEXT_BYTES = 512 * 1024**2
#: A CJK decoding is believed when this share of its CJK characters are very common ones.
MIN_CJK_PLAUSIBILITY = 0.08
#: charset-normalizer looks at this much of a large file (bytes).
DETECTION_SAMPLE_BYTES = 256 * 1024

#: Declared or guessed names mapped to the codec that reads a superset of them.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "big5": "cp950",
    "big5-tw": "cp950",
    "x-x-big5": "cp950",
    "iso-8859-1": "cp1252",  # as browsers do (WHATWG)
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}

_CJK_CODECS = frozenset({"gb18030", "cp950", "big5hkscs"})
#: The CJK codecs tried on 8-bit text, best first on a tie.
_CJK_CANDIDATES = ("gb18030", "cp950", "big5hkscs", "euc_tw")
#: ISO-2022 escape sequences (designations of a non-ASCII set) and the codecs to try
#: for each family, narrowest first: the first that decodes cleanly names the text.
#: ``ESC ( B`` alone (back to ASCII) is no sign: terminal logs hold it (``tput sgr0``).
_ISO2022_FAMILIES: tuple[tuple[re.Pattern[bytes], tuple[str, ...]], ...] = (
    (re.compile(rb"\x1b\$\)C"), ("iso2022_kr",)),
    (re.compile(rb"\x1b\$[)*+][A-Z]"), ("iso2022_cn",)),
    (
        re.compile(rb"\x1b(?:\$[@B]|\$\([@-Q]|\(I|\.[AF])"),
        ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3"),
    ),
)
_EIGHT_BIT = re.compile(rb"[\x80-\xff]")
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]")
_PUA_OR_BAD = re.compile(r"[\ue000-\uf8ff\ufffd\x00-\x08\x0e-\x1f]")


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """The most frequent Chinese characters, in both scripts."""
    import opencc

    simplified = "".join(FREQUENCIES["Chinese"])
    traditional = opencc.OpenCC("s2t").convert(simplified)
    punctuation = frozenset("，。、；：？！「」『』（）《》")
    return frozenset(simplified) | frozenset(traditional) | punctuation


def normalise_codec(name: str) -> str:
    """Python codec name for a declared charset, widened to its usual superset."""
    key = name.strip().strip("\"'").lower()
    key = SUPERSETS.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return ""


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) if ``data`` starts with a Unicode byte order mark."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def cjk_plausibility(text: str) -> float:
    """Share of CJK characters that are very common ones, less a penalty for junk."""
    cjk = _CJK.findall(text)
    if not cjk:
        return 0.0
    common = _common_han()
    score = sum(c in common for c in cjk) / len(cjk)
    junk = len(_PUA_OR_BAD.findall(text)) / len(cjk)
    return score - junk


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes fall on one side, as in mostly-ASCII UTF-16."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _strict(data: bytes, codec: str, *, final: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(codec)(errors="strict").decode(data, final=final)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_cjk(data: bytes, *, final: bool) -> tuple[str, str, float] | None:
    """The most plausible of GB18030 and Big5, or None if neither reads ``data`` well."""
    best: tuple[str, str, float] | None = None
    for codec in _CJK_CANDIDATES:
        text = _strict(data, codec, final=final)
        if text is None:
            continue
        score = cjk_plausibility(text)
        if codec in _RARE_CJK and best is not None and not _clearly_better(text, score, best[2]):
            continue
        if best is None or score > best[2]:
            best = (text, codec, score)
    return best


#: Codecs whose byte ranges overlap GB2312's (any GB2312 text decodes as EUC-TW) but
#: which are rare: they win only on enough text, by a clear margin.
_RARE_CJK = frozenset({"euc_tw"})
#: What a rare codec needs to beat a common one: this many CJK characters, this margin.
RARE_MIN_CJK, RARE_MARGIN = 6, 0.15


def _clearly_better(text: str, score: float, best: float) -> bool:
    """Whether a rare codec's reading beats the best common one beyond doubt.

    A short GBK string (原始内容) read as EUC-TW gave 倚我巾至, whose one very common
    character (我) outscored the right reading, which had none in the common set.
    """
    return len(_CJK.findall(text)) >= RARE_MIN_CJK and score >= best + RARE_MARGIN


def _detected_codec(sample: bytes) -> str:
    """charset-normalizer's choice; on a tie, cp1252 (short Western text fits many code pages)."""
    results = from_bytes(sample)
    best = results.best()
    if best is None:
        return ""
    for match in results:
        tied = match.chaos <= best.chaos and match.coherence >= best.coherence
        if tied and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return normalise_codec(best.encoding)


def _decode_iso2022(data: bytes, *, final: bool) -> tuple[str, str] | None:
    """(text, codec) for 7-bit text with ISO-2022 escape sequences, else None."""
    if b"\x1b" not in data or _EIGHT_BIT.search(data):
        return None
    for designation, candidates in _ISO2022_FAMILIES:
        if designation.search(data):
            for codec in candidates:
                text = _strict(data, codec, final=final)
                if text is not None:
                    return text, codec
    return None


def guess_encoding(data: bytes, *, final: bool = True) -> tuple[str, str] | None:
    """(text, codec) if ``data`` reads as text in some encoding, else None.

    With ``final=False`` a multibyte character cut at the end is tolerated, so a
    file's prefix can be tested.
    """
    bom = bom_encoding(data)
    if bom is not None:
        codec, skip = bom
        text = _strict(data[skip:], codec, final=final)
        if text is not None:
            return text, codec
    utf16 = _utf16_without_bom(data)  # before UTF-8, which accepts NULs
    if utf16 is not None:
        text = _strict(data, utf16, final=final)
        if text is not None:
            return text, utf16
    iso2022 = _decode_iso2022(data, final=final)  # before UTF-8, which accepts ESC
    if iso2022 is not None:
        return iso2022
    text = _strict(data, "utf-8", final=final)
    if text is not None:
        return text, "utf-8"
    cjk = _decode_cjk(data, final=final)
    if cjk is not None and cjk[2] >= MIN_CJK_PLAUSIBILITY:
        return cjk[0], cjk[1]
    codec = _detected_codec(data[:DETECTION_SAMPLE_BYTES])
    if codec:
        text = _strict(data, codec, final=final)
        if text is not None:
            return text, codec
    if cjk is not None:
        return cjk[0], cjk[1]
    return None


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Text of ``data`` and the codec used; never fails (cp1252 with replacement last).

    ``declared`` (from a meta tag or MIME header) wins when it decodes cleanly.
    """
    if declared and bom_encoding(data) is None:
        codec = normalise_codec(declared)
        if codec in _CJK_CODECS:
            # GB and Big5 labels are swapped often, and each decodes the other's bytes.
            best = _decode_cjk(data, final=True)
            if best is not None:
                return best[0], best[1]
        elif codec:
            text = _strict(data, codec, final=True)
            if text is not None:
                return text, codec
    found = guess_encoding(data)
    if found is not None:
        text, codec = found
        return text, codec
    return data.decode("cp1252", errors="replace"), "cp1252"


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets don't depend on the writer's OS."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_pages(text: str, max_chars: int = MAX_PAGE_CHARS) -> list[str]:
    """Pages at form feeds; long pages cut at a line break near ``max_chars``."""
    pages: list[str] = []
    for chunk in text.split("\f"):
        while len(chunk) > max_chars:
            cut = chunk.rfind("\n", max_chars - PAGE_SPLIT_WINDOW, max_chars)
            if cut < 0:
                cut = chunk.find("\n", max_chars, max_chars + PAGE_SPLIT_WINDOW)
            cut = max_chars if cut < 0 else cut + 1
            pages.append(chunk[:cut])
            chunk = chunk[cut:]
        pages.append(chunk)
    while len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # a trailing form feed is not a page
    return pages


def text_pages(text: str) -> tuple[Page, ...]:
    """Pages for already-decoded text (the ingest tags their languages)."""
    return tuple(Page(number=n, text=chunk) for n, chunk in enumerate(split_pages(text), start=1))


def read_text_file(path: Path) -> Extracted:
    """A text file decoded and split into pages (what the text extractor returns).

    Also the fallback of the table extractors for a file that is no table.
    """
    data = read_bounded(path, MAX_TEXT_BYTES)
    text, codec = decode_text(data)
    return Extracted(pages=text_pages(normalise_newlines(text)), metadata={"encoding": codec})


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, refusing files over ``limit``."""
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
    if len(data) > limit:
        raise ExtractionError(ErrorKind.TOO_LARGE, f"file is over {limit} bytes")
    if not data:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    return data
