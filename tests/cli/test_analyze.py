"""culpa analyze from the command line: summary, exit status, and what errors/status show."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from culpa.analysis import registry
from culpa.cli.main import cli
from tests.analysis.test_thread_analyzer import write_mail
from tests.analysis.toy import Failing


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def mail_case(tmp_path: Path) -> str:
    case = str(tmp_path / "case")
    assert run("init", case).exit_code == 0
    mails = tmp_path / "mails"
    mails.mkdir()
    write_mail(mails, "first", "会议安排", "<a@x>")
    write_mail(mails, "reply", "回复：会议安排", "<b@x>", "<a@x>")
    (mails / "bad.txt").write_text("boom", encoding="utf-8")
    ingested = run("ingest", "--case", case, "--no-ocr", "--analyze", "none", str(mails))
    assert ingested.exit_code == 0
    return case


@pytest.fixture
def failing() -> Iterator[None]:
    registry.register(Failing())
    yield
    registry.unregister(Failing.name)


def test_analyze_threads_then_nothing_left(mail_case: str) -> None:
    result = run("analyze", "--case", mail_case, "--only", "threads", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["analyzers"]["threads"] == {
        "version": 1,
        "documents": 2,
        "failed": 0,
        "findings": 3,
    }
    assert (summary["analyses"], summary["failed"]) == (2, 0)
    again = json.loads(run("analyze", "--case", mail_case, "--only", "threads", "--json").stdout)
    assert again["analyses"] == 0
    conn = sqlite3.connect(Path(mail_case) / "case.db")
    reply = conn.execute("SELECT document_id FROM provenance WHERE path LIKE '%reply.eml'")
    reply_id = str(reply.fetchone()[0])
    conn.close()
    listed = json.loads(run("thread", "--case", mail_case, "--json", reply_id).stdout)
    assert [(m["path"], m["depth"]) for m in listed] == [
        ("mails/first.eml", 0),
        ("mails/reply.eml", 1),
    ]
    redo = json.loads(run("analyze", "--case", mail_case, "--json", "--redo", "threads").stdout)
    assert redo["analyzers"]["threads"]["documents"] == 2 and redo["redone"] == ["threads"]


def test_failures_exit_3_and_are_shown_by_errors_and_status(mail_case: str, failing: None) -> None:
    result = run("analyze", "--case", mail_case, "--only", "toy_failing")
    assert result.exit_code == 3
    assert "1 failed" in result.stderr
    errors = run("errors", "--case", mail_case)
    assert errors.exit_code == 0
    assert (
        "internal\tmails/bad.txt\tanalyzer toy_failing: ValueError: toy analyzer refuses boom"
        in errors.stdout
    )
    listed = json.loads(run("errors", "--case", mail_case, "--json").stdout)
    assert [(e["path"], e.get("analyzer")) for e in listed] == [("mails/bad.txt", "toy_failing")]
    status = json.loads(run("status", "--case", mail_case, "--json").stdout)
    assert status["analysis_errors"] == 1 and status["errors"] == 0
    assert "analysis errors by analyzer: toy_failing 1" in run("status", "--case", mail_case).stdout
    assert run("analyze", "--case", mail_case, "--only", "toy_failing").exit_code == 0  # done


def test_an_unknown_analyzer_is_a_usage_error(mail_case: str) -> None:
    result = run("analyze", "--case", mail_case, "--only", "nope")
    assert result.exit_code == 2
    assert "no analyzer called 'nope'" in result.stderr


@pytest.fixture
def slow_toy() -> Iterator[None]:
    registry.register(Failing())  # a slow analyzer: ingest leaves it for culpa analyze
    yield
    registry.unregister(Failing.name)


def test_ingest_runs_the_fast_analyzers_and_names_the_slow_ones(
    tmp_path: Path, slow_toy: None
) -> None:
    mails = tmp_path / "mails"
    mails.mkdir()
    write_mail(mails, "first", "会议安排", "<a@x>")
    write_mail(mails, "reply", "回复：会议安排", "<b@x>", "<a@x>")
    (mails / "note.txt").write_text("fine", encoding="utf-8")
    case = str(tmp_path / "case")
    run("init", case)
    result = run("ingest", "--case", case, "--no-ocr", "--json", str(mails))
    assert result.exit_code == 0, result.output
    analysis = json.loads(result.stdout)["analysis"]
    assert analysis["analyzers"]["threads"]["documents"] == 2
    assert "toy_failing" not in analysis["analyzers"]
    slow = [analyzer.name for analyzer in registry.registered() if analyzer.speed == "slow"]
    assert "toy_failing" in slow and analysis["not_run"] == slow
    text = run("ingest", "--case", case, "--no-ocr", str(mails))
    assert f"slow analyzers not run ({', '.join(slow)}): culpa analyze" in text.stderr
    everything = run("ingest", "--case", case, "--no-ocr", "--analyze", "all", "--json", str(mails))
    assert json.loads(everything.stdout)["analysis"]["analyzers"]["toy_failing"]["documents"] == 1

    other = str(tmp_path / "other")
    run("init", other)
    bare = run("ingest", "--case", other, "--no-ocr", "--analyze", "none", "--json", str(mails))
    assert "analysis" not in json.loads(bare.stdout)
    conn = sqlite3.connect(Path(other) / "case.db")
    assert conn.execute("SELECT count(*) FROM analysis_runs").fetchone()[0] == 0
    conn.close()
