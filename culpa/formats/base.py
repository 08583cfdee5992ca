"""The contract every format extractor meets.

An extractor is pure: a file on disk goes in, an :class:`~culpa.models.Extracted`
comes out. It never touches the case database. Files found inside it
(archive members, attachments) are written under ``context.workdir`` and
returned as children; the ingest stores and extracts them in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from PIL import Image

from culpa.errors import ErrorKind

# Re-exported: part of the extractor's contract (ExtractContext's defaults), defined lower
# down because sources and analysis use them too and import nothing from formats.
from culpa.models import DEFAULT_OCR_LANGUAGES, Extracted, PartialFailure
from culpa.sources.archive import ArchiveLimits as ArchiveLimits


def member_warnings(
    kind: ErrorKind, members: Iterable[str], message: str
) -> tuple[PartialFailure, ...]:
    """One typed warning per member of a container that could not be read.

    Given beside the metadata key that lists the same members
    (``encrypted_members``, ...), so ``culpa errors`` names each of them.
    """
    return tuple(PartialFailure(kind, message, member=name) for name in members)


def no_progress() -> None:
    """The default :attr:`ExtractContext.progress`: nobody is watching."""


@dataclass(frozen=True, slots=True)
class ExtractContext:
    """What an extractor may use besides the file itself."""

    #: Folder for this file's children, inside the case so renames into the store are
    #: cheap. Not created in advance (most files have no children): create it to use it.
    workdir: Path
    ocr_languages: tuple[str, ...] = DEFAULT_OCR_LANGUAGES
    #: Whether pages without a usable text layer and images are OCR'd.
    ocr: bool = True
    #: Nesting depth of this file (0 for a file given on the command line).
    depth: int = 0
    #: The file's own name where it was found (provenance text; never a path to open).
    name: str = ""
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    #: Passwords to try on encrypted archives, PDFs and Office files, in order
    #: (``culpa ingest --password`` / ``--password-file``). Never stored in the case.
    passwords: tuple[str, ...] = ()
    #: Call after each unit of work (a page, an archive member): the ingest stops a
    #: file that goes too long without progress (a parser hang), so a long file
    #: that keeps calling this is never mistaken for a stuck one. Cheap to call often.
    progress: Callable[[], None] = no_progress
    #: The registry's choice of extractor for a MIME type and a file name, for an
    #: extractor that unwraps a file into another format (a decrypted Office
    #: package): passed in, so no extractor calls back into the registry. None
    #: when the caller offers none (such a file is then unsupported).
    extractor_for: Callable[[str, str], Extractor | None] | None = None


class Extractor(Protocol):
    """One file format. Registered in :mod:`culpa.formats.registry`."""

    #: Short family name stored as documents.type (pdf, image, docx, ...).
    type: ClassVar[str]
    #: MIME types (as libmagic reports them) this extractor reads.
    mime_types: ClassVar[tuple[str, ...]]
    #: Lower-case extensions with the dot, used only to break ties.
    extensions: ClassVar[tuple[str, ...]]
    #: Higher wins when several extractors claim a file.
    score: ClassVar[int]

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """Read ``path``; raise :class:`~culpa.errors.ExtractionError` if it can't be read."""
        ...


@dataclass(frozen=True, slots=True)
class PageImage:
    """A page rendered for OCR, or why it could not be.

    ``scale`` maps the image's pixels to page units (72/dpi for a PDF page in
    points, 1 for an image whose pages are in pixels); ``width``/``height`` are
    the page's size in page units.
    """

    number: int
    image: Image.Image | None
    dpi: int | None = None
    scale: float = 1.0
    width: float = 0.0
    height: float = 0.0
    error: str | None = None


@runtime_checkable
class PageRenderer(Protocol):
    """An extractor whose pages can be rendered for OCR (PDF, images, legacy Office)."""

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Render pages ``numbers`` of ``path`` in that order, one at a time (bounds memory).

        A page that cannot be rendered comes back with ``image=None`` and an ``error``;
        a file that cannot be opened at all raises ExtractionError.
        """
        ...
