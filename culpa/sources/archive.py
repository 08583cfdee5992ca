"""Safe unpacking shared by the archive extractors.

Members are never written at their own names: each goes to a generated file
name inside the extractor's work folder, so ``../../etc/x``, absolute paths and
links cannot reach outside it. Their names survive only as provenance text.
Sizes are counted while copying, so a bomb is stopped at the limit rather
than after it has filled the disk. Readers that pull bytes use
:meth:`Unpacker.add`; decoders that push them (py7zr, libarchive blocks) use
:meth:`Unpacker.open_member` and write into the :class:`MemberWriter` it gives.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from culpa.errors import ErrorKind, ExtractionError
from culpa.models import Child
from culpa.sources.names import decode_name

COPY_CHUNK_BYTES = 1024 * 1024
#: Compression ratios are only judged past this expanded size: small files of
#: repeated bytes compress enormously and are harmless.
RATIO_FLOOR_BYTES = 16 * 1024 * 1024
#: Package parts (Office, ODF XML) over this size are checked for their ratio: XML
#: compresses well, but not 200:1.
PACKAGE_RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on what a container may expand to (zip bombs, deep nesting)."""

    max_total_bytes: int = 20 * 1024**3
    max_member_bytes: int = 4 * 1024**3
    max_ratio: float = 200.0  # expanded / compressed, per member
    max_members: int = 1_000_000
    max_depth: int = 16
    #: Members one archive may unpack before it is kept as partial (the members so far
    #: are read, the rest are not): ``culpa ingest --max-archive-members``. Unlike the
    #: limits above it does not fail the file. 0: no budget.
    member_budget: int = 100_000


class UnpackContext(Protocol):
    """What unpacking needs of an extractor's context (``ExtractContext`` in formats).

    A protocol, so that sources imports nothing from formats.
    """

    @property
    def workdir(self) -> Path: ...
    @property
    def depth(self) -> int: ...
    @property
    def limits(self) -> ArchiveLimits: ...
    @property
    def progress(self) -> Callable[[], None]: ...


def member_name(raw: str) -> str:
    """A member's name as provenance text: '/'-separated, no NULs, no leading '/' or './'."""
    name = raw.replace("\\", "/").replace("\x00", "")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    return "/".join(parts) or "unnamed"


def decode_legacy_name(raw: bytes) -> str:
    """A member name stored as bytes in an unknown (OEM) encoding, decoded as its writer meant.

    Judged on this name alone; where all of an archive's names are at hand,
    :func:`culpa.sources.names.decode_names` judges them together (see there).
    """
    return decode_name(raw)


class MemberBudgetError(ExtractionError):
    """An archive reached its member budget (:attr:`ArchiveLimits.member_budget`).

    Not a failure of the file: ``children`` holds the members unpacked so far,
    which the ingest keeps and reads; the archive is stored as partial.
    """

    def __init__(self, message: str, children: tuple[Child, ...] = ()) -> None:
        super().__init__(ErrorKind.LIMIT_EXCEEDED, message)
        self.children = children

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[ErrorKind, str]]:
        # Out of a process it travels as the plain limit it is (its files stay behind).
        return (ExtractionError, (self.kind, self.message))


def check_depth(context: UnpackContext) -> None:
    if context.depth >= context.limits.max_depth:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED,
            f"archive nested deeper than {context.limits.max_depth} levels; not unpacked",
        )


class MemberWriter:
    """One member being written by a decoder that pushes bytes; see :meth:`Unpacker.open_member`.

    Every chunk is counted against the limits *before* it is written, so a bomb
    stops at the limit. :meth:`finish` adds the member to the unpacker's children;
    :meth:`abort` deletes what was written.
    """

    def __init__(self, unpacker: Unpacker, name: str, compressed_size: int, target: Path) -> None:
        self._unpacker = unpacker
        self.name = name
        self.compressed_size = compressed_size
        self.target = target
        self.written = 0
        self._out: IO[bytes] | None = target.open("wb")

    @property
    def closed(self) -> bool:
        """True once the member was finished or aborted."""
        return self._out is None

    def write(self, chunk: bytes) -> int:
        """Write ``chunk``; raise LIMIT_EXCEEDED if it takes the member or archive past a limit."""
        if self._out is None:
            raise ValueError(f"member {self.name!r} is already closed")
        self.written += len(chunk)
        self._unpacker.total_bytes += len(chunk)
        self._unpacker._check(self.name, self.written, self.compressed_size)
        self._out.write(chunk)
        return len(chunk)

    def finish(self) -> Child:
        """Close the file and add the member to the children."""
        if self._out is None:
            raise ValueError(f"member {self.name!r} is already closed")
        self._out.close()
        self._out = None
        child = Child(name=member_name(self.name), path=self.target)
        self._unpacker.children.append(child)
        self._unpacker.progress()
        return child

    def abort(self) -> None:
        """Close and delete the partly written file (a failed member, a wrong password)."""
        if self._out is not None:
            self._out.close()
            self._out = None
        self._unpacker.total_bytes -= self.written
        self.target.unlink(missing_ok=True)


