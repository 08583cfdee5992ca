"""Outlook personal folders (.pst, .ost): every message becomes a child .eml.

Debian's ``pffexport`` (pff-tools, libpff) exports the store into the work
folder: one directory per folder of the store, one per message in it
(``Message00001/``, ``Meeting00002/``, ...) holding ``InternetHeaders.txt`` (the
transport headers of received mail), ``OutlookHeaders.txt`` (subject, sender,
times), ``Recipients.txt``, the body as ``Message.txt``/``.html``/``.rtf`` and
an ``Attachments/`` directory whose sub-directories are attached messages.
It runs through :func:`~culpa.formats.support.tools.run_tool`, so a hostile store that
hangs or crashes it costs a time limit, not the worker.

Each exported message is rebuilt as an RFC 822 message with Python's ``email``
package (transport headers kept as they were, or headers made from the Outlook
fields for sent mail and drafts; the plain and HTML bodies; attachments and
attached messages as parts), so the EML extractor reads it like any other mail.
Each multipart's boundary is a hash of its parts, not the ``email`` package's
random one, so the same store gives the same .eml files (the same SHA-256s)
on every ingest (issue 10).
Its provenance name follows the folder path in the store, without the store's
root folder: ``box.pst!/Inbox/Re- 会议.eml!/报告.docx``. The store's page is an
index with one line per message (path, date, sender, subject).

PST "passwords" are not encryption (Outlook only compares a checksum), and the
"compressible"/"high" encodings are obfuscation libpff undoes. A store marked
with any other encryption method is refused as ``encrypted``; a store cut
short of the size its header declares is ``corrupt`` unless pffexport still
salvages messages from it, which are then kept and the damage noted in
metadata (``damaged``). Deleted ("recovered") items are not exported.
"""

from __future__ import annotations

import email.policy
import hashlib
import mimetypes
import re
import shutil
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from pathlib import Path
from typing import ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.html import decode_html
from culpa.formats.documents.rtf import rtf_to_text
from culpa.formats.email.eml import safe_name
from culpa.formats.email.mbox import MAX_INDEX_LINES, header_text, iso_date, subject_file_name
from culpa.formats.registry import register
from culpa.formats.support.plain_text import decode_text, text_pages
from culpa.formats.support.tools import require_tool, run_tool
from culpa.models import Child, Extracted, PartialFailure
from culpa.sources.archive import check_depth, unique_name

#: pffexport gets this many seconds at least, plus PST_SECONDS_PER_GIB per GiB of store.
PST_MIN_SECONDS = 120.0
PST_SECONDS_PER_GIB = 900.0
#: Header lines read from the exported text files are cut to this many characters.
MAX_FIELD_CHARS = 2_000
#: Attached messages nested deeper than this are kept as plain files, not rebuilt.
MAX_EMBEDDED_DEPTH = 20

PST_SIGNATURE = b"!BDN"
#: wVer values: 14/15 for ANSI stores (Outlook 97-2002), 23 and up for Unicode ones.
_ANSI_VERSIONS = (14, 15)
#: Header offsets of ibFileEof and bCryptMethod, for Unicode and ANSI stores.
_UNICODE_EOF, _UNICODE_CRYPT = 0xB8, 0x201
_ANSI_EOF, _ANSI_CRYPT = 0xA8, 0x1CD
#: bCryptMethod values libpff reads: none, "compressible" (permutation), "high" (cyclic).
_READABLE_CRYPT = {0: "none", 1: "compressible", 2: "high"}
#: NDB_CRYPT_EDPCRYPTED: the store is encrypted with a key held by Windows (MS-PST 2.2.2.6).
_EDP_CRYPT = 0x10
_HEADER_BYTES = 0x210

_ITEM_FILES = (
    "OutlookHeaders.txt",
    "InternetHeaders.txt",
    "Message.txt",
    "Message.html",
    "Message.rtf",
)
#: Transport headers that describe the original MIME body, which is rebuilt.
_MIME_HEADERS = {b"content-type", b"content-transfer-encoding", b"mime-version", b"content-length"}
_FIELD = re.compile(r"^([^:\t]+):\t*(.*)$")
_TIME = re.compile(r"^([A-Z][a-z]{2} \d{1,2}, \d{4} \d{2}:\d{2}:\d{2})")
_RECIPIENT_HEADERS = {"to": "To", "cc": "Cc", "bcc": "Bcc"}
#: What rebuilding one exported message may raise (odd names, broken RTF, vanished files).
_ITEM_ERRORS = (ValueError, TypeError, LookupError, IndexError, AttributeError, OSError)


