"""Legacy (97-2003) Office files: Word .doc, PowerPoint .ppt, Excel .xls.

- .doc and .ppt are converted to PDF by LibreOffice (headless) and the PDF
  extractor reads the result, so pages are LibreOffice's real page (or slide)
  layout and every word keeps its box; comments are exported as PDF
  annotations and added to their page's text in a ``Comments:`` section;
  hidden slides are exported too.
- Only the document's own text: LibreOffice fills a date or time field that the
  document does not fix, and a file-name field, from its clock and from the
  scratch copy's name when it lays the page out, so the text would claim a
  moment that is not in the file and two ingests would differ (issue 10). Each
  file is therefore converted to ODF first; every such field there is replaced
  by a marker (:data:`CLOCK_FIELD_MARKERS`: ``[date field]``, ``[time field]``,
  ``[file name field]``; a slide footer showing "today" likewise) and that ODF is
  converted to PDF. Fixed fields keep the value saved in the file. A PowerPoint
  date field holds no value at all (PowerPoint shows the day it is opened). A
  Word DATE or TIME field keeps the result Word saved: LibreOffice keeps it for a
  locked field, so the fields are locked in a copy first (:func:`lock_word_fields`).
- .xls is read by xlrd directly (no converter): an overview page listing the
  sheets (hidden ones said), then each sheet's rows as a table numbered as Excel
  numbers them (:mod:`culpa.formats.tables.sheets`), cell comments on a page after.
- Metadata of all three comes from the OLE property streams
  (SummaryInformation, DocumentSummaryInformation) via olefile.
- Files embedded in them (an OOXML document's ``package`` stream, a file
  wrapped by the Object Packager, an embedded PDF's ``CONTENTS``) are handed to
  the ingest as children. Embedded 97-2003 documents, which live as storages
  inside their parent, are counted in metadata but not extracted.
- Password protection (the Word FIB's encryption flag, Excel's FILEPASS
  record, PowerPoint's encrypted session) is detected with msoffcrypto-tool
  before any conversion; a password from ``context.passwords`` (and Excel's
  public default password) is tried, else the file is ``encrypted``.

LibreOffice never reaches the network and never touches the user's files:
each conversion gets a fresh private profile (``-env:UserInstallation``) whose
settings block linked content from the document (``BlockUntrustedRefererLinks``:
a remote image is not fetched), never update links and never run macros; it
runs under :func:`culpa.formats.support.tools.run_tool` (private HOME and temporary
folder, time limit, process group killed on timeout), and, where the kernel
allows it, in a network namespace of its own with no interfaces up. Two
conversions at once (two worker processes) share nothing.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import functools
import io
import re
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import msoffcrypto
import msoffcrypto.exceptions
import olefile
import pymupdf
import xlrd

from culpa.analysis.language import detect_language
from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, PageImage
from culpa.formats.documents.pdf import PdfExtractor
from culpa.formats.registry import register
from culpa.formats.support.ooxml import OFFICECRYPTO_ERRORS
from culpa.formats.support.tools import find_tool, require_tool, run_tool
from culpa.formats.tables.sheets import SheetPages, WorkbookPages
from culpa.formats.tables.table_pages import row_line
from culpa.models import Child, Extracted, Page, Table
from culpa.sources.archive import Unpacker, decode_legacy_name

#: Seconds LibreOffice may take to convert one file (the ingest's own no-progress
#: limit is longer, so a slow conversion is stopped here, with a clear message).
CONVERSION_TIMEOUT = 120.0
#: Seconds the one-off check that a network namespace can be made may take.
NAMESPACE_PROBE_TIMEOUT = 10.0
#: Larger legacy Office files are refused (bytes).
MAX_LEGACY_BYTES = 512 * 1024**2
#: A sheet's text is cut after this many characters (the cut is recorded in metadata).
MAX_SHEET_CHARS = 20_000_000
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000
#: Separator of list-valued metadata (sheet names), as for OOXML files.
LIST_SEPARATOR = "; "
#: Excel encrypts workbooks that are only write-protected with this public password.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"

#: Settings written into every conversion's fresh LibreOffice profile. Values are
#: from LibreOffice's Common.xcs, Writer.xcs and Calc.xcs: Writer's link update
#: mode 0 is "never", Calc's 1 is "never"; BlockUntrustedRefererLinks stops
#: linked images and other linked content from being fetched.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">\
<prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">\
<prop oor:name="Field" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update">\
<prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">\
<prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""

#: Desktop folders pointed into each conversion's scratch folder.
_XDG_FOLDERS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
#: Variables that would connect LibreOffice to the user's desktop session.
_DROPPED_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "DISPLAY", "WAYLAND_DISPLAY")

#: PDF export filters and options: comments as annotations, hidden slides included.
_PDF_FILTERS = {
    "writer": 'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}',
    "impress": (
        'pdf:impress_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"},'
        '"ExportHiddenSlides":{"type":"boolean","value":"true"}}'
    ),
}

#: LibreOffice's own (ODF) format each application writes first, so that fields
#: filled from the clock can be marked before the PDF is made: (target, suffix).
_ODF_TARGETS = {"writer": ("odt:writer8", ".odt"), "impress": ("odp:impress8", ".odp")}
#: ODF field elements (``text:...``) that LibreOffice fills at layout time from its
#: clock or the name of the file it opened, unless the field is fixed -> the marker
#: put in their place (see the module docstring).
CLOCK_FIELD_MARKERS = {
    "date": "[date field]",
    "time": "[time field]",
    "file-name": "[file name field]",
}
#: A clock field element, self-closing or with its rendered value: (name, attributes).
_CLOCK_FIELD = re.compile(
    rb"<text:(date|time|file-name)(?=[\s/>])([^>]*?)(?:/>|>.*?</text:\1>)", re.DOTALL
)
#: A slide footer's date declaration; ``source="current-date"`` is the day of viewing.
_DATE_TIME_DECLARATION = re.compile(
    rb"<presentation:date-time-decl(?=[\s/>])([^>]*?)(?:/>|>.*?</presentation:date-time-decl>)",
    re.DOTALL,
)
_FIXED_FIELD = re.compile(rb'\btext:fixed="true"')
_CURRENT_DATE = b'presentation:source="current-date"'
#: Parts of an ODF package whose fields are rendered: the body, and the page styles'
#: headers, footers and master slides (also those of embedded objects).
_FIELD_PARTS = ("content.xml", "styles.xml")

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

#: PyMuPDF's type number of a "Text" (sticky note) annotation: how comments are exported.
_TEXT_ANNOTATION: int = pymupdf.PDF_ANNOT_TEXT  # type: ignore[attr-defined]
#: FILETIME zero (1601-01-01) and other placeholder dates mean "never".
_EARLIEST_REAL_YEAR = 1980

_OLE_ERRORS: tuple[type[Exception], ...] = (
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
_XLRD_ERRORS: tuple[type[Exception], ...] = (
    xlrd.XLRDError,
    xlrd.compdoc.CompDocError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    EOFError,
    ZeroDivisionError,
    UnicodeDecodeError,
    OverflowError,
    MemoryError,
    struct.error,
)


# --------------------------------------------------------------------------- LibreOffice


@functools.cache
def network_isolation() -> tuple[str, ...]:
    """A command prefix that runs a program with no network at all, if this kernel allows.

    ``unshare --net --map-root-user`` gives the program a network namespace with
    only a loopback interface that is down. Where user namespaces are disabled the
    prefix is empty and the profile settings alone keep LibreOffice offline.
    """
    unshare = find_tool("unshare")
    if unshare is None:
        return ()
    prefix = (unshare, "--net", "--map-root-user")
    try:
        result = run_tool([*prefix, "true"], timeout=NAMESPACE_PROBE_TIMEOUT, what="unshare")
    except ExtractionError:
        return ()
    return prefix if result.returncode == 0 else ()


def _private_environment(scratch: Path) -> tuple[str, ...]:
    """An ``env`` prefix that keeps LibreOffice's desktop libraries inside ``scratch``.

    run_tool gives a private HOME, but a user's XDG_* folders and session bus would
    still be inherited: GLib's dconf writes ``$XDG_CACHE_HOME/dconf/user`` even in
    headless mode. Each is pointed into the scratch folder or dropped.
    """
    env = find_tool("env")
    if env is None:
        return ()
    folders = {name: scratch / "xdg" / name.lower() for name in _XDG_FOLDERS}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    unset = [argument for name in _DROPPED_VARIABLES for argument in ("-u", name)]
    return (env, *unset, *(f"{name}={folder}" for name, folder in folders.items()))


def write_profile(profile: Path) -> None:
    """A fresh LibreOffice user profile holding only :data:`PROFILE_SETTINGS`."""
    user = profile / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")


@contextlib.contextmanager
def libreoffice_converted(
    source: Path,
    target: str,
    *,
    suffix: str,
    timeout: float = CONVERSION_TIMEOUT,
    isolate_network: bool = True,
) -> Iterator[Path]:
    """Convert ``source`` with LibreOffice; yield the converted file (deleted afterwards).

    ``target`` is a ``--convert-to`` argument (``pdf``, ``pdf:writer_pdf_Export:{...}``).
    ``suffix`` is the extension the input is given (its stored name has none, and
    LibreOffice's type detection uses it as a hint).
    """
    soffice = require_tool("soffice", "libreoffice")
    with tempfile.TemporaryDirectory(prefix="culpa-office-") as scratch_name:
        scratch = Path(scratch_name)
        profile = scratch / "profile"
        write_profile(profile)
        # A read-only copy, not a link: nothing LibreOffice does can reach the original.
        document = scratch / f"document{suffix}"
        shutil.copyfile(source, document)
        document.chmod(0o400)
        outdir = scratch / "out"
        outdir.mkdir()
        prefix = network_isolation() if isolate_network else ()
        args = [
            *prefix,
            *_private_environment(scratch),
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(document),
        ]
        result = run_tool(args, timeout=timeout, what="LibreOffice")
        extension = target.split(":", 1)[0]
        converted = outdir / f"document.{extension}"
        if not converted.is_file() or converted.stat().st_size == 0:
            detail = result.stderr or result.stdout.decode("utf-8", "replace").strip()
            raise ExtractionError(
                ErrorKind.CORRUPT,
                f"LibreOffice could not convert the file (exit {result.returncode}): "
                f"{detail[-300:] or 'no output'}",
            )
        yield converted


def mark_clock_fields_in_xml(xml: bytes) -> tuple[bytes, int]:
    """``xml`` (an ODF part) with each unfixed clock field replaced by its marker; and how many."""
    count = 0

    def field(match: re.Match[bytes]) -> bytes:
        nonlocal count
        if _FIXED_FIELD.search(match.group(2)):
            return match.group(0)
        count += 1
        return CLOCK_FIELD_MARKERS[match.group(1).decode()].encode()

    def declaration(match: re.Match[bytes]) -> bytes:
        nonlocal count
        attributes = match.group(1)
        if _CURRENT_DATE not in attributes:
            return match.group(0)
        count += 1
        attributes = attributes.rstrip(b"/ ").replace(_CURRENT_DATE, b'presentation:source="fixed"')
        marker = CLOCK_FIELD_MARKERS["date"].encode()
        return b"<presentation:date-time-decl%s>%s</presentation:date-time-decl>" % (
            attributes,
            marker,
        )

    xml = _CLOCK_FIELD.sub(field, xml)
    xml = _DATE_TIME_DECLARATION.sub(declaration, xml)
    return xml, count


def mark_clock_fields(source: Path, target: Path) -> int:
    """Copy the ODF package ``source`` to ``target`` with its clock fields marked; how many.

    The package is LibreOffice's own output; ``mimetype`` stays first and stored.
    """
    marked = 0
    try:
        with zipfile.ZipFile(source) as package, zipfile.ZipFile(target, "w") as out:
            for info in package.infolist():
                data = package.read(info)
                if info.filename.rsplit("/", 1)[-1] in _FIELD_PARTS:
                    data, count = mark_clock_fields_in_xml(data)
                    marked += count
                out.writestr(info, data, compress_type=info.compress_type)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ExtractionError(
            ErrorKind.CORRUPT, f"LibreOffice's ODF conversion is unreadable: {exc}"
        ) from exc
    return marked


@contextlib.contextmanager
def office_pdf(source: Path, *, application: str, suffix: str) -> Iterator[tuple[Path, int]]:
    """LibreOffice's PDF of a .doc or .ppt, with clock fields marked; and how many were.

    Two conversions: to ODF (where the fields are marked), then that ODF to PDF.
    """
    odf_target, odf_suffix = _ODF_TARGETS[application]
    with libreoffice_converted(source, odf_target, suffix=suffix) as odf:
        marked_odf = odf.with_name(f"marked{odf_suffix}")
        marked = mark_clock_fields(odf, marked_odf)
        with libreoffice_converted(marked_odf, _PDF_FILTERS[application], suffix=odf_suffix) as pdf:
            yield pdf, marked


#: Word's FIB: its identifier, the first version with the Word 97 layout read here, the
#: flag choosing the 1Table stream, and the indexes in FibRgFcLcb97 of the field tables
#: (PlcfFld) of every story: main text, headers, footnotes, comments, endnotes, text
#: boxes, header text boxes ([MS-DOC] 2.5.6).
_WORD_IDENT = 0xA5EC
_WORD_97_NFIB = 0x00C1
_WHICH_TABLE_FLAG = 0x0200
_FIELD_TABLE_INDEXES = (16, 17, 18, 19, 48, 57, 59)
#: Field types ([MS-DOC] 2.9.90 flt) of DATE and TIME, which Word fills from the clock
#: when it updates them; and fLocked in the field's end character.
_CLOCK_FIELD_TYPES = frozenset({31, 32})
_FIELD_BEGIN, _FIELD_END = 0x13, 0x15
_FIELD_LOCKED = 0x10
_FIB_ERRORS: tuple[type[Exception], ...] = (*_OLE_ERRORS, struct.error)


def lock_word_fields(path: Path) -> int:
    """Lock the DATE and TIME fields of the Word 97-2003 file at ``path`` (changed in place).

    LibreOffice shows an unlocked DATE field as the time of conversion but a locked
    one as the result Word saved in the file. Returns how many were locked; a file
    it cannot parse is left as it is (the ODF step still marks its fields).
    """
    locked = 0
    try:
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            fib = ole.openstream("WordDocument").read(4096)
            ident, nfib = struct.unpack_from("<HH", fib, 0)
            if ident != _WORD_IDENT or nfib < _WORD_97_NFIB:
                return 0
            (flags,) = struct.unpack_from("<H", fib, 0x0A)
            stream = "1Table" if flags & _WHICH_TABLE_FLAG else "0Table"
            (csw,) = struct.unpack_from("<H", fib, 32)
            position = 34 + 2 * csw
            (cslw,) = struct.unpack_from("<H", fib, position)
            position += 2 + 4 * cslw
            (pairs,) = struct.unpack_from("<H", fib, position)
            position += 2
            table = bytearray(ole.openstream(stream).read())
            for index in _FIELD_TABLE_INDEXES:
                if index >= pairs:
                    continue
                offset, size = struct.unpack_from("<II", fib, position + 8 * index)
                if size < 10 or offset + size > len(table):
                    continue
                count = (size - 4) // 6  # n+1 character positions (4 bytes), n FLDs (2)
                start = offset + 4 * (count + 1)
                types: list[int] = []
                for at in range(start, start + 2 * count, 2):
                    kind = table[at] & 0x1F
                    if kind == _FIELD_BEGIN:
                        types.append(table[at + 1])
                    elif kind != _FIELD_END or not types:
                        continue
                    elif types.pop() in _CLOCK_FIELD_TYPES and not table[at + 1] & _FIELD_LOCKED:
                        table[at + 1] |= _FIELD_LOCKED
                        locked += 1
            if locked:
                ole.write_stream(stream, bytes(table))
    except _FIB_ERRORS:
        return 0
    return locked


# --------------------------------------------------------------------------- OLE metadata


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
    except _OLE_ERRORS:
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


# --------------------------------------------------------------------------- embedded files


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
    except _OLE_ERRORS:
        return (), 0
    if not found or context.depth >= limits.max_depth:
        return (), len(skipped)
    unpacker = Unpacker(context)
    for name, data in found:
        if data:
            unpacker.add(name, io.BytesIO(data), len(data))
    return tuple(unpacker.children), len(skipped)


def _embedded_metadata(children: tuple[Child, ...], skipped: int) -> dict[str, str]:
    metadata: dict[str, str] = {}
    if children:
        metadata["embedded_files"] = str(len(children))
    if skipped:
        metadata["embedded_documents_skipped"] = str(skipped)
    return metadata


# --------------------------------------------------------------------------- encryption


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


def _decrypted_copy(
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


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
    if size == 0:
        raise ExtractionError(ErrorKind.EMPTY, "file is empty")
    if size > MAX_LEGACY_BYTES:
        raise ExtractionError(ErrorKind.TOO_LARGE, f"Office file of {size} bytes is too large")


# --------------------------------------------------------------------------- .doc / .ppt


def _annotation_comments(pdf: Path) -> dict[int, list[str]]:
    """Comment annotations LibreOffice exported, by page number: ``author, date: text``."""
    comments: dict[int, list[str]] = {}
    try:
        with pymupdf.open(pdf) as document:  # type: ignore[no-untyped-call]
            for index, page in enumerate(document):
                for annotation in page.annots(types=[_TEXT_ANNOTATION]):
                    info = annotation.info
                    text = " ".join(str(info.get("content") or "").split())
                    if not text:
                        continue
                    who = str(info.get("title") or "").strip().strip(",").strip()
                    comments.setdefault(index + 1, []).append(f"{who}: {text}" if who else text)
    except (RuntimeError, ValueError) as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"converted PDF is unreadable: {exc}") from exc
    return comments


def _with_comments(page: Page, comments: list[str]) -> Page:
    # Appended after the text layer, so the words' offsets stay valid.
    text = f"{page.text}\n\nComments:\n" + "\n".join(comments)
    return dataclasses.replace(page, text=text, language=detect_language(text))


def _with_word_fields_locked(source: Path, scratch: Path, application: str) -> tuple[Path, int]:
    """A copy of a Word file with its DATE and TIME fields locked (see lock_word_fields)."""
    if application != "writer":
        return source, 0
    copy = scratch / "locked.doc"
    if copy != source:
        shutil.copyfile(source, copy)
    copy.chmod(0o600)
    locked = lock_word_fields(copy)
    return (copy, locked) if locked else (source, 0)


def _convert_and_read(
    path: Path, context: ExtractContext, *, application: str, suffix: str, label: str
) -> Extracted:
    _check_size(path)
    metadata = ole_metadata(path)
    with tempfile.TemporaryDirectory(prefix="culpa-legacy-") as scratch:
        source, encryption = _decrypted_copy(path, context, Path(scratch), label)
        if encryption:
            metadata.update(ole_metadata(source) or {})
            metadata["encryption"] = encryption
        children, skipped = embedded_files(source, context)
        source, locked = _with_word_fields_locked(source, Path(scratch), application)
        if locked:
            metadata["clock_fields_saved_values"] = str(locked)
        with office_pdf(source, application=application, suffix=suffix) as (pdf, marked):
            context.progress()
            try:
                converted = PdfExtractor().extract(pdf, context)
            except ExtractionError as exc:
                raise ExtractionError(
                    exc.kind, f"the PDF LibreOffice made from it: {exc.message}"
                ) from exc
            comments = _annotation_comments(pdf)
            producer = converted.metadata.get("producer", "LibreOffice")
    pages = tuple(
        _with_comments(page, comments[page.number]) if page.number in comments else page
        for page in converted.pages
    )
    for key in ("page_count", "ocr_errors", "page_errors"):
        if key in converted.metadata:
            metadata[key] = converted.metadata[key]
    if application == "impress":
        metadata["slides"] = str(len(pages))
    comment_count = sum(len(found) for found in comments.values())
    if comment_count:
        metadata["comment_count"] = str(comment_count)
    metadata["converted_from"] = suffix.lstrip(".")
    metadata["converter"] = producer
    if marked:
        metadata["clock_fields_marked"] = str(marked)
    metadata.update(_embedded_metadata(children, skipped))
    return Extracted(
        pages=pages,
        metadata=metadata,
        children=children,
        ocr_pages=converted.ocr_pages,
        warnings=converted.warnings,
    )


def _convert_and_render(
    path: Path,
    numbers: Sequence[int],
    context: ExtractContext,
    *,
    application: str,
    suffix: str,
    label: str,
) -> Iterator[PageImage]:
    """Pages of the PDF LibreOffice makes from ``path`` (converted again: the first
    conversion is gone by the time the OCR stage asks; rare, as few such pages need OCR)."""
    with tempfile.TemporaryDirectory(prefix="culpa-legacy-") as scratch:
        source, _encryption = _decrypted_copy(path, context, Path(scratch), label)
        source, _locked = _with_word_fields_locked(source, Path(scratch), application)
        with office_pdf(source, application=application, suffix=suffix) as (pdf, _marked):
            yield from PdfExtractor().render_pages(pdf, numbers, context)


class DocExtractor:
    """Word 97-2003 documents (.doc, .dot), through LibreOffice and the PDF extractor."""

    type: ClassVar[str] = "doc"
    mime_types: ClassVar[tuple[str, ...]] = ("application/msword",)
    extensions: ClassVar[tuple[str, ...]] = (".doc", ".dot", ".wps")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """LibreOffice's page layout, word boxes, comments; OLE properties."""
        return _convert_and_read(path, context, application="writer", suffix=".doc", label="Word")

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Pages of LibreOffice's PDF, for OCR."""
        return _convert_and_render(
            path, numbers, context, application="writer", suffix=".doc", label="Word"
        )


class PptExtractor:
    """PowerPoint 97-2003 presentations (.ppt, .pps, .pot): one page per slide."""

    type: ClassVar[str] = "ppt"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-powerpoint",)
    extensions: ClassVar[tuple[str, ...]] = (".ppt", ".pps", ".pot")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """One page per slide (hidden ones included), with comments; OLE properties."""
        return _convert_and_read(
            path, context, application="impress", suffix=".ppt", label="PowerPoint"
        )

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Slides of LibreOffice's PDF, for OCR."""
        return _convert_and_render(
            path, numbers, context, application="impress", suffix=".ppt", label="PowerPoint"
        )


# --------------------------------------------------------------------------- .xls


def _cell_text(book: Any, cell: Any) -> str:
    kind = cell.ctype
    value = cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if kind == xlrd.XL_CELL_TEXT:
        return " ".join(str(value).split())
    if kind == xlrd.XL_CELL_NUMBER:
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment: datetime = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return repr(value)
        if moment.time() == datetime.min.time():
            return moment.date().isoformat()
        return moment.isoformat()
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(value, "#ERROR"))
    return str(value)


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


