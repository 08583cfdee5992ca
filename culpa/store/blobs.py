"""Content-addressed store of originals: ``blobs/ab/cd/<sha256>``.

A blob is written once (to a temporary name, then renamed into place) and never
modified: its name is its SHA-256, so the same bytes found at many paths are
stored once and a half-written blob never carries a final name. Blobs are not
fsynced one by one (6 ms each on a laptop disk would dominate small files);
the ingest syncs once when it finishes.

A blob on disk can still be deleted or changed by hand, a disk fault or a
hostile tool: :func:`check_blob` says whether it still holds the bytes of its
name, hashing each blob once per process (cached by size and mtime_ns), and
:meth:`BlobStore.restore` puts the original back when the same file is
ingested again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
from enum import StrEnum
from pathlib import Path

#: Read size for hashing and copying (bytes).
CHUNK_BYTES = 1024 * 1024


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks so memory stays flat."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class BlobStore:
    """The ``blobs/`` folder of a case."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def stage(self, source: Path, scratch: Path) -> tuple[str, int, Path]:
        """Copy ``source`` into ``scratch`` (on the store's disk) while hashing it: one read.

        Returns (sha256, size, staged path); :meth:`adopt` gives the copy its name.
        """
        scratch.mkdir(parents=True, exist_ok=True)
        staged = scratch / f"staged.{os.getpid()}.{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        size = 0
        try:
            with source.open("rb") as src, staged.open("wb") as dst:
                while chunk := src.read(CHUNK_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return digest.hexdigest(), size, staged

    def adopt(self, staged: Path, sha256: str) -> Path:
        """Move a staged copy to its final name (or drop it when the blob exists)."""
        return self.put(staged, sha256, move=True)

    def restore(self, source: Path, sha256: str, *, move: bool = False) -> Path:
        """Store ``source`` under ``sha256`` even where a (missing or damaged) blob was.

        Used when :func:`check_blob` found the stored blob not intact and the same
        bytes are ingested again. A copy is verified against ``sha256`` as it is made.
        """
        return self.put(source, sha256, move=move, replace=True)

    def put(self, source: Path, sha256: str, *, move: bool = False, replace: bool = False) -> Path:
        """Store ``source`` under ``sha256`` unless already there; return the blob path.

        ``move`` renames a temporary file (one the ingest made) instead of
        copying it; an original given by the user is always copied. ``replace``
        writes the blob even when one is already there (see :meth:`restore`).
        """
        target = self.path_for(sha256)
        if target.is_file() and not replace:
            if move:
                source.unlink(missing_ok=True)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{sha256}.{os.getpid()}.partial")
        try:
            if move:
                os.replace(source, partial)
            else:
                _copy_verified(source, partial, sha256)
            os.chmod(partial, 0o444)
            os.replace(partial, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        return target


def _copy_verified(source: Path, target: Path, sha256: str) -> None:
    """Copy while hashing, so a file changed since it was hashed is never stored wrongly."""
    digest = hashlib.sha256()
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            digest.update(chunk)
            dst.write(chunk)
    if digest.hexdigest() != sha256:
        raise BlobMismatchError(f"{source} changed while it was being stored")


class BlobMismatchError(OSError):
    """The bytes read differ from the SHA-256 they were to be stored under."""


class BlobState(StrEnum):
    """What a blob on disk is, against the SHA-256 that names it."""

    INTACT = "intact"
    MISSING = "missing"  # no file (or not a regular file) under its name
    DAMAGED = "damaged"  # a file whose bytes no longer hash to its name


#: Blobs found intact by this process: path -> (size, mtime_ns) when they were hashed.
#: A change to a blob changes its mtime (and usually its size), so it is hashed again.
_intact: dict[Path, tuple[int, int]] = {}
_intact_lock = threading.Lock()


#: Seconds a blob's mtime may pass its document's ingested_at before the blob is hashed
#: to check it: ingested_at is cut to the second, and the blob is written first.
BLOB_MTIME_SLACK = 1.0


def blob_looks_intact(path: Path, sha256: str, size: int, stored_at: float) -> bool:
    """Whether a stored document's blob is still there, unaltered, at the cost of a stat.

    A blob of the right size not written after its document was stored (``stored_at``,
    a POSIX time) is taken as intact; any other is hashed (:func:`check_blob`). A
    damaged blob with its old size and mtime is found by ``culpa verify``.
    """
    try:
        stat = path.stat()
    except OSError:
        return False
    if stat.st_size == size and stat.st_mtime_ns <= (stored_at + BLOB_MTIME_SLACK) * 1e9:
        return True
    return check_blob(path, sha256) is BlobState.INTACT


def check_blob(path: Path, sha256: str) -> BlobState:
    """Whether the blob at ``path`` still hashes to ``sha256``.

    The first call for a blob reads it whole (streamed); later calls only stat it
    while its size and mtime_ns are those it had when it was found intact. A
    damaged blob is hashed again on every call (it is rare, and may be restored).
    """
    try:
        stat = path.stat()
    except OSError:
        return BlobState.MISSING
    if not path.is_file():
        return BlobState.MISSING
    key = (stat.st_size, stat.st_mtime_ns)
    with _intact_lock:
        if _intact.get(path) == key:
            return BlobState.INTACT
    try:
        digest, _ = sha256_file(path)
    except FileNotFoundError:
        return BlobState.MISSING
    except OSError:
        return BlobState.DAMAGED  # unreadable bytes are not the original's
    if digest != sha256:
        return BlobState.DAMAGED
    with _intact_lock:
        _intact[path] = key
    return BlobState.INTACT
