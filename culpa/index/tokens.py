"""Turn page text into the token string the full-text index stores.

Two things make Chinese search exact without a word segmenter:

* a per-character *fold* (traditional → simplified, NFKC, casefold, Latin
  diacritics stripped), applied identically to pages and queries, so 習近平
  finds 习近平 and ＡＢＣ finds abc;
* CJK runs written as overlapping bigrams plus the run's last character
  ("刻不容缓" → "刻不 不容 容缓 缓"). Every two-character string inside a run is
  then an index token, so a two-character query has 100 % recall and a longer
  one is a phrase of adjacent bigrams, i.e. an exact substring match.

Whitespace between two Han/kana characters is dropped first, because PDFs
break lines inside phrases (刻不 / 容缓). Latin text is left to FTS5's
``unicode61`` tokenizer.

The fold is per character so that a folded page keeps a map back to the
stored text (:func:`fold_with_offsets`), which is how a hit's span is cited.
Changing anything here changes the index tokens: bump :data:`TOKENS_VERSION`
and re-index (contentless deletes need the exact tokens that were inserted).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import opencc

#: Version of the token format; a case indexed with another version must be re-indexed.
TOKENS_VERSION = 1

# Han (CJK unified ideographs, extensions A–H, compatibility), 〇 and 々, kana.
_HAN_KANA = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"
    "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003ffff"
)
# Hangul is bigrammed too (no segmenter needed), but Korean separates words with
# spaces, so whitespace between Hangul syllables is kept as a run boundary.
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
CJK_CLASS = f"[{_HAN_KANA}{_HANGUL}]"
HAN_KANA_CLASS = f"[{_HAN_KANA}]"

_CJK_RUN = re.compile(f"{CJK_CLASS}+")
_JOINABLE_SPACE = re.compile(f"(?<={HAN_KANA_CLASS})\\s+(?={HAN_KANA_CLASS})")
_IS_HAN_KANA = re.compile(HAN_KANA_CLASS)
_IS_CJK = re.compile(CJK_CLASS)

# Invisible characters PDFs leave inside words; dropped so they split nothing.
_INVISIBLE = frozenset("\u00ad\u200b\u2060\ufeff")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _is_latin(c: str) -> bool:
    if c.isascii():
        return c.isalpha()
    try:
        return unicodedata.name(c).startswith("LATIN ")
    except ValueError:
        return False


def fold_char(c: str) -> str:
    """Fold one character: NFKC, traditional → simplified, casefold, Latin diacritics off.

    The result may be empty (invisible characters, stray combining accents) or
    longer than one character ('ß' → 'ss', '㍿' → '株式会社').
    """
    if c in _INVISIBLE:
        return ""
    # Combining accents of the Latin/Greek/Cyrillic block are dropped even when
    # decomposed; Arabic-script and other marks are kept.
    if "\u0300" <= c <= "\u036f":
        return ""
    out = []
    for ch in unicodedata.normalize("NFKC", c):
        if _IS_CJK.match(ch):
            simplified = _t2s().convert(ch)
            # Keep 1:1 so a folded page maps back to its characters.
            out.append(simplified if len(simplified) == 1 else ch)
        else:
            out.append(ch)
    folded = "".join(out).casefold()
    result = []
    for ch in folded:
        decomposed = unicodedata.normalize("NFD", ch)
        if len(decomposed) > 1 and _is_latin(decomposed[0]):
            base = "".join(d for d in decomposed if not unicodedata.combining(d))
            result.append(unicodedata.normalize("NFC", base))
        else:
            result.append(ch)
    return "".join(result)


class _Fold(dict[int, str]):
    """``str.translate`` table that folds each character, computed on first use."""

    def __init__(self) -> None:
        super().__init__()
        #: Characters whose fold is not exactly one character (offsets shift there).
        self.not_one_to_one: set[str] = set()

    def __missing__(self, key: int) -> str:
        value = fold_char(chr(key))
        if len(value) != 1:
            self.not_one_to_one.add(chr(key))
        self[key] = value
        return value


#: Per-character fold table: ``text.translate(FOLD)``.
FOLD = _Fold()


def fold(text: str) -> str:
    """Fold ``text`` character by character (see :func:`fold_char`)."""
    return text.translate(FOLD)


def join_cjk_lines(folded: str) -> str:
    """Drop whitespace between two Han/kana characters (PDF line breaks inside phrases)."""
    return _JOINABLE_SPACE.sub("", folded)


def normalize(text: str) -> str:
    """The text as the index sees it, before bigramming: folded, CJK line breaks joined."""
    return join_cjk_lines(fold(text))


def _bigrams(run: str, *, trailing: bool) -> str:
    # map(str.__add__) pairs each character with the next in C: 3x a slicing loop.
    grams = " ".join(map(str.__add__, run, run[1:]))
    if trailing or len(run) == 1:
        return f"{grams} {run[-1]}" if grams else run[-1]
    return grams


def _index_run(match: re.Match[str]) -> str:
    return f" {_bigrams(match.group(), trailing=True)} "


def index_text(text: str) -> str:
    """The token string stored in ``page_index`` for a page's ``text``."""
    return _CJK_RUN.sub(_index_run, normalize(text))