#: xlrd's ``Sheet.visibility`` -> the state said on the overview page.
_SHEET_STATES = {1: "hidden sheet", 2: "very hidden sheet"}


def _sheet_rows(book: Any, sheet: Any, rows: SheetPages, context: ExtractContext) -> bool:
    """Feed a sheet's rows to ``rows`` (numbered as Excel numbers them); True if cut."""
    chars = 0
    for row_index in range(sheet.nrows):
        if row_index % 1000 == 0:
            context.progress()
        line = row_line([_cell_text(book, cell) for cell in sheet.row(row_index)])
        if not line:
            continue
        if chars + len(line) > MAX_SHEET_CHARS:
            return True
        rows.add(row_index + 1, line)
        chars += len(line) + 1
    return False


def _sheet_comments(sheet: Any) -> list[str]:
    notes = getattr(sheet, "cell_note_map", {}) or {}
    comments = []
    for (row, column), note in sorted(notes.items()):
        body = " ".join(str(getattr(note, "text", "")).split())
        if not body:
            continue
        author = str(getattr(note, "author", "") or "").strip()
        where = f"{_column_name(column)}{row + 1}"
        comments.append(f"{where}: {author}: {body}" if author else f"{where}: {body}")
    return comments


def _read_workbook(
    path: Path, context: ExtractContext
) -> tuple[tuple[Page, ...], tuple[Table, ...], dict[str, str]]:
    try:
        book = xlrd.open_workbook(
            str(path), on_demand=True, ragged_rows=True, logfile=io.StringIO()
        )
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ExtractionError(
                ErrorKind.ENCRYPTED, "password-protected Excel file (FILEPASS record)"
            ) from exc
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable Excel file: {exc}") from exc
    except _XLRD_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"Excel file is damaged: {exc}") from exc
    workbook = WorkbookPages()
    names: list[str] = []
    hidden: list[str] = []
    truncated: list[str] = []
    comments = 0
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            name = str(sheet.name)
            state = _SHEET_STATES.get(getattr(sheet, "visibility", 0))
            names.append(name)
            if state:
                hidden.append(name)
            rows = workbook.sheet(name, [state] if state else [])
            cut = _sheet_rows(book, sheet, rows, context)
            sheet_comments = _sheet_comments(sheet)
            comments += len(sheet_comments)
            if cut:
                truncated.append(name)
            rows.finish(sheet_comments, f"cut after {MAX_SHEET_CHARS} characters" if cut else "")
            book.unload_sheet(index)
    except _XLRD_ERRORS as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"Excel file is damaged: {exc}") from exc
    finally:
        book.release_resources()
    metadata = {"sheet_names": LIST_SEPARATOR.join(names)[:MAX_METADATA_CHARS]}
    if hidden:
        metadata["hidden_sheets"] = LIST_SEPARATOR.join(hidden)[:MAX_METADATA_CHARS]
    if truncated:
        metadata["truncated_sheets"] = LIST_SEPARATOR.join(truncated)[:MAX_METADATA_CHARS]
    if comments:
        metadata["comment_count"] = str(comments)
    pages, tables = workbook.result()
    return pages, tables, metadata


