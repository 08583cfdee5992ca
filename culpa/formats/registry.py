"""Which extractor reads a file: a scored auction over registered classes.

As in ingest-file, each extractor class declares the MIME types it reads, its
extensions and a score; the highest score among those claiming the sniffed
MIME type wins, and the file name's extension only breaks ties (names in a
leak lie). Every extractor class is registered the same way, with the
:func:`register` decorator on the class; the modules listed in
:data:`EXTRACTOR_MODULES` are imported on first use, so importing the registry
stays cheap and free of import cycles. Adding a format is one new module plus
its line in that list. An extractor never calls back into the registry: one
that unwraps a file into another format (a decrypted Office package) is given
the registry's choice as ``ExtractContext.extractor_for``.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import PurePath

from culpa.formats.base import Extractor

#: Modules imported on first use; each calls :func:`register` for its classes.
EXTRACTOR_MODULES: tuple[str, ...] = (
    "culpa.formats.documents.pdf",
    "culpa.formats.media.image",
    "culpa.formats.documents.docx",
    "culpa.formats.documents.text",
    "culpa.formats.documents.html",
    "culpa.formats.tables.delimited",
    "culpa.formats.tables.json_table",
    "culpa.formats.email.eml",
    "culpa.formats.archives.zip",
    "culpa.formats.archives.tar",
    "culpa.formats.tables.xlsx",
    "culpa.formats.documents.pptx",
    "culpa.formats.documents.odf",
    "culpa.formats.documents.legacy_office",
    "culpa.formats.documents.rtf",
    "culpa.formats.email.msg",
    "culpa.formats.email.mbox",
    "culpa.formats.email.foxmail",
    "culpa.formats.documents.djvu",
    "culpa.formats.email.pst",
    "culpa.formats.archives.sevenzip",
    "culpa.formats.archives.rar",
    "culpa.formats.documents.xml",
    "culpa.formats.email.tnef",
    "culpa.formats.archives.libarchive_formats",
    "culpa.formats.tables.sqlite_db",
    "culpa.formats.documents.encrypted_office",
)
#: Family names for MIME types nothing claims, so they are still grouped sensibly.
UNCLAIMED_FAMILIES: dict[str, str] = {
    "application/x-empty": "empty",
    "inode/x-empty": "empty",
    "application/zip": "zip",
    "application/x-tar": "tar",
    "application/gzip": "archive",
    "application/x-bzip2": "archive",
    "application/x-xz": "archive",
    "application/x-7z-compressed": "archive",
    "application/vnd.rar": "archive",
    "application/x-rar": "archive",
    "application/msword": "office",
    "application/vnd.ms-excel": "office",
    "application/vnd.ms-powerpoint": "office",
    "application/vnd.ms-outlook": "email",
    "application/vnd.ms-outlook-pst": "email",
    "application/encrypted": "office",
    "application/mbox": "email",
    "application/x-foxmail-box": "email",
    "application/x-ole-storage": "office",
    "application/CDFV2": "office",
    "application/rtf": "office",
    "text/rtf": "office",
}
_UNCLAIMED_PREFIXES: tuple[tuple[str, str], ...] = (
    ("image/", "image"),
    ("audio/", "audio"),
    ("video/", "video"),
    ("font/", "font"),
    ("application/vnd.openxmlformats-officedocument.", "office"),
    ("application/vnd.oasis.opendocument.", "office"),
)
UNKNOWN = "unknown"

_registered: list[type[Extractor]] = []
_lock = threading.RLock()
_loaded = False


def register(cls: type[Extractor]) -> type[Extractor]:
    """Add an extractor class (idempotent); returns it, so it works as a decorator."""
    with _lock:
        if cls not in _registered:
            _registered.append(cls)
    return cls


def unregister(cls: type[Extractor]) -> None:
    """Remove an extractor class (tests swap entries to inject faults)."""
    with _lock:
        if cls in _registered:
            _registered.remove(cls)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for name in EXTRACTOR_MODULES:
            importlib.import_module(name)
        _loaded = True


def registered() -> tuple[type[Extractor], ...]:
    """Every registered extractor class, built-ins first."""
    _load()
    with _lock:
        return tuple(_registered)


def added_modules() -> tuple[str, ...]:
    """The modules of extractor classes registered from outside :data:`EXTRACTOR_MODULES`.

    A newsroom's own format (or a test's toy) is registered by one :func:`register`
    in this process; an ingest has its workers import these modules too, so that
    the one line reaches every process that reads files.
    """
    with _lock:  # without loading the built-ins: they are not what is asked
        modules = [cls.__module__ for cls in _registered]
    return tuple(dict.fromkeys(name for name in modules if name not in EXTRACTOR_MODULES))


def _claims(cls: type[Extractor], mime: str) -> bool:
    family = mime.split("/", 1)[0] + "/*"
    return mime in cls.mime_types or family in cls.mime_types


def _normalise_mime(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


def extractor_class_for(mime: str, name: str = "") -> type[Extractor] | None:
    """The class that wins the auction for ``mime``; ``name``'s extension breaks ties."""
    mime = _normalise_mime(mime)
    suffix = PurePath(name).suffix.lower() if name else ""
    candidates = [cls for cls in registered() if _claims(cls, mime)]
    if not candidates:
        return None
    # Exact MIME claims beat wildcard ones at equal score; then the extension.
    return max(
        candidates,
        key=lambda cls: (
            cls.score,
            mime in cls.mime_types,
            bool(suffix) and suffix in cls.extensions,
        ),
    )


def extractor_for(mime: str, name: str = "") -> Extractor | None:
    """An instance of the extractor that reads ``mime``, or None if nothing claims it."""
    cls = extractor_class_for(mime, name)
    return cls() if cls is not None else None


def type_for(mime: str) -> str:
    """Short family name stored as documents.type (the claiming extractor's, else a guess)."""
    mime = _normalise_mime(mime)
    cls = extractor_class_for(mime)
    if cls is not None:
        return cls.type
    lowered = {key.lower(): value for key, value in UNCLAIMED_FAMILIES.items()}
    if mime in lowered:
        return lowered[mime]
    for prefix, family in _UNCLAIMED_PREFIXES:
        if mime.startswith(prefix):
            return family
    return UNKNOWN
