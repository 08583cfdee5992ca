"""ZIP archives: every regular member becomes a child document.

Member names are decoded as the writer meant them: UTF-8 when the archive
says so, otherwise the CP437 that Python assumes is re-read as UTF-8 or GBK
(Chinese Windows writes GBK), so 电报.pdf does not become mojibake.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path
from typing import ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted
from culpa.sources.archive import Unpacker, check_depth

UTF8_NAME_FLAG = 0x800
ENCRYPTED_FLAG = 0x1


def decode_member_name(info: zipfile.ZipInfo) -> str:
    """The member's name, fixing legacy (non-UTF-8) encodings."""
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


@register
class ZipExtractor:
    type: ClassVar[str] = "zip"
    mime_types: ClassVar[tuple[str, ...]] = ("application/zip", "application/x-zip-compressed")
    extensions: ClassVar[tuple[str, ...]] = (".zip",)
    score: ClassVar[int] = 10

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        check_depth(context)
        unpacker = Unpacker(context)
        skipped: list[str] = []
        encrypted: list[str] = []
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                for info in infos:
                    name = decode_member_name(info)
                    if info.is_dir():
                        continue
                    if _is_symlink(info):
                        skipped.append(name)
                        continue
                    if info.flag_bits & ENCRYPTED_FLAG:
                        encrypted.append(name)
                        continue
                    with archive.open(info) as stream:
                        unpacker.add(name, stream, info.compress_size)
        except ExtractionError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"unreadable zip archive: {exc}") from exc
        if encrypted and not unpacker.children:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"zip archive is password-protected ({len(encrypted)} encrypted members)",
            )
        metadata = {"members": str(len(infos))}
        if skipped:
            metadata["skipped_links"] = "\n".join(skipped)
        if encrypted:
            metadata["encrypted_members"] = "\n".join(encrypted)
        return Extracted(metadata=metadata, children=tuple(unpacker.children))
