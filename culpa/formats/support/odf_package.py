"""The ODF package: its XML parts read safely, its encryption, metadata and embedded objects.

An ODF file is a zip package (or a single "flat" XML document) whose
``content.xml``, ``styles.xml`` and ``meta.xml`` are read here for the text,
spreadsheet and presentation readers of :mod:`culpa.formats.documents.odf`.
Everything hostile about the container is dealt with in this one place, so the
readers only ever see parsed, size-checked XML:

- parts are parsed with lxml set to refuse entity resolution, DTD loading and
  network access, and a part that declares a DTD at all is refused as unsafe
  (ODF never needs one), so XXE and billion-laughs payloads get nowhere;
- declared part sizes are checked against the archive limits before anything
  is inflated (zip bombs), and a part read into a tree or streamed has its own
  ceiling (:data:`MAX_TREE_PART_BYTES`, :data:`MAX_STREAMED_PART_BYTES`);
- a package whose manifest lists encrypted parts is opened with a password from
  the context (:mod:`culpa.formats.support.odf_crypto`) or reported ``encrypted``;
- embedded foreign objects (``Object N`` parts: whole OLE files) become children.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import lxml.etree

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.support.odf_crypto import (
    PartEncryption,
    decrypt_part,
    encrypted_parts,
    find_password,
)
from culpa.formats.support.safe_xml import SAFE_PARSER_OPTIONS, is_entity_attack
from culpa.models import Child
from culpa.sources.archive import Unpacker, check_declared_sizes

#: Parts read into a tree (content.xml of text and presentations, styles, meta) are
#: refused above this many bytes; spreadsheets are streamed, up to MAX_STREAMED_PART_BYTES.
MAX_TREE_PART_BYTES = 256 * 1024**2
#: A spreadsheet's content.xml is streamed; larger ones are refused (bytes).
MAX_STREAMED_PART_BYTES = 2 * 1024**3
#: The package's parts may declare at most this many bytes in total.
MAX_PACKAGE_BYTES = 4 * 1024**3
#: Bytes at the start of an XML part searched for a DTD declaration.
PROLOG_BYTES = 64 * 1024
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xlink": "http://www.w3.org/1999/xlink",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
    "officeooo": "http://openoffice.org/2009/office",
    "xml": "http://www.w3.org/XML/1998/namespace",
}


def q(name: str) -> str:
    """``"text:p"`` as lxml's ``"{urn:...}p"``."""
    prefix, local = name.split(":", 1)
    return f"{{{NS[prefix]}}}{local}"


#: meta.xml element -> culpa metadata key.
_META_FIELDS: tuple[tuple[str, str], ...] = (
    ("meta:initial-creator", "author"),
    ("dc:creator", "last_modified_by"),
    ("dc:title", "title"),
    ("dc:subject", "subject"),
    ("dc:description", "comments"),
    ("meta:creation-date", "created"),
    ("dc:date", "modified"),
    ("meta:print-date", "last_printed"),
    ("meta:printed-by", "printed_by"),
    ("meta:generator", "application"),
    ("meta:editing-cycles", "revision"),
    ("dc:language", "language"),
    ("meta:editing-duration", "editing_duration"),
)

#: lxml parser options for every part (see the module docstring).
PARSER_OPTIONS: dict[str, Any] = {
    **SAFE_PARSER_OPTIONS,
    "remove_comments": True,
    "remove_pis": True,
}
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
#: What lxml raises on a part that is not well-formed XML.
XML_ERRORS: tuple[type[Exception], ...] = (lxml.etree.XMLSyntaxError, lxml.etree.ParseError)
_OBJECT_PART = re.compile(r"^Object \d+$")


def _refuse_dtd(head: bytes, part: str) -> None:
    if _DTD.search(head[:PROLOG_BYTES]):
        raise ExtractionError(
            ErrorKind.UNSAFE, f"ODF part {part} declares a DTD or entities (refused as hostile)"
        )


