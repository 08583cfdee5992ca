"""What a file is, from its content (names in a leak lie).

libmagic does most of the work on a bounded prefix. It is weak where this
trove is strong, so its answer is corrected: GB18030/Big5/UTF-16 text that it
calls application/octet-stream is text/plain if it decodes; mail saved
without a leading Received:/Return-Path: header is message/rfc822; OOXML and
ODF packages whose first zip entry isn't the tell-tale one are named by their
parts (read from the zip's central directory, nothing decompressed).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import magic
import olefile

from culpa.formats.support.plain_text import guess_encoding
from culpa.formats.tables.delimited import sniff_shape
from culpa.formats.tables.json_table import looks_like_json_lines

#: How much of the file libmagic and the text checks see (bytes).
SNIFF_BYTES = 64 * 1024
#: A zip with more entries than this is not opened to look for office parts.
MAX_SNIFF_ZIP_ENTRIES = 100_000

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
EML_MIME = "message/rfc822"
MBOX_MIME = "application/mbox"
TEXT_MIME = "text/plain"
OCTET_STREAM = "application/octet-stream"
EMPTY_MIME = "application/x-empty"
SVG_MIME = "image/svg+xml"
XML_MIME = "application/xml"
MSG_MIME = "application/vnd.ms-outlook"
PST_MIME = "application/vnd.ms-outlook-pst"
ENCRYPTED_OFFICE_MIME = "application/encrypted"
OLE_MIME = "application/x-ole-storage"
CSV_MIME = "text/csv"
TSV_MIME = "text/tab-separated-values"
NDJSON_MIME = "application/x-ndjson"
#: Records plain text needs before it is called a table (libmagic names CSV with commas
#: itself; tab, semicolon and bar tables, and JSON Lines, it calls text/plain).
MIN_TABLE_RECORDS = 3

#: Outlook personal folders (.pst/.ost) start with this signature.
PST_SIGNATURE = b"!BDN"
FOXMAIL_MIME = "application/x-foxmail-box"
#: A Foxmail mailbox (.box) starts with the line before its first message: 0x10 x 7,
#: 0x11 x 6, a status letter ("S"), CRLF (culpa/formats/email/foxmail.py).
FOXMAIL_MARKER = re.compile(rb"\x10{7}\x11{6}[\x20-\x7e]{0,4}\r?\n")
# Top-level OLE streams that say which program wrote a compound file, checked in order.
_OLE_STREAMS: tuple[tuple[str, str], ...] = (
    ("EncryptedPackage", ENCRYPTED_OFFICE_MIME),  # password-protected OOXML
    ("__properties_version1.0", MSG_MIME),
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
_OLE_MIMES = {
    OLE_MIME,
    "application/CDFV2",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    MSG_MIME,
    ENCRYPTED_OFFICE_MIME,
}

# Parts that identify an OOXML package, checked in order.
_OOXML_PARTS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", DOCX_MIME),
    ("xl/workbook.xml", XLSX_MIME),
    ("ppt/presentation.xml", PPTX_MIME),
)
_ZIPLIKE = {"application/zip", "application/x-zip-compressed", OCTET_STREAM}
# MIME types libmagic gives to text it could not place.
_TEXTISH = {"text/plain", OCTET_STREAM, "application/x-wine-extension-ini"}

_HEADER_LINE = re.compile(rb"^([A-Za-z][A-Za-z0-9-]{0,60}):[ \t]?.*$")
_MAIL_HEADERS = {
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"received",
    b"return-path",
    b"reply-to",
    b"in-reply-to",
    b"references",
    b"content-type",
    b"x-mailer",
    b"delivered-to",
    b"sender",
}
#: Distinct mail headers needed before text is called an email.
MIN_MAIL_HEADERS = 3
#: Header lines read before giving up on finding the end of a mail header block.
MAX_HEADER_LINES = 400

_magic = magic.Magic(mime=True)


def _libmagic(prefix: bytes) -> str:
    try:
        return str(_magic.from_buffer(prefix))
    except magic.MagicException:
        return OCTET_STREAM


def looks_like_mail(prefix: bytes) -> bool:
    """True if the text starts with an RFC 822 header block naming several mail headers."""
    seen: set[bytes] = set()
    lines = prefix.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]  # mbox postmark line
    for line in lines[:MAX_HEADER_LINES]:
        if not line.strip():
            break  # end of the header block
        if line[:1] in (b" ", b"\t"):
            continue  # folded continuation
        match = _HEADER_LINE.match(line)
        if match is None:
            return False
        seen.add(match.group(1).lower())
    return len(seen & _MAIL_HEADERS) >= MIN_MAIL_HEADERS


def _mail_mime(prefix: bytes) -> str:
    """application/mbox when the text starts with an mbox postmark line, else message/rfc822.

    A mailbox holding one message is still a mailbox: its message becomes a child.
    """
    if prefix.startswith(b"From "):
        return MBOX_MIME
    return EML_MIME


def looks_like_text(prefix: bytes) -> bool:
    """True if the prefix decodes as text in some encoding and has no binary controls."""
    found = guess_encoding(prefix, final=False)
    if found is None:
        return False
    text, _codec = found
    if not text:
        return False
    bad = sum(1 for c in text if (c < " " and c not in "\t\n\r\f\v\x1b") or c == "\ufffd")
    return bad <= len(text) // 100


def _zip_office_mime(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_SNIFF_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
            for part, mime in _OOXML_PARTS:
                if part in names:
                    return mime
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 200:
                    declared = archive.read(info).decode("ascii", "replace").strip()
                    if declared.startswith("application/"):
                        return declared
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return None
    return None


def _ole_mime(path: Path) -> str | None:
    """The program behind an OLE compound file, from its top-level stream names."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            names = {entry[0] for entry in ole.listdir(streams=True, storages=True) if entry}
    except (OSError, ValueError, IndexError, KeyError, TypeError, RecursionError, MemoryError):
        return None
    for stream, mime in _OLE_STREAMS:
        if stream in names:
            return mime
    return None


