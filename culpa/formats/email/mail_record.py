"""What the e-mail viewer needs about a message, recorded once at ingest (issue 10).

Viewing an e-mail with 50,000 attachments took 33 s because every view parsed
every MIME part again: Python's ``email`` parser has no lazy mode, so even the
one HTML body part costs a parse of the whole message. The .eml and .msg
extractors therefore store, under the metadata key :data:`MAIL_VIEW_KEY`, a JSON
record with

- ``attachments``: one entry per child, in order: the name the sender gave
  (``name``, only when it differs from the child's provenance name ``child``),
  the declared content type, the size in bytes, the Content-ID of an inline
  image and whether the part was inline;
- ``body``: where the HTML body the viewer shows is: a byte range of the
  original .eml with its transfer encoding and charset (the viewer reads and
  decodes only those bytes), or for an Outlook .msg (an OLE file, whose streams
  are scattered sectors) the HTML text itself; ``null`` when there is no HTML
  body.

The HTML is still sanitised on every view (the record holds the sender's HTML,
never the sanitised form), so a stricter sanitiser applies to old cases too.
Cases ingested before this record existed have no key: the viewer falls back
to parsing the message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache
from typing import Any

#: Metadata key of the record (a JSON string, like every metadata value).
MAIL_VIEW_KEY = "mail_view"
#: Version of the record's layout; a record of another version is ignored.
MAIL_VIEW_VERSION = 1
#: Transfer encodings whose bytes the viewer can decode from a byte range alone.
RANGE_ENCODINGS = frozenset({"7bit", "8bit", "binary", "base64", "quoted-printable"})
#: Outlook HTML bodies longer than this are not stored (characters); the viewer cuts
#: bodies to about this much before sanitising anyway.
MAX_STORED_HTML_CHARS = 2_000_000
#: Decoded records kept per process (a 20,000-attachment record decodes in about 0.1 s).
RECORDS_CACHED = 16


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """One attachment as the viewer lists it."""

    child: str  # the child's name inside the message: its provenance is <message>!/<child>
    name: str  # the name the sender gave (made safe), as shown
    content_type: str
    size: int
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True, slots=True)
class BodyRange:
    """The HTML body's encoded bytes in the original .eml: ``data[start:end]``."""

    start: int
    end: int
    encoding: str  # Content-Transfer-Encoding, lower case
    charset: str | None


@dataclass(frozen=True, slots=True)
class MailRecord:
    attachments: tuple[AttachmentRecord, ...]
    #: Where the HTML body is; None when the message has no HTML body.
    body: BodyRange | str | None
    #: Attachments in the whole list (``attachments`` may be a part of it); -1: all of it.
    total: int = -1

    @property
    def attachment_count(self) -> int:
        return len(self.attachments) if self.total < 0 else self.total


def _is_attachment(part: Message) -> bool:
    try:
        return part.get_content_disposition() == "attachment" or bool(part.get_filename())
    except (ValueError, TypeError, IndexError, AttributeError):
        return True


def html_body_part(message: Message) -> Message | None:
    """The part the viewer shows: the first text/html part that is not an attachment."""
    for part in message.walk():
        if part.get_content_type() == "text/html" and not _is_attachment(part):
            return part
    return None


def body_range(data: bytes, part: Message | None) -> BodyRange | None:
    """Where ``part``'s encoded payload lies in the message bytes ``data``.

    The parser keeps a payload as the original bytes (decoded as ASCII with
    surrogate escapes), so encoding it back gives bytes that occur in ``data``;
    where identical bytes occur twice, either copy decodes to the same body.
    None when the range cannot be given (the viewer then parses the message).
    """
    if part is None:
        return None
    # The payload as parsed: get_payload() would decode 8-bit bytes by the part's charset.
    payload = vars(part).get("_payload")
    encoding = str(part.get("content-transfer-encoding", "7bit")).strip().lower()
    if not isinstance(payload, str) or not payload or encoding not in RANGE_ENCODINGS:
        return None
    try:
        raw = payload.encode("ascii", "surrogateescape")
        charset = part.get_content_charset()
    except (UnicodeError, ValueError, TypeError, IndexError, AttributeError, LookupError):
        return None
    start = data.find(raw)
    if start < 0:
        return None
    return BodyRange(start, start + len(raw), encoding, charset)


def record_metadata(record: MailRecord) -> str:
    """The record as the metadata value stored under :data:`MAIL_VIEW_KEY`."""
    body: Any
    if isinstance(record.body, BodyRange):
        body = {
            "start": record.body.start,
            "end": record.body.end,
            "encoding": record.body.encoding,
            "charset": record.body.charset,
        }
    elif isinstance(record.body, str):
        body = {"html": record.body[:MAX_STORED_HTML_CHARS]}
    else:
        body = None
    attachments: list[dict[str, Any]] = []
    for item in record.attachments:
        entry: dict[str, Any] = {"child": item.child, "type": item.content_type, "size": item.size}
        if item.name != item.child:
            entry["name"] = item.name
        if item.content_id:
            entry["cid"] = item.content_id
        if item.inline:
            entry["inline"] = True
        attachments.append(entry)
    return json.dumps(
        {"v": MAIL_VIEW_VERSION, "body": body, "attachments": attachments},
        ensure_ascii=False,
        separators=(",", ":"),
    )


@lru_cache(maxsize=RECORDS_CACHED)
def _loaded(value: str) -> dict[str, Any] | None:
    """The record's JSON, decoded once per process: each page of a long list reads it."""
    try:
        raw = json.loads(value)
    except ValueError:
        return None
    if not isinstance(raw, dict) or raw.get("v") != MAIL_VIEW_VERSION:
        return None
    return raw


def parse_record(value: str | None, start: int = 0, count: int | None = None) -> MailRecord | None:
    """The record stored in metadata; None if absent or not one this version wrote.

    Only the attachments ``[start:start + count]`` are read (a viewer shows one
    page of a list that may hold 50,000); :attr:`MailRecord.total` counts them all.
    """
    raw = _loaded(value) if value else None
    if raw is None:
        return None
    try:
        body_raw = raw["body"]
        body: BodyRange | str | None
        if body_raw is None:
            body = None
        elif "html" in body_raw:
            body = str(body_raw["html"])
        else:
            charset = body_raw.get("charset")
            body = BodyRange(
                int(body_raw["start"]),
                int(body_raw["end"]),
                str(body_raw["encoding"]),
                str(charset) if charset else None,
            )
        items = raw["attachments"]
        if not isinstance(items, list):
            return None
        window = items[start : None if count is None else start + count]
        attachments = tuple(
            AttachmentRecord(
                child=str(item["child"]),
                name=str(item.get("name", item["child"])),
                content_type=str(item["type"]),
                size=int(item["size"]),
                content_id=str(item["cid"]) if item.get("cid") else None,
                inline=bool(item.get("inline", False)),
            )
            for item in window
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return MailRecord(attachments, body, len(items))