class Unpacker:
    """Writes members into a work folder while enforcing :class:`ArchiveLimits`."""

    def __init__(self, context: UnpackContext) -> None:
        self.workdir = context.workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.limits: ArchiveLimits = context.limits
        self.total_bytes = 0
        self.children: list[Child] = []
        self.progress: Callable[[], None] = context.progress
        self._numbers: Iterator[int] = itertools.count(1)

    def add(self, name: str, stream: IO[bytes], compressed_size: int) -> None:
        """Copy one member out of ``stream``; raise LIMIT_EXCEEDED past a limit."""
        writer = self.open_member(name, compressed_size)
        try:
            while chunk := stream.read(COPY_CHUNK_BYTES):
                writer.write(chunk)
        except BaseException:
            writer.abort()
            raise
        writer.finish()

    def open_member(self, name: str, compressed_size: int) -> MemberWriter:
        """Start writing one member at a generated name; raise LIMIT_EXCEEDED past max_members.

        ``compressed_size`` is what the member's bytes are judged against for the
        ratio limit: its own packed size, or its solid block's, or the archive's.
        """
        if len(self.children) >= self.limits.max_members:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"more than {self.limits.max_members} members"
            )
        budget = self.limits.member_budget
        if budget and len(self.children) >= budget:
            raise MemberBudgetError(
                f"archive holds more than {budget} members (--max-archive-members {budget}): "
                f"the first {budget} were unpacked and read, the rest were not",
                tuple(self.children),
            )
        target = self.workdir / f"member-{next(self._numbers):07d}"
        return MemberWriter(self, name, compressed_size, target)

    def discard(self) -> None:
        """Delete every member written so far (an attempt with a wrong password)."""
        for child in self.children:
            Path(child.path).unlink(missing_ok=True)
        self.children.clear()
        self.total_bytes = 0

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


def check_declared_sizes(
    infos: Sequence[zipfile.ZipInfo],
    limits: ArchiveLimits,
    label: str,
    *,
    max_total: int | None = None,
    max_parts: int | None = None,
    ratio_floor: int = PACKAGE_RATIO_FLOOR_BYTES,
) -> None:
    """Refuse a zip package (Office, ODF) whose declared sizes break the limits.

    Checked before anything is inflated; the sizes a zip declares can lie, so
    readers still bound what they inflate, but an honest bomb stops here.
    """
    parts = len(infos)
    most_parts = min(max_parts or limits.max_members, limits.max_members)
    if parts > most_parts:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED, f"{label} package has {parts} parts (over {most_parts})"
        )
    most_total = min(max_total or limits.max_total_bytes, limits.max_total_bytes)
    total = sum(info.file_size for info in infos)
    if total > most_total:
        raise ExtractionError(
            ErrorKind.LIMIT_EXCEEDED,
            f"{label} parts would inflate to {total} bytes (over {most_total})",
        )
    for info in infos:
        if info.file_size > limits.max_member_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED,
                f"{label} part {info.filename!r} would inflate to {info.file_size} bytes",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ratio_floor and ratio > limits.max_ratio:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED,
                f"{label} part {info.filename!r} has compression ratio {ratio:.0f} "
                f"(over {limits.max_ratio:g}; a compression bomb?)",
            )


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext``, ``stem (3).ext``, ... the first not in ``taken``.

    Two attachments may carry one name; provenance paths must stay distinct.
    The name returned is added to ``taken``.
    """
    candidate, n = name, 1
    stem, dot, suffix = name.rpartition(".")
    while candidate in taken:
        n += 1
        candidate = f"{stem} ({n}).{suffix}" if dot and stem else f"{name} ({n})"
    taken.add(candidate)
    return candidate
