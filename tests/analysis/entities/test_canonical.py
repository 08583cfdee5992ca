"""Canonical names: scripts, titles, honorifics, spacing and pinyin fold to one entity."""

from __future__ import annotations

import pytest

from culpa.analysis.entities.canonical import (
    Canonical,
    canonical_name,
    context_role,
    fold_names,
    match_key,
    normalize,
    pinyin_key,
)


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        # Traditional to Simplified
        ("陳全國", "陈全国", None),
        ("習近平", "习近平", None),
        # a title (with its place and organisation) before the name
        ("自治区党委书记陈全国", "陈全国", "自治区党委书记"),
        ("新疆维吾尔自治区党委书记陈全国同志", "陈全国", "新疆维吾尔自治区党委书记"),
        ("國家主席習近平", "习近平", "国家主席"),
        ("公安厅厅长王明山", "王明山", "公安厅厅长"),
        ("政法委书记朱海仑", "朱海仑", "政法委书记"),
        ("书记处书记王沪宁", "王沪宁", "书记处书记"),
        ("国务委员王毅", "王毅", "国务委员"),
        (
            "中共中央总书记、国家主席、中央军委主席习近平",
            "习近平",
            "中共中央总书记、国家主席、中央军委主席",
        ),
        (
            "自治区党委副书记、政府主席雪克来提·扎克尔",
            "雪克来提·扎克尔",
            "自治区党委副书记、政府主席",
        ),
        # a bare title after the name
        ("习近平总书记", "习近平", "总书记"),
        ("李克强总理", "李克强", "总理"),
        ("王毅外长", "王毅", "外长"),
        ("陈全国书记", "陈全国", "书记"),
        ("朱海仑副书记", "朱海仑", "副书记"),
        ("习近平国家主席", "习近平", "国家主席"),
        # a surname alone is no name: how the person is addressed stays whole
        ("毛主席", "毛主席", None),
        ("陈书记", "陈书记", None),
        ("陈先生", "陈先生", None),
        ("毛主席同志", "毛主席", None),
        # honorifics are dropped
        ("习近平同志", "习近平", None),
        ("王君正同志", "王君正", None),
        # a mention that is only a role stays whole
        ("总书记", "总书记", None),
        ("书记", "书记", None),
        ("国家主席", "国家主席", None),
        ("同志", "同志", None),
        ("喀什地委书记", "喀什地委书记", None),
        ("和田县县长", "和田县县长", None),
        # spacing, full width, quotes, the dots of transliterated names
        ("陈 全\n国", "陈全国", None),
        ("“陈全国”", "陈全国", None),
        ("阿不都热依木·阿木提", "阿不都热依木·阿木提", None),
        ("阿不都熱依木・阿木提", "阿不都热依木·阿木提", None),
        ("阿不都热依木 . 阿木提", "阿不都热依木·阿木提", None),
        ("努尔•白克力", "努尔·白克力", None),
        # English
        ("President Xi Jinping", "Xi Jinping", "President"),
        ("Chinese President Xi Jinping", "Xi Jinping", "Chinese President"),
        ("Secretary Chen Quanguo", "Chen Quanguo", "Secretary"),
        ("Xinjiang Party Secretary Chen Quanguo", "Chen Quanguo", "Xinjiang Party Secretary"),
        ("Premier Li Keqiang.", "Li Keqiang", "Premier"),
        ("Dr. Adrian Zenz", "Adrian Zenz", "Dr."),
        ("Mr. Chen", "Chen", None),
        ("Xi Jinping's", "Xi Jinping", None),
        ("XI JINPING", "Xi Jinping", None),
        ("CHEN Quanguo", "Chen Quanguo", None),
        ("ＣＨＥＮ　Ｑｕａｎｇｕｏ", "Chen Quanguo", None),
        ("the President", "President", None),
        ("Stephen King", "Stephen King", None),
        ("Martin Luther King Jr.", "Martin Luther King Jr.", None),
    ],
)
def test_people_fold_to_name_and_role(text: str, name: str, role: str | None) -> None:
    assert canonical_name(text, "PER") == Canonical(name, role)


@pytest.mark.parametrize(
    ("text", "label", "name"),
    [
        ("新疆維吾爾自治區公安廳", "ORG", "新疆维吾尔自治区公安厅"),
        ("中共中央办公厅", "ORG", "中共中央办公厅"),  # no title split off an organisation
        ("外交部发言人办公室", "ORG", "外交部发言人办公室"),
        ("XINJIANG PUBLIC SECURITY BUREAU", "ORG", "Xinjiang Public Security Bureau"),
        ("PLA", "ORG", "PLA"),
        ("Huawei Technologies Co.", "ORG", "Huawei Technologies Co."),
        ("喀什", "LOC", "喀什"),
        ("Xinjiang.", "LOC", "Xinjiang"),
        ("臺灣", "LOC", "台湾"),
        ("２０１４年５月", "DATE", "2014年5月"),
    ],
)
def test_organisations_places_and_dates_are_normalised_only(
    text: str, label: str, name: str
) -> None:
    assert canonical_name(text, label) == Canonical(name, None)


def test_normalize_keeps_latin_spacing_and_drops_spaces_between_han() -> None:
    assert normalize("  Chen   Quanguo ") == "Chen Quanguo"
    assert normalize("陈全国 Chen") == "陈全国 Chen"
    assert normalize("（新疆）") == "新疆"


def test_a_runaway_span_is_only_normalised() -> None:
    text = "自治区党委书记" + "陈" * 500
    assert canonical_name(text, "PER") == Canonical(text, None)


