"""Issue 11: language detection is an analyzer, so an old case's page languages are re-tagged.

Ingest tags each page with :func:`page_language` and leaves nothing for the
analyzer to do; ``culpa analyze --redo language``, or a higher version of the
analyzer, tags the stored pages again without reading any file, and writes the
new tags into ``pages.language`` (not into ``findings``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.analysis.language import LanguageAnalyzer, page_language
from culpa.cli.main import cli
from culpa.models import PAGE_LANGUAGE, Page, StoredDocument

TEXTS = {
    "english.txt": "The cotton was picked by workers sent from the training centre in Hotan.",
    "chinese.txt": "各地要加强职业技能教育培训中心的管理工作，确保学员按时结业。",
}


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _languages(case: Path) -> dict[str, str | None]:
    conn = sqlite3.connect(case / "case.db")
    try:
        rows = conn.execute(
            "SELECT pr.path, p.language FROM pages p JOIN provenance pr "
            "ON pr.document_id = p.document_id ORDER BY pr.path"
        ).fetchall()
    finally:
        conn.close()
    return {str(path).rsplit("/", 1)[-1]: language for path, language in rows}


def _spoil(case: Path) -> None:
    """As a case tagged by an older culpa: one page without a tag, one tagged wrongly."""
    conn = sqlite3.connect(case / "case.db")
    with conn:
        for name, language in (("english.txt", None), ("chinese.txt", "sco")):
            conn.execute(
                "UPDATE pages SET language = ? WHERE document_id = "
                "(SELECT document_id FROM provenance WHERE path LIKE ?)",
                (language, f"%/{name}"),
            )
    conn.close()


@pytest.fixture
def case(tmp_path: Path) -> Path:
    trove = tmp_path / "trove"
    trove.mkdir()
    for name, text in TEXTS.items():
        (trove / name).write_text(text, encoding="utf-8")
    root = tmp_path / "case"
    assert run("init", str(root)).exit_code == 0
    ingested = run("ingest", "--case", str(root), "--no-ocr", "--json", str(trove))
    assert ingested.exit_code == 0, ingested.output
    # Ingest tagged the pages itself: the fast analyzers it ran left them alone.
    assert json.loads(ingested.stdout)["analysis"]["analyzers"]["language"]["documents"] == 0
    return root


def test_redo_language_retags_an_old_case_without_reading_its_files(case: Path) -> None:
    tagged = _languages(case)
    assert tagged == {"chinese.txt": "zh-Hans", "english.txt": "en"}
    _spoil(case)
    # Nothing to do at the same version: ingest's tags count as the analyzer's.
    nothing = json.loads(run("analyze", "--case", str(case), "--json").stdout)
    assert nothing["analyzers"]["language"]["documents"] == 0

    redo = run("analyze", "--case", str(case), "--redo", "language", "--json")
    assert redo.exit_code == 0, redo.output
    summary = json.loads(redo.stdout)["analyzers"]["language"]
    assert (summary["documents"], summary["findings"], summary["failed"]) == (2, 2, 0)
    assert _languages(case) == tagged
    conn = sqlite3.connect(case / "case.db")
    kept = conn.execute("SELECT count(*) FROM findings WHERE analyzer = 'language'").fetchone()
    conn.close()
    assert kept == (0,)  # written into the pages, not kept as findings
    status = json.loads(run("status", "--case", str(case), "--json").stdout)
    assert status["pages_by_language"] == {"en": 1, "zh-Hans": 1}
    again = json.loads(run("analyze", "--case", str(case), "--json").stdout)
    assert again["analyses"] == 0


def test_a_higher_version_retags_with_only_language(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tagged = _languages(case)
    _spoil(case)
    monkeypatch.setattr(LanguageAnalyzer, "version", 2)
    result = run("analyze", "--case", str(case), "--only", "language", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["analyzers"]["language"]["documents"] == 2
    assert _languages(case) == tagged
    again = json.loads(run("analyze", "--case", str(case), "--only", "language", "--json").stdout)
    assert again["analyses"] == 0


def test_findings_are_the_pages_whose_tag_changes() -> None:
    text = TEXTS["english.txt"]
    document = StoredDocument(
        1,
        "ab" * 32,
        "text",
        "text/plain",
        pages=(Page(1, text, language="en"), Page(2, text, language=None)),
    )
    found = list(LanguageAnalyzer().analyze(document))
    assert [(f.label, f.value, f.span and f.span.page) for f in found] == [(PAGE_LANGUAGE, "en", 2)]
    scan = Page(1, "the cotton report of the training centre, page one", method="ocr")
    assert page_language(scan) == "en"


def test_documents_ingested_after_a_higher_version_are_not_tagged_again(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LanguageAnalyzer, "version", 2)
    later = tmp_path / "later"
    later.mkdir()
    for name, text in TEXTS.items():
        (later / name).write_text(text + "\n2", encoding="utf-8")
    ingested = run("ingest", "--case", str(case), "--no-ocr", "--analyze", "none", str(later))
    assert ingested.exit_code == 0, ingested.output
    # Ingest tagged the two new documents at version 2: only the two stored before run again.
    result = run("analyze", "--case", str(case), "--only", "language", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["analyzers"]["language"]["documents"] == 2
    conn = sqlite3.connect(case / "case.db")
    versions = conn.execute(
        "SELECT version, count(*) FROM analysis_runs WHERE analyzer = 'language' GROUP BY 1"
    ).fetchall()
    conn.close()
    assert versions == [(2, 4)]
    again = json.loads(run("analyze", "--case", str(case), "--only", "language", "--json").stdout)
    assert again["analyses"] == 0
