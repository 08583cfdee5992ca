"""ZIP archives: every regular member becomes a child document.

Member names are decoded as the writer meant them: UTF-8 when the archive
says so; otherwise the CP437 that Python assumes is taken back to bytes, and all
such names of the archive are read together with the code page that reads them
best (UTF-8, GBK, Big5, Shift_JIS or CP437; see culpa.sources.names), so
电报.pdf, 會議記錄.txt and 文書1.txt do not become mojibake.

Python's ``zipfile`` reads the archive and every unencrypted member.
Members packed with a method ``zipfile`` cannot decode (PKZIP 1's Shrink and
Implode, Deflate64 of Windows' compressed folders, ...) are streamed out of
Debian's ``unar`` one at a time (``unar -o - -i INDEX``, the member matched by
its data offset in ``lsar -j``), through the same limit-checked writer; each is
kept only if its size and CRC-32 match the archive's (``unar`` writes nothing,
and exits 0, for a method it lacks, such as Reduce). A member no reader decodes
is listed in metadata; an archive with nothing else in it is ``unsupported``.

Password-protected members are tried with each of ``context.passwords``
through libarchive (``libarchive-c``), which decrypts both the old ZipCrypto
and WinZip AES (AE-1/AE-2) in C: ``zipfile`` cannot read AES at all, and its
pure-Python ZipCrypto (like pyzipper's) decrypts under 1 MB/s, against ~50 MB/s
here. Members no password opens stay listed as encrypted; passwords are never
recorded.
"""

from __future__ import annotations

import bisect
import json
import stat
import subprocess
import tempfile
import threading
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, member_warnings
from culpa.formats.registry import register
from culpa.formats.support.tools import find_tool, run_tool
from culpa.models import Extracted
from culpa.sources.archive import COPY_CHUNK_BYTES, Unpacker, check_depth, decode_legacy_name
from culpa.sources.names import decode_names

UTF8_NAME_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
#: Compression methods Python's zipfile decodes: stored, deflate, bzip2, LZMA.
ZIPFILE_METHODS = frozenset({0, 8, 12, 14})
#: Names of the methods other readers are asked for (APPNOTE 4.4.5), for messages.
METHOD_NAMES = {1: "Shrink", 2: "Reduce", 3: "Reduce", 4: "Reduce", 5: "Reduce", 6: "Implode"}
METHOD_NAMES |= {9: "Deflate64", 10: "PKWARE DCL Implode", 93: "Zstandard", 95: "XZ", 98: "PPMd"}
#: Seconds ``unar`` may take to list an archive or write one member.
UNAR_TIMEOUT = 300.0


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    """The member's name as stored in the archive (what libarchive reports)."""
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename.encode("utf-8")
    try:
        return info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename.encode("utf-8")


def _legacy_raw_name(info: zipfile.ZipInfo) -> bytes | None:
    """The stored bytes of a name without the UTF-8 flag (None for a flagged name)."""
    if info.flag_bits & UTF8_NAME_FLAG:
        return None
    try:
        return info.filename.encode("cp437")
    except UnicodeEncodeError:
        return None


def member_names(infos: list[zipfile.ZipInfo]) -> list[str]:
    """Every member's name; legacy (non-UTF-8) names decoded together, in one code page."""
    raws = [_legacy_raw_name(info) for info in infos]
    decoded = iter(decode_names([raw for raw in raws if raw is not None]))
    return [
        info.filename if raw is None else next(decoded)
        for info, raw in zip(infos, raws, strict=True)
    ]


def decode_member_name(info: zipfile.ZipInfo) -> str:
    """One member's name, a legacy (non-UTF-8) one judged on its own evidence."""
    raw = _legacy_raw_name(info)
    return info.filename if raw is None else decode_legacy_name(raw)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


@dataclass(slots=True)
class _Locked:
    """An encrypted member waiting for a password."""

    name: str
    compressed_size: int


#: Encrypted members by their stored name (duplicates in order); None once opened.
_LockedMembers = dict[bytes, list[_Locked | None]]


#: The warning of an archive member no password given opened (its ``encrypted_members`` line).
LOCKED_MEMBER = "password-protected member, not read: give its password with --password"


def password_hint(tried: int) -> str:
    """The end of an ENCRYPTED message: whether passwords were tried, never which."""
    if tried == 1:
        return "the password given does not open it"
    if tried:
        return f"none of the {tried} passwords given opens it"
    return "give its password with --password or --password-file"


def _decrypt_members(
    path: Path,
    locked: _LockedMembers,
    unpacker: Unpacker,
    passwords: tuple[str, ...],
) -> None:
    """Extract the ``locked`` members each password opens; what opens is removed from ``locked``."""
    try:
        import libarchive
    except (ImportError, OSError, AttributeError):  # libarchive13 missing: stay encrypted
        return
    for password in passwords:
        if not locked:
            return
        seen: dict[bytes, int] = defaultdict(int)
        opened: list[tuple[bytes, int]] = []
        try:
            with libarchive.file_reader(
                str(path), format_name="zip", passphrase=password
            ) as reader:
                for entry in reader:
                    raw = _entry_raw_name(entry)
                    index = seen[raw]
                    seen[raw] += 1
                    pending = locked.get(raw)
                    member = pending[index] if pending and index < len(pending) else None
                    if member is None:
                        continue
                    if _copy_entry(entry, member, unpacker):
                        opened.append((raw, index))
        except libarchive.ArchiveError:
            pass  # a broken archive for libarchive: what opened so far stands
        _forget(locked, opened)


def _entry_raw_name(entry: Any) -> bytes:
    import libarchive.ffi

    raw = libarchive.ffi.entry_pathname(entry._entry_p)
    return raw if isinstance(raw, bytes) else b""


