"""docs/architecture.md's promise, checked: a format and an analyzer are one class and one line.

The toy format and the toy analyzer live in ``tests/toys.py``, outside culpa.
Registered here, they work end to end through the command line: ``culpa ingest``
reads ``.toy`` files with the toy extractor (in its worker processes), and
``culpa analyze`` runs the toy analyzer on a case ingested before it was
registered, storing its findings with their spans.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.analysis import registry as analyzers
from culpa.cli.main import cli
from culpa.formats import registry as formats

#: Imported by the test, not at collection: importing it registers the toy format.
TOYS = "tests.toys"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def toys() -> Iterator[Any]:
    """The toy module, its format registered; both toys are removed afterwards."""
    module = importlib.import_module(TOYS)
    formats.register(module.ToyExtractor)  # again, if an earlier test imported it
    yield module
    formats.unregister(module.ToyExtractor)
    analyzers.unregister(module.ToyMentions.name)


def test_a_toy_format_and_a_toy_analyzer_run_end_to_end(tmp_path: Path, toys: Any) -> None:
    word = toys.WORD
    case = str(tmp_path / "case")
    assert run("init", case).exit_code == 0
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "ledger.toy").write_text(
        toys.PAGE_BREAK.join([f"Payments to {word} Ltd", "No names here", f"{word} and {word}"]),
        encoding="utf-8",
    )
    (trove / "memo.txt").write_text(f"A memo naming {word}", encoding="utf-8")
    ingested = run("ingest", "--case", case, "--no-ocr", "--json", str(trove))
    assert ingested.exit_code == 0, ingested.output
    db = sqlite3.connect(Path(case) / "case.db")
    types = dict(
        db.execute(
            "SELECT p.path, d.type FROM provenance p JOIN documents d ON d.id = p.document_id"
        )
    )
    assert types == {"trove/ledger.toy": "toy", "trove/memo.txt": "text"}
    pages = db.execute(
        "SELECT number FROM pages JOIN documents d ON d.id = document_id "
        "WHERE d.type = 'toy' ORDER BY number"
    ).fetchall()
    assert [number for (number,) in pages] == [1, 2, 3]

    # Registered after the ingest: culpa analyze runs it on what is already in the case.
    analyzers.register(toys.ToyMentions())
    name = toys.ToyMentions.name
    analyzed = run("analyze", "--case", case, "--only", name, "--json")
    assert analyzed.exit_code == 0, analyzed.output
    summary = json.loads(analyzed.stdout)
    assert summary["analyzers"][name] == {
        "version": 1,
        "documents": 1,
        "failed": 0,
        "findings": 3,
    }
    findings = db.execute(
        "SELECT f.page, f.span_start, f.span_end, f.value, g.text FROM findings f "
        "JOIN pages g ON g.document_id = f.document_id AND g.number = f.page "
        "WHERE f.analyzer = ? ORDER BY f.page, f.span_start",
        (name,),
    ).fetchall()
    assert [(page, start, end) for page, start, end, _, _ in findings] == [
        (1, 12, 16),
        (3, 0, 4),
        (3, 9, 13),
    ]
    assert all(text[start:end] == word for _, start, end, _, text in findings)
    assert {json.loads(value) for *_, value, _ in findings} == {word}
    db.close()
    again = json.loads(run("analyze", "--case", case, "--only", name, "--json").stdout)
    assert again["analyses"] == 0
