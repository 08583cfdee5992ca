"""The real-page OCR benchmark's scoring and its page list (bench/scoring.py, bench/ocr_real.py).

The figures in the closing notes are only as good as these rules, so they are
tested on texts whose errors can be counted by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.ocr_real import PAGES_TSV, TRUTH, load_pages, truth_of
from bench.scoring import cer, edits, missed, name_recall, names_found, normalise
from tests.conftest import CORPUS


def test_identical_text_has_no_errors_whatever_its_layout() -> None:
    assert cer("毛主席\n指出：", "毛 主 席 指 出 ：") == 0.0


def test_one_wrong_character_in_ten() -> None:
    assert cer("走资派还在走。走资派", "走资派还在跑。走资派") == pytest.approx(0.1)


def test_missing_and_extra_text_count() -> None:
    assert edits("一二三四", "一二") == (2, 4)
    assert edits("一二", "一二三四") == (2, 2)
    assert cer("一二", "一二三四五六") == pytest.approx(2.0)  # garbage can pass 100 %


def test_full_width_punctuation_read_as_ascii_is_no_error() -> None:
    assert cer("党委，市委：", "党委,市委:") == 0.0


def test_traditional_glyphs_count_unless_folded() -> None:
    printed, read = "陶鑄同志的讲話", "陶铸同志的讲话"
    assert cer(printed, read) == pytest.approx(2 / 7)
    assert cer(printed, read, fold=True) == 0.0
    assert normalise("DR PLANT", fold=True) == "drplant"


def test_missed_ignores_extra_text_but_not_wrong_or_lost_text() -> None:
    assert missed("旺旺咨询", "瓶子上的字旺旺咨询更多字") == 0.0
    assert missed("旺旺咨询", "旺旺资询") == pytest.approx(0.25)
    assert missed("旺旺咨询", "旺旺") == pytest.approx(0.5)
    assert missed("優惠", "优惠", fold=True) == 0.0


def test_empty_transcription_does_not_divide_by_zero() -> None:
    assert cer("", "") == 0.0
    assert cer("", "乱码") == 2.0


def test_names_are_found_folded_and_across_line_breaks() -> None:
    text = "還有我們的林\n彪同志，他高举毛澤东思想"
    assert names_found(("林彪", "毛泽东", "赵紫阳"), text) == ["林彪", "毛泽东"]
    assert name_recall(("林彪", "毛泽东", "赵紫阳"), text) == pytest.approx(2 / 3)
    assert name_recall((), text) == 1.0


def test_page_list_is_complete() -> None:
    pages = load_pages()
    assert len({p.name for p in pages}) == len(pages)
    kinds = {p.kind for p in pages}
    assert kinds == {
        "phone photo",
        "1-bit scan",
        "spread",
        "vertical",
        "traditional",
        "born-digital rendered",
    }
    for page in pages:
        assert 3 <= len(page.names) <= 10, page.name
        assert page.licence, page.name


def test_spread_truth_is_its_left_then_right_page(tmp_path: Path) -> None:
    pages = load_pages()
    spread = next(p for p in pages if p.kind == "spread")
    left, right = (
        next(p for p in pages if p.numbers == (n,) and p.kind != "spread") for n in spread.numbers
    )
    (tmp_path / f"{left.name}.txt").write_text("左页", encoding="utf-8")
    assert truth_of(spread, pages, tmp_path) is None  # the right page is not transcribed yet
    (tmp_path / f"{right.name}.txt").write_text("右页", encoding="utf-8")
    assert truth_of(spread, pages, tmp_path) == "左页\n右页"


def test_every_name_of_a_page_is_in_its_transcription() -> None:
    pages = load_pages()
    for page in pages:
        truth = truth_of(page, pages, TRUTH) if (TRUTH / f"{page.name}.txt").exists() else None
        if truth is None:
            continue
        assert name_recall(page.names, truth) == 1.0, (page.name, page.names)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")
def test_sources_are_in_the_corpus_manifests() -> None:
    listed: set[str] = set()
    for manifest, prefix in (
        (CORPUS / "MANIFEST.tsv", ""),
        (CORPUS / "cjk-official" / "MANIFEST.tsv", "cjk-official/"),
    ):
        with manifest.open(encoding="utf-8", newline="") as handle:
            listed |= {prefix + row["path"] for row in csv.DictReader(handle, delimiter="\t")}
    for page in load_pages(PAGES_TSV):
        assert page.source in listed, page.name
        assert page.path.is_file(), page.name
