"""RFC 822 email (.eml): headers, the body, and attachments as children.

Python's ``email`` package (``policy.default``) parses the message. The body
is the text/plain part, else the HTML part rendered to text. Charsets are
decoded by culpa's own rules (gb2312 read as GB18030, big5 as cp950, wrong
or missing labels detected) rather than Python's strict codecs. Attachments
and attached messages are written under the work folder with generated file
names; the name the sender gave survives only as provenance text.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import mimetypes
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.html import html_to_text
from culpa.formats.email.mail_record import (
    MAIL_VIEW_KEY,
    AttachmentRecord,
    MailRecord,
    body_range,
    html_body_part,
    record_metadata,
)
from culpa.formats.registry import register
from culpa.formats.support.plain_text import (
    decode_text,
    normalise_newlines,
    read_bounded,
    text_pages,
)
from culpa.models import Child, Extracted
from culpa.sources.archive import unique_name

#: Larger messages are refused (bytes).
MAX_EMAIL_BYTES = 1024**3
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 10_000
#: Attachment names are cut to this many characters.
MAX_NAME_CHARS = 255
#: MIME nesting deeper than this is not followed (hostile messages).
MAX_MIME_DEPTH = 50

HEADERS = ("from", "to", "cc", "bcc", "date", "subject", "message-id", "in-reply-to", "references")
_UNSAFE_NAME = re.compile(r"[/\x00-\x1f\x7f]")
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
#: Bytes the parser could not decode, kept as surrogate escapes.
_ESCAPED = re.compile("[\udc80-\udcff]")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_name(name: str) -> str:
    """An attachment name as provenance text: no '/', NULs or control characters."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip()
    return cleaned[:MAX_NAME_CHARS] or "attachment"


def _raw_8bit_values(message: Message, name: str) -> list[str]:
    """A header's values written as raw 8-bit bytes (old Foxmail: GB2312), decoded.

    The parser keeps such bytes as surrogate escapes and the default policy turns
    them into U+FFFD. The encoding is guessed once from all such headers of the
    message together (two-character names alone are too short to tell), with the
    body's declared charset as a hint; then any RFC 2047 words are decoded.
    """
    raw_items = [
        (key.lower(), raw.encode("ascii", "surrogateescape"))
        for key, raw in message.raw_items()
        if isinstance(raw, str) and _ESCAPED.search(raw)
    ]
    if not any(key == name for key, _raw in raw_items):
        return []
    try:
        declared = message.get_content_charset()
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        declared = None
    _text, codec = decode_text(b"\n".join(raw for _key, raw in raw_items), declared=declared)
    values: list[str] = []
    for key, raw in raw_items:
        if key != name:
            continue
        text = raw.decode(codec, errors="replace")
        with contextlib.suppress(HeaderParseError, UnicodeError, LookupError, ValueError):
            text = str(make_header(decode_header(text)))
        values.append(_SPACES.sub(" ", text).strip())
    return values


def _header(message: Message, name: str) -> str | None:
    try:
        values = _raw_8bit_values(message, name) or message.get_all(name)
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        values = None
    if not values:
        return None
    parts: list[str] = []
    for value in values:
        try:
            parts.append(str(value))
        except (ValueError, TypeError, IndexError, AttributeError):
            parts.append(repr(value))
    text = ", ".join(p.replace("\x00", "") for p in parts).strip()
    return text[:MAX_METADATA_CHARS] or None