class XlsExtractor:
    """Excel 97-2003 workbooks (.xls, .xlt), read by xlrd: every sheet as a table."""

    type: ClassVar[str] = "xls"
    mime_types: ClassVar[tuple[str, ...]] = ("application/vnd.ms-excel",)
    extensions: ClassVar[tuple[str, ...]] = (".xls", ".xlt")
    score: ClassVar[int] = 50

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """An overview page, then each sheet's rows as a table; OLE properties."""
        _check_size(path)
        metadata = ole_metadata(path)
        with tempfile.TemporaryDirectory(prefix="culpa-legacy-") as scratch:
            source, encryption = _decrypted_copy(path, context, Path(scratch), "Excel")
            if encryption:
                metadata["encryption"] = encryption
            pages, tables, extra = _read_workbook(source, context)
            children, skipped = embedded_files(source, context)
        metadata.update(extra)
        metadata.update(_embedded_metadata(children, skipped))
        return Extracted(pages=pages, metadata=metadata, children=children, tables=tables)


register(DocExtractor)
register(PptExtractor)
register(XlsExtractor)


class OleObjectExtractor:
    """An OLE compound file that is no Office document: an embedded object saved on its
    own (``word/embeddings/oleObject1.bin``). Its packaged file becomes a child."""

    type: ClassVar[str] = "ole"
    mime_types: ClassVar[tuple[str, ...]] = ("application/x-ole-storage", "application/CDFV2")
    extensions: ClassVar[tuple[str, ...]] = (".bin",)
    score: ClassVar[int] = 10

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """No pages of its own; the embedded file (Ole10Native, CONTENTS, Package) as a child."""
        children, skipped = embedded_files(path, context, at_root=True)
        if not children:
            raise ExtractionError(
                ErrorKind.UNSUPPORTED,
                "OLE compound file holding no embedded file culpa can take out"
                + (f" ({skipped} embedded 97-2003 documents)" if skipped else ""),
            )
        return Extracted(metadata=_embedded_metadata(children, skipped), children=children)


register(OleObjectExtractor)
