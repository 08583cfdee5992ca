"""culpa analyze's runner: what runs when, on which documents, and what is recorded."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from culpa.analysis import registry
from culpa.errors import CaseError, UsageError
from culpa.ingest.analyze import AnalyzeOptions, _lost_error, analyze
from culpa.ingest.executors.base import Failure, FileLimits, Lost, Task
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case, init_case, open_case
from culpa.store.lock import CaseLock
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect
from tests.analysis.toy import WORD, Balloon, Failing, WordFinder

INGEST = IngestOptions(workers=2, ocr=False)


def write_trove(root: Path, extra: dict[str, str] | None = None) -> Path:
    trove = root / "trove"
    trove.mkdir()
    for number in range(6):
        body = f"note {number}\n" + f"the {WORD} centre\n" * (number % 3)
        (trove / f"note-{number}.txt").write_text(body, encoding="utf-8")
    for name, body in (extra or {}).items():
        (trove / name).write_text(body, encoding="utf-8")
    return trove


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A case ingested once (before any toy analyzer existed); tests work on copies."""
    root = tmp_path_factory.mktemp("ingested")
    trove = write_trove(root, {"bad.txt": "boom here", "slow.txt": "hang here"})
    case = init_case(root / "case")
    ingest(case, [trove], INGEST)
    return case


@pytest.fixture
def case(ingested: Case, tmp_path: Path) -> Case:
    shutil.copytree(ingested.root, tmp_path / "case")
    return Case(tmp_path / "case")


@pytest.fixture
def toys() -> Iterator[None]:
    yield
    for name in ("toy_words", "toy_other", "toy_failing", "toy_balloon"):
        registry.unregister(name)


def _findings(case: Case, analyzer: str) -> list[tuple[str, int, str, int, int, str]]:
    conn = sqlite3.connect(case.db_path)
    try:
        return conn.execute(
            "SELECT d.sha256, f.page, f.label, f.span_start, f.span_end, f.value FROM findings f "
            "JOIN documents d ON d.id = f.document_id WHERE f.analyzer = ? ORDER BY 1, 2, 4",
            (analyzer,),
        ).fetchall()
    finally:
        conn.close()


def test_a_new_analyzer_runs_on_a_case_ingested_before_it_existed(
    case: Case, tmp_path: Path, toys: None
) -> None:
    registry.register(WordFinder())
    summary = analyze(case, AnalyzeOptions(only=("toy_words",)))
    assert summary.analyzers["toy_words"].documents == 8
    assert summary.failed == 0
    found = _findings(case, "toy_words")
    assert len(found) == 2 * (0 + 1 + 2)  # notes 1, 4 hold one; 2, 5 hold two
    conn = sqlite3.connect(case.db_path)
    for sha256, page, _label, start, end, _value in found:
        text = conn.execute(
            "SELECT p.text FROM pages p JOIN documents d ON d.id = p.document_id "
            "WHERE d.sha256 = ? AND p.number = ?",
            (sha256, page),
        ).fetchone()[0]
        assert text[start:end] == WORD
    conn.close()
    again = analyze(case, AnalyzeOptions(only=("toy_words",)))
    assert again.documents == 0  # nothing left: a second run does nothing
    assert _findings(case, "toy_words") == found


def test_a_version_bump_reruns_that_analyzer_only(case: Case, tmp_path: Path, toys: None) -> None:
    registry.register(WordFinder())
    registry.register(WordFinder(name="toy_other"))
    first = analyze(case)
    assert first.analyzers["toy_words"].documents == first.analyzers["toy_other"].documents == 8
    other = _findings(case, "toy_other")
    registry.register(WordFinder(version=2))
    second = analyze(case)
    assert second.analyzers["toy_words"].documents == 8
    assert second.analyzers["toy_other"].documents == 0
    assert second.analyzers["threads"].documents == 0
    assert {value for *_rest, value in _findings(case, "toy_words")} == {'{"version": 2}'}
    assert _findings(case, "toy_other") == other
    conn = sqlite3.connect(case.db_path)
    versions = conn.execute(
        "SELECT DISTINCT version FROM analysis_runs WHERE analyzer = 'toy_words'"
    ).fetchall()
    conn.close()
    assert versions == [(2,)]


def test_only_and_redo(case: Case, tmp_path: Path, toys: None) -> None:
    registry.register(WordFinder())
    registry.register(WordFinder(name="toy_other"))
    only = analyze(case, AnalyzeOptions(only=("toy_other",)))
    assert set(only.analyzers) == {"toy_other"}
    assert _findings(case, "toy_words") == []
    analyze(case)
    words = _findings(case, "toy_words")
    assert words
    redo = analyze(case, AnalyzeOptions(redo=("toy_words",)))
    assert redo.analyzers["toy_words"].documents == 8
    assert redo.analyzers["toy_other"].documents == 0
    assert redo.redone == ("toy_words",)
    assert _findings(case, "toy_words") == words
    with pytest.raises(UsageError, match="no analyzer called 'nope'"):
        analyze(case, AnalyzeOptions(only=("nope",)))


