from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from culpa.errors import CaseError
from culpa.store.case import Case, init_case, open_case
from culpa.store.sqlite.connection import connect


def test_init_makes_a_wal_sqlite_case_any_tool_can_open(tmp_path: Path) -> None:
    case = init_case(tmp_path / "c")
    assert (case.root / "blobs").is_dir()
    conn = sqlite3.connect(case.db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"documents", "provenance", "pages", "page_words", "page_index", "errors"} <= tables
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)


def test_init_twice_keeps_the_case(case: Case) -> None:
    conn = connect(case.db_path)
    conn.execute("INSERT INTO meta(key, value) VALUES ('note', 'kept')")
    conn.close()
    init_case(case.root)
    assert connect(case.db_path).execute("SELECT value FROM meta WHERE key='note'").fetchone() == (
        "kept",
    )


def test_init_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CaseError, match="not empty"):
        init_case(tmp_path)


def test_open_case_from_argument_or_environment(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert open_case(str(case.root)).root == case.root
    monkeypatch.setenv("CULPA_CASE", str(case.root))
    assert open_case(None).root == case.root
    with pytest.raises(CaseError, match="not a culpa case"):
        open_case(str(tmp_path / "nowhere"))
    monkeypatch.delenv("CULPA_CASE")
    with pytest.raises(CaseError, match="no case given"):
        open_case(None)