def _payload_text(part: Message) -> str:
    """A text part's content, decoded by culpa's charset rules."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    text, _codec = decode_text(data, declared=part.get_content_charset())
    return text


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (ValueError, TypeError, IndexError, AttributeError):
        return None
    return str(name) if name else None


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
    except (ValueError, TypeError, IndexError, AttributeError):
        disposition = None
    return disposition == "attachment" or _filename(part) is not None


class AttachmentWriter:
    """Writes a message's attachments into the work folder, within the archive limits.

    Files get generated names (``attachment-00001.pdf``); the name the sender
    gave is provenance text only, made unique. Shared by the .eml and .msg readers,
    which also keep what the viewer lists about each (:attr:`records`).
    """

    def __init__(self, context: ExtractContext, *, limit_each: bool = False) -> None:
        self.context = context
        #: Also hold each attachment to ``max_member_bytes`` (not only the total).
        self.limit_each = limit_each
        self.children: list[Child] = []
        self.records: list[AttachmentRecord] = []
        self.names: set[str] = set()
        self.total_bytes = 0

    def write(
        self,
        name: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        content_id: str | None = None,
        inline: bool = False,
    ) -> None:
        """Store ``data`` as the attachment named ``name`` (already made safe by the caller)."""
        limits = self.context.limits
        if len(self.children) >= limits.max_members:
            raise ExtractionError(ErrorKind.LIMIT_EXCEEDED, "too many attachments")
        if self.limit_each and len(data) > limits.max_member_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"attachment {name!r} is over {limits.max_member_bytes}"
            )
        self.total_bytes += len(data)
        if self.total_bytes > limits.max_total_bytes:
            raise ExtractionError(ErrorKind.LIMIT_EXCEEDED, "attachments are too large in total")
        provenance = unique_name(name, self.names)
        suffix = Path(provenance).suffix
        if not _SAFE_SUFFIX.match(suffix):
            suffix = ".bin"
        self.context.workdir.mkdir(parents=True, exist_ok=True)
        target = self.context.workdir / f"attachment-{len(self.children) + 1:05d}{suffix}"
        with target.open("xb") as f:
            f.write(data)
        self.children.append(Child(name=provenance, path=target))
        self.records.append(
            AttachmentRecord(provenance, name, content_type, len(data), content_id, inline)
        )


class _Walker(AttachmentWriter):
    """Collects body text and attachments from a message tree."""

    def __init__(self, context: ExtractContext) -> None:
        super().__init__(context)
        self.plain: list[str] = []
        self.html: list[str] = []

    def walk(self, part: Message, depth: int = 0, in_alternative: bool = False) -> None:
        if depth > MAX_MIME_DEPTH:
            raise ExtractionError(ErrorKind.LIMIT_EXCEEDED, "MIME parts nested too deeply")
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global") and depth > 0:
            self._attach_message(part)
            return
        if part.is_multipart():
            raw_payload = part.get_payload()
            if not isinstance(raw_payload, list):
                return
            payload = [child for child in raw_payload if isinstance(child, Message)]
            alternative = content_type == "multipart/alternative"
            if alternative:
                # Only the richest readable alternative would be shown; take plain first.
                chosen = _choose_alternative(payload)
                for child in payload:
                    if child is chosen or child.is_multipart() or _is_attachment(child):
                        self.walk(child, depth + 1, in_alternative=child is not chosen)
                return
            for child in payload:
                self.walk(child, depth + 1)
            return
        if _is_attachment(part):
            self._attach(part)
        elif content_type == "text/plain" and not in_alternative:
            self.plain.append(_payload_text(part))
        elif content_type == "text/html" and not in_alternative:
            self.html.append(_payload_text(part))
        elif not content_type.startswith(("text/", "multipart/")) and not in_alternative:
            self._attach(part)  # inline images and other unnamed parts

    def _attach(self, part: Message) -> None:
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            raw = part.get_payload()
            data = raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
        name = _filename(part)
        content_type = part.get_content_type()
        if name is None:
            extension = mimetypes.guess_extension(content_type) or ".bin"
            name = f"part-{len(self.children) + 1}{extension}"
        content_id = _content_id(part)
        try:
            disposition = part.get_content_disposition()
        except (ValueError, TypeError, IndexError, AttributeError):
            disposition = None
        inline = disposition == "inline" or (disposition is None and content_id is not None)
        self.write(
            safe_name(name),
            data,
            content_type=content_type,
            content_id=content_id,
            inline=inline,
        )

    def _attach_message(self, part: Message) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            data = inner.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
            subject = _header(inner, "subject")
        else:
            raw = part.get_payload(decode=True)
            data = raw if isinstance(raw, bytes) else b""
            subject = None
        name = _filename(part) or f"{(subject or 'message')[:100]}.eml"
        self.write(safe_name(name), data, content_type=part.get_content_type())


def _content_id(part: Message) -> str | None:
    """The part's Content-ID without its angle brackets (what ``cid:`` URLs name)."""
    try:
        value = part.get("content-id")
    except (ValueError, TypeError, IndexError, AttributeError):
        return None
    text = _CONTROL.sub("", str(value)).strip().strip("<>").strip() if value else ""
    return text[:MAX_NAME_CHARS] or None


