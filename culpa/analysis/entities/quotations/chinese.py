"""Chinese attribution: 说、表示、指出、强调 and their kin next to “…” 「…」 『…』.

The forms of Party documents and Chinese news:

* before the quote, the colon form: ``陈全国强调：“…”``, ``他说：“…”``,
  ``习近平在中央新疆工作座谈会上指出，“…”``;
* after it: ``“…。”他说。``, ``“…，”陈全国强调，“…”`` (a split quote: the second
  half is attributed before it by the same words), ``“…”，张春贤表示。``

A verb that opens the next quote (``“…。”她补充道：“…”``) is that quote's, not
the one before. Quotes that are terms or titles are not quotations:
``“三股势力”``, ``“两个维护”`` after 提出 with no colon, ``被称为“…”``; book
titles in 《…》 are not quotation marks at all. Without a colon or comma
between verb and quote, only words that read as said count
(:func:`is_substantive`: a clause with punctuation, or
:data:`MIN_SAID_CHARS` characters).

The speaker is the phrase just before the verb, as written (titles kept:
``自治区党委书记陈全国``), without what sits between it and the verb: a
place or occasion after 在 (``在会上``), an addressee after 对/向
(``对记者``), adverbs (也、还、再次、明确), and a leading 据 or conjunction.
"""

from __future__ import annotations

import re
from typing import Final

from culpa.analysis.entities.quotations.attribution import Attribution, words
from culpa.analysis.entities.quotations.marks import QuotePair

#: Characters looked at before a quote for its attribution, and after it.
BEFORE_CHARS: Final = 80
AFTER_CHARS: Final = 30
#: Below this many characters, a quote without punctuation after a verb and no colon is a term.
MIN_SAID_CHARS: Final = 10
#: The longest speaker phrase taken: a long title and a name.
MAX_SPEAKER_CHARS: Final = 24

_VERBS: Final = words(
    "说道 写道 问道 答道 讲道 表示 指出 强调 要求 提出 认为 宣布 批示 "
    "指示 声称 宣称 坦言 透露 介绍 回答 警告 重申 承认 解释 补充 告诉 "
    "提到 谈到 提醒 呼吁 号召 声明 教导 叫喊 嘱咐 叮嘱 规定 写 称 说 讲 "
    "道 问 答 曰 "
    # The same in Traditional script.
    "說道 寫道 問道 講道 強調 認為 宣佈 聲稱 宣稱 介紹 承認 解釋 補充 "
    "告訴 談到 呼籲 號召 聲明 教導 囑咐 叮囑 規定 寫 稱 說 講 問"
)
#: Verbs that take the person told before the quote: 提醒全党“…”, 告诉记者“…”.
_ADDRESSING: Final = words("提醒 告诉 告訴 要求 教导 教導 号召 號召 警告 嘱咐 囑咐 叮嘱 叮囑")
_VERB_ALTERNATION: Final = "|".join(sorted(set(_VERBS), key=len, reverse=True))
_PAUSE: Final = "[ \t\u3000]*"
_WORDS: Final = r"[^，,。：:；;！!？?\s“”「」『』\"]"
# A clause ending in a verb, and what may sit between the verb and the quote: 说：, 说的：,
# 所指出的那样：, 说，, or nothing.
# 强调，要“…”: a modal between verb and quote makes the quote what was said (应收尽收).
_MODAL: Final = "要|必须|必須|务必|務必|应当|應當|一定要"
_VERB_AT_END: Final = re.compile(
    rf"((?:{_VERB_ALTERNATION})道?)(?:过|的那样|的)?{_PAUSE}"
    rf"([：:，,]{_PAUSE}(?:{_MODAL})?|(?:{_MODAL}))?$"
)
# A verb, its object and a colon: 要求各县：, 教导我们：, 指出了当时的变化：.
_VERB_OBJECT_COLON: Final = re.compile(
    rf"((?:{_VERB_ALTERNATION})道?)了?{_WORDS}{{1,16}}{_PAUSE}([：:]){_PAUSE}$"
)
_ADDRESSED: Final = re.compile(rf"({'|'.join(_ADDRESSING)}){_WORDS}{{1,4}}{_PAUSE}$")
# Words that only go on with the speaker of the quote before: ，并指出：, 又说.
_GOING_ON: Final = re.compile(
    rf"[，,\s\u3000]*(?:并且|並且|并|並|还|還|又|同时|同時|接着|接著|随后|隨後|然后|然後)?"
    rf"(?:(?:{_VERB_ALTERNATION})道?)?[：:，,]?[\s\u3000]*"
)
_VERB_ONLY_AT_END: Final = re.compile(rf"((?:{_VERB_ALTERNATION})道?)$")
# 称 that names rather than says: 被称为, 简称, 俗称, 号称.
_NAMING: Final = re.compile(
    r"(?:[被简統统俗堪号號昵通合并簡]称|[被簡統俗堪號]稱|[称稱](?:为|為|作|之为))$"
)
_COLON_AT_END: Final = re.compile(r"[：:][ \t\u3000]*$")
_BOUNDARY_BEFORE: Final = re.compile(r"[。！？；\n“”「」『』\"]")
_SPEAKER_BREAK: Final = re.compile(r"[，,、：:（(）)；;]")
_AFTER_STOP: Final = re.compile(r"[，,。！？；：:“”「」『』\"\n.!?;]")
_LEADING: Final = re.compile(
    r"(?:据|據|但|而|并|且|正如|如同|就像|对此|對此|随后|此外|另外|同时|其中|会上|会议上|會上|会中|"
    r"讲话中|文中|信中)"
)
_TRAILING: Final = re.compile(
    r"(?:也|还|還|曾|又|则|則|更|都|亦|就|便|即|早|所|再次|多次|反复|明确|进一步|特别|同时|一再|深刻|"
    r"郑重|严肃|公开|当时|随后|最后|首先|专门|接着|随即|当即|坚定|笑着|最近|近日|日前|一次|尖锐|"
    r"曾经|已经|后来|此前|当天|今天|昨天|亲自|早就|一针见血|语重心长|明確|進一步|嚴肅|當時|隨後|"
    r"專門|接著|隨即|當即|堅定|就是|總是|总是|[\u4e00-\u9fff]{1,4}地)$"
)
# Where an occasion (在会上), an addressee (对记者) or a source (据) starts inside the phrase.
_OCCASION: Final = re.compile(r"[在对對向跟给給于於]")
_HAN: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_A_SPEAKER: Final = frozenset(words("的 了 是 和 与 及 或 要 会 就 才 都 而 并 但 我们 大家"))
_SENTENCE_PUNCTUATION: Final = re.compile(r"[，。！？；…,.!?;]")


