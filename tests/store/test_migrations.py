"""Issue 11: a case made by an older culpa is upgraded in place on open, a newer one refused.

The old case is built the way the last culpa before numbered migrations built
one: its schema.sql (kept in fixtures/, from commit c5686e4) run on an empty
file, with ``meta.schema_version`` 1 and no ``PRAGMA user_version``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from culpa.cli.main import cli
from culpa.errors import CaseError
from culpa.index import tokens
from culpa.search.engine import count
from culpa.store.case import Case, init_case, open_case
from culpa.store.sqlite import SqliteCaseStore, migrations
from culpa.store.sqlite.annotations import SqliteAnnotations
from culpa.store.sqlite.connection import connect
from culpa.store.sqlite.fts import index_page

ROOT = Path(__file__).resolve().parents[2]
RELEASE_SCHEMA = Path(__file__).parent / "fixtures" / "schema-c5686e4.sql"
PAGES = ("新疆 培训中心 第一页", "the second page of the cotton report")


def make_release_case(root: Path) -> Path:
    """A case as culpa at c5686e4 made it: one document, two indexed pages, a note, a tag."""
    (root / "blobs").mkdir(parents=True)
    (root / "tmp").mkdir()
    conn = sqlite3.connect(root / "case.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(RELEASE_SCHEMA.read_text(encoding="utf-8"))
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', '1'), ('created_by', ?)",
        (json.dumps({"culpa": "0.1.0"}),),
    )
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, complete, "
        "ingested_at) VALUES (1, ?, 10, 'text/plain', 'text', 'ok', 2, 1, '2026-11-30')",
        ("ab" * 32,),
    )
    conn.execute("INSERT INTO provenance(path, document_id) VALUES ('trove/report.txt', 1)")
    for number, text in enumerate(PAGES, start=1):
        conn.execute(
            "INSERT INTO pages(id, document_id, number, text, method) VALUES (?, 1, ?, ?, 'text')",
            (number, number, text),
        )
        index_page(conn, number, text)
    conn.execute(
        "INSERT INTO notes(document_id, page, span_start, span_end, quote, body, created_at) "
        "VALUES (1, 1, 0, 2, '新疆', 'check this', '2026-12-01')"
    )
    conn.execute("INSERT INTO tags(document_id, tag, tagged_at) VALUES (1, 'cotton', '2026-12-01')")
    conn.close()
    return root


def rows(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "provenance", "pages", "notes", "tags", "meta")
        }
    finally:
        conn.close()


def schema_of(db: Path) -> set[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        found = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'page_index_%'"
        )
        return {(t, n, " ".join(s.split())) for t, n, s in found}
    finally:
        conn.close()


def test_a_case_from_the_last_release_is_upgraded_in_place(tmp_path: Path) -> None:
    root = make_release_case(tmp_path / "old")
    before = rows(root / "case.db")
    said: list[str] = []
    case = open_case(root, notify=said.append)

    backup = migrations.backup_path(case.db_path, migrations.latest_version())
    assert backup.is_file()
    assert any(str(backup) in line and "step 0" in line for line in said), said
    conn = connect(case.db_path)
    assert migrations.schema_version(conn) == migrations.latest_version()
    assert migrations.tokens_version(conn) == tokens.TOKENS_VERSION
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert count(SqliteCaseStore(conn), "新疆") == 1 and count(SqliteCaseStore(conn), "cotton") == 1
    assert [n.body for n in SqliteAnnotations(conn).all_notes()] == ["check this"]
    assert SqliteAnnotations(conn).tag_counts() == [("cotton", 1)]
    conn.close()
    # Every row kept (meta gains tokens_version), and the schema is a new case's.
    assert rows(case.db_path) == {**before, "meta": before["meta"] + 1}
    assert schema_of(case.db_path) == schema_of(init_case(tmp_path / "new").db_path)

    # The backup is the case as it was.
    assert rows(backup) == before
    old = sqlite3.connect(backup)
    assert migrations.schema_version(old) == 0
    names = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "analysis_runs" not in names and "tables" not in names and "notes" in names
    old.close()


def test_a_case_from_a_newer_culpa_is_refused_naming_both_versions(tmp_path: Path) -> None:
    case = init_case(tmp_path / "case")
    newer = migrations.latest_version() + 1
    conn = connect(case.db_path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()
    with pytest.raises(CaseError, match=rf"step {newer}.*up to {newer - 1}"):
        open_case(case.root)
    result = CliRunner().invoke(cli, ["status", "--case", str(case.root)])
    assert result.exit_code == 2
    assert "newer culpa" in result.output and f"step {newer}" in result.output
    assert not migrations.backup_path(case.db_path, newer).exists()


def test_a_search_index_from_newer_tokens_is_refused(tmp_path: Path) -> None:
    case = init_case(tmp_path / "case")
    conn = connect(case.db_path)
    conn.execute(
        "UPDATE meta SET value = ? WHERE key = 'tokens_version'", (str(tokens.TOKENS_VERSION + 1),)
    )
    conn.close()
    with pytest.raises(CaseError, match=r"newer culpa.*tokens version"):
        open_case(case.root)


def test_older_tokens_get_the_index_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_release_case(tmp_path / "old")
    open_case(root, notify=lambda _: None)
    conn = sqlite3.connect(root / "case.db", isolation_level=None)
    # An index that no longer answers, as one built with other tokens would not.
    conn.execute("INSERT INTO page_index(page_index) VALUES ('delete-all')")
    assert count(SqliteCaseStore(conn), "cotton") == 0
    conn.close()
    monkeypatch.setattr(tokens, "TOKENS_VERSION", tokens.TOKENS_VERSION + 1)
    said: list[str] = []
    case = open_case(root, notify=said.append)
    assert any("rebuilding the search index" in line for line in said), said
    conn = connect(case.db_path)
    assert migrations.tokens_version(conn) == tokens.TOKENS_VERSION
    assert count(SqliteCaseStore(conn), "cotton") == 1 and count(SqliteCaseStore(conn), "新疆") == 1
    conn.close()


def test_opening_twice_upgrades_once(tmp_path: Path) -> None:
    root = make_release_case(tmp_path / "old")
    first: list[str] = []
    second: list[str] = []
    case = open_case(root, notify=first.append)
    backup = migrations.backup_path(case.db_path, migrations.latest_version())
    made = backup.stat().st_mtime_ns
    open_case(root, notify=second.append)
    assert first and second == []
    assert backup.stat().st_mtime_ns == made
    assert sorted(p.name for p in root.iterdir() if ".before-v" in p.name) == [backup.name]


def _slow_step(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE slow_step (x)")


SLOW_UPGRADE = """
import sys, time
from pathlib import Path
from culpa.store.sqlite import migrations
from culpa.store.case import open_case

