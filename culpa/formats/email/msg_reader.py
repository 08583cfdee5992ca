"""Outlook messages (.msg): headers, the body, attachments and attached messages.

extract-msg (GPL-3.0) reads the OLE compound file; it runs offline and needs
no external program. Header fields come from the message's transport headers
(the RFC 822 block Outlook keeps for received mail) where present, else from
its MAPI properties (sender name and address, recipient table, submit time,
PR_INTERNET_MESSAGE_ID, ...), under the same metadata keys as .eml.

The body is the plain-text body, else the HTML body rendered to text, else the
RTF body converted with striprtf. A message saved by non-Unicode Outlook keeps
its strings in an 8-bit code page that is often missing or wrong (extract-msg
then falls back to ISO-8859-15, which turns Big5 or GBK into mojibake), so the
declared code page (PR_MESSAGE_CODEPAGE, then PR_INTERNET_CPID) is checked
against the bytes with culpa's own GB/Big5 rules before anything is decoded.

File attachments are children under generated file names; their real names
are provenance text only. An attached message is written out as a .msg of its
own, which this extractor reads again, so its attachments become
grandchildren: ``a.msg!/Re- 会议.msg!/报告.docx``.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import mimetypes
import re
import struct
from collections.abc import Callable
from email.message import Message
from email.parser import HeaderParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import compressed_rtf
import extract_msg
from extract_msg.attachments import AttachmentBase, SignedAttachment
from extract_msg.encoding import lookupCodePage
from extract_msg.enums import ErrorBehavior, RecipientType
from extract_msg.exceptions import ExMsgBaseException
from extract_msg.msg_classes import MessageBase, MSGFile

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.html import decode_html, html_to_text
from culpa.formats.documents.rtf import rtf_to_text
from culpa.formats.email.eml import HEADERS, AttachmentWriter, safe_name
from culpa.formats.email.mail_record import MAIL_VIEW_KEY, MailRecord, record_metadata
from culpa.formats.email.mbox import header_text, iso_date, subject_file_name
from culpa.formats.support.plain_text import (
    MIN_CJK_PLAUSIBILITY,
    cjk_plausibility,
    decode_text,
    normalise_codec,
    normalise_newlines,
    text_pages,
)
from culpa.models import Extracted
from culpa.sources.archive import check_depth

#: Larger .msg files are refused (bytes).
MAX_MSG_BYTES = 1024**3
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 10_000
#: Bytes of each 8-bit string property looked at to tell its code page.
ENCODING_SAMPLE_BYTES = 64 * 1024

#: Problems extract-msg tolerates (logging them) rather than refusing the whole message.
_TOLERATED = (
    ErrorBehavior.ATTACH_SUPPRESS_ALL
    | ErrorBehavior.RTFDE
    | ErrorBehavior.STANDARDS_VIOLATION
    | ErrorBehavior.NAMED_NAME_STREAM
)
#: What extract-msg and olefile raise for a malformed file.
_LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    ExMsgBaseException,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    LookupError,
    struct.error,
    NotImplementedError,
    RecursionError,
    OverflowError,
)
#: Chinese code pages tried on 8-bit strings labelled with a Western one.
CJK_CODECS = ("gb18030", "cp950")
#: 8-bit string properties sampled to tell the code page: subject, body, sender, To.
_STRING8_SAMPLES = (
    "__substg1.0_0037001E",
    "__substg1.0_1000001E",
    "__substg1.0_0C1A001E",
    "__substg1.0_0E04001E",
)
_MESSAGE_CODEPAGE = "3FFD0003"
_INTERNET_CODEPAGE = "3FDE0003"
_SPECIALS = re.compile(r'[()<>@,;:\\".\[\]]')
#: striprtf's converter (untyped upstream).
_rtf_to_text: Callable[..., str] = rtf_to_text


def _string_codec(msg: MSGFile) -> str | None:
    """The codec that reads this message's 8-bit strings, or None if it has none."""
    if msg.areStringsUnicode:
        return None
    sample = b"\n".join(
        (msg.getStream(name) or b"")[:ENCODING_SAMPLE_BYTES] for name in _STRING8_SAMPLES
    )
    declared: str | None = None
    for prop in (_MESSAGE_CODEPAGE, _INTERNET_CODEPAGE):
        page = msg.getPropertyVal(prop)
        if isinstance(page, int):
            try:
                declared = lookupCodePage(page)
            except ExMsgBaseException:
                continue
            break
    if not sample.strip():
        return normalise_codec(declared) or None if declared else None
    if declared and normalise_codec(declared) not in CJK_CODECS:
        # A Western label on Chinese bytes is common (a default code page); trust the bytes.
        for codec in CJK_CODECS:
            try:
                text = sample.decode(codec)
            except UnicodeDecodeError:
                continue
            if cjk_plausibility(text) >= MIN_CJK_PLAUSIBILITY:
                return codec
    _text, codec = decode_text(sample, declared=declared)
    return codec


