"""Office Open XML packages: safe opening, part parsing, properties, embedded files.

Shared by the DOCX, XLSX and PPTX extractors:

- :func:`open_package` opens the zip and refuses a compression bomb from the
  sizes its central directory declares, before anything is inflated (Python's
  zipfile never inflates a member past its declared size, so the check holds).
- :meth:`OoxmlPackage.parse` reads a part with lxml set up so that external
  entities, network access and entity expansion cannot work, and refuses any
  part that declares a DTD: Office never writes one, so a ``<!DOCTYPE>`` is an
  XXE or billion-laughs attempt (``unsafe``), as is an entity-expansion error.
- :func:`ooxml_properties` reads ``docProps/core.xml`` and ``docProps/app.xml``
  (who wrote the file, with which program, when) into flat metadata.
- :func:`embedded_children` hands embedded files (an .xlsx inside a .docx, OLE
  objects) to the ingest as children.

Password-protected OOXML is decrypted by :mod:`culpa.formats.support.ooxml_crypto`
and read by the extractor in :mod:`culpa.formats.documents.encrypted_office`.
"""

from __future__ import annotations

import contextlib
import posixpath
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import unquote

import lxml.etree

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.support.safe_xml import SAFE_PARSER_OPTIONS, is_entity_attack, safe_parser
from culpa.models import Child
from culpa.sources.archive import Unpacker, check_declared_sizes

#: A package's parts may inflate to at most this many bytes in total.
MAX_PACKAGE_BYTES = 1024**3
#: A package with more parts than this is refused.
MAX_PACKAGE_PARTS = 100_000
#: Property values are cut to this many characters.
MAX_PROPERTY_CHARS = 2_000
#: Dates in this year or before are Windows' "no date" (FILETIME zero is 1601-01-01).
NULL_DATE_YEAR = 1601
#: Separator of list-valued metadata (authors, sheet names).
LIST_SEPARATOR = "; "

_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_RELATIONSHIP = f"{{{_RELATIONSHIPS_NS}}}Relationship"
#: Relationship types are matched on their last segment, which transitional
#: and strict OOXML share.
_CORE_RELATIONSHIP = "core-properties"
_APP_RELATIONSHIP = "extended-properties"
_OFFICE_DOCUMENT_RELATIONSHIP = "officeDocument"

# docProps/core.xml element (local name) -> metadata key.
_CORE_KEYS: dict[str, str] = {
    "creator": "author",
    "lastModifiedBy": "last_modified_by",
    "title": "title",
    "subject": "subject",
    "keywords": "keywords",
    "description": "comments",
    "category": "category",
    "revision": "revision",
    "created": "created",
    "modified": "modified",
    "lastPrinted": "last_printed",
    "language": "language",
    "contentStatus": "content_status",
    "identifier": "identifier",
    "version": "version",
}
_DATE_KEYS = frozenset({"created", "modified", "last_printed"})
# docProps/app.xml element (local name) -> metadata key.
_APP_KEYS: dict[str, str] = {
    "Company": "company",
    "Manager": "manager",
    "Template": "template",
    "Application": "application",
    "AppVersion": "app_version",
    "TotalTime": "total_time",  # minutes spent editing
    "Pages": "pages",
    "Words": "words",
    "Characters": "characters",
    "Slides": "slides",
    "Notes": "notes",
    "HiddenSlides": "hidden_slides",
    "DocSecurity": "doc_security",
}
# libxml2's messages when a document nests absurdly or is too large.
_HUGE_XML_MARKERS = ("excessive depth", "huge input", "huge text", "xml_parse_huge")
#: What reading a damaged zip member can raise (bad CRC, truncated deflate stream, ...).
ZIP_READ_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
)
_EMBEDDED_READ_ERRORS: tuple[type[Exception], ...] = (NotImplementedError, *ZIP_READ_ERRORS)

Element = Any  # lxml.etree._Element; lxml ships no usable stubs for its private classes


