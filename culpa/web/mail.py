"""An e-mail's HTML body for the viewer, sanitised.

The HTML comes from the original blob: an ``.eml`` parsed with Python's
``email`` package and decoded by culpa's charset rules, or an Outlook ``.msg``
read with extract-msg. It is hostile input:
nh3 (Rust's ammonia) keeps only plain formatting elements, drops scripts,
styles, forms, frames and every attribute that could load or run anything.
Images are dropped (a remote image is a tracking beacon), and links keep their
text but lose their target, so nothing in a message can reach the network or
be clicked away to. The page's Content-Security-Policy forbids the same a
second time.

A message is read once per process: the sanitised body is kept, keyed by the
blob's path, size and modification time (:data:`BODY_CACHE_SIZE` messages), and
the ``.eml`` is parsed with the ``compat32`` policy, which builds no header
objects: a message with 50,000 attachments took 33 s on every view with the
default policy, and takes a few seconds once now (issue 10).

Messages ingested since then carry a record of what the view needs
(:mod:`culpa.formats.email.mail_record`): the attachment list, and where the HTML
body is. Such a message is never parsed here: :func:`recorded_body` reads only
the body's bytes (an .eml) or takes the HTML the record holds (an Outlook
.msg), and sanitises it as above. Older cases fall back to :func:`email_body`.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache
from pathlib import Path

import nh3

from culpa.formats.email.mail_record import BodyRange, html_body_part
from culpa.formats.support.plain_text import decode_text

#: Outlook messages: their HTML body is read with extract-msg.
OUTLOOK_MIME = "application/vnd.ms-outlook"
#: Messages larger than this are not parsed for display (bytes).
MAX_EMAIL_VIEW_BYTES = 64 * 1024**2
#: HTML bodies longer than this are cut before sanitising (characters).
MAX_HTML_CHARS = 2_000_000
#: Messages whose sanitised body is kept in memory (each at most MAX_HTML_CHARS).
BODY_CACHE_SIZE = 64

#: Formatting elements kept; everything else loses its tag (the text stays).
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "dd",
        "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "i", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
        "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt",
        "u", "ul",
    }
)  # fmt: skip
#: Elements removed with their content.
REMOVED_WITH_CONTENT = frozenset(
    {"script", "style", "title", "head", "template", "noscript", "iframe", "object", "svg"}
)
#: The only attributes kept: table structure. No href, src, style, class or event handler.
ALLOWED_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}

_IMG = re.compile(r"<img\b", re.IGNORECASE)
_LINK = re.compile(r"<a\b[^>]*\bhref\s*=", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MailBody:
    html: str  # sanitised: safe to insert as markup
    images_dropped: int
    links_disabled: int


def html_part(data: bytes) -> str | None:
    """The first HTML body part of a message (not an attachment), decoded."""
    try:
        # compat32: no header objects for the thousands of parts we only skip past.
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        part = html_body_part(message)
        payload = part.get_payload(decode=True) if part is not None else None
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        return None
    if part is None or not isinstance(payload, bytes):
        return None
    text, _codec = decode_text(payload, declared=part.get_content_charset())
    return text


def sanitize(html: str) -> MailBody:
    """Markup safe to show inside the app's own page."""
    html = html[:MAX_HTML_CHARS]
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    )
    return MailBody(cleaned, len(_IMG.findall(html)), len(_LINK.findall(html)))


def email_body(blob: Path, mime: str = "message/rfc822") -> MailBody | None:
    """The sanitised HTML body of the message at ``blob`` (.eml, or Outlook .msg when
    ``mime`` says so); None when it has none."""
    try:
        info = blob.stat()
    except OSError:
        return None
    if info.st_size > MAX_EMAIL_VIEW_BYTES:
        return None
    return _cached_body(blob, mime, info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=BODY_CACHE_SIZE)
def _cached_body(blob: Path, mime: str, size: int, mtime_ns: int) -> MailBody | None:
    """:func:`email_body` for one version of the file (size and mtime are the key)."""
    del size, mtime_ns
    try:
        if mime == OUTLOOK_MIME:
            from culpa.formats.email.msg_reader import html_body

            html = html_body(blob)
        else:
            html = html_part(blob.read_bytes())
    except OSError:
        return None
    return sanitize(html) if html is not None and html.strip() else None


def recorded_body(blob: Path, body: BodyRange | str | None) -> MailBody | None:
    """The sanitised HTML body where the ingest recorded it, without parsing the message.

    ``body`` is the record's: a byte range of the .eml at ``blob`` (only those bytes
    are read), the HTML itself, or None for a message without an HTML body.
    """
    if body is None:
        return None
    if isinstance(body, str):
        return _sanitized(body)
    if not 0 <= body.start <= body.end or body.end - body.start > MAX_EMAIL_VIEW_BYTES:
        return None
    try:
        info = blob.stat()
    except OSError:
        return None
    if body.end > info.st_size:
        return None
    return _cached_range(blob, body, info.st_size, info.st_mtime_ns)


def decode_range(raw: bytes, body: BodyRange) -> str:
    """The body's text from its encoded bytes, decoded as the parser would decode them."""
    part = Message()  # compat32: the same transfer decoding as a parsed message's part
    part["Content-Transfer-Encoding"] = body.encoding
    part.set_payload(raw.decode("ascii", "surrogateescape"))
    payload = part.get_payload(decode=True)
    text, _codec = decode_text(
        payload if isinstance(payload, bytes) else b"", declared=body.charset
    )
    return text


@lru_cache(maxsize=BODY_CACHE_SIZE)
def _sanitized(html: str) -> MailBody | None:
    return sanitize(html) if html.strip() else None


@lru_cache(maxsize=BODY_CACHE_SIZE)
def _cached_range(blob: Path, body: BodyRange, size: int, mtime_ns: int) -> MailBody | None:
    """:func:`recorded_body` for one version of the file (size and mtime are the key)."""
    del size, mtime_ns
    try:
        with blob.open("rb") as f:
            f.seek(body.start)
            raw = f.read(body.end - body.start)
    except OSError:
        return None
    return _sanitized(decode_range(raw, body))