def test_failures_and_timeouts_are_recorded_and_the_run_goes_on(
    case: Case, tmp_path: Path, toys: None
) -> None:
    registry.register(Failing())
    summary = analyze(case, AnalyzeOptions(only=("toy_failing",), timeout=2.0))
    count = summary.analyzers["toy_failing"]
    assert (count.documents, count.failed, count.findings) == (8, 2, 6)
    store = case.store()
    try:
        errors = {(e["path"], e["kind"]) for e in store.errors.listed() if e.get("analyzer")}
        assert errors == {("trove/bad.txt", "internal"), ("trove/slow.txt", "timeout")}
        message = next(e["message"] for e in store.errors.listed("internal"))
        assert message == "analyzer toy_failing: ValueError: toy analyzer refuses boom"
        counts = store.documents.counts()
        assert counts["analysis_errors"] == 2
        assert counts["analysis_errors_by_analyzer"] == {"toy_failing": 2}
    finally:
        store.close()
    assert analyze(case, AnalyzeOptions(only=("toy_failing",))).documents == 0  # recorded: done


def test_an_analyzer_past_the_memory_limit_is_stopped_and_recorded(case: Case, toys: None) -> None:
    registry.register(Balloon())
    summary = analyze(case, AnalyzeOptions(only=("toy_balloon",), memory_bytes=256 * 1024**2))
    count = summary.analyzers["toy_balloon"]
    assert (count.documents, count.failed) == (8, 1)
    store = case.store()
    try:
        errors = [(e["path"], e["kind"], e["message"]) for e in store.errors.listed()]
    finally:
        store.close()
    assert [(path, kind) for path, kind, _message in errors] == [("trove/slow.txt", "too_large")]
    assert "toy_balloon took more than 256 MiB of memory" in errors[0][2]


def test_analysis_and_ingest_of_one_case_never_run_at_once(case: Case, tmp_path: Path) -> None:
    trove = write_trove(tmp_path)
    with CaseLock(case):
        with pytest.raises(CaseError, match="an ingest or analysis is running"):
            analyze(case)
        with pytest.raises(CaseError, match="running"):
            ingest(case, [trove], INGEST)


def test_a_case_made_before_the_analysis_tables_gets_them(case: Case, tmp_path: Path) -> None:
    conn = connect(case.db_path)
    # As a case made before them: at step 1, which had no analysis tables.
    conn.executescript("DROP TABLE findings; DROP TABLE analysis_runs; PRAGMA user_version = 1;")
    store = SqliteCaseStore(conn)
    assert store.documents.counts()["analysis_errors"] == 0  # read without writing
    assert store.errors.listed() == []
    conn.close()
    # The fast built-ins: the slow ones (entities) would run on the notes.
    summary = analyze(open_case(case.root), AnalyzeOptions(speeds=frozenset({"fast"})))
    assert summary.failed == 0
    conn = connect(case.db_path)
    assert conn.execute("SELECT count(*) FROM analysis_runs").fetchone()[0] == 0  # no mail
    conn.close()


def test_a_page_read_again_is_analysed_again(case: Case, toys: None) -> None:
    registry.register(WordFinder())
    analyze(case, AnalyzeOptions(only=("toy_words",)))
    conn = connect(case.db_path)
    first, second = (
        row[0] for row in conn.execute("SELECT id FROM documents WHERE type = 'text' LIMIT 2")
    )
    # As culpa ocr replaces a page's text, and an ingest stores a document anew.
    conn.execute(
        "UPDATE pages SET text = ? WHERE document_id = ? AND number = 1", (f"{WORD}!", first)
    )
    conn.execute(
        "DELETE FROM page_words WHERE page_id IN (SELECT id FROM pages WHERE document_id = ?)",
        (second,),
    )
    conn.execute("DELETE FROM pages WHERE document_id = ?", (second,))
    conn.close()
    again = analyze(case, AnalyzeOptions(only=("toy_words",)))
    assert again.analyzers["toy_words"].documents == 2
    conn = connect(case.db_path)
    spans = conn.execute(
        "SELECT page, span_start, span_end FROM findings WHERE document_id = ?", (first,)
    ).fetchall()
    conn.close()
    assert spans == [(1, 0, len(WORD))]


def test_a_lost_task_is_worded_for_the_analyzer_and_its_document() -> None:
    # The executor says what it saw in words for any stage; analysis names the analyzer.
    lost = Lost(Task("analyze", None), Failure.CRASHED, "the worker process died (signal 9)")
    limits = FileLimits(timeout=5.0, memory_bytes=256 * 2**20)
    said = "toy: the worker process died (signal 9) on this document"
    assert _lost_error("toy", lost, limits) == ("internal", said)
    starved = replace(lost, failure=Failure.STARVED, detail="no progress for 9 s while …")
    assert (
        _lost_error("toy", starved, limits)[1]
        == "toy: no progress for 9 s while … on this document"
    )
    timed_out = replace(lost, failure=Failure.TIMED_OUT, detail="")
    assert _lost_error("toy", timed_out, limits)[1] == "toy took more than 5 s on this document"
