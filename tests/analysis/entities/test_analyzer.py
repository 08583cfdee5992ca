"""The entities analyzer: mentions stored as findings that point at the page text.

Most tests give the analyzer the toy recogniser of toy_recognizer.py, so they
check the analyzer and the runner, not the models; the last one runs the real
recognisers end to end through the command line.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner

from culpa.analysis import registry
from culpa.analysis.entities.analyzer import ENTITIES, EntityAnalyzer
from culpa.analysis.entities.mentions import ENTITIES_ANALYZER
from culpa.cli.main import cli
from culpa.ingest.analyze import AnalyzeOptions, analyze
from culpa.ingest.runner import IngestOptions, ingest
from culpa.models import Finding, Page, StoredDocument
from culpa.store.case import Case, init_case
from tests.analysis.entities.toy_recognizer import (
    out_of_page_recognize,
    toy_recognize,
    twice_recognize,
)

SHA = "ab" * 32
ONLY = AnalyzeOptions(only=(ENTITIES_ANALYZER,), workers=2)


def document(*texts: str, languages: tuple[str | None, ...] = ()) -> StoredDocument:
    pages = tuple(
        Page(number, text, language=languages[number - 1] if languages else None)
        for number, text in enumerate(texts, start=1)
    )
    return StoredDocument(1, SHA, "text", "text/plain", pages=pages)


def values(findings: list[Finding]) -> list[tuple[str, int, str, str, str | None]]:
    out = []
    for finding in findings:
        assert finding.analyzer == ENTITIES_ANALYZER and finding.span is not None
        assert isinstance(finding.value, dict) and set(finding.value) == {"text", "name", "role"}
        out.append(
            (
                finding.label,
                finding.span.page,
                finding.value["text"],
                finding.value["name"],
                finding.value["role"],
            )
        )
    return out


def test_each_mention_is_a_finding_whose_span_is_on_the_page() -> None:
    doc = document(
        "会议由自治区党委书记陈全国主持。習近平同志指出，喀什……",
        "",
        "   \n",
        "President Xi Jinping met Chen Quanguo in Xinjiang in 2017年.",
    )
    found = list(EntityAnalyzer(toy_recognize).analyze(doc))
    for finding in found:
        assert finding.span is not None and finding.span.sha256 == SHA
        page = doc.pages[finding.span.page - 1]
        assert isinstance(finding.value, dict)
        assert page.text[finding.span.start : finding.span.end] == finding.value["text"]
    assert values(found) == [
        ("PER", 1, "自治区党委书记陈全国", "陈全国", "自治区党委书记"),
        ("PER", 1, "習近平同志", "习近平", None),
        ("LOC", 1, "喀什", "喀什", None),
        ("PER", 4, "President Xi Jinping", "Xi Jinping", "President"),
        ("PER", 4, "Chen Quanguo", "Chen Quanguo", None),
        ("LOC", 4, "Xinjiang", "Xinjiang", None),
        ("DATE", 4, "2017年", "2017年", None),
    ]


def test_a_persons_role_is_read_beside_the_name_the_recogniser_cut() -> None:
    doc = document("喀什地委书记陈全国说。", "The Xinjiang Party Secretary Chen Quanguo said.")
    assert values(list(EntityAnalyzer(toy_recognize).analyze(doc))) == [
        ("LOC", 1, "喀什", "喀什", None),
        ("PER", 1, "陈全国", "陈全国", "喀什地委书记"),
        ("LOC", 2, "Xinjiang", "Xinjiang", None),
        ("PER", 2, "Chen Quanguo", "Chen Quanguo", "Xinjiang Party Secretary"),
    ]


def test_a_mention_given_twice_is_kept_once_in_text_order() -> None:
    doc = document("陳全國和陈全国在新疆维吾尔自治区公安厅。")
    assert values(list(EntityAnalyzer(twice_recognize).analyze(doc))) == [
        ("PER", 1, "陳全國", "陈全国", None),
        ("PER", 1, "陈全国", "陈全国", None),
        ("ORG", 1, "新疆维吾尔自治区公安厅", "新疆维吾尔自治区公安厅", None),
    ]


def test_the_page_language_goes_to_the_recogniser() -> None:
    seen: list[tuple[str, str | None]] = []

    def spy(text: str, language: str | None) -> list[Any]:
        seen.append((text, language))
        return []

    list(
        EntityAnalyzer(spy).analyze(
            document("陈全国", "", "Chen", languages=("zh-Hans", None, "en"))
        )
    )
    assert seen == [("陈全国", "zh-Hans"), ("Chen", "en")]  # the empty page is not sent


def test_a_mention_off_the_page_is_the_documents_error() -> None:
    with pytest.raises(ValueError, match="recogniser gave"):
        list(EntityAnalyzer(out_of_page_recognize).analyze(document("陈全国")))


def test_long_and_garbage_pages_take_bounded_time() -> None:
    long_page = ("自治区党委书记陈全国在喀什。" + "\x00\ufffd��" + "abc " * 10) * 4_000
    garbage = "".join(chr(c) for c in range(0x20, 0x3000)) * 10
    assert len(long_page) > 200_000
    began = time.monotonic()
    found = list(EntityAnalyzer(toy_recognize).analyze(document(long_page, garbage)))
    assert time.monotonic() - began < 10
    assert len(found) == 8_000  # a title + name and a place, 4,000 times


def test_registered_as_a_slow_analyzer_that_pickles() -> None:
    analyzer = registry.by_name(ENTITIES_ANALYZER)
    assert isinstance(analyzer, EntityAnalyzer) and analyzer.speed == "slow"
    again = pickle.loads(pickle.dumps(EntityAnalyzer(toy_recognize)))
    assert again.recognise is toy_recognize


@pytest.fixture
def toy_entities() -> Iterator[None]:
    """The entities analyzer with the toy recogniser, the real one put back after."""
    registry.register(EntityAnalyzer(toy_recognize))
    yield
    registry.register(ENTITIES)


def _stored(case: Case) -> dict[str, list[tuple[str, int | None, int | None, int | None, Any]]]:
    """Each document's entities findings, by its first page's text, read through the store."""
    store = case.store()
    try:
        results = store.analysis
        out = {}
        for doc in results.documents():
            full = results.with_pages(doc)
            found = results.document_findings(doc.id, ENTITIES_ANALYZER)
            for _label, page, start, end, value in found:
                assert page is not None and start is not None and end is not None
                assert full.pages[page - 1].text[start:end] == value["text"]
            out[full.pages[0].text if full.pages else ""] = found
        return out
    finally:
        store.close()


def test_the_runner_stores_findings_records_a_failing_document_and_reruns_the_same(
    tmp_path: Path, toy_entities: None
) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    texts = {
        "a.txt": "自治区党委书记陈全国在喀什。",
        "b.txt": "President Xi Jinping met Chen Quanguo.",
        "c.txt": "nothing to see here",
        "bad.txt": "boom: the recogniser fails on this one",
    }
    for name, text in texts.items():
        (trove / name).write_text(text, encoding="utf-8")
    case = init_case(tmp_path / "case")
    ingest(case, [trove], IngestOptions(workers=2, ocr=False))

    summary = analyze(case, ONLY)
    count = summary.analyzers[ENTITIES_ANALYZER]
    assert (count.documents, count.failed, count.findings) == (4, 1, 4)
    stored = _stored(case)
    assert [v["name"] for *_place, v in stored[texts["a.txt"]]] == ["陈全国", "喀什"]
    assert [v["role"] for *_place, v in stored[texts["b.txt"]]] == ["President", None]
    assert stored[texts["c.txt"]] == stored[texts["bad.txt"]] == []
    store = case.store()
    try:
        failures = store.analysis.failures()
    finally:
        store.close()
    assert [(f.path, f.analyzer, f.kind) for f in failures] == [
        ("trove/bad.txt", ENTITIES_ANALYZER, "internal")
    ]
    assert "toy recogniser refuses boom" in failures[0].message

    assert analyze(case, ONLY).documents == 0  # nothing left to do
    redo = analyze(case, AnalyzeOptions(redo=(ENTITIES_ANALYZER,), workers=2))
    assert redo.analyzers[ENTITIES_ANALYZER].findings == 4
    assert _stored(case) == stored


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_real_recognisers_end_to_end(tmp_path: Path) -> None:
    """culpa init, ingest a Word file and a text file, analyze --only entities; read the store."""
    trove = tmp_path / "trove"
    trove.mkdir()
    word = docx.Document()
    word.add_paragraph("新疆维吾尔自治区党委书记陈全国在乌鲁木齐主持召开会议。")
    word.add_paragraph("習近平同志在中央新疆工作座谈会上发表重要讲话。")
    word.save(str(trove / "speech.docx"))
    (trove / "report.txt").write_text(
        "President Xi Jinping told officials in Urumqi that Chen Quanguo would lead the "
        "Communist Party in Xinjiang. The New York Times published the documents in November.",
        encoding="utf-8",
    )
    case = str(tmp_path / "case")
    assert run("init", case).exit_code == 0
    ingested = run("ingest", "--case", case, "--no-ocr", "--analyze", "none", str(trove))
    assert ingested.exit_code == 0, ingested.output
    result = run("analyze", "--case", case, "--only", ENTITIES_ANALYZER, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["analyzers"][ENTITIES_ANALYZER]["failed"] == 0

    stored = _stored(Case(Path(case)))
    names = {
        (label, value["name"], value["role"])
        for found in stored.values()
        for label, _page, _start, _end, value in found
    }
    # The recognisers cut the names alone; the roles are read beside them.
    assert ("PER", "陈全国", "新疆维吾尔自治区党委书记") in names
    assert ("PER", "习近平", None) in names
    assert ("PER", "Xi Jinping", "President") in names
    assert ("PER", "Chen Quanguo", None) in names
    assert any(label == "LOC" and name in ("Xinjiang", "Urumqi") for label, name, _r in names)
    again = run("analyze", "--case", case, "--redo", ENTITIES_ANALYZER, "--json")
    assert again.exit_code == 0
    assert _stored(Case(Path(case))) == stored  # the same findings again