def _choose_alternative(parts: list[Message]) -> Message | None:
    for wanted in ("text/plain", "text/html"):
        for part in parts:
            if part.get_content_type() == wanted and not _is_attachment(part):
                return part
    for part in parts:
        if part.is_multipart():
            return part
    return None


def _metadata(message: Message) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for name in HEADERS:
        value = _header(message, name)
        if value is not None:
            metadata[name] = value
    date = metadata.get("date")
    if date:
        with contextlib.suppress(ValueError, TypeError, IndexError, OverflowError):
            metadata["date_iso"] = parsedate_to_datetime(date).isoformat()
    return metadata


def _mail_record(
    data: bytes, message: Message, attachments: list[AttachmentRecord]
) -> MailRecord | None:
    """What the viewer needs (issue 10); None if the body cannot be found without a parse."""
    try:
        part = html_body_part(message)
        location = body_range(data, part)
        if part is None or location is not None:
            return MailRecord(tuple(attachments), location)
        payload = part.get_payload(decode=True)  # an encoding no range can be decoded from
        if not isinstance(payload, bytes):
            return None
        html, _codec = decode_text(payload, declared=part.get_content_charset())
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        return None
    return MailRecord(tuple(attachments), html)


@register
class EmlExtractor:
    """Single RFC 822 messages."""

    type: ClassVar[str] = "email"
    mime_types: ClassVar[tuple[str, ...]] = ("message/rfc822",)
    extensions: ClassVar[tuple[str, ...]] = (".eml", ".mht", ".mhtml")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Headers as metadata, the body as pages, attachments as children."""
        data = read_bounded(path, MAX_EMAIL_BYTES)
        try:
            message = email.message_from_bytes(data, policy=email.policy.default)
        except (ValueError, TypeError, IndexError, AttributeError, LookupError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"email could not be parsed: {exc}") from exc
        if not isinstance(message, EmailMessage):
            raise ExtractionError(ErrorKind.CORRUPT, "email could not be parsed")
        walker = _Walker(context)
        try:
            walker.walk(message)
        except (ValueError, TypeError, IndexError, AttributeError, LookupError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"email structure is broken: {exc}") from exc
        metadata = _metadata(message)
        if any(part.strip() for part in walker.plain):  # an empty plain part hides nothing
            body = "\n\n".join(walker.plain)
        else:
            rendered: list[str] = []
            for html in walker.html:
                text, html_meta = html_to_text(html)
                rendered.append(text)
                if "title" in html_meta:
                    metadata.setdefault("html_title", html_meta["title"])
                if "links" in html_meta:  # where the message (or a saved MHTML page) points
                    metadata.setdefault("links", html_meta["links"])
            body = "\n\n".join(rendered)
        if walker.children:
            metadata["attachments"] = str(len(walker.children))
        record = _mail_record(data, message, walker.records)
        if record is not None:
            metadata[MAIL_VIEW_KEY] = record_metadata(record)
        return Extracted(
            pages=text_pages(normalise_newlines(body).strip("\n")),
            metadata=metadata,
            children=tuple(walker.children),
        )
