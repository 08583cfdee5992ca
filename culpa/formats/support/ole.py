"""OLE compound files (97-2003 Office files, embedded objects): properties, children, passwords.

Word .doc, Excel .xls and PowerPoint .ppt files are OLE compound files, and so
are the objects embedded in newer documents (``oleObject1.bin``). What culpa
reads from the container itself, whatever the format inside, is here:

- metadata from the property streams (SummaryInformation,
  DocumentSummaryInformation) via olefile, decoded by their code page
  (:func:`ole_metadata`);
- files embedded in them (an OOXML document's ``package`` stream, a file
  wrapped by the Object Packager, an embedded PDF's ``CONTENTS``), handed to
  the ingest as children; embedded 97-2003 documents, which live as storages
  inside their parent, are counted but not extracted (:func:`embedded_files`);
- password protection (the Word FIB's encryption flag, Excel's FILEPASS record,
  PowerPoint's encrypted session), detected with msoffcrypto-tool before any
  reading, and opened with a password from ``context.passwords`` or Excel's
  public default password (:func:`decrypted_copy`).

olefile and msoffcrypto parse hostile binary structures and raise nearly
anything on a malformed file (:data:`OLE_ERRORS`): a property stream that
cannot be read gives no metadata, not a failure.
"""

from __future__ import annotations

import codecs
import io
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

import msoffcrypto
import msoffcrypto.exceptions
import olefile

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.support.ooxml_crypto import EXCEL_DEFAULT_PASSWORD, OFFICECRYPTO_ERRORS
from culpa.models import Child
from culpa.sources.archive import Unpacker, decode_legacy_name

#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000

#: olefile's property names -> culpa metadata keys.
_OLE_PROPERTIES = {
    "author": "author",
    "last_saved_by": "last_modified_by",
    "title": "title",
    "subject": "subject",
    "keywords": "keywords",
    "comments": "comments",
    "template": "template",
    "company": "company",
    "manager": "manager",
    "category": "category",
    "revision_number": "revision",
    "creating_application": "application",
    "create_time": "created",
    "last_saved_time": "modified",
    "last_printed": "last_printed",
}
#: Code pages (as OLE properties give them) -> Python codecs.
_OLE_CODE_PAGES = {
    65001: "utf_8",
    10000: "mac_roman",
    10008: "gb2312",
    1200: "utf_16_le",
    936: "gb18030",
    950: "cp950",
}
#: OLE streams holding a whole embedded file, extracted as children: an embedded
#: OOXML document (a zip, as is), a file wrapped by Windows' Object Packager, and
#: the raw file of objects such as embedded PDFs.
_PACKAGE_STREAM = "package"
_NATIVE_STREAM = "\x01Ole10Native"
_CONTENTS_STREAM = "CONTENTS"
#: Streams that mark an embedded 97-2003 document stored as a sub-storage of its
#: parent: not extracted (it would have to be rewritten as a file of its own).
_EMBEDDED_DOCUMENT_STREAMS = frozenset({"WordDocument", "Workbook", "Book", "PowerPoint Document"})
_CONTROL_CHARACTERS = dict.fromkeys(range(32))
#: FILETIME zero (1601-01-01) and other placeholder dates mean "never".
_EARLIEST_REAL_YEAR = 1980

OLE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    RecursionError,
    MemoryError,
    UnicodeDecodeError,
)
# msoffcrypto (and xlrd, below) parse hostile binary structures and raise nearly
# anything on a malformed file.
_OFFICECRYPTO_ERRORS: tuple[type[Exception], ...] = OFFICECRYPTO_ERRORS


def _ole_text(value: Any, codec: str) -> str:
    if isinstance(value, bytes):
        value = value.decode(codec, "replace")
    text = str(value)
    # olefile reads Unicode (code page 1200) strings past their end; the value ends at NUL.
    text = text.split("\x00", 1)[0]
    return text.strip()[:MAX_METADATA_CHARS]


