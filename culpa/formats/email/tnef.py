"""TNEF (``winmail.dat``): what Outlook wraps attachments in when it mails them out.

A leak of mail often holds ``winmail.dat`` attachments instead of the files
their senders attached; tnefparse unwraps them. The attachments become
children under the names the sender gave them; the body (plain, HTML or RTF)
becomes the page.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, ClassVar

import tnefparse

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.html import html_to_text
from culpa.formats.documents.rtf import rtf_to_text
from culpa.formats.email.eml import safe_name
from culpa.formats.registry import register
from culpa.formats.support.plain_text import (
    decode_text,
    normalise_newlines,
    read_bounded,
    text_pages,
)
from culpa.models import Extracted
from culpa.sources.archive import Unpacker

#: Larger TNEF files are refused (bytes).
MAX_TNEF_BYTES = 1024**3
#: MAPI properties kept as metadata, by tnefparse's name.
_PROPERTIES = {
    "MAPI_CONVERSATION_TOPIC": "subject",
    "MAPI_SUBJECT": "subject",
    "MAPI_SENDER_NAME": "from",
    "MAPI_SENT_REPRESENTING_NAME": "from",
    "MAPI_INTERNET_MESSAGE_ID": "message-id",
}


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return decode_text(value)[0]
    return str(value)


def _body(tnef: Any) -> str:
    if tnef.body:
        return _text(tnef.body)
    if tnef.htmlbody:
        return html_to_text(_text(tnef.htmlbody))[0]
    if tnef.rtfbody:
        rtf = tnef.rtfbody
        return rtf_to_text(rtf if isinstance(rtf, bytes) else str(rtf).encode("latin-1", "replace"))
    return ""


@register
class TnefExtractor:
    """MS-TNEF containers (winmail.dat)."""

    type: ClassVar[str] = "tnef"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-tnef", "application/ms-tnef")
    extensions: ClassVar[tuple[str, ...]] = (".dat", ".tnef")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """The body as the page, the attachments as children."""
        data = read_bounded(path, MAX_TNEF_BYTES)
        try:
            tnef = tnefparse.TNEF(data)
            body = _body(tnef)
            attachments = [
                (safe_name(a.long_filename() or a.name or ""), a.data) for a in tnef.attachments
            ]
            properties = {str(p.name_str): p.data for p in tnef.mapiprops}
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, UnicodeError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"TNEF could not be read: {exc}") from exc
        metadata: dict[str, str] = {}
        for name, key in _PROPERTIES.items():
            if name in properties and key not in metadata:
                value = _text(properties[name]).replace("\x00", "").strip()
                if value:
                    metadata[key] = value[:2_000]
        unpacker = Unpacker(context)
        for name, payload in attachments:
            if isinstance(payload, bytes) and payload:
                unpacker.add(name, io.BytesIO(payload), len(payload))
        if unpacker.children:
            metadata["attachments"] = str(len(unpacker.children))
        text = normalise_newlines(body).strip("\n")
        pages = text_pages(text) if text else ()
        if not pages and not unpacker.children:
            raise ExtractionError(ErrorKind.EMPTY, "TNEF holds no body and no attachments")
        return Extracted(pages=pages, metadata=metadata, children=tuple(unpacker.children))
