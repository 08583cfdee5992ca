"""Other archive formats through libarchive: ar (.a, .deb), cpio, ISO 9660, CAB, LHA, XAR.

Leaks hold disk images and installer archives next to the zips; libarchive
(``libarchive-c`` over Debian's ``libarchive13``, already used for RAR and
encrypted zips) reads them all in one streaming pass. Members go through the
same limit-checked writer as every other archive; links and devices are
listed, never created; names are provenance text only.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted
from culpa.sources.archive import Unpacker, decode_legacy_name

#: libarchive names of the formats this extractor reads, by MIME type.
FORMATS: dict[str, str] = {
    "application/x-archive": "ar",
    "application/vnd.debian.binary-package": "ar",
    "application/x-cpio": "cpio",
    "application/x-iso9660-image": "iso9660",
    "application/vnd.ms-cab-compressed": "cab",
    "application/x-lha": "lha",
    "application/x-lzh-compressed": "lha",
    "application/x-xar": "xar",
}
#: Listed link and device names are cut to this many.
MAX_LISTED = 1_000


def _name(entry: object) -> str:
    import libarchive.ffi

    raw = libarchive.ffi.entry_pathname(entry._entry_p)  # type: ignore[attr-defined]
    return decode_legacy_name(raw) if isinstance(raw, bytes) else "unnamed"


@register
class LibarchiveExtractor:
    """Archives libarchive reads that no other extractor claims."""

    type: ClassVar[str] = "archive"
    mime_types: ClassVar[tuple[str, ...]] = tuple(FORMATS)
    extensions: ClassVar[tuple[str, ...]] = (".a", ".ar", ".deb", ".cpio", ".iso", ".cab")
    score: ClassVar[int] = 40

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Every regular member as a child; links and devices listed in metadata."""
        try:
            import libarchive
        except (ImportError, OSError, AttributeError) as exc:
            raise ExtractionError(
                ErrorKind.UNSUPPORTED, "libarchive is missing (Debian package libarchive13)"
            ) from exc
        if context.depth >= context.limits.max_depth:
            raise ExtractionError(ErrorKind.LIMIT_EXCEEDED, "archives nested too deeply")
        unpacker = Unpacker(context)
        skipped: list[str] = []
        size = max(path.stat().st_size, 1)
        try:
            with libarchive.file_reader(str(path)) as entries:
                for entry in entries:
                    if entry.isdir:
                        continue
                    if not entry.isreg:
                        if len(skipped) < MAX_LISTED:
                            skipped.append(_name(entry))
                        continue
                    context.progress()
                    writer = unpacker.open_member(_name(entry), size)
                    try:
                        for block in entry.get_blocks():
                            writer.write(block)
                    except BaseException:
                        writer.abort()
                        raise
                    writer.finish()
        except libarchive.ArchiveError as exc:
            if not unpacker.children:
                raise ExtractionError(ErrorKind.CORRUPT, f"unreadable archive: {exc.msg}") from exc
            skipped.append(f"(stopped: {exc.msg})")
        metadata: dict[str, str] = {"members": str(len(unpacker.children))}
        if skipped:
            metadata["skipped_links"] = "\n".join(skipped)
        return Extracted(metadata=metadata, children=tuple(unpacker.children))
