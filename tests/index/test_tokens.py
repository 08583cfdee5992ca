"""The fold and the bigram token string behind Chinese search."""

from __future__ import annotations

from culpa.index.tokens import (
    FOLD,
    fold,
    fold_char,
    fold_with_offsets,
    index_text,
    normalize,
    query_tokens,
)


def test_fold_traditional_fullwidth_case_diacritics() -> None:
    assert fold("習近平") == "习近平"
    assert fold("ＡＢＣ１２３") == "abc123"
    assert fold("Café CRÈME") == "cafe creme"
    assert fold("Straße") == "strasse"


def test_fold_keeps_arabic_script_marks() -> None:
    uyghur = "ئۇيغۇر"
    assert fold(uyghur) == uyghur
    fatha = "\u064e"
    assert fold_char(fatha) == fatha


def test_fold_drops_invisible_and_decomposed_latin_accents() -> None:
    assert fold("e\u0301te\u200b") == "ete"
    assert fold("co\u00adoperate") == "cooperate"


def test_fold_is_a_translate_table() -> None:
    assert "發展".translate(FOLD) == "发展"
    assert fold(fold("乾隆皇帝與後宮")) == fold("乾隆皇帝與後宮")


def test_bigrams_with_trailing_unigram() -> None:
    assert index_text("刻不容缓").split() == ["刻不", "不容", "容缓", "缓"]
    assert index_text("我").split() == ["我"]


def test_line_break_inside_a_phrase_is_joined() -> None:
    assert index_text("刻不\n容缓") == index_text("刻不容缓")
    assert index_text("刻不 \n  容缓") == index_text("刻不容缓")
    # Punctuation is a real boundary.
    assert "不容" not in index_text("刻不，容缓").split()


def test_latin_is_separated_from_cjk() -> None:
    tokens = index_text("2017年发展ABC").split()
    assert tokens == ["2017", "年发", "发展", "展", "abc"]


def test_hangul_bigrams_keep_word_spaces() -> None:
    assert index_text("대한 민국").split() == ["대한", "한", "민국", "국"]


def test_query_tokens() -> None:
    assert query_tokens(normalize("新疆")) == ("新疆", False)
    assert query_tokens(normalize("刻不容缓")) == ("刻不 不容 容缓", False)
    assert query_tokens(normalize("我")) == ("我", True)
    assert query_tokens(normalize("2017年")) == ("2017 年", True)
    assert query_tokens(normalize("发展 2017")) == ("发展 展 2017", False)


def test_fold_with_offsets_maps_back() -> None:
    text = "Maß 習近平\nok"
    folded, starts, ends = fold_with_offsets(text)
    assert folded == fold(text)
    i = folded.index("习近平")
    assert text[starts[i] : ends[i + 2]] == "習近平"
    j = folded.index("ok")
    assert text[starts[j] : ends[j + 1]] == "ok"
