"""Unix mailboxes (mbox): every message becomes a child .eml, read by the EML extractor.

A mailbox can be many gigabytes, so it is never loaded whole: it is read line
by line and each message is copied straight into its own file in the work
folder. A message starts at a postmark line (``From sender date``) at the start
of the file or after a blank line; requiring the blank line and a time of day
keeps an unquoted "From " line inside a body from splitting a message. Lines
quoted as ``>From `` (mboxrd) lose one ``>``. Only each message's header block
is parsed here, to name the child ``0001 Subject.eml`` (numbered in mailbox
order) and to write the mailbox's one page: an index with a line per message
(number, date, sender, subject), so the mailbox itself is findable and shows
what it holds. Bodies and attachments are left to the EML extractor.
"""

from __future__ import annotations

import contextlib
import email.policy
import re
from collections.abc import Iterator
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.formats.support.plain_text import decode_text, text_pages
from culpa.models import Child, Extracted
from culpa.sources.archive import check_depth

#: Lines are read in pieces of at most this many bytes (a hostile mailbox may have no newlines).
MAX_LINE_BYTES = 1024 * 1024
#: Only this much of a message's header block is kept for naming and the index (bytes).
MAX_HEADER_BYTES = 256 * 1024
#: The index page lists at most this many messages; the rest are counted.
MAX_INDEX_LINES = 100_000
#: Subjects are cut to this many characters in child names and index lines.
MAX_SUBJECT_CHARS = 100
#: Index fields (sender, date) are cut to this many characters.
MAX_INDEX_FIELD_CHARS = 200

#: A postmark: "From " then a sender (may be empty or "-") and a date with a time of day.
_POSTMARK = re.compile(rb"^From \S*.*?\b\d{1,2}:\d{2}")
_QUOTED_FROM = re.compile(rb"^>+From ")
#: Characters not allowed in a Windows file name, replaced in names made from subjects.
_FILE_NAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_QUOTED_WORDS = re.compile(r'"\s+([^"<>]*?)\s+"')


def subject_file_name(subject: str | None, suffix: str, fallback: str = "message") -> str:
    """A file name made from a subject, as provenance text: ``Re: 会议`` → ``Re- 会议.eml``.

    Characters Windows forbids in file names become '-' (as Outlook does when it
    saves a message), whitespace runs become one space, and long subjects are cut.
    """
    text = _FILE_NAME_UNSAFE.sub("-", _SPACES.sub(" ", subject or "")).strip(" .")
    return f"{text[:MAX_SUBJECT_CHARS].rstrip(' .') or fallback}{suffix}"


def header_text(message: Message, name: str, limit: int = MAX_INDEX_FIELD_CHARS) -> str | None:
    """One header as text (several values joined by ', '), or None; never raises."""
    try:
        values = message.get_all(name)
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        return None
    if not values:
        return None
    parts: list[str] = []
    for value in values:
        try:
            parts.append(str(value))
        except (ValueError, TypeError, IndexError, AttributeError, LookupError):
            parts.append(repr(value))
    text = _SPACES.sub(" ", _CONTROL.sub("", ", ".join(parts))).strip()
    return text[:limit] or None


def _header_block_text(data: bytes) -> str:
    """A header block as text: UTF-8, else raw 8-bit headers in whatever encoding they are."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_text(data)[0]


def _field(message: Message, name: str, limit: int = MAX_INDEX_FIELD_CHARS) -> str | None:
    """A header of a compat32 message, RFC 2047 words and stray 8-bit bytes decoded."""
    try:
        raw = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        return None
    if raw is None:
        return None
    text = str(raw)
    with contextlib.suppress(HeaderParseError, UnicodeError, LookupError, ValueError, TypeError):
        text = str(make_header(decode_header(text)))  # else keep the undecoded text
    # Foxmail quotes encoded words ('"=?gb2312?B?...?=" <a@b>'), which decoding spaces out.
    text = _QUOTED_WORDS.sub(r"\1", text)
    text = _SPACES.sub(" ", _CONTROL.sub("", text)).strip()
    return text[:limit] or None


def iso_date(date: str | None) -> str | None:
    """An RFC 2822 date as ISO 8601, or None if it can't be read."""
    if not date:
        return None
    with contextlib.suppress(ValueError, TypeError, IndexError, OverflowError):
        return parsedate_to_datetime(date).isoformat()
    return None


