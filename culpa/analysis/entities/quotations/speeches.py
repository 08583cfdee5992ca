"""Speeches as whole documents: the title names the speaker, every paragraph is theirs.

Half of the 2019 Xinjiang leak was speeches (习近平在中央新疆工作座谈会上的讲话,
the regional leaders' 同志在…会议上的讲话), whose words carry no quotation
marks at all: the title says who speaks. :func:`speech_speaker` reads a
title (the document's, or the first lines of its first page) in the forms

* ``习近平在中央新疆工作座谈会上的讲话``, ``陈全国同志在自治区…会议上的讲话``,
  ``陶鑄同志的讲話`` (the name before 在 or 的, 同志 left off);
* ``在全区…会议上的讲话（…）`` with the speaker alone on a byline below the title
  (``陈全国``, ``朱海仑同志``) or in the brackets;
* ``Remarks by President Xi Jinping at …``, ``Speech by …``, ``Statement by …``,
  ``Address by …``;

and :func:`speech_quotations` makes each paragraph of a page that reads as
speech (it ends a sentence somewhere) a quotation by that speaker. A title
followed by anything but brackets or a line end (``…讲话精神``, a document
*about* a speech) is no speech.
"""

from __future__ import annotations

import re
from typing import Final

from culpa.analysis.entities.mentions import Quotation
from culpa.analysis.entities.quotations.attribution import words

#: Characters of the first page read for a title and a byline.
HEAD_CHARS: Final = 400
#: Non-empty lines of the first page in which a byline is looked for.
BYLINE_LINES: Final = 8
#: A line under a title longer than this is speech, not a date or a byline.
MAX_HEADING_LINE: Final = 40
#: A paragraph shorter than this is a heading, a date or a page number, not speech.
MIN_PARAGRAPH_CHARS: Final = 8

_HAN: Final = r"\u3400-\u9fff\uf900-\ufaff"
_TITLE_END: Final = r"(?:[ \t\u3000]*[（(][^）)\n]{0,40}[）)])?[ \t\u3000]*(?:\n|$)"
_SPEECH_NOUN: Final = (
    r"(?:重要|主旨|总结|總結|开幕|開幕|闭幕|閉幕)?"
    r"(?:[讲講][话話](?:提纲|提綱|要点|要點)?|发言|發言|报告|報告|致辞|致詞)"
)
# A title that opens with these is about a speech (学习…的讲话), not the speech.
_ABOUT: Final = r"学习|學習|关于|關於|贯彻|貫徹|传达|傳達|认真|認真|深入|领会|領會|解读|解讀"
_NAMED_ZH: Final = re.compile(
    rf"^[ \t\u3000]*(?![在於于]|{_ABOUT})(?P<speaker>[{_HAN}·]{{2,20}}?)(?:同志)?"
    rf"(?:[在於于][^\n。]{{2,60}}?[上中时時])?的{_SPEECH_NOUN}{_TITLE_END}",
    re.M,
)
_UNNAMED_ZH: Final = re.compile(
    rf"^[ \t\u3000]*[在於于][^\n。]{{2,60}}?[上中时時]的{_SPEECH_NOUN}"
    rf"(?:[ \t\u3000]*[（(](?P<bracket>[^）)\n]{{0,40}})[）)])?[ \t\u3000]*(?:\n|$)",
    re.M,
)
_NAMED_EN: Final = re.compile(
    r"^[ \t]*(?:(?:Opening|Closing|Keynote|Full)\s+)?(?:Remarks|Speech|Statement|Address|Keynote)"
    r"(?:\s+delivered)?\s+by\s+(?P<speaker>[^\n,(;:]{2,80}?)"
    r"(?=\s+(?:at|on|to|before|during|in|for)\s|\s*[,(;:\n]|\s*$)",
    re.M | re.I,
)
#: Words a speaker named in an English title may have ("H.E. President Xi Jinping").
MAX_NAME_WORDS: Final = 8
_NAME_PARTICLES: Final = frozenset(words("the of and for de van von al bin"))
_BYLINE: Final = re.compile(rf"^[（(]?(?P<name>[{_HAN}·]{{2,4}})(?:同志)?[）)]?$")
_NOT_BYLINES: Final = frozenset(
    words(
        "绝密 机密 秘密 内部 目录 前言 附件 讲话 发言 报告 提纲 同志们 "
        "注意保存 内部资料 严禁外传 会议 全文 摘要 正文 说明 通知 按语 编者按"
    )
)
_SENTENCE_END: Final = re.compile(r"[。！？；.!?;]")
_PARAGRAPH_BREAK: Final = re.compile(r"\n[ \t\u3000]*\n|\n(?=[\u3000\t]|  )")