def xml_error(exc: Exception, part: str) -> ExtractionError:
    """The file error for an XML parse failure: entity tricks are unsafe, the rest corrupt."""
    message = str(exc)
    if is_entity_attack(exc) or "entit" in message.lower():
        return ExtractionError(ErrorKind.UNSAFE, f"ODF part {part} abuses XML entities: {message}")
    return ExtractionError(ErrorKind.CORRUPT, f"ODF part {part} is not valid XML: {message}")


def parse_xml(data: bytes, part: str) -> Any:
    """The root element of an XML part, parsed without entities, DTDs or network."""
    _refuse_dtd(data, part)
    parser = lxml.etree.XMLParser(**PARSER_OPTIONS)
    try:
        root = lxml.etree.fromstring(data, parser)
    except XML_ERRORS as exc:
        raise xml_error(exc, part) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise ExtractionError(ErrorKind.UNSAFE, f"ODF part {part} declares a DTD (refused)")
    return root


def clean(value: str) -> str:
    """A metadata value without NULs or surrounding space, cut to MAX_METADATA_CHARS."""
    return value.replace("\x00", "").strip()[:MAX_METADATA_CHARS]


def office_body(content: Any, kind: str) -> Any:
    """The ``office:<kind>`` element (text, spreadsheet, presentation...) of content.xml."""
    body = content.find(q("office:body")) if content is not None else None
    element = body.find(q(f"office:{kind}")) if body is not None else None
    if element is None:
        raise ExtractionError(ErrorKind.CORRUPT, f"ODF content has no office:{kind} body")
    return element


# --------------------------------------------------------------------------- package


