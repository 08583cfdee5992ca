"""Outlook messages (.msg): the registered extractor; the reading is in msg_reader.

extract-msg takes a third of a second to import, so it is imported only when
a worker meets its first .msg file, not by every ingest (see msg_reader for
how messages are read).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from culpa.formats.base import ExtractContext
from culpa.formats.registry import register
from culpa.models import Extracted


@register
class MsgExtractor:
    """Outlook .msg messages (and appointments, tasks, ... saved as .msg)."""

    type: ClassVar[str] = "email"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-outlook",)
    extensions: ClassVar[tuple[str, ...]] = (".msg",)
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Headers as metadata, the body as pages, attachments as children."""
        from culpa.formats.email.msg_reader import read_message

        return read_message(path, context)
