"""Walk the files and folders given to ``culpa ingest``.

A file's top-level provenance path is its path relative to the folder the
argument lives in: ``culpa ingest ~/leaks/trove`` names ``trove/2017/a.pdf``,
and ``culpa ingest ~/leaks/leak.zip`` names ``leak.zip``. Folders are walked
in sorted order so every run sees files in the same order. Symbolic links
are not followed: a leak may carry links that point anywhere on the laptop.
"""

from __future__ import annotations

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


def walk_sources(paths: Sequence[Path]) -> Iterator[SourceFile]:
    for given in paths:
        root = Path(os.path.abspath(given))
        yield from _walk(root, root.name)


def _walk(path: Path, provenance: str) -> Iterator[SourceFile]:
    try:
        info = path.lstat()
    except OSError as exc:
        yield SourceFile(provenance_name(provenance), path, error=exc.strerror or str(exc))
        return
    if stat.S_ISLNK(info.st_mode):
        return
    if stat.S_ISDIR(info.st_mode):
        try:
            names = sorted(os.listdir(path))
        except OSError as exc:
            yield SourceFile(provenance_name(provenance), path, error=exc.strerror or str(exc))
            return
        for name in names:
            yield from _walk(path / name, f"{provenance}/{name}")
    elif stat.S_ISREG(info.st_mode):
        yield SourceFile(provenance_name(provenance), path, info.st_size, info.st_mtime_ns)