def _pieces(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """The stream's lines, in bounded pieces, each with whether it starts a line."""
    at_line_start = True
    while piece := stream.readline(MAX_LINE_BYTES):
        yield piece, at_line_start
        at_line_start = piece.endswith(b"\n")


def _is_blank(piece: bytes) -> bool:
    return piece in (b"\n", b"\r\n")


class MessageSplitter:
    """Copies each message of a mailbox into its own file, enforcing the limits."""

    def __init__(self, context: ExtractContext) -> None:
        self.context = context
        self.children: list[Child] = []
        self.index: list[str] = []
        self.total_bytes = 0
        self._out: IO[bytes] | None = None
        self._path: Path | None = None
        self._written = 0
        self._header = bytearray()
        self._in_header = False

    def split(self, stream: IO[bytes]) -> None:
        pending_blank: bytes | None = None
        started = False
        try:
            for piece, at_line_start in _pieces(stream):
                if not started:
                    if _is_blank(piece):
                        continue
                    if not _POSTMARK.match(piece):
                        raise ExtractionError(
                            ErrorKind.CORRUPT, "not an mbox mailbox: no 'From ' line at the start"
                        )
                    started = True
                    self._start()
                    continue
                if at_line_start and _is_blank(piece):
                    if pending_blank is not None:
                        self._write(pending_blank)
                    pending_blank = piece  # held back: it may end this message
                    continue
                if at_line_start and pending_blank is not None and _POSTMARK.match(piece):
                    pending_blank = None
                    self._finish()
                    self._start()
                    continue
                if pending_blank is not None:
                    self._write(pending_blank)
                    pending_blank = None
                if at_line_start and _QUOTED_FROM.match(piece):
                    piece = piece[1:]
                self._write(piece)
            if not started:
                raise ExtractionError(ErrorKind.EMPTY, "mailbox holds no messages")
            self._finish()
        finally:
            if self._out is not None:
                self._out.close()

    def _start(self) -> None:
        self._out = None
        self._path = None
        self._written = 0
        self._header = bytearray()
        self._in_header = True

    def _write(self, piece: bytes) -> None:
        limits = self.context.limits
        if self._out is None:
            if len(self.children) >= limits.max_members:
                raise ExtractionError(
                    ErrorKind.LIMIT_EXCEEDED,
                    f"mailbox holds more than {limits.max_members} messages",
                )
            self.context.workdir.mkdir(parents=True, exist_ok=True)
            self._path = self.context.workdir / f"message-{len(self.children) + 1:07d}.eml"
            self._out = self._path.open("xb")
        self._written += len(piece)
        self.total_bytes += len(piece)
        if self._written > limits.max_member_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED,
                f"message {len(self.children) + 1} is over {limits.max_member_bytes} bytes",
            )
        if self.total_bytes > limits.max_total_bytes:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"mailbox expands past {limits.max_total_bytes} bytes"
            )
        if self._in_header:
            if _is_blank(piece):
                self._in_header = False
            elif len(self._header) < MAX_HEADER_BYTES:
                self._header += piece
        self._out.write(piece)

    def _finish(self) -> None:
        """Close the current message and record its child and index line."""
        if self._out is None or self._path is None:
            return  # an empty message (two postmarks in a row) is not a child
        self._out.close()
        self._out = None
        number = len(self.children) + 1
        # compat32 plus explicit RFC 2047 decoding: policy.default's header objects cost
        # about a millisecond per header, the larger part of splitting a big mailbox.
        headers: Message
        try:
            headers = HeaderParser(policy=email.policy.compat32).parsestr(
                _header_block_text(bytes(self._header))
            )
        except (ValueError, TypeError, IndexError, AttributeError, LookupError):
            headers = Message()
        subject = _field(headers, "subject", MAX_SUBJECT_CHARS * 4)
        name = f"{number:04d} {subject_file_name(subject, '.eml')}"
        self.children.append(Child(name=name, path=self._path))
        if len(self.index) < MAX_INDEX_LINES:
            date = _field(headers, "date")
            fields = (
                f"{number:04d}",
                iso_date(date) or date or "-",
                _field(headers, "from") or "-",
                (subject or "-")[:MAX_SUBJECT_CHARS],
            )
            self.index.append("  ".join(fields))


@register
class MboxExtractor:
    """Unix mailboxes (mboxo, mboxrd): one child .eml per message and an index page."""

    type: ClassVar[str] = "mailbox"
    mime_types: ClassVar[tuple[str, ...]] = ("application/mbox",)
    extensions: ClassVar[tuple[str, ...]] = (".mbox", ".mbx")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Split the mailbox into messages; the page is an index of them."""
        check_depth(context)
        return split_mailbox(path, MessageSplitter(context), {})


def split_mailbox(path: Path, splitter: MessageSplitter, metadata: dict[str, str]) -> Extracted:
    """A mailbox read with ``splitter``: one child .eml per message, the page an index."""
    try:
        with path.open("rb") as stream:
            splitter.split(stream)
    except OSError as exc:
        raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read mailbox: {exc}") from exc
    count = len(splitter.children)
    lines = list(splitter.index)
    if count > len(lines):
        lines.append(f"… and {count - len(lines)} more messages")
    return Extracted(
        pages=text_pages("\n".join(lines)),
        metadata={"messages": str(count), **metadata},
        children=tuple(splitter.children),
    )
