"""The quotes analyzer: quotations stored as findings on the page, speakers resolved cheaply.

Most tests give the analyzer a recogniser made of a list of names, so they
check the analyzer, not the models; the last one runs the real recogniser
through ``culpa analyze`` on a small case and reads the findings from the store.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import pytest

from culpa.analysis import registry
from culpa.analysis.entities.mentions import QUOTE_LABEL, QUOTES_ANALYZER, Mention
from culpa.analysis.entities.quotations.analyzer import (
    LOOKBACK_CHARS,
    SNAP_CHARS,
    QuotesAnalyzer,
)
from culpa.analysis.entities.recognize import recognize
from culpa.ingest.analyze import AnalyzeOptions, analyze
from culpa.ingest.runner import IngestOptions, ingest
from culpa.models import Finding, Page, StoredDocument
from culpa.store.case import Case, init_case

SHA = "cd" * 32
NAMES = re.compile(r"Chen Quanguo|Zhu Hailun|陈全国|朱海仑")
#: What the listing recogniser was given, in the test's own process.
GIVEN: list[str] = []


def listing_recognize(text: str, language: str | None) -> list[Mention]:
    """The names of ``NAMES`` as PER mentions; every text asked about is kept in GIVEN."""
    GIVEN.append(text)
    return [Mention(m.start(), m.end(), m.group(), "PER") for m in NAMES.finditer(text)]


def refusing_recognize(text: str, language: str | None) -> list[Mention]:
    raise AssertionError("no pronoun or role speaker here: the recogniser must not run")


def document(*texts: str, language: str = "en", title: str = "") -> StoredDocument:
    pages = tuple(Page(number, text, language=language) for number, text in enumerate(texts, 1))
    metadata = {"title": title} if title else {}
    return StoredDocument(1, SHA, "text", "text/plain", metadata, pages)


def values(findings: list[Finding]) -> list[tuple[int, str, Any, Any]]:
    out = []
    for finding in findings:
        assert finding.analyzer == QUOTES_ANALYZER and finding.label == QUOTE_LABEL
        assert finding.span is not None and finding.span.sha256 == SHA
        assert isinstance(finding.value, dict)
        out.append(
            (
                finding.span.page,
                finding.value["text"],
                finding.value["speaker"],
                finding.value["name"],
            )
        )
    return out


def test_pronoun_speakers_resolved_with_names_found_just_before_them() -> None:
    filler = "The meeting went on. " * 60
    text = (
        f"Chen Quanguo arrived in Kashgar. {filler}"
        'Zhu Hailun spoke next. "Never let them out," he said.'
    )
    GIVEN.clear()
    [finding] = list(QuotesAnalyzer(listing_recognize).analyze(document(text)))
    assert values([finding]) == [(1, "Never let them out,", "Zhu Hailun", "Zhu Hailun")]
    assert finding.span is not None
    assert text[finding.span.start : finding.span.end] == "Never let them out,"
    assert isinstance(finding.value, dict)
    start, end = finding.value["speaker_start"], finding.value["speaker_end"]
    assert text[start:end] == "Zhu Hailun"
    # Only the sentences just before the pronoun were read, not the page.
    [window] = GIVEN
    pronoun = text.index("he said")
    assert text[pronoun - len(window) : pronoun] == window
    assert LOOKBACK_CHARS[0] <= len(window) <= LOOKBACK_CHARS[0] + SNAP_CHARS


def test_a_person_named_further_back_is_looked_for_in_a_second_window() -> None:
    filler = "The meeting went on. " * 15
    text = f'Zhu Hailun spoke. {filler}"Never let them out," he said. {filler}'
    GIVEN.clear()
    [finding] = list(QuotesAnalyzer(listing_recognize).analyze(document(text)))
    assert values([finding]) == [(1, "Never let them out,", "Zhu Hailun", "Zhu Hailun")]
    assert len(GIVEN) == 2 and "Zhu Hailun" in GIVEN[1] and "Zhu Hailun" not in GIVEN[0]
    assert sum(map(len, GIVEN)) <= LOOKBACK_CHARS[-1] + 2 * SNAP_CHARS


def test_named_speakers_need_no_recogniser_and_roles_keep_no_name() -> None:
    text = (
        "自治区党委书记陈全国强调：“要应收尽收。” "
        'The directive warned that "students must not be allowed to leave."'
    )
    found = list(QuotesAnalyzer(refusing_recognize).analyze(document(text, language="und")))
    assert values(found) == [
        (1, "要应收尽收。", "自治区党委书记陈全国", "陈全国"),
        (1, "students must not be allowed to leave.", "The directive", None),
    ]
    text = "《政府工作报告》指出：“这五年，我们坚定不移把维护社会稳定放在首位。”"
    found = list(QuotesAnalyzer(refusing_recognize).analyze(document(text, language="zh-Hans")))
    assert values(found) == [
        (1, "这五年，我们坚定不移把维护社会稳定放在首位。", "《政府工作报告》", None)
    ]


def test_a_speech_gives_its_paragraphs_to_the_speaker_on_every_page() -> None:
    first = "习近平在中央新疆工作座谈会上的讲话\n（2014年5月29日）\n\n同志们：这次会议很重要。"
    second = "要在全社会形成严打暴恐活动的高压态势。\n\n他说：“要应收尽收。”"
    found = list(
        QuotesAnalyzer(listing_recognize).analyze(document(first, second, language="zh-Hans"))
    )
    assert values(found) == [
        (1, "同志们：这次会议很重要。", "习近平", "习近平"),
        (2, "要在全社会形成严打暴恐活动的高压态势。", "习近平", "习近平"),
        (2, "他说：“要应收尽收。”", "习近平", "习近平"),
        (2, "要应收尽收。", "他", None),
    ]
    spans = [
        (f.value["speaker_start"], f.value["speaker_end"])
        for f in found
        if isinstance(f.value, dict)
    ]
    assert spans == [
        (0, 3),
        (None, None),
        (None, None),
        (second.index("他"), second.index("他") + 1),
    ]


def test_a_title_in_the_metadata_makes_a_speech() -> None:
    doc = document("Thank you all for coming.", title="Remarks by Governor Alan Pryce at the Forum")
    assert values(list(QuotesAnalyzer(refusing_recognize).analyze(doc))) == [
        (1, "Thank you all for coming.", "Governor Alan Pryce", "Alan Pryce")
    ]


def test_registered_as_a_slow_analyzer_that_pickles() -> None:
    analyzer = registry.by_name(QUOTES_ANALYZER)
    assert isinstance(analyzer, QuotesAnalyzer) and analyzer.speed == "slow"
    assert analyzer.recognizer is recognize
    again = pickle.loads(pickle.dumps(QuotesAnalyzer(listing_recognize)))
    assert again.recognizer is listing_recognize


def _stored(case: Case) -> dict[str, list[tuple[int, str, Any, Any]]]:
    """Each document's quote findings by its first page's text, checked against the page."""
    store = case.store()
    try:
        out = {}
        for doc in store.analysis.documents():
            full = store.analysis.with_pages(doc)
            rows = []
            for label, page, start, end, value in store.analysis.document_findings(
                doc.id, QUOTES_ANALYZER
            ):
                assert label == QUOTE_LABEL and page is not None
                text = full.pages[page - 1].text
                assert text[start:end] == value["text"]
                if value["speaker_start"] is not None:
                    assert text[value["speaker_start"] : value["speaker_end"]] == value["speaker"]
                rows.append((page, value["text"], value["speaker"], value["name"]))
            out[full.pages[0].text if full.pages else ""] = rows
        return out
    finally:
        store.close()


@pytest.mark.slow
def test_real_recogniser_on_a_small_case(tmp_path: Path) -> None:
    """init, ingest, analyze --only quotes with the real recogniser; findings via the store."""
    trove = tmp_path / "trove"
    trove.mkdir()
    texts = {
        "news.txt": (
            "Chen Quanguo became party secretary of Xinjiang in 2016. "
            "In a speech to officials he was blunt. "
            '"Round up everyone who should be rounded up," he said.\n'
        ),
        "directive.txt": (
            "陈全国在自治区维稳工作会议上强调：“要应收尽收。”\n会议要求打击“三股势力”。\n"
        ),
        "none.txt": 'Officials call them "vocational training centres".\n',
    }
    for name, text in texts.items():
        (trove / name).write_text(text, encoding="utf-8")
    case = init_case(tmp_path / "case")
    ingest(case, [trove], IngestOptions(workers=2, ocr=False))
    only = AnalyzeOptions(only=(QUOTES_ANALYZER,), workers=2)
    summary = analyze(case, only)
    assert (
        summary.analyzers[QUOTES_ANALYZER].documents,
        summary.analyzers[QUOTES_ANALYZER].failed,
    ) == (3, 0)
    stored = _stored(case)
    assert stored[texts["news.txt"]] == [
        (1, "Round up everyone who should be rounded up,", "Chen Quanguo", "Chen Quanguo")
    ]
    assert stored[texts["directive.txt"]] == [(1, "要应收尽收。", "陈全国", "陈全国")]
    assert stored[texts["none.txt"]] == []
    assert analyze(case, only).documents == 0
    analyze(case, AnalyzeOptions(redo=(QUOTES_ANALYZER,), workers=2))
    assert _stored(case) == stored