_FLAT_ODF = re.compile(
    rb"<office:document\b[^>]*office:mimetype=\"application/vnd\.oasis\.opendocument\."
    rb"(text|spreadsheet|presentation|graphics)\""
)


def _markup_mime(prefix: bytes) -> str | None:
    """SVG or XML that libmagic took for plain text (a DOCTYPE with no <?xml line)."""
    head = prefix.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024].lower()
    if not head.startswith((b"<?xml", b"<!doctype", b"<svg")):
        return None
    flat = _FLAT_ODF.search(prefix[:8192])
    if flat is not None:  # a flat OpenDocument file (.fodt, .fods, .fodp)
        return f"application/vnd.oasis.opendocument.{flat.group(1).decode()}-flat-xml"
    if b"<svg" in prefix[:4096].lower():
        return SVG_MIME
    if head.startswith(b"<!doctype html"):
        return None
    return XML_MIME


def detect_mime(path: Path) -> str:
    """MIME type of the file at ``path`` from its content."""
    with path.open("rb") as f:
        prefix = f.read(SNIFF_BYTES)
    if not prefix:
        return EMPTY_MIME
    if prefix.startswith(PST_SIGNATURE):
        return PST_MIME
    foxmail = FOXMAIL_MARKER.match(prefix)
    if foxmail is not None and looks_like_mail(prefix[foxmail.end() :]):
        return FOXMAIL_MIME
    mime = _libmagic(prefix)
    if mime in _OLE_MIMES and prefix.startswith(olefile.MAGIC):
        return _ole_mime(path) or mime
    if mime in _ZIPLIKE and prefix.startswith(b"PK"):
        return _zip_office_mime(path) or mime
    if mime in _TEXTISH or mime.startswith("text/"):
        if looks_like_mail(prefix):
            return _mail_mime(prefix)
        markup = _markup_mime(prefix)
        if markup is not None and mime in (*_TEXTISH, "text/xml"):
            return markup
        if mime in _TEXTISH and mime != TEXT_MIME and looks_like_text(prefix):
            mime = TEXT_MIME
        if mime == TEXT_MIME:
            return _table_mime(prefix, complete=len(prefix) < SNIFF_BYTES) or mime
    return mime


def _table_mime(prefix: bytes, *, complete: bool) -> str | None:
    """CSV/TSV or JSON Lines that libmagic called plain text, else None.

    Stricter than the table extractors' own check (three records, and the first
    column filled): plain text keeps its type unless it plainly is a table.
    """
    found = guess_encoding(prefix, final=complete)
    if found is None:
        return None
    text = found[0]
    if looks_like_json_lines(text, complete=complete):
        return NDJSON_MIME
    shape = sniff_shape(text, complete=complete, min_records=MIN_TABLE_RECORDS)
    if shape is None or not shape.filled:
        return None
    return TSV_MIME if shape.delimiter == "\t" else CSV_MIME