def is_substantive(quoted: str) -> bool:
    """Whether ``quoted`` reads as words said: a clause with punctuation, or a long phrase."""
    stripped = quoted.strip()
    return len(stripped) >= MIN_SAID_CHARS or bool(_SENTENCE_PUNCTUATION.search(stripped))


def goes_on(words: str) -> bool:
    """Whether ``words`` between two quotes only go on with the same speaker (，并指出：)."""
    return _GOING_ON.fullmatch(words) is not None


def attribute(text: str, pair: QuotePair) -> Attribution | None:
    """The speaker of the quote at ``pair``: the colon form before it first, then after it."""
    if len(text[pair.start : pair.end].strip()) < 2:
        return None
    found = _before(text, pair)
    return found if found is not None else _after(text, pair)


def _before(text: str, pair: QuotePair) -> Attribution | None:
    window_start = max(0, pair.open - BEFORE_CHARS)
    begin = window_start
    for match in _BOUNDARY_BEFORE.finditer(text, window_start, pair.open):
        if match.group() == "\n" and _COLON_AT_END.search(text, window_start, match.start()):
            continue  # 报告指出：⏎“…”: a colon at a line's end opens the quote below it
        begin = match.end()
    clause = text[begin : pair.open]
    verb = _VERB_AT_END.search(clause) or _VERB_OBJECT_COLON.search(clause)
    if verb is None:
        verb = _ADDRESSED.search(clause)  # 提醒全党“…”: no colon, so only words said
        if verb is None or not is_substantive(text[pair.start : pair.end]):
            return None
    elif _NAMING.search(clause[: verb.end(1)]):
        return None
    introduced = verb.lastindex is not None and verb.lastindex >= 2 and verb.group(2) is not None
    if not introduced and not is_substantive(text[pair.start : pair.end]):
        return None  # 提出“两个维护”: a term
    speaker = _speaker(text, begin, begin + verb.start(1))
    if speaker is None:
        return None
    if speaker[0] == speaker[1] and not introduced:
        return None  # no one named, and not a colon that goes on from an earlier quote
    return Attribution(speaker[0], speaker[1], speaker[0], pair.open)


def _after(text: str, pair: QuotePair) -> Attribution | None:
    start = pair.close + 1
    if not is_substantive(text[pair.start : pair.end]):
        return None  # “两个维护”作为根本要求: a term
    lead = re.match(r"[，,\s\u3000]*", text[start : start + AFTER_CHARS])
    begin = start + (lead.end() if lead else 0)
    if "\n" in text[start:begin] and text[pair.start : pair.end].rstrip()[-1:] in "。！？…":
        return None  # a quote that ends a sentence and a line ends its paragraph
    stop = _AFTER_STOP.search(text, begin, min(len(text), begin + AFTER_CHARS))
    if stop is None:
        if begin + AFTER_CHARS < len(text):
            return None  # no clause end near: the quote is part of a longer sentence
        end = len(text)
    else:
        end = stop.start()
        if stop.group() in "：:" and re.match(r"\s*[“「『\"]", text[stop.end() : stop.end() + 4]):
            return None  # the verb opens the next quote
    verb = _VERB_ONLY_AT_END.search(text[begin:end].rstrip(" \t\u3000"))
    if verb is None:
        return None
    speaker = _speaker(text, begin, begin + verb.start(1))
    if speaker is None or speaker[0] != begin or speaker[0] == speaker[1]:
        return None  # the words before the verb must all be the speaker's
    return Attribution(speaker[0], speaker[1], begin, begin + verb.end(1))


def _speaker(text: str, begin: int, verb_start: int) -> tuple[int, int] | None:
    """The speaker phrase between ``begin`` and a verb at ``verb_start``, as offsets."""
    start = begin
    for match in _SPEAKER_BREAK.finditer(text, begin, verb_start):
        start = match.end()
    while start < verb_start and text[start].isspace():
        start += 1
    end = verb_start
    leading = _LEADING.match(text, start, end)
    if leading and leading.end() < end:
        start = leading.end()
    occasion = _OCCASION.search(text, start + 1, end)
    if occasion is not None:
        end = occasion.start()
    while True:
        phrase = text[start:end].rstrip()
        trailing = _TRAILING.search(phrase)
        if trailing is None or trailing.start() == 0:
            break
        end = start + trailing.start()
    end = start + len(text[start:end].rstrip())
    phrase = text[start:end]
    if not phrase or _TRAILING.fullmatch(phrase):
        return verb_start, verb_start  # 还指出：“…”: the speaker of the quote before
    if len(phrase) > MAX_SPEAKER_CHARS or phrase in _NOT_A_SPEAKER:
        return None
    if phrase[0] in "的了是和与及或" or not (_HAN.search(phrase) or phrase[0].isalpha()):
        return None
    return start, end
