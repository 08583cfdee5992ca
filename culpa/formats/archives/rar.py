"""RAR archives (RAR 1.5–4 and RAR 5): every regular member becomes a child document.

Three pieces, each doing what it does best, since no single free RAR reader
does it all on Debian (the RAR codec is not free software: Debian main has no
``unrar``, and its ``7zip`` is built without RAR):

* rarfile (pure Python) reads the headers: names, sizes, links, which members
  are encrypted, whether the headers themselves are, and split volumes. Names
  come from here: UTF-8 in RAR 5, RAR 4's own Unicode form when present, and
  otherwise bytes in the writer's OEM code page, decoded as UTF-8, else GB18030
  (Chinese Windows), else CP437, so 电报.doc does not become mojibake.
* libarchive (``libarchive-c`` over Debian's ``libarchive13``) decodes the
  members of unencrypted archives in one in-process pass, solid ones included,
  pushing blocks into culpa's limit-checked writer.
* libarchive cannot decrypt RAR, so encrypted members are extracted one at a
  time by Debian's ``unar``, trying each of ``context.passwords``. The password
  never goes on unar's command line (where ``ps`` would show it to every user
  of the machine): it is typed on a pseudo-terminal when unar asks for it (see
  :mod:`culpa.formats.support.unar_tty`), and never logged or stored. unar writes each
  member into a private folder, its size capped one byte past the tightest
  archive limit; the member is then copied through the same limit checks, so a
  bomb stops at its limit and stopping early ends ``unar``. This path starts
  one ``unar`` per member, so it is slower. The unencrypted members of such an
  archive are streamed out of it by rarfile, which gives the tool no password.

A lone volume of a multi-volume archive yields its complete members; the parts
split across volumes are listed as incomplete.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import rarfile

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.zip import LOCKED_MEMBER, password_hint
from culpa.formats.base import ExtractContext, member_warnings
from culpa.formats.registry import register
from culpa.formats.support.tools import find_tool
from culpa.formats.support.unar_tty import UnarError, extract_member
from culpa.models import Extracted
from culpa.sources.archive import (
    RATIO_FLOOR_BYTES,
    Unpacker,
    check_depth,
    decode_legacy_name,
)

#: Programs rarfile may stream the unencrypted members of an encrypted archive from, best
#: first. Debian's ``unrar-free`` is not one (it cannot write to stdout) and is skipped by
#: rarfile's check. Encrypted members always go through ``unar`` (see unar_tty).
RAR_TOOLS = ("unrar", "unar")

#: What rarfile's header parser (pure Python, reading hostile bytes) raises on a bad archive.
_MALFORMED = (
    rarfile.Error,
    struct.error,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    EOFError,
    OSError,
    zlib.error,
    OverflowError,
)
_SPLIT = rarfile.RAR_FILE_SPLIT_BEFORE | rarfile.RAR_FILE_SPLIT_AFTER

_tool_ready = False


def member_name(info: Any) -> str:
    """A member's name as its writer meant it (see the module docstring)."""
    if isinstance(info, rarfile.Rar5Info) or info.flags & rarfile.RAR_FILE_UNICODE:
        return str(info.filename).rstrip("/")
    raw = info.orig_filename
    if isinstance(raw, bytes):
        return decode_legacy_name(raw)
    return str(info.filename).rstrip("/")


def _is_link(info: Any) -> bool:
    return bool(info.is_symlink() or info.file_redir is not None)


@dataclass(slots=True)
class _Listing:
    """What the headers say, and what happened to each member."""

    infos: list[Any]
    links: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(1 for info in self.infos if not info.is_dir())


def _open_headers(path: Path, password: str | None = None) -> rarfile.RarFile:
    """Parse the headers; CORRUPT if they are unreadable."""
    try:
        archive = rarfile.RarFile(str(path))
        if password is not None:
            archive.setpassword(password)
        return archive
    except rarfile.NeedFirstVolume as exc:
        raise ExtractionError(
            ErrorKind.CORRUPT,
            "a later volume of a multi-volume RAR archive: the first volume is missing",
        ) from exc
    except _MALFORMED as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"unreadable RAR archive: {exc}") from exc


@dataclass(frozen=True, slots=True)
class _Tools:
    """The programs that extract encrypted members (absolute paths)."""

    unar: str
    prlimit: str


