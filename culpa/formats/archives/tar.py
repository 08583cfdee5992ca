"""TAR archives, plain or compressed with gzip, bzip2 or xz, and lone compressed files.

Only regular files are unpacked; symbolic and hard links, devices and FIFOs
are listed in the metadata and never followed or created. A gzip, bzip2 or
xz stream that holds no tar (``report.txt.gz``) becomes one child, named
after the file without its compression suffix, under the same size limits.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, ClassVar, cast

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted
from culpa.sources.archive import Unpacker, check_depth


def _gzip(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb"))


def _bzip2(path: Path) -> IO[bytes]:
    return cast(IO[bytes], bz2.open(path, "rb"))


def _xz(path: Path) -> IO[bytes]:
    return cast(IO[bytes], lzma.open(path, "rb"))


#: Openers for compressed streams, by the magic bytes they start with.
_STREAMS: tuple[tuple[bytes, Callable[[Path], IO[bytes]], tuple[str, ...]], ...] = (
    (b"\x1f\x8b", _gzip, (".gz", ".tgz")),
    (b"BZh", _bzip2, (".bz2", ".tbz2")),
    (b"\xfd7zXZ\x00", _xz, (".xz", ".txz")),
)


@register
class TarExtractor:
    type: ClassVar[str] = "tar"
    mime_types: ClassVar[tuple[str, ...]] = (
        "application/x-tar",
        "application/gzip",
        "application/x-gzip",
        "application/x-bzip2",
        "application/x-xz",
    )
    extensions: ClassVar[tuple[str, ...]] = (".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz")
    score: ClassVar[int] = 10

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        check_depth(context)
        unpacker = Unpacker(context)
        skipped: list[str] = []
        members = 0
        if not tarfile.is_tarfile(path):
            return self._single_stream(path, context)
        try:
            with tarfile.open(path, mode="r:*") as archive:
                for member in archive:
                    members += 1
                    if member.isdir():
                        continue
                    if not member.isfile():
                        skipped.append(member.name)
                        continue
                    stream = archive.extractfile(member)
                    if stream is None:
                        skipped.append(member.name)
                        continue
                    with stream:
                        # tar stores members uncompressed; the whole stream's
                        # compression is judged against the archive's size.
                        unpacker.add(member.name, stream, path.stat().st_size)
        except ExtractionError:
            raise
        except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"unreadable tar archive: {exc}") from exc
        metadata = {"members": str(members)}
        if skipped:
            metadata["skipped_links"] = "\n".join(skipped)
        return Extracted(metadata=metadata, children=tuple(unpacker.children))

    def _single_stream(self, path: Path, context: ExtractContext) -> Extracted:
        with path.open("rb") as handle:
            head = handle.read(8)
        found = next((s for s in _STREAMS if head.startswith(s[0])), None)
        if found is None:
            raise ExtractionError(ErrorKind.CORRUPT, "not a tar archive nor a compressed stream")
        _magic, opener, suffixes = found
        name = context.name or "data"
        for suffix in suffixes:
            if name.lower().endswith(suffix):
                name = name[: -len(suffix)] + (".tar" if suffix.startswith(".t") else "")
                break
        else:
            name = f"{name}.uncompressed"
        unpacker = Unpacker(context)
        try:
            with opener(path) as stream:
                unpacker.add(name, stream, path.stat().st_size)
        except ExtractionError:
            raise
        except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
            raise ExtractionError(
                ErrorKind.CORRUPT, f"unreadable compressed stream: {exc}"
            ) from exc
        return Extracted(metadata={"members": "1"}, children=tuple(unpacker.children))