def local_name(tag: object) -> str:
    """``w:t`` -> ``t``: an element's name without its namespace."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rpartition("}")[2]


def xml_parser() -> lxml.etree.XMLParser:
    """The safe parser (see :mod:`culpa.formats.support.safe_xml`), dropping comments and PIs."""
    return safe_parser(remove_comments=True, remove_pis=True)


#: Keyword arguments for :func:`lxml.etree.iterparse` with the same protections.
SAFE_ITERPARSE_OPTIONS: dict[str, bool] = {
    **SAFE_PARSER_OPTIONS,
    "remove_comments": True,
    "remove_pis": True,
}


def xml_error(exc: lxml.etree.XMLSyntaxError, label: str, part: str = "") -> ExtractionError:
    """The file error for a part lxml could not parse (entity attacks are ``unsafe``).

    ``part`` names the part when known (python-docx does not say which one failed).
    """
    where = f"{label} part {part!r}" if part else f"a {label} part"
    message = str(exc).strip()
    lowered = message.lower()
    if is_entity_attack(exc):
        return ExtractionError(
            ErrorKind.UNSAFE, f"{where} tries XML entity expansion (billion laughs); refused"
        )
    if any(marker in lowered for marker in _HUGE_XML_MARKERS):
        return ExtractionError(ErrorKind.LIMIT_EXCEEDED, f"{where} is nested too deeply: {message}")
    return ExtractionError(ErrorKind.CORRUPT, f"{where} is damaged XML: {message}")


def refuse_dtd(element: Element, label: str, part: str) -> None:
    """Raise ``unsafe`` if the document ``element`` belongs to declares a DTD.

    Use it on trees other libraries parsed (python-docx, python-pptx): their
    parsers do not resolve entities either, but a DTD in Office XML is hostile.
    """
    if element.getroottree().docinfo.doctype:
        raise ExtractionError(
            ErrorKind.UNSAFE,
            f"{label} part {part!r} declares a DTD (<!DOCTYPE>), which Office never writes: "
            "refused as an XML entity (XXE) attack",
        )


@dataclass(frozen=True, slots=True)
class Relationship:
    """One entry of a part's ``.rels``: an internal part name or an external target."""

    id: str
    type: str
    target: str
    external: bool

    @property
    def kind(self) -> str:
        """The type's last segment (``comments``, ``worksheet``, ...)."""
        return self.type.rstrip("/").rpartition("/")[2]


def relationships_part(part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``; ``""`` -> ``_rels/.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve_target(source_part: str, target: str) -> str:
    """The part name a relative (or package-absolute) target points at."""
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source_part), target)
    return posixpath.normpath(joined) if joined else ""


class OoxmlPackage:
    """An opened, size-checked OOXML zip package; parts are read by name."""

    def __init__(self, archive: zipfile.ZipFile, label: str = "OOXML") -> None:
        self.archive = archive
        self.label = label
        # OPC part names are case-insensitive; some writers vary the case.
        self._infos = {info.filename.lower(): info for info in archive.infolist()}

    def __enter__(self) -> OoxmlPackage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.archive.close()

    def has(self, name: str) -> bool:
        return name.lower() in self._infos

    def names(self) -> Iterator[str]:
        """Every part's name as stored."""
        return (info.filename for info in self._infos.values())

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self._infos.get(name.lower())

    @contextlib.contextmanager
    def _part_errors(self, name: str) -> Iterator[None]:
        """Turn zipfile's failures on part ``name`` into file errors of the right kind."""
        try:
            yield
        except RuntimeError as exc:  # zipfile's "password required" for encrypted members
            raise ExtractionError(
                ErrorKind.ENCRYPTED, f"{self.label} part {name!r} is zip-encrypted"
            ) from exc
        except NotImplementedError as exc:
            raise ExtractionError(
                ErrorKind.UNSUPPORTED, f"{self.label} part {name!r}: {exc}"
            ) from exc
        except ZIP_READ_ERRORS as exc:
            raise ExtractionError(
                ErrorKind.CORRUPT, f"{self.label} part {name!r} is damaged: {exc}"
            ) from exc

    def read(self, name: str) -> bytes | None:
        """A part's bytes, or None if the package has no such part."""
        info = self.info(name)
        if info is None:
            return None
        with self._part_errors(name):
            return self.archive.read(info)

    def open(self, name: str) -> IO[bytes]:
        """A part as a stream (for iterparse), or raise ``corrupt`` if it is missing."""
        info = self.info(name)
        if info is None:
            raise ExtractionError(ErrorKind.CORRUPT, f"{self.label} has no part {name!r}")
        with self._part_errors(name):
            return self.archive.open(info)

    def parse(self, name: str) -> Element | None:
        """A part's root element (safe parser, DTD refused), or None if it is missing."""
        data = self.read(name)
        if data is None:
            return None
        try:
            root = lxml.etree.fromstring(data, xml_parser())
        except lxml.etree.XMLSyntaxError as exc:
            raise xml_error(exc, self.label, name) from exc
        refuse_dtd(root, self.label, name)
        return root

    def relationships(self, part: str) -> list[Relationship]:
        """The relationships of ``part`` (``""`` for the package's own)."""
        root = self.parse(relationships_part(part))
        if root is None:
            return []
        found: list[Relationship] = []
        for element in root.iter(_RELATIONSHIP):
            target = element.get("Target") or ""
            external = element.get("TargetMode") == "External"
            found.append(
                Relationship(
                    id=element.get("Id") or "",
                    type=element.get("Type") or "",
                    target=target if external else resolve_target(part, target),
                    external=external,
                )
            )
        return found

    def related_part(self, part: str, kind: str) -> str | None:
        """The first internal part ``part`` relates to with a type ending in ``kind``."""
        for relationship in self.relationships(part):
            if relationship.kind == kind and not relationship.external:
                return relationship.target
        return None

    def main_part(self, default: str) -> str:
        """The package's main document part (word/document.xml, xl/workbook.xml, ...)."""
        found = self.related_part("", _OFFICE_DOCUMENT_RELATIONSHIP)
        return found if found and self.has(found) else default


