"""Re-ingesting a file whose blob is missing or damaged puts the original back (issue 10).

Before, the worker trusted ``documents.complete`` and a re-run skipped an unchanged
top-level file by its size and mtime, so a deleted or altered blob stayed so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from tests.ingest.trove import make_pdf

OPTIONS = IngestOptions(workers=1, ocr=False)
PDF = make_pdf(["Minutes of the meeting", "新疆 工作 会议"])
SHA = hashlib.sha256(PDF).hexdigest()


def _damage(blob: Path) -> None:
    """Change one byte in place: same size, new bytes (as a disk fault or a hand would)."""
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))


def _break(blob: Path, how: str) -> None:
    if how == "missing":
        blob.unlink()
    else:
        _damage(blob)
        # Damage comes later than the ingest; within the second of the ingest itself a
        # re-run cannot tell it from the stat (the blob's mtime), only `culpa verify` can.
        later = time.time_ns() + 60 * 10**9
        os.utime(blob, ns=(later, later))
    assert not blob.is_file() or hashlib.sha256(blob.read_bytes()).hexdigest() != SHA


def _assert_restored(case: Case) -> None:
    blob = case.blobs.path_for(SHA)
    assert blob.read_bytes() == PDF
    assert not blob.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert [p.name for p in blob.parent.iterdir()] == [SHA]  # no partial files left


@pytest.mark.parametrize("how", ["missing", "damaged"])
def test_rerun_over_the_unchanged_file_restores_its_blob(
    case: Case, tmp_path: Path, how: str
) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "minutes.pdf").write_bytes(PDF)
    ingest(case, [trove], OPTIONS)
    _break(case.blobs.path_for(SHA), how)
    summary = ingest(case, [trove], OPTIONS)
    _assert_restored(case)
    assert summary.documents_added == 0 and not summary.errors
    again = ingest(case, [trove], OPTIONS)  # nothing left to do
    assert again.files_unchanged == 1 and again.documents_added == 0


@pytest.mark.parametrize("how", ["missing", "damaged"])
def test_the_same_bytes_at_a_new_path_restore_the_blob(
    case: Case, tmp_path: Path, how: str
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "minutes.pdf").write_bytes(PDF)
    (second / "copy.pdf").write_bytes(PDF)
    ingest(case, [first], OPTIONS)
    _break(case.blobs.path_for(SHA), how)
    summary = ingest(case, [second], OPTIONS)
    _assert_restored(case)
    assert summary.duplicates == 1 and summary.documents_added == 0


def test_a_member_of_an_archive_restores_its_blob(case: Case, tmp_path: Path) -> None:
    """A child's blob (moved in from the container's scratch folder) comes back too."""
    from tests.ingest.trove import zip_bytes

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "minutes.pdf").write_bytes(PDF)
    (second / "leak.zip").write_bytes(zip_bytes({"minutes.pdf": PDF}))
    ingest(case, [first], OPTIONS)
    _damage(case.blobs.path_for(SHA))
    ingest(case, [second], OPTIONS)
    _assert_restored(case)
    assert list(case.tmp_dir.iterdir()) == []


def test_an_intact_blob_is_left_alone(case: Case, tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "minutes.pdf").write_bytes(PDF)
    ingest(case, [trove], OPTIONS)
    before = case.blobs.path_for(SHA).stat()
    shutil.copy(trove / "minutes.pdf", trove / "copy.pdf")
    ingest(case, [trove], OPTIONS)
    after = case.blobs.path_for(SHA).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
