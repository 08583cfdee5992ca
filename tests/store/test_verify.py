"""`culpa verify` (culpa/store/verify.py, culpa/cli/verify.py): every original re-hashed,
the database and the search index checked, problems named with their documents (issue 10)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from culpa.cli.main import cli
from culpa.errors import ExitCode
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from culpa.store.sqlite.verify import ProblemKind, verify_case
from tests.ingest.trove import make_pdf, zip_bytes

PDF = make_pdf(["Minutes of the meeting", "新疆 工作 会议"])
NOTE = "会议纪要：第二次\n".encode() * 40


@pytest.fixture
def filled(case: Case, tmp_path: Path) -> Case:
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "minutes.pdf").write_bytes(PDF)
    (trove / "note.txt").write_bytes(NOTE)
    (trove / "leak.zip").write_bytes(zip_bytes({"inner/note.txt": NOTE, "a.txt": b"x" * 300}))
    ingest(case, [trove], IngestOptions(workers=1, ocr=False))
    return case


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _doc_id(case: Case, sha: str) -> int:
    conn = sqlite3.connect(case.db_path)
    try:
        return int(conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha,)).fetchone()[0])
    finally:
        conn.close()


def _verify(case: Case, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", "--case", str(case.root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_intact_case_passes(filled: Case) -> None:
    report = verify_case(filled)
    assert report.intact, report.problems
    assert report.blobs_checked == report.documents == 4  # pdf, note, zip, a.txt
    assert report.bytes_hashed == sum(
        p.stat().st_size for p in filled.blobs.root.rglob("*") if p.is_file()
    )
    code, out, err = _verify(filled, "--json")
    assert code == ExitCode.OK, err
    data = json.loads(out)
    assert data["intact"] is True and data["problems"] == []
    assert "case intact" in err


def test_missing_damaged_and_orphan_blobs_are_named_with_their_documents(filled: Case) -> None:
    note, pdf = _sha(NOTE), _sha(PDF)
    filled.blobs.path_for(pdf).unlink()
    damaged = filled.blobs.path_for(note)
    os.chmod(damaged, 0o644)
    data = bytearray(damaged.read_bytes())
    data[0] ^= 1  # one bit, same size
    damaged.write_bytes(bytes(data))
    stray = filled.blobs.root / "ab" / "cd" / ("ab" + "cd" + "0" * 60)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"not from this case")

    report = verify_case(filled)
    assert not report.intact
    by_kind = {problem.kind: problem for problem in report.problems}
    assert set(by_kind) == {
        ProblemKind.BLOB_MISSING,
        ProblemKind.BLOB_DAMAGED,
        ProblemKind.ORPHAN_BLOB,
    }
    missing = by_kind[ProblemKind.BLOB_MISSING]
    assert missing.sha256 == pdf
    assert [(d.id, d.paths) for d in missing.documents] == [
        (_doc_id(filled, pdf), ("trove/minutes.pdf",))
    ]
    broken = by_kind[ProblemKind.BLOB_DAMAGED]
    assert broken.sha256 == note and _sha(bytes(data)) in broken.message
    # The same bytes at two paths: both are named.
    assert broken.documents[0].paths == ("trove/leak.zip!/inner/note.txt", "trove/note.txt")
    assert by_kind[ProblemKind.ORPHAN_BLOB].path == stray.relative_to(filled.root).as_posix()

    code, out, err = _verify(filled, "--json")
    assert code == ExitCode.NOT_INTACT == 5
    kinds = sorted(problem["kind"] for problem in json.loads(out)["problems"])
    assert kinds == ["blob_damaged", "blob_missing", "orphan_blob"]
    code, out, err = _verify(filled)
    assert code == 5
    assert "trove/minutes.pdf" in out and "NOT intact: 3 problems" in err


def test_a_damaged_search_index_is_found(filled: Case) -> None:
    conn = sqlite3.connect(filled.db_path)
    conn.execute("DELETE FROM page_index_docsize WHERE id = (SELECT min(id) FROM pages)")
    conn.execute(
        "UPDATE page_index_data SET block = zeroblob(length(block)) "
        "WHERE id = (SELECT max(id) FROM page_index_data)"
    )
    conn.commit()
    conn.close()
    report = verify_case(filled)
    assert {problem.kind for problem in report.problems} == {ProblemKind.INDEX}
    messages = " ".join(problem.message for problem in report.problems)
    assert "damaged" in messages and "1 pages are not in the search index" in messages
    assert _verify(filled)[0] == 5


def test_a_damaged_database_is_reported_not_a_crash(filled: Case) -> None:
    conn = sqlite3.connect(filled.db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with filled.db_path.open("r+b") as handle:  # scribble over every page but the first
        size = handle.seek(0, os.SEEK_END)
        for offset in range(page_size, size, page_size):
            handle.seek(offset + 8)
            handle.write(b"\xff" * 64)
    report = verify_case(filled)
    assert report.problems and report.problems[0].kind is ProblemKind.DATABASE
    code, out, err = _verify(filled, "--json")
    assert code == ExitCode.NOT_INTACT, err
    assert json.loads(out)["problems"][0]["kind"] == "database"
