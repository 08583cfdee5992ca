"""Issue 10: a full, read-only or failing disk is named, and a plain re-run heals it.

The disk is real: a small tmpfs mounted by the test (as root), filled with a
ballast file while an archive is unpacked into the case, then freed. The case
must stay consistent throughout, and once space is back a plain ``culpa ingest``
(no ``--retry-errors``) must give the case an uninterrupted ingest gives.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from culpa.ingest.executors.base import FileLimits
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case, init_case
from tests.ingest import faulty
from tests.ingest.trove import zip_bytes

#: Registered for this module's tests only (tests/conftest.py).
TEST_EXTRACTORS = (faulty.FaultyTextExtractor,)

OPTIONS = IngestOptions(workers=2, ocr=False)
FULL = "the disk holding the case is full: free space and run the same command again"
#: Size of the file system made for a test (MiB): a case, its files twice (blobs and
#: pages) and the WAL; a ballast file takes the rest when the disk must be full.
DISK_MIB = 64
MIB = 1024 * 1024


def _mount_tmpfs(folder: Path, mib: int) -> str | None:
    """Mount a tmpfs of ``mib`` MiB at ``folder``; the reason it cannot be, or None."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        return "no mount command"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={mib}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return f"mount -t tmpfs failed here: {done.stderr.strip()}"
    return None


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system of DISK_MIB MiB, mounted for the test."""
    disk = tmp_path / "disk"
    reason = _mount_tmpfs(disk, DISK_MIB)
    if reason is not None:
        pytest.skip(f"cannot make a small file system: {reason}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _free(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def _fill(disk: Path, leave: int) -> Path:
    """Write a ballast file so that ``leave`` bytes stay free on ``disk``."""
    ballast = disk / f"ballast-{uuid.uuid4().hex}"
    size = _free(disk) - leave
    assert size > 0
    with ballast.open("wb") as handle:
        handle.truncate(0)
        chunk = b"\0" * MIB
        while size > 0:
            handle.write(chunk[: min(size, MIB)])
            size -= MIB
    return ballast


def _text(rng: random.Random, words: list[str], count: int) -> bytes:
    return " ".join(rng.choice(words) for _ in range(count)).encode()


def _archive(folder: Path, members: int = 40, words: int = 16_000) -> Path:
    """A zip of ``members`` distinct text files (~100 KB each, ~55 % compressed)."""
    rng = random.Random(10)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
        for _ in range(4000)
    ]
    path = folder / "leak.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(members):
            archive.writestr(
                f"docs/{number:03d}.txt", f"memo {number} ".encode() + _text(rng, vocabulary, words)
            )
    return path


def _culpa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "culpa", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _contents(case: Case) -> dict[str, tuple[str, str, int, tuple[str, ...]]]:
    """Every path with its document's sha256, status, completeness and page texts."""
    conn = sqlite3.connect(case.db_path)
    try:
        rows = conn.execute(
            "SELECT p.path, d.sha256, d.status, d.complete, d.id FROM provenance p "
            "JOIN documents d ON d.id = p.document_id"
        ).fetchall()
        return {
            path: (
                sha,
                status,
                complete,
                tuple(
                    text
                    for (text,) in conn.execute(
                        "SELECT text FROM pages WHERE document_id = ? ORDER BY number", (doc,)
                    )
                ),
            )
            for path, sha, status, complete, doc in rows
        }
    finally:
        conn.close()


def _consistent(case: Case) -> None:
    """integrity_check, the FTS index, and no half-committed document."""
    conn = sqlite3.connect(case.db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO page_index (page_index) VALUES ('integrity-check')")
        # Every document holds exactly the pages it says, and each page is indexed.
        assert (
            conn.execute(
                "SELECT count(*) FROM documents d WHERE d.page_count != "
                "(SELECT count(*) FROM pages p WHERE p.document_id = d.id)"
            ).fetchone()[0]
            == 0
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM pages p LEFT JOIN page_words w ON w.page_id = p.id "
                "WHERE w.page_id IS NULL"
            ).fetchone()[0]
            == 0
        )
        for (sha,) in conn.execute("SELECT sha256 FROM documents"):
            assert case.blobs.has(sha)
    finally:
        conn.close()