def slow(conn):
    conn.execute("CREATE TABLE slow_step (x)")
    print("in the step", flush=True)
    time.sleep(120)  # killed here, inside the step's transaction

step = migrations.Migration(migrations.latest_version() + 1, "slow", slow)
migrations.MIGRATIONS = (*migrations.MIGRATIONS, step)
open_case(Path(sys.argv[1]), notify=lambda _: None)
"""


def test_a_kill_during_an_upgrade_leaves_a_case_the_next_open_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_release_case(tmp_path / "old")
    latest = migrations.latest_version()
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_UPGRADE, str(root)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "in the step"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    conn = sqlite3.connect(root / "case.db")
    # The steps before it are in, and nothing of the step that was killed.
    assert migrations.schema_version(conn) == latest
    killed = conn.execute("SELECT name FROM sqlite_master WHERE name = 'slow_step'").fetchone()
    assert killed is None
    conn.close()

    step = migrations.Migration(latest + 1, "slow", _slow_step)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, step))
    case = open_case(root, notify=lambda _: None)
    conn = connect(case.db_path)
    assert migrations.schema_version(conn) == latest + 1
    assert conn.execute("SELECT count(*) FROM slow_step").fetchone() == (0,)
    assert count(SqliteCaseStore(conn), "cotton") == 1
    conn.close()


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A folder of cases made read-only: by permissions, or by a read-only bind mount as root."""
    folder = tmp_path / "cases"
    folder.mkdir()
    if os.geteuid() != 0:
        yield folder, folder
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        return
    view = tmp_path / "read-only"
    view.mkdir()
    yield folder, view
    subprocess.run(["umount", "--lazy", str(view)], check=False)


def _make_read_only(folder: Path, view: Path) -> None:
    if folder == view:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.chmod(0o555 if path.is_dir() else 0o444)
        return
    done = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(folder), str(view)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")


def test_a_read_only_old_case_is_read_as_it_is_or_says_why_not(
    read_only: tuple[Path, Path],
) -> None:
    folder, view = read_only
    make_release_case(folder / "old")
    unfinished = make_release_case(folder / "unfinished")
    conn = sqlite3.connect(unfinished / "case.db")
    conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    _make_read_only(folder, view)

    said: list[str] = []
    case = open_case(view / "old", notify=said.append)
    assert len(said) == 1 and "read-only" in said[0] and "without upgrading" in said[0]
    conn = connect(case.db_path)
    assert migrations.schema_version(conn) == 0  # not upgraded
    assert count(SqliteCaseStore(conn), "cotton") == 1
    assert SqliteAnnotations(conn).tag_counts() == [("cotton", 1)]
    conn.close()
    assert not [p for p in (view / "old").iterdir() if ".before-v" in p.name]
    result = CliRunner().invoke(cli, ["search", "--case", str(view / "old"), "cotton"])
    assert result.exit_code == 0, result.output
    assert "read-only" in result.output

    with pytest.raises(CaseError, match=r"read-only.*cannot be read without upgrading"):
        open_case(view / "unfinished", notify=said.append)


def test_a_new_case_is_made_by_every_step(case: Case) -> None:
    conn = connect(case.db_path)
    assert migrations.schema_version(conn) == migrations.latest_version()
    assert migrations.tokens_version(conn) == tokens.TOKENS_VERSION
    conn.close()
    assert [m.version for m in migrations.MIGRATIONS] == list(
        range(1, migrations.latest_version() + 1)
    )
