from __future__ import annotations

import pytest

from culpa.analysis.language import chinese_script, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中华人民共和国国务院关于加强新疆维吾尔自治区社会管理的通知", "zh-Hans"),
        ("中華人民共和國國務院關於加強新疆維吾爾自治區社會管理的通知", "zh-Hant"),
        ("ئۇيغۇر تىلى بىر تۈركىي تىل بولۇپ، ئۇيغۇرلارنىڭ ئانا تىلى", "ug"),
        ("The committee met on Tuesday to discuss the new regulations.", "en"),
    ],
)
def test_detects_main_languages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_too_little_text_is_undetermined() -> None:
    assert detect_language("") == "und"
    assert detect_language("ab 12") == "und"
    assert detect_language("\x00\x01\x02   ") == "und"


def test_short_han_only_text_is_still_chinese_by_script() -> None:
    # Too short for cld2 to be sure; the characters themselves decide.
    assert detect_language("這是一個測試") == "zh-Hant"
    assert detect_language("这是一个测试") == "zh-Hans"


def test_mixed_script_counts_characters() -> None:
    assert chinese_script("关于 report 说明") == "zh-Hans"
    assert chinese_script("關於 report 說明") == "zh-Hant"
    assert chinese_script("no han here") is None


def test_survives_control_characters_and_surrogates() -> None:
    text = "中华人民共和国\x00\x07\ud800国务院关于加强管理的通知"
    assert detect_language(text) == "zh-Hans"