def _ready_tool() -> _Tools:
    """Point rarfile at a working extraction program and find unar, or raise UNSUPPORTED."""
    global _tool_ready
    unar, prlimit = find_tool("unar"), find_tool("prlimit")
    if unar is None or prlimit is None:
        raise ExtractionError(
            ErrorKind.UNSUPPORTED,
            "encrypted RAR members need unar (Debian package unar) and prlimit "
            "(util-linux); run scripts/setup.sh",
        )
    if not _tool_ready:
        try:
            rarfile.tool_setup(
                unrar=True, unar=True, bsdtar=False, sevenzip=False, sevenzip2=False, force=True
            )
        except rarfile.RarCannotExec as exc:
            raise ExtractionError(ErrorKind.UNSUPPORTED, f"no working RAR tool: {exc}") from exc
        _tool_ready = True
    return _Tools(unar=unar, prlimit=prlimit)


def _libarchive_entries(path: Path) -> Iterator[Any]:
    import libarchive

    with libarchive.file_reader(str(path)) as entries:
        yield from entries


def _extract_plain(path: Path, listing: _Listing, unpacker: Unpacker, archive_size: int) -> None:
    """Decode every regular, complete member in one libarchive pass."""
    try:
        import libarchive
    except (ImportError, OSError, AttributeError) as exc:
        raise ExtractionError(
            ErrorKind.UNSUPPORTED, "RAR needs libarchive (Debian package libarchive13)"
        ) from exc
    infos = listing.infos
    try:
        for index, entry in enumerate(_libarchive_entries(path)):
            if entry.isdir:
                continue
            info = _paired_info(infos, index, entry)
            if info is not None and (
                _is_link(info) or info.flags & _SPLIT or info.needs_password()
            ):
                continue  # listed already: links, parts split across volumes, encrypted data
            if not entry.isreg:
                listing.links.append(_entry_name(entry))
                continue
            name = member_name(info) if info is not None else _entry_name(entry)
            packed = int(info.compress_size) if info is not None else 0
            writer = unpacker.open_member(name, packed or archive_size)
            try:
                for block in entry.get_blocks():
                    writer.write(block)
            except BaseException:
                writer.abort()
                raise
            writer.finish()
    except libarchive.ArchiveError as exc:
        if listing.incomplete:
            return  # the end of a volume: its last member continues in the next one
        raise ExtractionError(ErrorKind.CORRUPT, f"unreadable RAR archive: {exc.msg}") from exc


def _paired_info(infos: list[Any], index: int, entry: Any) -> Any | None:
    """rarfile's header for libarchive's ``index``-th entry (both read headers in order)."""
    if index >= len(infos):
        return None
    info = infos[index]
    if info.is_dir() or (entry.size is not None and entry.size != info.file_size):
        return None  # out of step: trust neither the name nor the flags
    return info


def _entry_name(entry: Any) -> str:
    import libarchive.ffi

    raw = libarchive.ffi.entry_pathname(entry._entry_p)
    return decode_legacy_name(raw) if isinstance(raw, bytes) else "unnamed"


def _extract_with_tool(
    path: Path,
    archive: rarfile.RarFile,
    listing: _Listing,
    unpacker: Unpacker,
    password: str,
    tools: _Tools,
) -> None:
    """Extract every regular, complete member: encrypted ones through unar, others via rarfile."""
    opened_encrypted = False
    for info in listing.infos:
        if info.is_dir() or _is_link(info) or info.flags & _SPLIT:
            continue
        name = member_name(info)
        try:
            if info.needs_password():
                _add_encrypted(path, info, name, password, unpacker, tools)
            else:
                with archive.open(info) as stream:
                    unpacker.add(name, stream, int(info.compress_size) or 1)
        except ExtractionError:
            raise
        except (*_MALFORMED, UnarError) as exc:
            if info.needs_password() and not opened_encrypted:
                raise _WrongPassword from exc
            raise ExtractionError(
                ErrorKind.CORRUPT, f"unreadable RAR member {name!r}: {exc}"
            ) from exc
        opened_encrypted = opened_encrypted or info.needs_password()


def _add_encrypted(
    path: Path, info: Any, name: str, password: str, unpacker: Unpacker, tools: _Tools
) -> None:
    """Extract one encrypted member with unar (password on its terminal), then add it."""
    packed = int(info.compress_size) or 1
    room = _room(unpacker, packed)
    folder = Path(tempfile.mkdtemp(prefix="unar-", dir=unpacker.workdir))
    try:
        extracted = extract_member(
            tools.unar, tools.prlimit, path, str(info.filename), password, folder, room
        )
        size = extracted.stat().st_size
        if size < room and size != info.file_size:
            raise UnarError(f"unar wrote {size} bytes; the header says {info.file_size}")
        with extracted.open("rb") as stream:
            unpacker.add(name, stream, packed)  # a file cut at ``room`` fails a limit here
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _room(unpacker: Unpacker, packed: int) -> int:
    """One byte past the most a member may expand to under the limits still unspent."""
    limits = unpacker.limits
    room = min(limits.max_member_bytes, limits.max_total_bytes - unpacker.total_bytes)
    if math.isfinite(limits.max_ratio):
        room = min(room, max(RATIO_FLOOR_BYTES, math.floor(limits.max_ratio * packed)))
    return max(room, 0) + 1