def _store_header(path: Path) -> tuple[bool, int, str]:
    """(is ANSI, declared size, encryption name) from the store's header; raise if unusable."""
    try:
        with path.open("rb") as f:
            head = f.read(_HEADER_BYTES)
    except OSError as exc:
        raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
    if not head:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    if not head.startswith(PST_SIGNATURE) or len(head) < _HEADER_BYTES:
        raise ExtractionError(ErrorKind.CORRUPT, "not an Outlook PST/OST file (bad header)")
    (version,) = struct.unpack_from("<H", head, 10)
    ansi = version in _ANSI_VERSIONS
    if ansi:
        (declared,) = struct.unpack_from("<I", head, _ANSI_EOF)
        crypt = head[_ANSI_CRYPT]
    else:
        (declared,) = struct.unpack_from("<Q", head, _UNICODE_EOF)
        crypt = head[_UNICODE_CRYPT]
    if crypt == _EDP_CRYPT:
        raise ExtractionError(
            ErrorKind.ENCRYPTED, "PST is encrypted with Windows Information Protection (EDP)"
        )
    if crypt not in _READABLE_CRYPT:
        raise ExtractionError(ErrorKind.CORRUPT, f"PST header names unknown encoding 0x{crypt:02x}")
    return ansi, declared, _READABLE_CRYPT[crypt]


