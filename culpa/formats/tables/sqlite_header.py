"""The 100-byte SQLite header: what wrote the database, and whether it is one at all.

Before a database file is copied and opened, its header is read by hand
(https://www.sqlite.org/fileformat.html, section 1.3), for two reasons. It
decides what the file is: one without the header whose first 64 KB look random
(:data:`ENCRYPTED_ENTROPY` bits per byte or more) is recorded as ``encrypted``
(SQLCipher, as WeChat's EnMicroMsg.db), any other as ``corrupt``, and SQLite is
never asked to open either. And it says what a reporter should know about the
file that SQLite itself would not: the version of SQLite that last wrote it,
its page size, text encoding, ``user_version`` and ``application_id`` (which
identify the app), and whether it is in WAL mode (header byte 18), in which
case recent changes live in a ``-wal`` file beside the original that is not
part of this file (:func:`header_metadata`).
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from culpa.errors import ErrorKind, ExtractionError

HEADER = b"SQLite format 3\x00"
_ENCODINGS = {1: "UTF-8", 2: "UTF-16le", 3: "UTF-16be"}
# Bytes sampled to tell an encrypted file (random bytes) from a damaged one.
_ENTROPY_SAMPLE = 64 * 1024
ENCRYPTED_ENTROPY = 7.5  # bits per byte


@dataclass(frozen=True, slots=True)
class Header:
    """What the header says about the database (see the module docstring)."""

    page_size: int
    write_version: int
    reserved: int
    user_version: int
    application_id: int
    encoding: str
    sqlite_version: str


def _entropy(data: bytes) -> float:
    if not data:
        return 0.0
    counts = Counter(data)
    return -sum(n / len(data) * math.log2(n / len(data)) for n in counts.values())


def read_header(path: Path) -> Header:
    """The database header, or why the file is not a readable SQLite database."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_ENTROPY_SAMPLE)
    except OSError as exc:
        raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
    if not head:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    if not head.startswith(HEADER):
        if len(head) >= 1024 and _entropy(head) >= ENCRYPTED_ENTROPY:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                "database file without the SQLite header and with random-looking bytes: "
                "encrypted (SQLCipher, as WeChat's EnMicroMsg.db); culpa does not decrypt it",
            )
        raise ExtractionError(ErrorKind.CORRUPT, "not a SQLite database (no SQLite header)")
    if len(head) < 100:
        raise ExtractionError(ErrorKind.CORRUPT, "SQLite database header is truncated")
    (page_size,) = struct.unpack(">H", head[16:18])
    version = struct.unpack(">I", head[96:100])[0]
    return Header(
        page_size=65_536 if page_size == 1 else page_size,
        write_version=head[18],
        reserved=head[20],
        user_version=struct.unpack(">i", head[60:64])[0],
        application_id=struct.unpack(">i", head[68:72])[0],
        encoding=_ENCODINGS.get(struct.unpack(">I", head[56:60])[0], "unknown"),
        sqlite_version=f"{version // 1_000_000}.{version // 1000 % 1000}.{version % 1000}",
    )


def header_metadata(header: Header) -> dict[str, str]:
    """The header as culpa metadata; WAL mode is said with what it means for the text."""
    metadata = {
        "sqlite_version": header.sqlite_version,
        "page_size": str(header.page_size),
        "encoding": header.encoding,
    }
    if header.write_version == 2:
        metadata["journal_mode"] = (
            "wal: changes not yet checkpointed live in a -wal file beside the original, "
            "which is not part of this file; they are not read"
        )
    else:
        metadata["journal_mode"] = "rollback"
    if header.user_version:
        metadata["user_version"] = str(header.user_version)
    if header.application_id:
        metadata["application_id"] = str(header.application_id)
    return metadata