def _reference(
    tmp_path: Path, paths: list[Path]
) -> dict[str, tuple[str, str, int, tuple[str, ...]]]:
    """What an uninterrupted ingest on a roomy disk makes of ``paths``."""
    case = init_case(tmp_path / "reference")
    ingest(case, paths, OPTIONS)
    return _contents(case)


def test_disk_full_while_unpacking_is_named_and_healed_by_a_plain_rerun(
    small_disk: Path, tmp_path: Path
) -> None:
    archive = _archive(tmp_path)
    case_dir = small_disk / "case"
    assert _culpa("init", str(case_dir)).returncode == 0
    # Room for the archive's own blob and a little more: its members do not fit.
    ballast = _fill(small_disk, archive.stat().st_size + 3 * MIB // 2)

    first = _culpa("ingest", "--case", str(case_dir), "--no-ocr", "--workers", "2", str(archive))

    assert first.returncode == 4, first.stderr  # ExitCode.STORAGE
    assert FULL in first.stderr
    assert "internal error" not in first.stderr and "Traceback" not in first.stderr
    case = Case(case_dir)
    _consistent(case)
    conn = sqlite3.connect(case.db_path)
    kinds = dict(conn.execute("SELECT path, kind FROM errors"))
    conn.close()
    assert kinds == {"leak.zip": "environment"}

    ballast.unlink()  # space is freed; the same command, nothing more
    second = _culpa("ingest", "--case", str(case_dir), "--no-ocr", "--workers", "2", str(archive))

    assert second.returncode == 0, second.stderr
    _consistent(case)
    healed = _contents(case)
    assert len(healed) == 41
    assert healed == _reference(tmp_path, [archive])
    assert list(case.tmp_dir.iterdir()) == []


def test_disk_full_during_database_writes_keeps_the_case_consistent(
    small_disk: Path, tmp_path: Path
) -> None:
    """Blobs, work folders and SQLite all compete for the space: wherever it runs out,
    the run stops or records the files with exit 4, and nothing is half-committed."""
    rng = random.Random(3)
    folder = tmp_path / "trove"
    folder.mkdir()
    for number in range(60):
        (folder / f"{number:02d}.txt").write_bytes(
            f"note {number} ".encode() + rng.randbytes(60_000).hex().encode()
        )
    case_dir = small_disk / "case"
    assert _culpa("init", str(case_dir)).returncode == 0
    ballast = _fill(small_disk, 4 * MIB)  # the files alone take 7 MiB as blobs

    first = _culpa("ingest", "--case", str(case_dir), "--no-ocr", str(folder))

    assert first.returncode == 4, first.stderr
    assert FULL in first.stderr
    assert "internal error" not in first.stderr and "Traceback" not in first.stderr
    case = Case(case_dir)
    _consistent(case)

    ballast.unlink()
    second = _culpa("ingest", "--case", str(case_dir), "--no-ocr", str(folder))

    assert second.returncode == 0, second.stderr
    _consistent(case)
    assert _contents(case) == _reference(tmp_path, [folder])


def test_a_read_only_disk_is_named_not_reported_as_a_bug(small_disk: Path, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("evidence", encoding="utf-8")
    case_dir = small_disk / "case"
    assert _culpa("init", str(case_dir)).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)

    done = _culpa("ingest", "--case", str(case_dir), "--no-ocr", str(note))

    assert done.returncode == 4, done.stderr
    assert "the disk holding the case is read-only" in done.stderr
    assert "Traceback" not in done.stderr
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    again = _culpa("ingest", "--case", str(case_dir), "--no-ocr", str(note))
    assert again.returncode == 0, again.stderr


def test_content_failures_are_not_read_again_by_a_plain_rerun(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "trove"
    folder.mkdir()
    (folder / "broken.zip").write_bytes(zip_bytes({"a.txt": b"text " * 5000})[:-40])
    first = ingest(case, [folder], OPTIONS)
    assert first.errors == {"corrupt": 1}
    again = ingest(case, [folder], OPTIONS)
    assert again.retried == 0 and again.files_unchanged == 1


def test_a_worker_killed_from_outside_is_read_again_by_a_plain_rerun(
    case: Case, tmp_path: Path
) -> None:
    marker = tmp_path / "oom-killer-active"
    marker.touch()
    folder = tmp_path / "trove"
    folder.mkdir()
    victim = faulty.KILLED_IF + str(marker).encode()
    (folder / "box.zip").write_bytes(zip_bytes({"victim.txt": victim, "fine.txt": b"fine"}))
    options = replace(OPTIONS, extractor_modules=("tests.ingest.faulty",), limits=FileLimits())

    first = ingest(case, [folder], options)

    assert first.errors == {"environment": 1}
    marker.unlink()  # memory is back
    second = ingest(case, [folder], options)
    assert not second.errors and second.retried == 1
    paths = _contents(case)
    assert paths["trove/box.zip!/victim.txt"][1:3] == ("ok", 1)
    assert paths["trove/box.zip"][1:3] == ("ok", 1)


def test_a_timeout_caused_by_load_is_read_again_by_a_plain_rerun(
    case: Case, tmp_path: Path
) -> None:
    """A worker starved of CPU makes no progress, but the file is not to blame: it is
    recorded as ``environment``; a hang (sleeping) stays a ``timeout`` of the file."""
    marker = tmp_path / "machine-overloaded"
    marker.touch()
    folder = tmp_path / "trove"
    folder.mkdir()
    (folder / "starved.txt").write_bytes(faulty.STARVED_IF + str(marker).encode())
    (folder / "hang.txt").write_bytes(faulty.HANG)
    options = replace(
        OPTIONS, extractor_modules=("tests.ingest.faulty",), limits=FileLimits(timeout=6.0)
    )

    first = ingest(case, [folder], options)

    assert first.errors == {"environment": 1, "timeout": 1}
    conn = sqlite3.connect(case.db_path)
    kinds = dict(conn.execute("SELECT path, kind FROM errors"))
    conn.close()
    assert kinds == {"trove/starved.txt": "environment", "trove/hang.txt": "timeout"}
    marker.unlink()  # the load is gone
    second = ingest(case, [folder], options)
    assert second.errors == {"timeout": 1}  # the hang is not read again
    assert _contents(case)["trove/starved.txt"][1:3] == ("ok", 1)


def _locked_pdf(text: str, password: str) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    data: bytes = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password)
    return data


def test_a_password_given_later_under_another_path_is_tried_at_once(
    case: Case, tmp_path: Path
) -> None:
    locked = _locked_pdf("sealed minutes", "pw")
    first_folder, second_folder = tmp_path / "first", tmp_path / "second"
    first_folder.mkdir()
    second_folder.mkdir()
    (first_folder / "minutes.pdf").write_bytes(locked)
    (second_folder / "renamed.pdf").write_bytes(locked)  # the same bytes, another path
    (second_folder / "box.zip").write_bytes(zip_bytes({"inside.pdf": locked}))
    assert ingest(case, [first_folder], OPTIONS).errors == {"encrypted": 1}

    summary = ingest(case, [second_folder], replace(OPTIONS, passwords=("pw",)))

    assert not summary.errors
    paths = _contents(case)
    for path in ("first/minutes.pdf", "second/renamed.pdf", "second/box.zip!/inside.pdf"):
        assert paths[path][1:4] == ("ok", 1, ("sealed minutes",)), path
    conn = sqlite3.connect(case.db_path)
    assert conn.execute("SELECT count(*) FROM errors").fetchone()[0] == 0
    conn.close()