def _open(path: Path) -> MSGFile:
    """Open the message, reading its 8-bit strings in the code page they were written in."""
    msg = extract_msg.openMsg(str(path), strict=False, errorBehavior=_TOLERATED)
    codec = _string_codec(msg)
    if codec is None or codec == msg.stringEncoding:
        return msg
    msg.close()
    return extract_msg.openMsg(
        str(path), strict=False, errorBehavior=_TOLERATED, overrideEncoding=codec
    )


def _address(name: str | None, address: str | None) -> str | None:
    """'Name <address>' with the name quoted where RFC 5322 needs it; either part may be missing."""
    name = (name or "").strip().strip("'")
    address = (address or "").strip()
    if name and address and name != address:
        if _SPECIALS.search(name):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{name} <{address}>"
    return name or address or None


def _sender_address(msg: MSGFile) -> str | None:
    """The sender's SMTP address, or their Exchange directory name ("/O=.../CN=...")."""
    address = msg.getStringStream("__substg1.0_5D01") or msg.getStringStream("__substg1.0_5D02")
    return (
        address
        or msg.getStringStream("__substg1.0_0C1F")
        or msg.getStringStream("__substg1.0_0065")
    )


def _sender(msg: MSGFile) -> str | None:
    name = msg.getStringStream("__substg1.0_0C1A") or msg.getStringStream("__substg1.0_0042")
    address = _sender_address(msg)
    if address and address.startswith("/"):
        address = None  # an Exchange directory name, not a mail address
    return _address(name, address)


def _recipients(msg: MSGFile, kind: RecipientType) -> str | None:
    if not isinstance(msg, MessageBase):
        return None
    found: list[str] = []
    for recipient in msg.recipients:
        if recipient.type is not kind:
            continue
        address = recipient.smtpAddress or recipient.email
        if address and address.startswith("/"):
            address = None  # an Exchange directory name, not a mail address
        formatted = _address(recipient.name, address)
        if formatted:
            found.append(formatted)
    return ", ".join(found) or None


def _sent_date(msg: MSGFile) -> dt.datetime | None:
    for prop in ("00390040", "0E060040", "30070040"):  # submit, delivery, creation time
        value = msg.getPropertyVal(prop)
        if isinstance(value, dt.datetime) and value.year > 1601:
            return value
    return None


def _mapi_value(msg: MSGFile, name: str) -> str | None:
    """One header field from the message's MAPI properties."""
    if name == "from":
        return _sender(msg)
    if name in ("to", "cc", "bcc"):
        kind = {"to": RecipientType.TO, "cc": RecipientType.CC, "bcc": RecipientType.BCC}[name]
        return _recipients(msg, kind)
    if name == "date":
        date = _sent_date(msg)
        return format_datetime(date) if date is not None else None
    stream = {
        "subject": "__substg1.0_0037",
        "message-id": "__substg1.0_1035",
        "in-reply-to": "__substg1.0_1042",
        "references": "__substg1.0_1039",
    }[name]
    return msg.getStringStream(stream)


def _transport_headers(msg: MSGFile) -> Message | None:
    text = msg.getStringStream("__substg1.0_007D")
    if not text or not text.strip():
        return None
    prefix = "Microsoft Mail Internet Headers Version 2.0"
    if text.startswith(prefix):
        text = text[len(prefix) :].lstrip()
    try:
        return HeaderParser(policy=email.policy.default).parsestr(text)
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        return None


def _metadata(msg: MSGFile) -> dict[str, str]:
    """The eml metadata keys, each from the transport headers, else from MAPI properties."""
    headers = _transport_headers(msg)
    metadata: dict[str, str] = {}
    for name in HEADERS:
        value = header_text(headers, name, MAX_METADATA_CHARS) if headers is not None else None
        if value is None:
            raw = _mapi_value(msg, name)
            value = " ".join(raw.split())[:MAX_METADATA_CHARS] if raw else None
        if value:
            metadata[name] = value.replace("\x00", "")
    date_iso = iso_date(metadata.get("date"))
    if date_iso is None and headers is None:
        sent = _sent_date(msg)
        date_iso = sent.isoformat() if sent is not None else None
    if date_iso:
        metadata["date_iso"] = date_iso
    if msg.classType:
        metadata["message_class"] = msg.classType
    sender_address = _sender_address(msg)
    if sender_address and sender_address.startswith("/"):
        metadata["from_exchange_dn"] = sender_address[:MAX_METADATA_CHARS]
    return metadata


def _rtf_body(msg: MSGFile) -> bytes | None:
    compressed = msg.getStream("__substg1.0_10090102")
    if not compressed:
        return None
    try:
        data = bytes(compressed_rtf.decompress(compressed))  # MS-OXRTFCP
    except Exception:  # compressed_rtf raises bare Exception for any damage
        return None
    return data or None


