"""Walk the files and folders given to ``culpa ingest``.

A file's top-level provenance path is its path relative to the folder the
argument lives in: ``culpa ingest ~/leaks/trove`` names ``trove/2017/a.pdf``,
and ``culpa ingest ~/leaks/leak.zip`` names ``leak.zip``. Folders are walked
in sorted order so every run sees files in the same order. Symbolic links
inside folders are not followed: a leak may carry links that point anywhere on
the laptop. A symbolic link named on the command line is followed (the user
chose it; its provenance keeps the link's name), and a link loop is reported.
A FIFO, device or socket is never read (reading a FIFO blocks, a device never
ends); it is reported with what it is, not skipped in silence (issue 10).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SourceFile:
    provenance: str
    path: Path
    size: int = 0
    mtime_ns: int = 0
    #: Why the file could not be read, when it could not.
    error: str | None = None


def provenance_name(name: str) -> str:
    """Provenance text for a name on disk; bytes that are not UTF-8 stay visible as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


#: What each kind of special file is called in the message that refuses it.
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def walk_sources(paths: Sequence[Path]) -> Iterator[SourceFile]:
    for given in paths:
        root = Path(os.path.abspath(given))
        yield from _walk_given(root, root.name)


def _walk_given(root: Path, provenance: str) -> Iterator[SourceFile]:
    """One command-line argument: a symbolic link is followed to what it names."""
    if root.is_symlink():
        try:
            # strict: a dangling link or a loop raises (RuntimeError before Python 3.13).
            target = root.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            reason = "it is a loop" if _is_loop(exc) else _reason(exc)
            yield SourceFile(
                provenance_name(provenance),
                root,
                error=f"the symbolic link cannot be followed: {reason}",
            )
            return
        yield from _walk(target, provenance, set())
        return
    yield from _walk(root, provenance, set())


def _walk(path: Path, provenance: str, seen: set[tuple[int, int]]) -> Iterator[SourceFile]:
    try:
        info = path.lstat()
    except OSError as exc:
        yield SourceFile(provenance_name(provenance), path, error=_reason(exc))
        return
    if stat.S_ISLNK(info.st_mode):
        return
    if stat.S_ISDIR(info.st_mode):
        # A folder reached twice (a bind mount of its parent inside it) is walked once.
        key = (info.st_dev, info.st_ino)
        if key in seen:
            return
        seen.add(key)
        try:
            names = sorted(os.listdir(path))
        except OSError as exc:
            yield SourceFile(provenance_name(provenance), path, error=_reason(exc))
            return
        for name in names:
            yield from _walk(path / name, f"{provenance}/{name}", seen)
    elif stat.S_ISREG(info.st_mode):
        yield SourceFile(provenance_name(provenance), path, info.st_size, info.st_mtime_ns)
    else:
        kind = next((name for test, name in _SPECIAL_KINDS if test(info.st_mode)), None)
        yield SourceFile(
            provenance_name(provenance),
            path,
            error=f"{kind or 'a special file'}, not a regular file: not read",
        )


def _reason(exc: OSError | RuntimeError) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _is_loop(exc: OSError | RuntimeError) -> bool:
    return isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP
