from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from culpa.store.blobs import BlobMismatchError, BlobStore, sha256_file


def _file(tmp_path: Path, data: bytes, name: str = "original.bin") -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    data = b"x" * (3 * 1024 * 1024 + 7)
    path, digest = _file(tmp_path, data)
    assert sha256_file(path) == (digest, len(data))


def test_put_copies_once_read_only_and_keeps_the_original(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    path, digest = _file(tmp_path, b"leaked bytes")
    blob = store.put(path, digest)
    assert blob == tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    assert blob.read_bytes() == b"leaked bytes"
    assert path.read_bytes() == b"leaked bytes"
    assert not blob.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert store.put(path, digest) == blob  # idempotent
    assert [p.name for p in blob.parent.iterdir()] == [digest]  # no partial files left


def test_put_move_renames_temporary_files(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    path, digest = _file(tmp_path, b"member")
    store.put(path, digest, move=True)
    assert not path.exists() and store.has(digest)
    again, _ = _file(tmp_path, b"member", "again")
    store.put(again, digest, move=True)
    assert not again.exists()


def test_put_refuses_bytes_that_do_not_match_their_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    path, _ = _file(tmp_path, b"changed since hashing")
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(BlobMismatchError):
        store.put(path, wrong)
    assert not store.has(wrong)


def test_stage_then_adopt_reads_the_original_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    path, digest = _file(tmp_path, b"original")
    sha, size, staged = store.stage(path, tmp_path / "scratch")
    assert (sha, size) == (digest, 8) and staged.read_bytes() == b"original"
    blob = store.adopt(staged, sha)
    assert blob.read_bytes() == b"original" and not staged.exists() and path.exists()