def _codec_for(code_page: Any) -> str:
    if not isinstance(code_page, int):
        return "cp1252"
    if code_page < 0:
        code_page += 65536  # a signed 16-bit property (65001 is stored as -535)
    name = _OLE_CODE_PAGES.get(code_page, f"cp{code_page}")
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def ole_metadata(path: Path) -> dict[str, str]:
    """culpa metadata from an OLE file's SummaryInformation/DocumentSummaryInformation."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            properties = ole.get_metadata()
    except OLE_ERRORS:
        return {}
    codec = _codec_for(getattr(properties, "codepage", None))
    metadata: dict[str, str] = {}
    for name, key in _OLE_PROPERTIES.items():
        value = getattr(properties, name, None)
        if value is None or value == b"" or value == "":
            continue
        if isinstance(value, datetime):
            if value.year < _EARLIEST_REAL_YEAR:
                continue
            text = value.isoformat()
        else:
            text = _ole_text(value, codec)
        if text:
            metadata[key] = text
    return metadata


def _packaged_file(data: bytes) -> tuple[str, bytes]:
    """(file name, bytes) of an Ole10Native stream; ("", payload) if it is no package."""
    try:
        position = 6  # total size (4 bytes), flags (2)
        label_end = data.index(b"\x00", position)
        label = data[position:label_end]
        position = data.index(b"\x00", label_end + 1) + 1  # the original path
        position += 4  # reserved
        (temporary_length,) = struct.unpack_from("<I", data, position)
        position += 4 + temporary_length
        (size,) = struct.unpack_from("<I", data, position)
        position += 4
        payload = data[position : position + size]
        if len(payload) != size:
            raise ValueError("truncated package")
    except (ValueError, struct.error):
        return "", data[4:]
    return decode_legacy_name(label).translate(_CONTROL_CHARACTERS).strip(), payload


def embedded_files(
    path: Path, context: ExtractContext, *, at_root: bool = False
) -> tuple[tuple[Child, ...], int]:
    """Files embedded in an OLE file, written as children; and embedded documents skipped.

    ``at_root`` also takes streams at the top level: an embedded object saved on its
    own (``oleObject1.bin`` inside a .docx) holds its payload there.

    Word keeps embedded objects under ``ObjectPool``, Excel under ``MBD...``
    storages. Names are provenance text: the storage path, and the file name the
    Object Packager recorded (never used on disk).
    """
    limits = context.limits
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = ole.listdir(streams=True, storages=False)
            skipped = {
                tuple(entry[:-1]) for entry in streams if entry[-1] in _EMBEDDED_DOCUMENT_STREAMS
            }
            skipped.discard(())  # the file's own document stream
            found: list[tuple[str, bytes]] = []
            for entry in streams:
                if entry[-1] not in (_PACKAGE_STREAM, _NATIVE_STREAM, _CONTENTS_STREAM):
                    continue
                if (len(entry) < 2 and not at_root) or ole.get_size(
                    entry
                ) > limits.max_member_bytes:
                    continue
                storage = "/".join(part.translate(_CONTROL_CHARACTERS) for part in entry[:-1])
                storage = storage or "object"
                data = ole.openstream(entry).read()
                if entry[-1] == _NATIVE_STREAM:
                    label, data = _packaged_file(data)
                    found.append((f"{storage}/{label or 'Ole10Native'}", data))
                else:
                    found.append((f"{storage}/{entry[-1]}", data))
    except OLE_ERRORS:
        return (), 0
    if not found or context.depth >= limits.max_depth:
        return (), len(skipped)
    unpacker = Unpacker(context)
    for name, data in found:
        if data:
            unpacker.add(name, io.BytesIO(data), len(data))
    return tuple(unpacker.children), len(skipped)


def embedded_metadata(children: tuple[Child, ...], skipped: int) -> dict[str, str]:
    metadata: dict[str, str] = {}
    if children:
        metadata["embedded_files"] = str(len(children))
    if skipped:
        metadata["embedded_documents_skipped"] = str(skipped)
    return metadata


def _is_encrypted(path: Path) -> bool:
    """True if msoffcrypto finds the format's encryption marker.

    A structure it cannot parse is not called encrypted: the reader (xlrd or
    LibreOffice) then judges the file and reports it as damaged if it is.
    """
    try:
        with path.open("rb") as stream:
            return bool(msoffcrypto.OfficeFile(stream).is_encrypted())
    except _OFFICECRYPTO_ERRORS:
        return False


def decrypted_copy(
    path: Path, context: ExtractContext, scratch: Path, label: str
) -> tuple[Path, str | None]:
    """``path`` itself if not encrypted, else a decrypted copy in ``scratch``.

    The second value says how an encrypted file was opened (for metadata).
    """
    if not _is_encrypted(path):
        return path, None
    candidates = list(context.passwords)
    if label == "Excel":
        candidates.insert(0, EXCEL_DEFAULT_PASSWORD)
    target = scratch / f"decrypted{path.suffix}"
    try:
        with path.open("rb") as stream:
            office_file = msoffcrypto.OfficeFile(stream)
            for password in dict.fromkeys(candidates):
                try:
                    office_file.load_key(password=password)
                    with target.open("wb") as out:
                        office_file.decrypt(out)
                except msoffcrypto.exceptions.InvalidKeyError:
                    target.unlink(missing_ok=True)
                    continue
                how = (
                    "Excel's default password"
                    if password == EXCEL_DEFAULT_PASSWORD
                    else "a password given"
                )
                return target, f"opened with {how}"
    except _OFFICECRYPTO_ERRORS as exc:
        raise ExtractionError(
            ErrorKind.ENCRYPTED,
            f"password-protected {label} file in a form that cannot be opened: {exc}",
        ) from exc
    hint = (
        f"none of the {len(context.passwords)} passwords given opens it"
        if context.passwords
        else "give its password with --password or --password-file"
    )
    raise ExtractionError(ErrorKind.ENCRYPTED, f"password-protected {label} file; {hint}")