def _html_stream(msg: MSGFile) -> str | None:
    html_bytes = msg.getStream("__substg1.0_10130102")
    if html_bytes:
        return decode_html(html_bytes)[0]
    text = msg.getStringStream("__substg1.0_1013")
    return text if isinstance(text, str) else None


def html_body(path: Path) -> str | None:
    """The message's HTML body as it was sent (for a viewer to sanitise); None if none."""
    try:
        msg = _open(path)
    except _LIBRARY_ERRORS:
        return None
    try:
        html = _html_stream(msg)
    except _LIBRARY_ERRORS:
        return None
    finally:
        msg.close()
    return html if html and html.strip() else None


def _body(msg: MSGFile, metadata: dict[str, str]) -> str:
    """Plain body, else HTML rendered to text, else RTF converted to text."""
    plain = msg.getStringStream("__substg1.0_1000")
    if plain and plain.strip():
        return plain
    html_text = _html_stream(msg)
    if html_text and html_text.strip():
        text, html_meta = html_to_text(html_text)
        if "title" in html_meta:
            metadata.setdefault("html_title", html_meta["title"])
        return text
    rtf = _rtf_body(msg)
    if rtf:
        return rtf_to_text(rtf)
    return plain or ""


class _Attachments(AttachmentWriter):
    """An Outlook message's attachments and attached messages, as children."""

    def __init__(self, context: ExtractContext) -> None:
        super().__init__(context, limit_each=True)
        self.unreadable = 0

    def add(self, attachment: AttachmentBase | SignedAttachment) -> None:
        data: Any = attachment.data
        if isinstance(attachment, SignedAttachment):
            name: str | None = attachment.name
            title: str | None = attachment.name
        else:
            name = attachment.longFilename or attachment.shortFilename or attachment.displayName
            title = attachment.displayName
        if isinstance(data, MSGFile):
            self._add_message(data, title)
            return
        if not isinstance(data, bytes):
            self.unreadable += 1  # web links, broken or unsupported attachments
            return
        declared = _attachment_text(attachment, "mimetype")
        mime = declared or (mimetypes.guess_type(name)[0] if name else None)
        mime = mime or "application/octet-stream"
        if not name:
            extension = mimetypes.guess_extension(mime) or ".bin"
            name = f"attachment-{len(self.children) + 1}{extension}"
        content_id = _attachment_text(attachment, "contentId")
        try:
            hidden = bool(getattr(attachment, "hidden", False))
        except _LIBRARY_ERRORS:
            hidden = False
        self.write(
            safe_name(name),
            data,
            content_type=mime,
            content_id=content_id.strip().strip("<>") or None if content_id else None,
            inline=hidden,
        )

    def _add_message(self, inner: MSGFile, title: str | None) -> None:
        """An attached message, saved as a .msg of its own (read again by this extractor)."""
        try:
            data = inner.exportBytes(allowBadEmbed=True)
        except _LIBRARY_ERRORS:
            self.unreadable += 1
            return
        title = title or inner.getStringStream("__substg1.0_0037")
        if title and title.lower().endswith(".msg"):
            title = title[:-4]
        self.write(
            subject_file_name(title, ".msg"), data, content_type="application/vnd.ms-outlook"
        )


def _attachment_text(attachment: AttachmentBase | SignedAttachment, name: str) -> str | None:
    """A string property of an attachment, or None (missing, or not readable)."""
    try:
        value = getattr(attachment, name, None)
    except _LIBRARY_ERRORS:
        return None
    return " ".join(value.split())[:255] or None if isinstance(value, str) else None


def _read(msg: MSGFile, context: ExtractContext) -> Extracted:
    metadata = _metadata(msg)
    body = _body(msg, metadata)
    attachments = _Attachments(context)
    for attachment in msg.attachments:
        attachments.add(attachment)
    if attachments.children:
        metadata["attachments"] = str(len(attachments.children))
    if attachments.unreadable:
        metadata["unreadable_attachments"] = str(attachments.unreadable)
    # The HTML itself: an OLE stream is scattered sectors, no byte range (issue 10).
    html = _html_stream(msg)
    record = MailRecord(tuple(attachments.records), html if html and html.strip() else None)
    metadata[MAIL_VIEW_KEY] = record_metadata(record)
    return Extracted(
        pages=text_pages(normalise_newlines(body).strip("\n")),
        metadata=metadata,
        children=tuple(attachments.children),
    )


def read_message(path: Path, context: ExtractContext) -> Extracted:
    """Headers as metadata, the body as pages, attachments as children."""
    check_depth(context)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
    if size == 0:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    if size > MAX_MSG_BYTES:
        raise ExtractionError(ErrorKind.TOO_LARGE, f"file is over {MAX_MSG_BYTES} bytes")
    try:
        msg = _open(path)
    except _LIBRARY_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable Outlook message: {exc}") from exc
    try:
        return _read(msg, context)
    except ExtractionError:
        raise
    except _LIBRARY_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"Outlook message is damaged: {exc}") from exc
    finally:
        msg.close()
