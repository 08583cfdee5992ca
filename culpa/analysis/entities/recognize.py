"""Find the people, organisations, places, dates and times named in a page's text.

:func:`recognize` is the one entry point: it takes a page's text and the language
culpa stored for the page, and returns :class:`Mention` objects whose offsets are
offsets into that text (``mention.text == text[mention.start:mention.end]``).

A page of a leak is rarely one language: Chinese directives quote English
names, English reports quote Chinese ones. So the text is cut into runs of
script: a stretch without CJK characters that holds at least
``MIN_LATIN_WORDS`` Latin words is English and goes to spaCy
(:mod:`.english`); the rest, where it holds a Han character, is Chinese and
goes to LAC (:mod:`.chinese`). The page's language only says which engines may
run at all: Japanese Han text is not Chinese, and a French or German page's
Latin runs are not English, so those are left alone rather than mislabelled.

Long pages are cut into chunks of at most ``MAX_CHUNK_CHARS`` characters at a
line or sentence end, so time grows with the length of the page and memory
does not. Control characters and lone surrogates (garbage OCR, broken
decoding) are replaced by spaces for the engines, one for one, so offsets hold.
Models load on first use, once per process, never when culpa is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Final

from culpa.analysis.entities.mentions import Mention
from culpa.analysis.language import HAN_CHAR

#: Characters the engines see at once: a long page is cut into chunks this long at most.
MAX_CHUNK_CHARS: Final = 5_000
#: A stretch without CJK characters is English if it holds this many Latin words;
#: shorter Latin bits (a model number, an abbreviation) stay inside the Chinese text.
MIN_LATIN_WORDS: Final = 3
#: Languages whose Han characters are not Chinese.
NOT_CHINESE: Final = frozenset({"ja", "ko"})
#: Page languages whose Latin-script runs are taken for English. Others (fr, de, ug …)
#: are left alone: the English model would tag their words as names.
ENGLISH_HOSTS: Final = frozenset({"en", "und", "zh-Hans", "zh-Hant", "zh"})

# Where a chunk may end, best first: a line end, a sentence end, a clause end or a space.
_CUTS: Final = ("\n", "。！？!?", "；;.", "，, \t")
# CJK scripts and punctuation (radicals, CJK symbols, kana, bopomofo, Han, Hangul,
# compatibility forms, full-width forms, Han extensions).
_CJK: Final = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_NON_CJK_RUN = re.compile(f"[^{_CJK}]+")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

Engine = Callable[[Sequence[str]], list[list[Mention]]]


def recognize(text: str, language: str | None) -> list[Mention]:
    """The mentions in ``text``, a page in ``language`` (as culpa stores it; None if unknown)."""
    if not text or text.isspace():
        return []
    clean = _UNSAFE.sub(" ", text)
    chinese_ok = (language or "und").split("-")[0] not in NOT_CHINESE
    english_ok = language is None or language in ENGLISH_HOSTS
    runs: dict[str, list[tuple[int, int]]] = {"zh": [], "en": []}
    for chunk_start, chunk_end in chunks(clean):
        for kind, start, end in script_runs(clean, chunk_start, chunk_end):
            if (kind == "zh" and chinese_ok) or (kind == "en" and english_ok):
                runs[kind].append((start, end))
    mentions: list[Mention] = []
    for kind, engine in (("zh", _chinese_engine()), ("en", _english_engine())):
        if not runs[kind]:
            continue
        found = engine([clean[start:end] for start, end in runs[kind]])
        for (offset, _end), run_mentions in zip(runs[kind], found, strict=True):
            for mention in run_mentions:
                start, end = offset + mention.start, offset + mention.end
                mentions.append(Mention(start, end, text[start:end], mention.label))
    mentions.sort(key=lambda m: (m.start, m.end))
    return mentions


def chunks(text: str, limit: int = MAX_CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of consecutive pieces of ``text``, each at most ``limit`` long.

    A piece ends after the last line end in its second half, else the last
    sentence end, clause end or space there; else it is cut at ``limit``.
    """
    start, size = 0, len(text)
    while start < size:
        end = min(start + limit, size)
        if end < size:
            end = _cut(text, start + limit // 2, end)
        yield start, end
        start = end


def _cut(text: str, low: int, high: int) -> int:
    for enders in _CUTS:
        best = max(text.rfind(char, low, high) for char in enders)
        if best >= 0:
            return best + 1
    return high


def script_runs(text: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """``(kind, start, end)`` of the English ('en') and Chinese ('zh') runs of ``text[start:end]``.

    Whitespace is trimmed from each run; a Chinese run holds at least one Han
    character, an English run at least ``MIN_LATIN_WORDS`` Latin words.
    """
    pending = start  # start of the text not yet given to a run
    for match in _NON_CJK_RUN.finditer(text, start, end):
        if len(_LATIN_WORD.findall(match.group())) < MIN_LATIN_WORDS:
            continue
        yield from _run("zh", text, pending, match.start())
        yield from _run("en", text, match.start(), match.end())
        pending = match.end()
    yield from _run("zh", text, pending, end)


def _run(kind: str, text: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return
    if kind == "zh" and HAN_CHAR.search(text, start, end) is None:
        return
    yield kind, start, end


def _chinese_engine() -> Engine:
    from culpa.analysis.entities.chinese import recognize_chinese

    return recognize_chinese


def _english_engine() -> Engine:
    from culpa.analysis.entities.english import recognize_english

    return recognize_english