def speech_speaker(title: str, first_page: str) -> str | None:
    """The speaker when ``title`` (or the first page's heading) says the document is a speech."""
    head = first_page[:HEAD_CHARS]
    for candidate in (title, head, *_wrapped_titles(head)):
        if not candidate:
            continue
        named = _NAMED_ZH.search(candidate)
        if named is not None:
            return named.group("speaker").strip()
        named = _NAMED_EN.search(candidate)
        if named is not None and _is_english_name(named.group("speaker")):
            return named.group("speaker").strip()
        unnamed = _UNNAMED_ZH.search(candidate)
        if unnamed is not None:
            bracket = _byline(unnamed.group("bracket") or "")
            return bracket or _byline_in(head)
    return None


def speaker_span(first_page: str, speaker: str) -> tuple[int, int] | None:
    """Where the first page names a speech's speaker (its title or byline), if it does."""
    at = first_page.find(speaker, 0, HEAD_CHARS + len(speaker))
    return (at, at + len(speaker)) if at >= 0 else None


def speech_quotations(
    text: str, speaker: str, speaker_span: tuple[int, int] | None = None
) -> list[Quotation]:
    """Each paragraph of ``text`` that reads as speech, as a quotation by ``speaker``.

    ``speaker_span`` is where the page names the speaker (the title's page), else None.
    """
    start, end = speaker_span if speaker_span is not None else (None, None)
    found: list[Quotation] = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        cut = match.start() if match is not None else len(text)
        left = position
        right = cut
        while left < right and text[left].isspace():
            left += 1
        while right > left and text[right - 1].isspace():
            right -= 1
        if start is not None and end is not None and left <= start < right:
            left = _after_heading(text, end, right)
        paragraph = text[left:right]
        if len(paragraph) >= MIN_PARAGRAPH_CHARS and _SENTENCE_END.search(paragraph):
            found.append(Quotation(left, right, paragraph, speaker, start, end))
        position = match.end() if match is not None else len(text)
    return found


def _after_heading(text: str, end: int, right: int) -> int:
    """Where speech begins after a heading ending at ``end``: past its line, dates and bylines."""
    line_end = text.find("\n", end, right)
    left = right if line_end < 0 else line_end
    while left < right:
        while left < right and text[left].isspace():
            left += 1
        next_end = text.find("\n", left, right)
        line = text[left : right if next_end < 0 else next_end]
        if next_end < 0 or _SENTENCE_END.search(line) or len(line) > MAX_HEADING_LINE:
            break
        left = next_end  # a date or a byline under the title
    return left


def _is_english_name(phrase: str) -> bool:
    """Whether ``phrase`` reads as a name with its title, not a sentence ("Mr. X were met")."""
    words = phrase.split()
    if not words or len(words) > MAX_NAME_WORDS:
        return False
    return all(word[0].isupper() or word in _NAME_PARTICLES for word in words) and any(
        word[0].isupper() for word in words
    )


def _wrapped_titles(head: str) -> list[str]:
    # A long title wraps: its first two and first three lines, each joined into one line.
    lines = [line.strip(" \t\u3000") for line in head.splitlines() if line.strip()]
    return ["".join(lines[:count]) + "\n" for count in (2, 3) if len(lines) >= count]


def _byline(line: str) -> str | None:
    compact = re.sub(r"[ \t\u3000]", "", line)
    named = _BYLINE.match(compact)
    if named is None or named.group("name") in _NOT_BYLINES:
        return None
    name = named.group("name")
    return None if name.endswith(("的", "上", "话")) else name


def _byline_in(head: str) -> str | None:
    lines = [line for line in head.splitlines() if line.strip()]
    for line in lines[:BYLINE_LINES]:
        name = _byline(line)
        if name is not None:
            return name
    return None
