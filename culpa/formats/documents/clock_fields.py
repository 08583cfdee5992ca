"""Clock fields: a legacy Office document's own text, not the moment it was converted.

LibreOffice fills a date or time field that the document does not fix, and a
file-name field, from its clock and from the scratch copy's name when it lays
the page out, so the text would claim a moment that is not in the file and two
ingests of the same file would differ (issue 10). So the conversion of
:mod:`culpa.formats.documents.legacy_office` goes through ODF first, and in that
ODF every such field is replaced by a marker (:data:`CLOCK_FIELD_MARKERS`; a
slide footer showing "today" likewise, :func:`mark_clock_fields`). Fixed fields
keep the value saved in the file.

A Word DATE or TIME field keeps the result Word saved only if it is locked:
LibreOffice keeps a locked field's result, so :func:`lock_word_fields` locks
them in a copy of the Word 97-2003 file first, by flipping the fLocked bit of
each field in the binary field tables ([MS-DOC]). A PowerPoint date field holds
no value at all (PowerPoint shows the day it is opened), so it can only be
marked.
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

import olefile

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.support.ole import OLE_ERRORS

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
_FIB_ERRORS: tuple[type[Exception], ...] = (*OLE_ERRORS, struct.error)


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
