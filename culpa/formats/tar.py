"""TAR archives, plain or compressed with gzip, bzip2 or xz.

Only regular files are unpacked; symbolic and hard links, devices and FIFOs
are listed in the metadata and never followed or created.
"""

from __future__ import annotations

import tarfile
import zlib
from pathlib import Path
from typing import ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted
from culpa.sources.archive import Unpacker, check_depth


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
