"""Safe unpacking shared by the archive extractors.

Members are never written at their own names: each goes to a generated file
name inside the extractor's work folder, so ``../../etc/x``, absolute paths and
links cannot reach outside it. Their names survive only as provenance text.
Sizes are counted while copying, so a bomb is stopped at the limit rather
than after it has filled the disk.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.models import Child

COPY_CHUNK_BYTES = 1024 * 1024
#: Compression ratios are only judged past this expanded size: small files of
#: repeated bytes compress enormously and are harmless.
RATIO_FLOOR_BYTES = 16 * 1024 * 1024


def member_name(raw: str) -> str:
    """A member's name as provenance text: '/'-separated, no NULs, no leading '/' or './'."""
    name = raw.replace("\\", "/").replace("\x00", "")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    return "/".join(parts) or "unnamed"


def check_depth(context: ExtractContext) -> None:
    if context.depth >= context.limits.max_depth:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED,
            f"archive nested deeper than {context.limits.max_depth} levels; not unpacked",
        )


class Unpacker:
    """Writes members into a work folder while enforcing :class:`ArchiveLimits`."""

    def __init__(self, context: ExtractContext) -> None:
        self.workdir = context.workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.limits: ArchiveLimits = context.limits
        self.total_bytes = 0
        self.children: list[Child] = []
        self._numbers: Iterator[int] = itertools.count(1)

    def add(self, name: str, stream: IO[bytes], compressed_size: int) -> None:
        """Copy one member out of ``stream``; raise LIMIT_EXCEEDED past a limit."""
        if len(self.children) >= self.limits.max_members:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"more than {self.limits.max_members} members"
            )
        target = self.workdir / f"member-{next(self._numbers):07d}"
        written = 0
        with target.open("wb") as out:
            while chunk := stream.read(COPY_CHUNK_BYTES):
                written += len(chunk)
                self.total_bytes += len(chunk)
                self._check(name, written, compressed_size)
                out.write(chunk)
        self.children.append(Child(name=member_name(name), path=target))

    def _check(self, name: str, written: int, compressed_size: int) -> None:
        limits = self.limits
        if written > limits.max_member_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED,
                f"member {name!r} expands past {limits.max_member_bytes} bytes",
            )
        if self.total_bytes > limits.max_total_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED,
                f"archive expands past {limits.max_total_bytes} bytes in total",
            )
        if written > RATIO_FLOOR_BYTES and written > limits.max_ratio * max(compressed_size, 1):
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED,
                f"member {name!r} expands more than {limits.max_ratio:g} times its compressed "
                "size (a compression bomb?)",
            )


def unpacked_size(children: list[Child]) -> int:
    return sum(Path(child.path).stat().st_size for child in children)