def _copy_entry(entry: Any, member: _Locked, unpacker: Unpacker) -> bool:
    """Write one encrypted entry; False if this password does not open it."""
    import libarchive

    writer = unpacker.open_member(member.name, member.compressed_size)
    try:
        for block in entry.get_blocks():
            writer.write(block)
    except libarchive.ArchiveError:
        writer.abort()  # wrong password (or a wrong one that passed the check byte: bad CRC)
        return False
    except BaseException:
        writer.abort()
        raise
    writer.finish()
    return True


def _forget(locked: _LockedMembers, opened: list[tuple[bytes, int]]) -> None:
    for raw, index in opened:
        locked[raw][index] = None
    for raw in [raw for raw, pending in locked.items() if all(m is None for m in pending)]:
        del locked[raw]


def _method_name(method: int) -> str:
    return METHOD_NAMES.get(method, f"method {method}")


def _unar_index(path: Path) -> list[tuple[int, int]] | None:
    """(data offset, lsar index) of every entry, by offset; None if lsar cannot list it."""
    lsar = find_tool("lsar")
    if lsar is None:
        return None
    result = run_tool([lsar, "-j", str(path)], timeout=UNAR_TIMEOUT, what="lsar")
    try:
        contents = json.loads(result.stdout.decode("utf-8", "replace"))["lsarContents"]
        return sorted((int(e["XADDataOffset"]), int(e["XADIndex"])) for e in contents)
    except (ValueError, KeyError, TypeError):
        return None


def _unar_member(
    unar: str, path: Path, index: int, info: zipfile.ZipInfo, name: str, unpacker: Unpacker
) -> bool:
    """Stream member ``index`` out of ``unar`` into the unpacker; False if it did not decode."""
    writer = unpacker.open_member(name, info.compress_size)
    crc = 0
    with tempfile.TemporaryDirectory(prefix="culpa-unar-") as home:
        process = subprocess.Popen(
            [unar, "-q", "-o", "-", "-i", str(path), str(index)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"HOME": home, "TMPDIR": home, "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
            start_new_session=True,
        )
        watchdog = threading.Timer(UNAR_TIMEOUT, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            while chunk := process.stdout.read(COPY_CHUNK_BYTES):
                writer.write(chunk)
                crc = zlib.crc32(chunk, crc)
        except BaseException:
            writer.abort()
            raise
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
            process.wait()
    if process.returncode != 0 or writer.written != info.file_size or crc != info.CRC:
        writer.abort()
        return False
    writer.finish()
    return True


def _unpack_with_unar(
    path: Path, members: list[tuple[str, zipfile.ZipInfo]], unpacker: Unpacker
) -> list[str]:
    """Extract ``members`` (methods zipfile lacks) through unar; the names of those it could not."""
    unar = find_tool("unar")
    entries = _unar_index(path) if unar else None
    if unar is None or not entries:
        return [f"{name} ({_method_name(info.compress_type)})" for name, info in members]
    offsets = [offset for offset, _index in entries]
    unread: list[str] = []
    for name, info in members:
        # The entry whose data starts first after this member's local header.
        position = bisect.bisect_right(offsets, info.header_offset)
        found = position < len(entries)
        if not found or not _unar_member(unar, path, entries[position][1], info, name, unpacker):
            unread.append(f"{name} ({_method_name(info.compress_type)})")
    return unread


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
        locked: _LockedMembers = defaultdict(list)
        legacy: list[tuple[str, zipfile.ZipInfo]] = []
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                for info, name in zip(infos, member_names(infos), strict=True):
                    if info.is_dir():
                        continue
                    if _is_symlink(info):
                        skipped.append(name)
                        continue
                    if info.flag_bits & ENCRYPTED_FLAG:
                        locked[_raw_name(info)].append(_Locked(name, info.compress_size))
                        continue
                    if info.compress_type not in ZIPFILE_METHODS:
                        legacy.append((name, info))
                        continue
                    with archive.open(info) as stream:
                        unpacker.add(name, stream, info.compress_size)
        except ExtractionError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"unreadable zip archive: {exc}") from exc
        unread = _unpack_with_unar(path, legacy, unpacker) if legacy else []
        if unread and not unpacker.children and not locked:
            methods = sorted({_method_name(info.compress_type) for _name, info in legacy})
            hint = (
                ""
                if find_tool("unar")
                else " (unar reads Shrink and Implode: run scripts/setup.sh)"
            )
            raise ExtractionError(
                ErrorKind.UNSUPPORTED,
                f"zip members use compression no installed reader decodes: {', '.join(methods)}"
                + hint,
            )
        encrypted_count = sum(len(pending) for pending in locked.values())
        if locked and context.passwords:
            _decrypt_members(path, locked, unpacker, context.passwords)
        still_locked = [m.name for pending in locked.values() for m in pending if m is not None]
        if still_locked and not unpacker.children:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"zip archive is password-protected ({len(still_locked)} encrypted members); "
                + password_hint(len(context.passwords)),
            )
        metadata = {"members": str(len(infos))}
        if skipped:
            metadata["skipped_links"] = "\n".join(skipped)
        if still_locked:
            metadata["encrypted_members"] = "\n".join(still_locked)
        if unread:
            metadata["unread_members"] = "\n".join(unread)
        if encrypted_count > len(still_locked):
            metadata["decrypted_members"] = str(encrypted_count - len(still_locked))
        warnings = member_warnings(ErrorKind.ENCRYPTED, still_locked, LOCKED_MEMBER)
        unread_message = "compressed with a method no installed reader decodes"
        warnings += member_warnings(ErrorKind.UNSUPPORTED, unread, unread_message)
        return Extracted(metadata=metadata, children=tuple(unpacker.children), warnings=warnings)