def is_cjk(c: str) -> bool:
    """Whether ``c`` (one folded character) is written as bigrams."""
    return _IS_CJK.match(c) is not None


def is_han_kana(c: str) -> bool:
    """Whether whitespace next to ``c`` can be a line break inside a CJK phrase."""
    return _IS_HAN_KANA.match(c) is not None


def cjk_runs(normalized: str) -> list[tuple[bool, str]]:
    """Split normalized text into (is_cjk_run, piece) parts, in order."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _CJK_RUN.finditer(normalized):
        if m.start() > pos:
            parts.append((False, normalized[pos : m.start()]))
        parts.append((True, m.group()))
        pos = m.end()
    if pos < len(normalized):
        parts.append((False, normalized[pos:]))
    return parts


def query_tokens(normalized: str) -> tuple[str, bool]:
    """Token string for a query phrase, and whether its last token is a prefix.

    A CJK run inside the phrase keeps its trailing unigram when more tokens
    follow (the index has it there: "发展 展 2017"), and drops it at the end of
    the phrase, so "发展" also matches inside "发展中". A phrase ending in a
    lone CJK character searches it as a prefix: it may begin a bigram.
    """
    parts = cjk_runs(normalized)
    # Non-CJK pieces without any token character contribute nothing.
    kept = [(cjk, piece) for cjk, piece in parts if cjk or has_token_chars(piece)]
    out: list[str] = []
    prefix = False
    for i, (cjk, piece) in enumerate(kept):
        last = i == len(kept) - 1
        if cjk:
            out.append(_bigrams(piece, trailing=not last))
            prefix = last and len(piece) == 1
        else:
            out.append(piece.strip())
            prefix = False
    return " ".join(out), prefix


def is_token_char(c: str) -> bool:
    """Whether ``unicode61`` keeps ``c`` in a token (letters, numbers, private use)."""
    cat = unicodedata.category(c)
    return cat[0] in "LN" or cat == "Co"


def has_token_chars(text: str) -> bool:
    """Whether ``text`` would produce at least one index token."""
    return any(is_token_char(c) for c in text)


def fold_with_offsets(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """Fold ``text`` and map each folded character back to the stored text.

    Returns ``(folded, starts, ends)``: folded character ``i`` came from
    ``text[starts[i]:ends[i]]``. Whitespace is kept (the matcher allows it
    between CJK characters), so spans stay exact.
    """
    folded = text.translate(FOLD)
    if len(folded) == len(text) and FOLD.not_one_to_one.isdisjoint(text):
        # The common case: every character folds to one, offsets are unchanged.
        return folded, range(len(text)), range(1, len(text) + 1)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    table = FOLD
    for i, c in enumerate(text):
        f = table[ord(c)]
        if not f:
            continue
        pieces.append(f)
        if len(f) == 1:
            starts.append(i)
            ends.append(i + 1)
        else:
            starts.extend([i] * len(f))
            ends.extend([i + 1] * len(f))
    return "".join(pieces), starts, ends