def _read_text(path: Path) -> str:
    """A text file pffexport wrote (UTF-8, or whatever the message held for HTML)."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    text, _codec = decode_text(data) if data else ("", "")
    return text


def _fields(path: Path) -> dict[str, str]:
    """'Name:<tabs>value' lines of OutlookHeaders.txt; the first of each name wins."""
    fields: dict[str, str] = {}
    if not path.is_file():
        return fields
    for line in _read_text(path).splitlines():
        match = _FIELD.match(line)
        if match:
            fields.setdefault(match.group(1).strip().lower(), match.group(2).strip())
    return fields


def _recipients(path: Path) -> dict[str, list[str]]:
    """To/Cc/Bcc lists from Recipients.txt (blocks separated by blank lines)."""
    found: dict[str, list[str]] = {"to": [], "cc": [], "bcc": []}
    if not path.is_file():
        return found
    for block in re.split(r"\n\s*\n", _read_text(path).replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            match = _FIELD.match(line)
            if match:
                fields.setdefault(match.group(1).strip().lower(), match.group(2).strip())
        kind = fields.get("recipient type", "to").lower()
        name = fields.get("display name") or fields.get("recipient display name") or ""
        address = fields.get("email address", "")
        if fields.get("address type", "").upper() == "EX" or address.startswith("/"):
            address = ""  # an Exchange directory name, not a mail address
        if kind in found and (name or address):
            found[kind].append(_address(name, address))
    return found


def _address(name: str, address: str) -> str:
    name = name.replace('"', "'").strip()
    if name and address and name != address:
        return f'"{name}" <{address}>'
    return name or address


def _outlook_time(value: str | None) -> datetime | None:
    """'Feb 24, 2014 21:14:34.000000000 UTC' (always UTC) as a datetime."""
    match = _TIME.match(value or "")
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%b %d, %Y %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _one_line(value: str) -> str:
    return " ".join(value.split())[:MAX_FIELD_CHARS]


def _transport_header_bytes(path: Path) -> bytes:
    """The transport headers without the MIME ones (the body is rebuilt), CRLF-terminated."""
    if not path.is_file():
        return b""
    data = path.read_bytes().replace(b"\r\n", b"\n")
    head = data.split(b"\n\n", 1)[0]
    kept: list[bytes] = []
    skipping = True
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):  # a folded continuation of the previous header
            if not skipping:
                kept.append(line)
            continue
        name, colon, _value = line.partition(b":")
        skipping = not colon or name.strip().lower() in _MIME_HEADERS
        if not skipping:
            kept.append(line)
    return b"".join(line + b"\r\n" for line in kept if line.strip())


def _synthesised_headers(item: Path, fields: dict[str, str]) -> EmailMessage:
    """Headers made from OutlookHeaders.txt and Recipients.txt (mail never sent over SMTP)."""
    headers = EmailMessage(policy=email.policy.default)
    sender_name = fields.get("sender name") or fields.get("sent representing name") or ""
    sender_address = (
        fields.get("sender email address") or fields.get("sent representing email address") or ""
    )
    if sender_address.startswith("/"):
        sender_address = ""
    values = {
        "From": _address(sender_name, sender_address),
        "Subject": fields.get("subject", ""),
    }
    for kind, addresses in _recipients(item / "Recipients.txt").items():
        values[_RECIPIENT_HEADERS[kind]] = ", ".join(addresses)
    sent = _sent_time(fields)
    if sent is not None:
        values["Date"] = format_datetime(sent)
    for name, value in values.items():
        value = _one_line(value)
        if not value:
            continue
        try:
            headers[name] = value
        except (ValueError, TypeError, IndexError):
            headers[name] = value.encode("ascii", "replace").decode("ascii")
    return headers


def _sent_time(fields: dict[str, str]) -> datetime | None:
    for key in ("client submit time", "delivery time", "creation time"):
        found = _outlook_time(fields.get(key))
        if found is not None:
            return found
    return None


def _is_item(directory: Path) -> bool:
    return any((directory / name).is_file() for name in _ITEM_FILES)


#: Generated multipart boundaries: this prefix, then hex digits of a SHA-256.
_BOUNDARY_PREFIX = "===============culpa"
_BOUNDARY_HEX_DIGITS = 40


def fix_boundaries(message: EmailMessage) -> None:
    """Give every multipart in ``message`` a boundary derived from its parts' bytes.

    The generator's default boundary is random, so one store rebuilt twice gave
    different bytes. A hash of the parts cannot occur inside them.
    """
    if message.get_content_maintype() != "multipart":
        return
    digest = hashlib.sha256()
    for part in message.iter_parts():
        if isinstance(part, EmailMessage):
            fix_boundaries(part)
        digest.update(part.as_bytes(policy=email.policy.default))
    message.set_boundary(_BOUNDARY_PREFIX + digest.hexdigest()[:_BOUNDARY_HEX_DIGITS])


class _Builder:
    """Rebuilds exported messages as RFC 822 bytes, counting their sizes against the limits."""

    def __init__(self, context: ExtractContext) -> None:
        self.context = context

    def message(self, item: Path, depth: int = 0) -> tuple[EmailMessage, bytes, dict[str, str]]:
        """(MIME body part, transport header bytes, Outlook fields) of one exported item."""
        fields = _fields(item / "OutlookHeaders.txt")
        transport = _transport_header_bytes(item / "InternetHeaders.txt")
        if transport:
            body = EmailMessage(policy=email.policy.default)
        else:
            body = _synthesised_headers(item, fields)
        plain = _read_text(item / "Message.txt") if (item / "Message.txt").is_file() else ""
        html = ""
        if (item / "Message.html").is_file():
            html, _codec = decode_html((item / "Message.html").read_bytes())
        if not plain.strip() and not html.strip() and (item / "Message.rtf").is_file():
            try:
                plain = rtf_to_text((item / "Message.rtf").read_bytes())
            except ExtractionError:
                plain = ""  # an unreadable RTF body; headers and attachments still count
        if plain.strip() or not html.strip():
            body.set_content(plain, charset="utf-8")
            if html.strip():
                body.add_alternative(html, subtype="html", charset="utf-8")
        else:
            body.set_content(html, subtype="html", charset="utf-8")
        attachments = item / "Attachments"
        if attachments.is_dir():
            for entry in sorted(attachments.iterdir()):
                self._attach(body, entry, depth)
        fix_boundaries(body)
        return body, transport, fields

    def _attach(self, body: EmailMessage, entry: Path, depth: int) -> None:
        if entry.is_symlink():
            return
        if entry.is_dir():
            if _is_item(entry) and depth < MAX_EMBEDDED_DEPTH:
                inner, transport, fields = self.message(entry, depth + 1)
                data = transport + inner.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
                parsed = email.message_from_bytes(data, policy=email.policy.default)
                subject = header_text(parsed, "subject") or fields.get("subject")
                body.add_attachment(parsed, filename=subject_file_name(subject, ".eml"))
            else:
                for child in sorted(entry.iterdir()):
                    self._attach(body, child, depth)
            return
        if not entry.is_file():
            return
        mime = mimetypes.guess_type(entry.name)[0] or "application/octet-stream"
        maintype, _, subtype = mime.partition("/")
        if maintype == "text":
            maintype, subtype = "application", "octet-stream"  # keep the bytes as they are
        body.add_attachment(
            entry.read_bytes(), maintype=maintype, subtype=subtype, filename=safe_name(entry.name)
        )


class _Store:
    """Turns a pffexport tree into child .eml files and index lines."""

    def __init__(self, context: ExtractContext, export: Path) -> None:
        self.context = context
        self.export = export
        self.builder = _Builder(context)
        self.children: list[Child] = []
        self.index: list[str] = []
        self.names: set[str] = set()
        self.total_bytes = 0
        self.folders = 0
        self.messages = 0
        self.unreadable = 0

    def convert(self) -> None:
        tops = [entry for entry in sorted(self.export.iterdir()) if entry.is_dir()]
        holding = [top for top in tops if any(self._items(top))]
        for top in tops:
            # The store's root folder ("Top of Outlook data file", localised) is not named.
            prefix: list[str] = [] if len(holding) == 1 and top in holding else [top.name]
            self._folder(top, prefix)

    def _items(self, folder: Path) -> Iterator[Path]:
        for entry in folder.rglob("*"):
            if entry.is_dir() and _is_item(entry):
                yield entry

    def _folder(self, folder: Path, parts: list[str]) -> None:
        self.folders += 1
        for entry in sorted(folder.iterdir()):
            if entry.is_symlink():
                continue
            if entry.is_dir():
                if _is_item(entry):
                    try:
                        self._message(entry, parts)
                    except _ITEM_ERRORS:
                        self.unreadable += 1  # recorded in metadata; the store goes on
                else:
                    self._folder(entry, [*parts, safe_name(entry.name)])
            elif entry.is_file():
                self._loose_file(entry, parts)

    def _check(self, size: int, name: str) -> None:
        limits = self.context.limits
        if len(self.children) >= limits.max_members:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"PST holds more than {limits.max_members} items"
            )
        if size > limits.max_member_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"{name!r} is over {limits.max_member_bytes} bytes"
            )
        self.total_bytes += size
        if self.total_bytes > limits.max_total_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"PST expands past {limits.max_total_bytes} bytes"
            )

    def _unique(self, name: str) -> str:
        return unique_name(name, self.names)

    def _message(self, item: Path, parts: list[str]) -> None:
        size = sum(f.stat().st_size for f in item.rglob("*") if f.is_file() and not f.is_symlink())
        self._check(size, item.name)
        body, transport, fields = self.builder.message(item)
        data = transport + body.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(data)
        subject = header_text(headers, "subject") or fields.get("subject")
        name = self._unique("/".join([*parts, subject_file_name(subject, ".eml")]))
        target = self.context.workdir / f"message-{len(self.children) + 1:07d}.eml"
        target.write_bytes(data)
        self.children.append(Child(name=name, path=target))
        self.messages += 1
        if len(self.index) < MAX_INDEX_LINES:
            date = header_text(headers, "date")
            sender = header_text(headers, "from")
            self.index.append("  ".join((name, iso_date(date) or date or "-", sender or "-")))

    def _loose_file(self, entry: Path, parts: list[str]) -> None:
        size = entry.stat().st_size
        self._check(size, entry.name)
        target = self.context.workdir / f"member-{len(self.children) + 1:07d}"
        shutil.move(entry, target)
        name = self._unique("/".join([*parts, safe_name(entry.name)]))
        self.children.append(Child(name=name, path=target))


@register
class PstExtractor:
    """Outlook personal folders and offline stores (.pst, .ost), via pffexport."""

    type: ClassVar[str] = "mailbox"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-outlook-pst",)
    extensions: ClassVar[tuple[str, ...]] = (".pst", ".ost")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Export the store with pffexport; each message becomes a child .eml."""
        check_depth(context)
        ansi, declared, crypt = _store_header(path)
        size = path.stat().st_size
        if size > context.limits.max_total_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"PST is over {context.limits.max_total_bytes} bytes"
            )
        tool = require_tool("pffexport")
        context.workdir.mkdir(parents=True, exist_ok=True)
        base = context.workdir / "pffexport"
        export = base.with_name(base.name + ".export")
        timeout = PST_MIN_SECONDS + PST_SECONDS_PER_GIB * size / 1024**3
        try:
            result = run_tool(
                [tool, "-q", "-f", "all", "-m", "items", "-t", str(base), str(path.resolve())],
                timeout=timeout,
                cwd=context.workdir,
                what="pffexport",
            )
            if result.returncode != 0:
                detail = result.stderr.splitlines()[-1] if result.stderr else "no message"
                raise ExtractionError(ErrorKind.CORRUPT, f"pffexport cannot read the PST: {detail}")
            store = _Store(context, export)
            if export.is_dir():
                store.convert()
        finally:
            shutil.rmtree(export, ignore_errors=True)
        metadata = {
            "messages": str(store.messages),
            "folders": str(store.folders),
            "format": "ansi" if ansi else "unicode",
            "pst_encoding": crypt,
        }
        warnings: list[PartialFailure] = []
        if store.unreadable:
            metadata["unreadable_items"] = str(store.unreadable)
            message = f"{store.unreadable} items of the mailbox could not be read"
            warnings.append(PartialFailure(ErrorKind.CORRUPT, message))
        if size < declared:
            if not store.children:
                raise ExtractionError(
                    ErrorKind.CORRUPT, f"PST is truncated ({size} of {declared} bytes)"
                )
            metadata["damaged"] = f"truncated: {size} of {declared} bytes"
            message = (
                f"the mailbox is truncated ({size} of {declared} bytes): items past it are lost"
            )
            warnings.append(PartialFailure(ErrorKind.CORRUPT, message))
        lines = list(store.index)
        if len(store.children) > len(lines):
            lines.append(f"… and {len(store.children) - len(lines)} more items")
        return Extracted(
            pages=text_pages("\n".join(lines)),
            metadata=metadata,
            children=tuple(store.children),
            warnings=tuple(warnings),
        )
