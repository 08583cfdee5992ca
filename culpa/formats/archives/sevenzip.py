"""7-Zip archives (.7z): every regular member becomes a child document.

py7zr reads them in-process. It was chosen over the ``7z`` program and
libarchive because it gives the most control for the least risk here:

* limits: py7zr pushes each decoded chunk into a writer culpa supplies, so the
  member, total and ratio limits are checked on the bytes actually produced
  and a bomb stops at the limit (``7z x -so`` streams all members as one run of
  bytes, and ``7z x -o`` writes whole files before anything can be checked);
* passwords: AES-256 archives, header-encrypted ones included, are opened with
  the password passed in memory, never on a command line (libarchive reads no
  encrypted 7z at all);
* speed is that of the C codecs underneath (``lzma``, pycryptodomex): about
  30 MB/s of output here, against 39 MB/s for ``7zz``.

Names in a 7z are UTF-16, so Chinese names need no guessing; they survive only
as provenance text. Links are listed, never extracted. Members in a block whose
method py7zr lacks (BCJ2, used for some executables) are listed as unsupported.
A lone first volume of a split archive (``.7z.001``) is reported as such.
"""

from __future__ import annotations

import dataclasses
import lzma
import re
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

import py7zr
import py7zr.exceptions
import py7zr.py7zr
from py7zr.compressor import SupportedMethods
from py7zr.io import MemIO, Py7zIO, WriterFactory

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.zip import LOCKED_MEMBER, password_hint
from culpa.formats.base import ExtractContext, member_warnings
from culpa.formats.registry import register
from culpa.models import Extracted
from culpa.sources.archive import MemberWriter, Unpacker, check_depth

#: Every 7z archive starts with these bytes.
SIGNATURE = b"7z\xbc\xaf\x27\x1c"
#: The signature header: signature, version, CRC, then where the real header is.
_START_HEADER = struct.Struct("<6s2sIQQI")
#: Names of the first volume of a split archive: leak.7z.001, leak.001.
_FIRST_VOLUME = re.compile(r"\.0*1$")

#: What py7zr and the codecs under it raise on a malformed archive; the parser is
#: pure Python reading hostile bytes, so index and type errors are possible too.
_MALFORMED = (
    py7zr.exceptions.ArchiveError,
    lzma.LZMAError,
    zlib.error,
    EOFError,
    OSError,
    struct.error,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    AttributeError,
    OverflowError,
    RecursionError,
)


#: Bytes py7zr decodes at a time. It asks ``get_memory_limit()`` (up to 128 MB),
#: so a bomb cost ~0.5 GB of memory before its first limit check; 4 MiB chunks
#: peak near 140 MB in all and decode a little faster (measured on a 94 MB member).
DECODE_CHUNK_BYTES = 4 * 1024 * 1024


def _decode_chunk_bytes() -> int:
    return DECODE_CHUNK_BYTES


# py7zr has no option for this; its worker reads the module-level function each time.
py7zr.py7zr.get_memory_limit = _decode_chunk_bytes  # type: ignore[attr-defined]


def _check_complete(path: Path, name: str) -> None:
    """Raise CORRUPT when the header the archive points to lies past its end.

    That is what a truncated download looks like, and also the first part of a
    split archive (``.7z.001``): 7-Zip cuts the byte stream into volumes, and the
    header is written at the very end, in the last one.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        start = handle.read(_START_HEADER.size)
    if len(start) < _START_HEADER.size or not start.startswith(SIGNATURE):
        raise ExtractionError(ErrorKind.CORRUPT, "not a 7z archive (no 7z signature header)")
    _signature, _version, _crc, offset, length, _next_crc = _START_HEADER.unpack(start)
    if _START_HEADER.size + offset + length <= size:
        return
    needed = _START_HEADER.size + offset + length
    if _FIRST_VOLUME.search(name):
        raise ExtractionError(
            ErrorKind.CORRUPT,
            f"first volume of a split 7z archive ({size} of at least {needed} bytes): "
            "the other volumes are missing; join them (cat leak.7z.0* > leak.7z) and ingest that",
        )
    raise ExtractionError(
        ErrorKind.CORRUPT,
        f"truncated 7z archive ({size} of at least {needed} bytes), "
        "or one volume of a split archive without the others",
    )


@dataclass(slots=True)
class _Member:
    """A member to extract: its name (provenance text) and the size its ratio is judged by."""

    name: str
    packed_size: int


class _MemberSink(Py7zIO):
    """Where py7zr writes one member: the Unpacker's limit-checked writer."""

    def __init__(self, writer: MemberWriter) -> None:
        self.writer = writer

    def write(self, s: bytes | bytearray) -> int:
        return self.writer.write(bytes(s))

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self.writer.written

    def close(self) -> None:
        # py7zr closes a member only once it was written whole and its CRC matched.
        self.writer.finish()


class _SinkFactory(WriterFactory):
    """Opens a limit-checked writer for each member py7zr extracts, by generated key."""

    def __init__(self, unpacker: Unpacker, members: dict[str, _Member]) -> None:
        self.unpacker = unpacker
        self.members = members
        self.current: _MemberSink | None = None

    def create(self, filename: str) -> Py7zIO:
        member = self.members[filename]
        self.current = _MemberSink(self.unpacker.open_member(member.name, member.packed_size))
        return self.current

    def abort_open(self) -> None:
        """Delete a member left half-written by an error."""
        if self.current is not None and not self.current.writer.closed:
            self.current.writer.abort()


