"""Foxmail mailboxes (``in.box``, ``sent.box``, ...): every message becomes a child .eml.

Foxmail, the dominant mail client in China, keeps each mail folder of an
account (``mail/<account>/in.box``, ``out.box``, ``sent.box``, ``trash.box``)
as one file: the messages' raw RFC 822 bytes one after another, each preceded
by a marker line of seven 0x10 bytes, six 0x11 bytes, a status letter
(``S``) and CRLF (``10 10 10 10 10 10 10 11 11 11 11 11 11 53 0D 0A``). The
messages are usually GB2312/GBK: RFC 2047 words, or raw 8-bit headers from
older Foxmail versions, which the header decoding shared with mbox
(:mod:`culpa.formats.email.mbox`) reads as legacy Chinese text.

As for mbox, the file is read line by line and never loaded whole; each
message is copied into its own file in the work folder, named ``0001
Subject.eml``, and read by the EML extractor (bodies, attachments). The
mailbox's one page is an index: a line per message (number, date, sender,
subject). A marker holds control bytes that never occur in mail text, so a
body cannot split a message; it is found even where the message before it
lacks its last line break. Messages Foxmail has deleted but not yet compacted away are marked
in its separate ``.ind`` index file, not in the box, so they are read too.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, ClassVar

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.email.mbox import MessageSplitter, split_mailbox
from culpa.formats.registry import register
from culpa.formats.sniff import FOXMAIL_MARKER, FOXMAIL_MIME
from culpa.models import Extracted
from culpa.sources.archive import check_depth

#: The line before each message: 0x10 x 7, 0x11 x 6, a status letter, a line break.
MARKER = FOXMAIL_MARKER
#: The marker's fixed start, searched for inside lines (a message may lack its last newline).
_MARKER_START = b"\x10" * 7 + b"\x11" * 6
#: Lines are read in pieces of at most this many bytes (a hostile file may have no newlines).
MAX_LINE_BYTES = 1024 * 1024


class _FoxmailSplitter(MessageSplitter):
    """Splits at marker lines instead of mbox postmarks; nothing is unquoted."""

    def split(self, stream: IO[bytes]) -> None:
        started = False
        try:
            while piece := stream.readline(MAX_LINE_BYTES):
                at = piece.find(_MARKER_START)
                if at >= 0 and MARKER.match(piece, at) is not None:
                    if at and started:
                        self._write(piece[:at])  # a last line without its line break
                    if started:
                        self._finish()
                    elif piece[:at].strip():
                        raise ExtractionError(
                            ErrorKind.CORRUPT,
                            "not a Foxmail mailbox: text before the first message marker",
                        )
                    started = True
                    self._start()
                    continue
                if not started:
                    if piece.strip():
                        raise ExtractionError(
                            ErrorKind.CORRUPT,
                            "not a Foxmail mailbox: no message marker at the start",
                        )
                    continue
                self._write(piece)
            if not started:
                raise ExtractionError(ErrorKind.EMPTY, "mailbox holds no messages")
            self._finish()
        finally:
            if self._out is not None:
                self._out.close()


@register
class FoxmailExtractor:
    """Foxmail ``.box`` mail folders: one child .eml per message and an index page."""

    type: ClassVar[str] = "mailbox"
    mime_types: ClassVar[tuple[str, ...]] = (FOXMAIL_MIME,)
    extensions: ClassVar[tuple[str, ...]] = (".box",)
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Split the mailbox into messages; the page is an index of them."""
        check_depth(context)
        return split_mailbox(path, _FoxmailSplitter(context), {"mailbox_format": "foxmail"})
