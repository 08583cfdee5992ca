"""The entity and quotation scoring of bench/entity_scoring.py, and the labelled sets' build.

Counted by hand on small cases: a perfect prediction scores 1.0, and each missing,
extra, mislabelled or misplaced span moves the figures by what it should.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.entity_scoring import (
    FoundQuote,
    GoldQuote,
    Span,
    match_spans,
    plain_name,
    score_quotes,
    score_spans,
)

GOLD = [Span(0, 3, "PER"), Span(4, 9, "LOC"), Span(10, 14, "DATE")]


def test_a_perfect_prediction_scores_one() -> None:
    overall = score_spans([(GOLD, list(GOLD))]).overall()
    assert (overall.precision, overall.recall, overall.f1) == (1.0, 1.0, 1.0)


def test_a_missing_span_costs_recall_only() -> None:
    scores = score_spans([(GOLD, GOLD[:2])])
    assert scores.of("DATE").recall == 0.0
    assert scores.overall().precision == 1.0
    assert scores.overall().recall == pytest.approx(2 / 3)
    assert scores.overall().f1 == pytest.approx(0.8)


def test_an_extra_span_costs_precision_only() -> None:
    scores = score_spans([(GOLD, [*GOLD, Span(20, 22, "ORG")])])
    assert scores.of("ORG").precision == 0.0
    assert scores.overall().recall == 1.0
    assert scores.overall().precision == pytest.approx(3 / 4)


def test_a_wrong_label_is_one_false_positive_and_one_false_negative() -> None:
    scores = score_spans([(GOLD, [GOLD[0], Span(4, 9, "ORG"), GOLD[2]])])
    assert (scores.of("LOC").tp, scores.of("LOC").fn) == (0, 1)
    assert (scores.of("ORG").tp, scores.of("ORG").fp) == (0, 1)
    assert scores.overall().f1 == pytest.approx(2 / 3)


def test_a_span_found_with_its_title_counts_only_as_overlap() -> None:
    gold = [Span(7, 10, "PER")]  # 自治区党委书记陈全国: the name only
    found = [Span(0, 10, "PER")]
    assert score_spans([(gold, found)]).overall().f1 == 0.0
    assert score_spans([(gold, found)], partial=True).overall().f1 == 1.0


def test_overlap_is_one_to_one() -> None:
    scores = match_spans([Span(0, 6, "LOC")], [Span(0, 2, "LOC"), Span(3, 6, "LOC")], partial=True)
    assert (scores.of("LOC").tp, scores.of("LOC").fp) == (1, 1)


def test_counts_sum_over_texts_and_nothing_to_find_is_perfect() -> None:
    scores = score_spans([(GOLD, list(GOLD)), ([], []), ([Span(0, 2, "PER")], [])])
    assert (scores.of("PER").tp, scores.of("PER").fn) == (1, 1)
    assert score_spans([([], [])]).overall().f1 == 1.0


def same(a: str, b: str) -> bool:
    return plain_name(a) == plain_name(b)


def test_a_quote_counts_when_it_overlaps_and_names_the_speaker() -> None:
    gold = [GoldQuote(10, 30, "毛泽东", "毛主席"), GoldQuote(40, 50, "Anna Schubert", "She")]
    found = [FoundQuote(9, 31, "毛主席"), FoundQuote(40, 50, "anna  schubert")]
    attribution, spans = score_quotes([(gold, found)], same)
    assert attribution.f1 == 1.0
    assert spans.f1 == 1.0


def test_a_wrong_speaker_counts_for_the_span_but_not_the_attribution() -> None:
    gold = [GoldQuote(10, 30, "陶铸", "陶鑄"), GoldQuote(40, 50, "王任重", None)]
    found = [FoundQuote(12, 20, "王任重"), FoundQuote(40, 50, None)]
    attribution, spans = score_quotes([(gold, found)], same)
    assert (attribution.tp, attribution.fp, attribution.fn) == (0, 2, 2)
    assert (spans.tp, spans.fp, spans.fn) == (2, 0, 0)


def test_missing_and_extra_quotes() -> None:
    gold = [GoldQuote(0, 5, "A"), GoldQuote(10, 15, "B")]
    found = [FoundQuote(0, 5, "A"), FoundQuote(20, 25, "C")]
    attribution, _ = score_quotes([(gold, found)], same)
    assert (attribution.tp, attribution.fp, attribution.fn) == (1, 1, 1)
    assert attribution.f1 == pytest.approx(0.5)


def test_the_committed_sets_match_their_hand_labels() -> None:
    build = Path(__file__).resolve().parents[2] / "bench" / "data" / "entities" / "build.py"
    done = subprocess.run([sys.executable, str(build), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _build_module() -> object:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "bench" / "data" / "entities" / "build.py"
    spec = importlib.util.spec_from_file_location("entity_sets_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labels_become_offsets_by_occurrence() -> None:
    build = _build_module()
    spans = build.parse_labels("LOC 新疆@1 | PER 习近平", "习近平到新疆考察，对新疆工作", "t")  # type: ignore[attr-defined]
    assert [(s["start"], s["end"], s["label"]) for s in spans] == [(0, 3, "PER"), (10, 12, "LOC")]
    assert build.parse_labels("-", "交往交流交融持续拓展。", "t") == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("LOC 喀什", "not in the text"),
        ("LOC 新疆@2", "occurrence 2"),
        ("LOC 新疆维吾尔自治区 | LOC 新疆", "overlap"),
        ("GPE 新疆", "unknown label"),
        ("", "write '-'"),
    ],
)
def test_a_label_that_does_not_fit_its_text_fails(labels: str, message: str) -> None:
    build = _build_module()
    with pytest.raises(build.LabelError, match=message):  # type: ignore[attr-defined]
        build.parse_labels(labels, "新疆维吾尔自治区和新疆", "t")  # type: ignore[attr-defined]