def test_match_key_folds_case_accents_dots_and_hyphens() -> None:
    keys = {match_key(n) for n in ("Xi Jinping", "XI JINPING", "Xí Jìnpíng", "xi  jinping")}
    assert keys == {"xi jinping"}
    assert match_key("Chen Quan-guo") == match_key("chen quanguo")
    assert match_key("陳全國") == "陈全国"
    assert match_key("Jinping Xi") != match_key("Xi Jinping")  # one script: order counts


@pytest.mark.parametrize(
    "names",
    [
        ("陈全国", "陳全國", "Chen Quanguo", "Quanguo Chen", "CHEN Quan-guo", "chen quanguo"),
        ("习近平", "Xi Jinping", "Jinping Xi", "Xi Jin Ping", "Xí Jìnpíng", "Xi Jin-ping"),
        ("李克强", "Li Keqiang", "Keqiang Li"),
        ("朱海仑", "Zhu Hailun"),
        ("曾庆红", "Zeng Qinghong"),  # 曾 read as a surname (zeng), not ceng
        ("单霞丽", "Shan Xiali"),
        ("欧阳修", "Ouyang Xiu", "Xiu Ouyang"),  # a surname of two characters
        ("吕布", "Lü Bu", "Lu Bu"),
    ],
)
def test_pinyin_key_links_han_and_english_in_either_order(names: tuple[str, ...]) -> None:
    assert len({pinyin_key(name) for name in names}) == 1


def test_pinyin_key_tells_different_names_apart() -> None:
    assert pinyin_key("陈全国") != pinyin_key("陈国全")
    assert pinyin_key("习近平") != pinyin_key("李克强")
    assert pinyin_key("Wang Jianguo") != pinyin_key("Wang Guojian")


def test_pinyin_key_of_places_has_no_surname() -> None:
    assert pinyin_key("新疆", "LOC") == pinyin_key("Xinjiang", "LOC") == "xinjiang"
    assert pinyin_key("乌鲁木齐", "LOC") == "wulumuqi"


def test_fold_names_links_english_to_the_one_han_name_that_sounds_alike() -> None:
    folded = fold_names(
        {
            "陈全国": 5,
            "Chen Quanguo": 2,
            "CHEN QUANGUO": 1,
            "习近平": 4,
            "Xi Jinping": 3,
            "张伟": 1,
            "张玮": 1,
            "Zhang Wei": 2,
            "Adrian Zenz": 1,
        }
    )
    assert folded["Chen Quanguo"] == folded["CHEN QUANGUO"] == "陈全国"
    assert folded["Xi Jinping"] == "习近平"
    # 张伟 and 张玮 are two people who sound alike: neither folds, nor does Zhang Wei
    assert (folded["张伟"], folded["张玮"], folded["Zhang Wei"]) == ("张伟", "张玮", "Zhang Wei")
    assert folded["Adrian Zenz"] == "Adrian Zenz"


def test_fold_names_picks_the_most_mentioned_spelling() -> None:
    folded = fold_names({"Chen Quanguo": 1, "CHEN QUANGUO": 3})
    assert folded == {"Chen Quanguo": "CHEN QUANGUO", "CHEN QUANGUO": "CHEN QUANGUO"}
    assert fold_names({"新疆": 2, "Xinjiang": 5}, "LOC") == {"新疆": "新疆", "Xinjiang": "新疆"}


def _role(text: str, name: str, places: tuple[str, ...] = ()) -> str | None:
    """context_role of ``name`` in ``text``, the recogniser having found ``places`` too."""
    start = text.index(name)
    spans = sorted(((text.index(p), text.index(p) + len(p)) for p in places), key=lambda s: s[1])
    return context_role(text, start, start + len(name), spans)


@pytest.mark.parametrize(
    ("text", "name", "places", "role"),
    [
        (
            "会议由新疆维吾尔自治区党委书记陈全国主持。",
            "陈全国",
            ("新疆维吾尔自治区党委",),
            "新疆维吾尔自治区党委书记",
        ),
        (
            "中共中央总书记、国家主席、中央军委主席习近平指出",
            "习近平",
            (),
            "中共中央总书记、国家主席、中央军委主席",
        ),
        ("喀什地委副书记王明山说", "王明山", ("喀什地委",), "喀什地委副书记"),
        ("和田地区公安局局长张三说", "张三", ("和田",), "和田地区公安局局长"),
        ("自治區黨委書記陳全國說", "陳全國", (), "自治区党委书记"),
        ("习近平总书记指出", "习近平", (), "总书记"),
        ("王毅外长表示", "王毅", (), "外长"),
        ("陈全国同志强调", "陈全国", (), None),
        ("会议由陈全国主持", "陈全国", (), None),
        ("他对秘书长说，陈全国来了", "陈全国", (), None),
        (
            "Xinjiang Party Secretary Chen Quanguo met",
            "Chen Quanguo",
            ("Xinjiang",),
            "Xinjiang Party Secretary",
        ),
        ("met Chinese President Xi Jinping and", "Xi Jinping", (), "Chinese President"),
        ("and Foreign Minister Wang Yi in", "Wang Yi", (), "Foreign Minister"),
        (
            "The former party secretary Zhu Hailun agreed",
            "Zhu Hailun",
            (),
            "former party secretary",
        ),
        ("In a speech, President Xi said", "Xi", (), "President"),
        ("Yesterday Chen Quanguo said", "Chen Quanguo", (), None),
        ("said Mr. Chen", "Chen", (), None),
        ("research by Adrian Zenz shows", "Adrian Zenz", (), None),
    ],
)
def test_context_role_reads_the_title_written_beside_the_name(
    text: str, name: str, places: tuple[str, ...], role: str | None
) -> None:
    assert _role(text, name, places) == role