class OdfPackage:
    """The XML parts of an ODF file: a zip package or one flat XML document."""

    def __init__(self, path: Path, context: ExtractContext) -> None:
        self.path = path
        self.flat: Any = None
        self.zip: zipfile.ZipFile | None = None
        #: Encrypted parts and the password that opens them (see odf_crypto).
        self.encrypted: dict[str, PartEncryption] = {}
        self.password: str | None = None
        try:
            is_zip = zipfile.is_zipfile(path)
        except OSError as exc:
            raise ExtractionError(ErrorKind.UNREADABLE, f"cannot read file: {exc}") from exc
        if not is_zip:
            self._open_flat()
            return
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"not a readable ODF package: {exc}") from exc
        self._check_sizes(infos, context)
        self.names = {info.filename for info in infos}
        self._check_encryption(context.passwords)

    def _open_flat(self) -> None:
        size = self.path.stat().st_size
        if size == 0:
            raise ExtractionError(ErrorKind.EMPTY, "file is empty")
        if size > MAX_TREE_PART_BYTES:
            raise ExtractionError(ErrorKind.TOO_LARGE, f"flat ODF document of {size} bytes")
        root = parse_xml(self.path.read_bytes(), self.path.name)
        if root.tag != q("office:document"):
            raise ExtractionError(ErrorKind.CORRUPT, "not an ODF document (no office:document)")
        self.flat = root

    @staticmethod
    def _check_sizes(infos: list[zipfile.ZipInfo], context: ExtractContext) -> None:
        check_declared_sizes(infos, context.limits, "ODF", max_total=MAX_PACKAGE_BYTES)

    def _check_encryption(self, passwords: tuple[str, ...]) -> None:
        """Find the password of a protected package (its manifest lists encrypted parts)."""
        manifest = self.read("META-INF/manifest.xml")
        if manifest is None:
            return
        encrypted = encrypted_parts(manifest)
        if not encrypted:
            return
        probe = "content.xml" if "content.xml" in encrypted else next(iter(encrypted))
        if passwords and probe in self.names:
            self.password = find_password(passwords, encrypted[probe], self._raw(probe))
        if self.password is None:
            tried = (
                f"none of the {len(passwords)} passwords given opens it"
                if passwords
                else "give its password with --password or --password-file"
            )
            raise ExtractionError(
                ErrorKind.ENCRYPTED,
                f"ODF document is password-protected (encrypted parts); {tried}",
            )
        self.encrypted = encrypted

    def _raw(self, name: str) -> bytes:
        assert self.zip is not None
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"ODF part {name} is damaged: {exc}") from exc

    def _decrypted(self, name: str, max_bytes: int) -> bytes:
        assert self.password is not None
        return decrypt_part(self._raw(name), self.encrypted[name], self.password, max_bytes)

    def read(self, name: str) -> Any:
        """The root element of part ``name`` (a tree), or None if the package lacks it."""
        if self.flat is not None:
            return self.flat
        assert self.zip is not None
        if name not in self.names:
            return None
        if name in self.encrypted:
            return parse_xml(self._decrypted(name, MAX_TREE_PART_BYTES), name)
        info = self.zip.getinfo(name)
        if info.file_size > MAX_TREE_PART_BYTES:
            raise ExtractionError(
                ErrorKind.TOO_LARGE, f"ODF part {name} is {info.file_size} bytes (too large)"
            )
        try:
            data = self.zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"ODF part {name} is damaged: {exc}") from exc
        return parse_xml(data, name)

    @contextlib.contextmanager
    def stream(self, name: str) -> Iterator[IO[bytes] | None]:
        """An open stream over part ``name`` for incremental parsing (None if missing)."""
        if self.flat is not None:
            yield None
            return
        assert self.zip is not None
        if name not in self.names:
            yield None
            return
        if name in self.encrypted:
            data = self._decrypted(name, MAX_STREAMED_PART_BYTES)
            _refuse_dtd(data[:PROLOG_BYTES], name)
            yield io.BytesIO(data)
            return
        info = self.zip.getinfo(name)
        if info.file_size > MAX_STREAMED_PART_BYTES:
            raise ExtractionError(
                ErrorKind.TOO_LARGE, f"ODF part {name} is {info.file_size} bytes (too large)"
            )
        try:
            with self.zip.open(info) as handle:
                _refuse_dtd(handle.read(PROLOG_BYTES), name)
            with self.zip.open(info) as handle:
                yield handle
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"ODF part {name} is damaged: {exc}") from exc

    def embedded_objects(self, context: ExtractContext) -> tuple[Child, ...]:
        """Embedded foreign objects (an OLE file per ``Object N`` part), as children.

        LibreOffice stores an embedded Word, Excel or PowerPoint object (or other
        OLE object) as a whole compound file; embedded ODF objects (charts,
        sub-documents) are folders of XML and are not extracted.
        """
        if self.zip is None or context.depth >= context.limits.max_depth:
            return ()
        members = [info for info in self.zip.infolist() if _OBJECT_PART.match(info.filename)]
        if not members:
            return ()
        unpacker = Unpacker(context)
        for info in members:
            try:
                with self.zip.open(info) as stream:
                    unpacker.add(info.filename, stream, info.compress_size)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise ExtractionError(
                    ErrorKind.CORRUPT, f"ODF part {info.filename!r} is damaged: {exc}"
                ) from exc
        return tuple(unpacker.children)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


# --------------------------------------------------------------------------- metadata


def odf_metadata(meta_root: Any) -> dict[str, str]:
    """culpa metadata from meta.xml's ``office:meta`` (or a flat document's)."""
    metadata: dict[str, str] = {}
    if meta_root is None:
        return metadata
    meta = meta_root.find(q("office:meta"))
    if meta is None:
        return metadata
    for tag, key in _META_FIELDS:
        element = meta.find(q(tag))
        if element is not None and element.text and clean(element.text):
            metadata[key] = clean(element.text)
    keywords = [clean(k.text) for k in meta.iter(q("meta:keyword")) if k.text and clean(k.text)]
    if keywords:
        metadata["keywords"] = clean(", ".join(keywords))
    template = meta.find(q("meta:template"))
    if template is not None:
        name = template.get(q("xlink:title")) or template.get(q("xlink:href")) or ""
        if clean(name):
            metadata["template"] = clean(name)
    statistics = meta.find(q("meta:document-statistic"))
    if statistics is not None:
        pages = statistics.get(q("meta:page-count"))
        if pages and pages.isdigit():
            metadata["page_count"] = pages
    return metadata
