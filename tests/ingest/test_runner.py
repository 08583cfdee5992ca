from __future__ import annotations

import sqlite3
from dataclasses import replace
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


def test_summary_counts_failed_bytes_found_again_at_new_paths(
    case: Case, trove: Path, tmp_path: Path
) -> None:
    ingest(case, [trove], OPTIONS)
    later = tmp_path / "later"
    later.mkdir()
    for name in ("broken.zip", "empty.txt", "mystery.bin"):
        (later / f"copy-of-{name}").write_bytes((trove / name).read_bytes())
    summary = ingest(case, [later], OPTIONS)
    assert summary.duplicates == 3
    assert dict(summary.errors) == {"corrupt": 1, "empty": 1, "unsupported": 1}
    conn = sqlite3.connect(case.db_path)
    paths = {row[0] for row in conn.execute("SELECT path FROM errors WHERE path LIKE 'later/%'")}
    conn.close()
    assert len(paths) == 3


def _locked_pdf(text: str, password: str) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    data: bytes = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password)
    return data


def test_a_password_given_later_opens_files_inside_containers(case: Case, tmp_path: Path) -> None:
    from tests.ingest.trove import zip_bytes

    folder = tmp_path / "leak"
    folder.mkdir()
    locked = _locked_pdf("sealed minutes", "pw")
    (folder / "box.zip").write_bytes(zip_bytes({"a/locked.pdf": locked, "a/open.txt": b"open"}))
    (folder / "copy.pdf").write_bytes(locked)  # the same bytes at a second path
    first = ingest(case, [folder], OPTIONS)
    assert first.errors == {"encrypted": 2}
    again = ingest(case, [folder], replace(OPTIONS, passwords=("nope", "pw")))
    assert again.retried == 1 and not again.errors
    conn = sqlite3.connect(case.db_path)
    assert conn.execute("SELECT count(*) FROM errors").fetchone()[0] == 0
    rows = conn.execute(
        "SELECT p.path, d.status, d.complete, d.page_count FROM provenance p "
        "JOIN documents d ON d.id = p.document_id ORDER BY p.path"
    ).fetchall()
    conn.close()
    assert rows == [
        ("leak/box.zip", "ok", 1, 0),
        ("leak/box.zip!/a/locked.pdf", "ok", 1, 1),
        ("leak/box.zip!/a/open.txt", "ok", 1, 1),
        ("leak/copy.pdf", "ok", 1, 1),
    ]
    # Nothing left to retry: a third run with the password reads nothing.
    third = ingest(case, [folder], replace(OPTIONS, passwords=("pw",)))
    assert third.retried == 0 and third.documents_added == 0 and third.files_unchanged == 2


def test_retry_errors_reads_failed_files_again(case: Case, trove: Path) -> None:
    ingest(case, [trove], OPTIONS)
    (trove / "mystery.bin").touch()  # unchanged bytes: only a retry reads it again
    again = ingest(case, [trove], replace(OPTIONS, retry_kinds=frozenset({"unsupported"})))
    assert again.retried == 1
    assert again.errors == {"empty": 1, "corrupt": 1, "unsupported": 1}