def check_package(archive: zipfile.ZipFile, context: ExtractContext, label: str) -> None:
    """Refuse a package whose declared part sizes break the limits (a zip bomb)."""
    check_declared_sizes(
        archive.infolist(),
        context.limits,
        label,
        max_total=MAX_PACKAGE_BYTES,
        max_parts=MAX_PACKAGE_PARTS,
    )


def open_package(path: Path, context: ExtractContext, label: str) -> OoxmlPackage:
    """Open ``path`` as an OOXML package after :func:`check_package`; ``corrupt`` if not a zip."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(ErrorKind.CORRUPT, f"not a readable {label} package: {exc}") from exc
    try:
        check_package(archive, context, label)
    except ExtractionError:
        archive.close()
        raise
    return OoxmlPackage(archive, label)


def _text(element: Element) -> str:
    return "".join(piece for piece in element.itertext() if isinstance(piece, str)).strip()


def _iso_date(text: str) -> str:
    """A W3CDTF date as ISO 8601 (as given, if Python cannot read it); "" for a null date.

    Office writes 1601-01-01, the zero of Windows' FILETIME, for "never".
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return "" if moment.year <= NULL_DATE_YEAR else moment.isoformat()


def _read_properties(root: Element | None, keys: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    if root is None:
        return found
    for child in root.iterchildren():
        key = keys.get(local_name(child.tag))
        if key is None or key in found:
            continue
        value = _text(child)
        if not value:
            continue
        if key in _DATE_KEYS:
            value = _iso_date(value)
        if value:
            found[key] = value[:MAX_PROPERTY_CHARS]
    return found


def ooxml_properties(package: OoxmlPackage | zipfile.ZipFile) -> dict[str, str]:
    """Core (docProps/core.xml) and extended (docProps/app.xml) properties as metadata.

    Keys: author, last_modified_by, title, subject, keywords, comments (the
    description), category, revision, created, modified, last_printed (ISO
    8601), language, content_status, identifier, version; company, manager,
    template, application, app_version, total_time (minutes), pages, words,
    characters, slides, notes, hidden_slides, doc_security. Empty ones are left out.
    """
    if isinstance(package, zipfile.ZipFile):
        package = OoxmlPackage(package)
    core_part = package.related_part("", _CORE_RELATIONSHIP) or "docProps/core.xml"
    app_part = package.related_part("", _APP_RELATIONSHIP) or "docProps/app.xml"
    metadata = _read_properties(package.parse(core_part), _CORE_KEYS)
    for key, value in _read_properties(package.parse(app_part), _APP_KEYS).items():
        metadata.setdefault(key, value)
    return metadata


def distinct(values: Iterable[str]) -> str:
    """Distinct non-empty values in first-seen order, joined by :data:`LIST_SEPARATOR`."""
    seen = dict.fromkeys(value.strip() for value in values if value and value.strip())
    return LIST_SEPARATOR.join(seen)[:MAX_PROPERTY_CHARS]


def embedded_children(
    package: OoxmlPackage, folders: Iterable[str], context: ExtractContext
) -> tuple[Child, ...]:
    """Files under the package's ``embeddings`` folders, written out as children.

    They are whole documents in their own right (a workbook pasted into a
    report, an OLE object); the ingest extracts them in turn. Names are
    provenance text only; the files on disk get generated names.
    """
    prefixes = tuple(folder.rstrip("/").lower() + "/" for folder in folders)
    members = [
        info
        for info in package.archive.infolist()
        if not info.is_dir() and info.filename.lower().startswith(prefixes)
    ]
    if not members:
        return ()
    unpacker = Unpacker(context)
    for info in members:
        try:
            with package.archive.open(info) as stream:
                unpacker.add(info.filename, stream, info.compress_size)
        except RuntimeError:
            continue  # a zip-encrypted member: nothing to hand on
        except _EMBEDDED_READ_ERRORS as exc:
            raise ExtractionError(
                ErrorKind.CORRUPT, f"{package.label} part {info.filename!r} is damaged: {exc}"
            ) from exc
    return tuple(unpacker.children)