@dataclass(slots=True)
class _Listing:
    """What one pass over the archive found besides the extracted members."""

    members: int = 0
    links: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def _packed_sizes(archive: py7zr.SevenZipFile, fallback: int) -> dict[int, int]:
    """Packed size of each member's block (solid blocks share one), by member id."""
    sizes: dict[int, int] = {}
    for folder_files in _folders(archive):
        packed = max((f.compressed or 0 for f in folder_files), default=0) or fallback
        for f in folder_files:
            sizes[f.id] = packed
    return sizes


def _folders(archive: py7zr.SevenZipFile) -> list[list[Any]]:
    by_folder: dict[int, list[Any]] = {}
    for f in archive.files:
        if f.folder is not None:
            by_folder.setdefault(id(f.folder), []).append(f)
    return list(by_folder.values())


def _folder_state(archive_file: Any) -> str:
    """'plain', 'locked' (needs a password) or 'unsupported' (a method py7zr lacks)."""
    folder = archive_file.folder
    if folder is None:
        return "plain"
    if any(SupportedMethods.get_filter_id(coder) is None for coder in folder.coders):  # type: ignore[no-untyped-call]
        return "unsupported"
    if SupportedMethods.needs_password(folder.coders):
        return "locked"
    return "plain"


def _extract_once(
    handle: IO[bytes], password: str | None, unpacker: Unpacker, archive_size: int
) -> _Listing:
    """One pass: extract what ``password`` (or no password) opens into ``unpacker``."""
    handle.seek(0)
    listing = _Listing()
    # A file object (not a path) keeps py7zr to one thread: the limits are counted in order.
    with py7zr.SevenZipFile(handle, password=password) as archive:
        packed = _packed_sizes(archive, archive_size)
        targets: dict[str, _Member] = {}
        factory = _SinkFactory(unpacker, targets)
        for f in archive.files:
            name = str(f.filename)
            if f.is_directory:
                archive.worker.register_filelike(f.id, None)
                continue
            listing.members += 1
            state = _folder_state(f)
            if f.is_symlink or f.is_junction or f.is_socket:
                listing.links.append(name)
            elif state == "unsupported":
                listing.unsupported.append(name)
            elif state == "locked" and password is None:
                listing.locked.append(name)
            else:
                key = f"member-{f.id}"
                targets[key] = _Member(name, packed.get(f.id, archive_size))
                archive.worker.register_filelike(f.id, MemIO(key, factory))
                continue
            archive.worker.register_filelike(f.id, None)
        if targets:
            try:
                archive.worker.extract(archive.fp, None, parallel=False)
            finally:
                factory.abort_open()
    return listing


@register
class SevenZipExtractor:
    type: ClassVar[str] = "7z"
    mime_types: ClassVar[tuple[str, ...]] = ("application/x-7z-compressed",)
    extensions: ClassVar[tuple[str, ...]] = (".7z",)
    score: ClassVar[int] = 10

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        check_depth(context)
        _check_complete(path, context.name or path.name)
        size = path.stat().st_size
        with path.open("rb") as handle:
            plain = Unpacker(context)
            try:
                listing = _extract_once(handle, None, plain, size)
            except py7zr.exceptions.PasswordRequired:
                listing = None  # the header itself is encrypted
            except ExtractionError:
                raise
            except _MALFORMED as exc:
                raise ExtractionError(ErrorKind.CORRUPT, f"unreadable 7z archive: {exc}") from exc
            if listing is not None and not listing.locked:
                return self._result(listing, plain, decrypted=False)
            opened = self._try_passwords(handle, context, size)
        if opened is not None:
            plain.discard()
            return self._result(*opened, decrypted=True)
        tried = len(context.passwords)
        if listing is None:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                "7z archive with encrypted names and contents (header encryption); "
                + password_hint(tried),
            )
        if not plain.children:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"7z archive is password-protected ({len(listing.locked)} encrypted members); "
                + password_hint(tried),
            )
        return self._result(listing, plain, decrypted=False)

    def _try_passwords(
        self, handle: IO[bytes], context: ExtractContext, size: int
    ) -> tuple[_Listing, Unpacker] | None:
        """Extract with the first password that opens the archive, or None."""
        for number, password in enumerate(dict.fromkeys(context.passwords), start=1):
            # Each attempt writes into its own folder, so a failed one is simply removed.
            attempt = dataclasses.replace(context, workdir=context.workdir / f"password-{number}")
            unpacker = Unpacker(attempt)
            try:
                return _extract_once(handle, password, unpacker, size), unpacker
            except ExtractionError:
                raise
            except _MALFORMED:
                # 7z AES has no password check: a wrong key shows as a broken stream or CRC.
                unpacker.discard()
                shutil.rmtree(attempt.workdir, ignore_errors=True)
        return None

    def _result(self, listing: _Listing, unpacker: Unpacker, *, decrypted: bool) -> Extracted:
        if listing.unsupported and not unpacker.children:
            raise ExtractionError(
                ErrorKind.UNSUPPORTED,
                f"7z archive compressed with a method py7zr cannot decode (BCJ2?): "
                f"{len(listing.unsupported)} members",
            )
        metadata = {"members": str(listing.members)}
        if listing.links:
            metadata["skipped_links"] = "\n".join(listing.links)
        if listing.locked:
            metadata["encrypted_members"] = "\n".join(listing.locked)
        if listing.unsupported:
            metadata["unsupported_members"] = "\n".join(listing.unsupported)
        if decrypted:
            metadata["decrypted"] = "yes"
        warnings = member_warnings(ErrorKind.ENCRYPTED, listing.locked, LOCKED_MEMBER)
        unsupported = "compressed with a method py7zr cannot decode (BCJ2?)"
        warnings += member_warnings(ErrorKind.UNSUPPORTED, listing.unsupported, unsupported)
        return Extracted(metadata=metadata, children=tuple(unpacker.children), warnings=warnings)