class _WrongPassword(Exception):
    """The password tried does not open the archive."""


def _survey(archive: rarfile.RarFile) -> _Listing:
    listing = _Listing(infos=list(archive.infolist()))
    for info in listing.infos:
        if info.is_dir():
            continue
        if _is_link(info):
            listing.links.append(member_name(info))
        elif info.flags & _SPLIT:
            listing.incomplete.append(member_name(info))
        elif info.needs_password():
            listing.locked.append(member_name(info))
    return listing


@register
class RarExtractor:
    type: ClassVar[str] = "rar"
    mime_types: ClassVar[tuple[str, ...]] = ("application/x-rar", "application/vnd.rar")
    extensions: ClassVar[tuple[str, ...]] = (".rar",)
    score: ClassVar[int] = 10

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        check_depth(context)
        archive = _open_headers(path)
        hint = password_hint(len(context.passwords))
        if archive.needs_password():
            opened = self._try_passwords(path, context)
            if opened is not None:
                return self._result(*opened, decrypted=True)
            if not archive.infolist():
                raise ExtractionError(
                    ErrorKind.ENCRYPTED,
                    f"RAR archive with encrypted names and contents (header encryption); {hint}",
                )
        # No password needed, or none that opens it: whatever is not encrypted.
        listing = _survey(archive)
        unpacker = Unpacker(context)
        _extract_plain(path, listing, unpacker, path.stat().st_size)
        if listing.locked and not unpacker.children:
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"RAR archive is password-protected ({len(listing.locked)} encrypted members); "
                + hint,
            )
        return self._result(listing, unpacker, decrypted=False)

    def _try_passwords(
        self, path: Path, context: ExtractContext
    ) -> tuple[_Listing, Unpacker] | None:
        """Extract with the first password that opens the archive, or None."""
        if not context.passwords:
            return None
        tools = _ready_tool()
        for number, password in enumerate(dict.fromkeys(context.passwords), start=1):
            # Each attempt writes into its own folder, so a failed one is simply removed.
            attempt = dataclasses.replace(context, workdir=context.workdir / f"password-{number}")
            unpacker = Unpacker(attempt)
            saved_tmp = rarfile.HACK_TMP_DIR
            # rarfile copies a member's packed bytes to a temporary file for the tool:
            # keep that inside the work folder, not in the system's /tmp.
            rarfile.HACK_TMP_DIR = str(attempt.workdir)
            try:
                try:
                    archive = rarfile.RarFile(str(path))
                    archive.setpassword(password)
                except _MALFORMED:
                    raise _WrongPassword from None  # header encryption: garbage headers
                listing = _survey(archive)
                if not listing.infos:
                    raise _WrongPassword
                _extract_with_tool(path, archive, listing, unpacker, password, tools)
                return listing, unpacker
            except _WrongPassword:
                unpacker.discard()
                shutil.rmtree(attempt.workdir, ignore_errors=True)
            finally:
                rarfile.HACK_TMP_DIR = saved_tmp
        return None

    def _result(self, listing: _Listing, unpacker: Unpacker, *, decrypted: bool) -> Extracted:
        if listing.incomplete and not unpacker.children:
            raise ExtractionError(
                ErrorKind.CORRUPT,
                "one volume of a multi-volume RAR archive: the other volumes are missing "
                f"({len(listing.incomplete)} members continue in them)",
            )
        metadata = {"members": str(listing.members)}
        if listing.links:
            metadata["skipped_links"] = "\n".join(listing.links)
        if listing.incomplete:
            metadata["incomplete_members"] = "\n".join(listing.incomplete)
        if listing.locked and not decrypted:
            metadata["encrypted_members"] = "\n".join(listing.locked)
        if decrypted:
            metadata["decrypted"] = "yes"
        warnings = member_warnings(
            ErrorKind.CORRUPT,
            listing.incomplete,
            "continues in a volume of the archive missing here",
        )
        if listing.locked and not decrypted:
            warnings += member_warnings(ErrorKind.ENCRYPTED, listing.locked, LOCKED_MEMBER)
        return Extracted(metadata=metadata, children=tuple(unpacker.children), warnings=warnings)
