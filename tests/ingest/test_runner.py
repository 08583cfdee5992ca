from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from tests.ingest.trove import fingerprint, make_trove

OPTIONS = IngestOptions(workers=2, ocr=False)


@pytest.fixture
def trove(tmp_path: Path) -> Path:
    return make_trove(tmp_path)


def _paths(case: Case) -> dict[str, str]:
    conn = sqlite3.connect(case.db_path)
    rows = conn.execute(
        "SELECT p.path, d.sha256 FROM provenance p JOIN documents d ON d.id = p.document_id"
    )
    return dict(rows)


def test_ingest_records_every_path_and_stores_each_content_once(case: Case, trove: Path) -> None:
    summary = ingest(case, [trove], OPTIONS)
    paths = _paths(case)
    assert "trove/leak.zip!/m/0.txt" in paths
    assert "trove/leak.zip!/inner.zip!/deep/inner.txt" in paths
    assert "trove/box.tar.gz!/box/3.txt" in paths
    # The same bytes at two paths: one document, both paths.
    assert paths["trove/2017/note-0000.txt"] == paths["trove/copy-of-note-0000.txt"]
    # A container found twice keeps its members' paths under both.
    assert (
        paths["trove/again/leak-copy.zip!/inner.zip!/deep/inner.txt"]
        == paths["trove/leak.zip!/inner.zip!/deep/inner.txt"]
    )
    for sha in set(paths.values()):
        assert case.blobs.has(sha)
    conn = sqlite3.connect(case.db_path)
    assert conn.execute("SELECT count(*) FROM documents WHERE complete = 0").fetchone()[0] == 0
    assert summary.errors == {"empty": 1, "corrupt": 1, "unsupported": 1}
    errors = dict(conn.execute("SELECT path, kind FROM errors"))
    assert errors == {
        "trove/empty.txt": "empty",
        "trove/broken.zip": "corrupt",
        "trove/mystery.bin": "unsupported",
    }
    assert summary.pages_added == conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    assert list(case.tmp_dir.iterdir()) == []


def test_reingest_adds_nothing(case: Case, trove: Path) -> None:
    ingest(case, [trove], OPTIONS)
    before = fingerprint(case)
    again = ingest(case, [trove], OPTIONS)
    assert again.documents_added == 0 and again.pages_added == 0
    assert again.files_unchanged == again.files_seen
    assert again.errors == {"empty": 1, "corrupt": 1, "unsupported": 1}  # still recorded
    assert fingerprint(case) == before


def test_a_changed_file_at_a_known_path_is_read_again(case: Case, trove: Path) -> None:
    ingest(case, [trove], OPTIONS)
    note = trove / "2017" / "note-0001.txt"
    old = _paths(case)["trove/2017/note-0001.txt"]
    note.write_text("rewritten 新疆", encoding="utf-8")
    summary = ingest(case, [trove], OPTIONS)
    assert summary.documents_added == 1
    assert _paths(case)["trove/2017/note-0001.txt"] != old
    assert case.blobs.has(old)  # the earlier original is never thrown away


def test_fixed_file_clears_its_error(case: Case, trove: Path) -> None:
    ingest(case, [trove], OPTIONS)
    (trove / "empty.txt").write_text("now it has text", encoding="utf-8")
    ingest(case, [trove], OPTIONS)
    conn = sqlite3.connect(case.db_path)
    assert (
        conn.execute("SELECT count(*) FROM errors WHERE path = 'trove/empty.txt'").fetchone()[0]
        == 0
    )


def test_summary_counts_every_failed_path_like_the_errors_table(case: Case, trove: Path) -> None:
    # The same broken bytes at a second path, and a copy of the whole trove's zip.
    (trove / "again" / "broken-copy.zip").write_bytes((trove / "broken.zip").read_bytes())
    summary = ingest(case, [trove], OPTIONS)
    conn = sqlite3.connect(case.db_path)
    recorded = dict(conn.execute("SELECT kind, count(*) FROM errors GROUP BY kind").fetchall())
    conn.close()
    assert recorded["corrupt"] == 2
    assert dict(summary.errors) == recorded
