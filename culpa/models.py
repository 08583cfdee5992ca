"""Plain data passed between the pipeline's stages.

Extractors produce an :class:`Extracted`; the ingest writer stores it; analyzers
read a :class:`StoredDocument` and return :class:`Finding`; search returns
:class:`Hit`. Everything is frozen so a value can cross a process
boundary (pickled from a worker) and be shared without defensive copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from culpa.errors import ErrorKind

if TYPE_CHECKING:
    from PIL import Image

#: Separator between a container's provenance path and a member's name.
CONTAINER_SEPARATOR = "!/"

#: OCR languages (Tesseract's names) used when nothing else is asked for; each
#: page is read with those of its own script only (docs/ocr.md).
DEFAULT_OCR_LANGUAGES: tuple[str, ...] = ("chi_sim", "chi_tra", "eng", "uig")
#: An image (or frame) whose shorter side is under this many pixels holds no legible
#: text and is not OCR'd: an e-mail's 1x1 tracking pixel, a spacer GIF, a rule. OCR's
#: quarter-size estimates have no pixels left below 3 px, and on a 40x7 image of
#: noise Tesseract "read" a line of Arabic letters.
MIN_TEXT_PIXELS = 8


def image_dpi(image: Image.Image) -> int | None:
    """The resolution an image file states, if plausible (50-2400 dpi).

    Here, not with the image extractor, because the OCR stage needs it too and
    analysis imports nothing from formats.
    """
    value = image.info.get("dpi")
    try:
        dpi = round(float(value[0])) if value else 0
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if 50 <= dpi <= 2400 else None


@dataclass(frozen=True, slots=True)
class Word:
    """One word (or one CJK character group) on a page, with its box.

    Coordinates are in the page's own units (PDF points for PDF pages, pixels
    for images), origin top-left. ``start``/``end`` are character offsets into
    the page's stored text, so a search hit's span can be turned into boxes.
    ``confidence`` is 0–100 (text-layer words get 100).
    """

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    start: int
    end: int
    confidence: float = 100.0


@dataclass(frozen=True, slots=True)
class Page:
    """A page's text as stored. ``number`` is 1-based."""

    number: int
    text: str
    words: tuple[Word, ...] = ()
    width: float = 0.0
    height: float = 0.0
    #: "text" for a text layer / born-digital text, "ocr" for recognised text.
    method: str = "text"
    language: str | None = None
    ocr_engine: str | None = None
    #: Mean word confidence (0–100) for OCR'd pages.
    ocr_confidence: float | None = None
    #: False for a page with no text layer to read (an image, a page that would not
    #: parse): the ingest leaves its language unknown, where it detects the language of
    #: every other page that has none (:func:`culpa.analysis.language.tag_languages`).
    text_layer: bool = True


@dataclass(frozen=True, slots=True)
class Child:
    """A file found inside a container (archive member, email attachment).

    ``name`` is the member's path inside the container, as provenance text
    (never used as a path on disk); ``path`` is a temporary file holding its
    bytes, written by the extractor inside the work folder it was given.
    """

    name: str
    path: Path


@dataclass(frozen=True, slots=True)
class TablePage:
    """Which rows of a table one stored page holds: its lines, in order.

    ``rows[i]`` is the row number of line ``i`` of the page text, numbered as the
    table's own program shows it (a sheet's row number, a CSV's record number with
    the header as row 1, a SQLite rowid, a JSON record's position from 1), so
    ``doc 12 row 4031`` can be found again in the original.
    """

    page: int
    rows: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table in a file (a CSV or TSV, a sheet, a SQLite table, JSON records).

    Its rows are stored as page text, one row per line with cells joined by tabs
    (tabs and line breaks inside a cell become spaces), so rows are searched, shown
    and cited like any other text; this says what the columns are called and which
    rows each page holds.
    """

    name: str
    columns: tuple[str, ...]
    pages: tuple[TablePage, ...]


@dataclass(frozen=True, slots=True)
class PartialFailure:
    """A part of a file that could not be read while the rest was: a typed warning.

    The file is stored and searchable, so this is not an error of the file;
    but a reporter must know what is missing (a PDF page that would not
    parse, an archive member locked by a password, a page OCR failed on).
    ``kind`` is one of the error kinds (docs/errors.md), so ``culpa errors
    --kind encrypted`` lists locked members next to locked files. Stored in
    the case's ``warnings`` table beside the document's metadata key that
    says the same in free text (``page_errors``, ``encrypted_members``, ...).
    """

    kind: ErrorKind
    message: str
    #: The page it concerns (1-based); None when it is about the whole file.
    page: int | None = None
    #: The member (its path inside the container) it concerns; None when not a member.
    member: str | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    """What an extractor found in one file."""

    pages: tuple[Page, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    children: tuple[Child, ...] = ()
    #: Numbers of the pages to OCR (no usable text layer, or an image): the OCR
    #: stage (culpa/ingest/ocr_stage.py) renders them with the extractor's
    #: ``render_pages`` and replaces them; they stay as they are without OCR.
    ocr_pages: tuple[int, ...] = ()
    #: The tables among ``pages`` (a page holds rows of at most one table).
    tables: tuple[Table, ...] = ()
    #: A file too large to hold in memory (a CSV of a gigabyte) has its pages, and each
    #: table's pages, in this spool file in the work folder instead of in ``pages`` and
    #: ``Table.pages`` (culpa.formats.tables.table_pages.read_spool reads it page by page).
    spool: Path | None = None
    #: What could not be read while the rest was (a broken page, a locked member).
    warnings: tuple[PartialFailure, ...] = ()


@dataclass(frozen=True, slots=True)
class Span:
    """A character span in a stored page: the unit of citation."""

    sha256: str
    page: int
    start: int
    end: int


#: A finding's value: anything JSON can hold (it is stored as JSON in ``findings.value``).
JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document as analyzers see it: what ingest stored, nothing from the original.

    ``pages`` hold the stored text, language and method of each page (no word
    boxes); they are empty where an analyzer only looks at metadata (a
    case-wide analyzer such as mail threads, and ``applies_to`` questions).
    """

    id: int
    sha256: str
    type: str
    mime: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    pages: tuple[Page, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """Something an analyzer found in a document, for search, view and citation.

    ``span`` points at the passage (its ``sha256`` is the document's); ``None``
    means the finding is about the whole document (a message's thread).
    ``value`` must be JSON-able: it is stored as JSON.
    """

    analyzer: str
    label: str
    value: JsonValue = None
    span: Span | None = None


#: A finding's label that re-tags a stored page instead of being kept: its value is the
#: language of the page its span points at, written into that page's ``language`` by the
#: analysis store in the document's transaction (culpa.analysis.language).
PAGE_LANGUAGE = "page_language"


def child_provenance(parent: str, name: str) -> str:
    """Provenance path of a member ``name`` inside the container at ``parent``."""
    return f"{parent}{CONTAINER_SEPARATOR}{name}"


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a page of a document, with the first match located.

    ``start``/``end`` index the page's stored text; ``snippet`` marks the
    match with ``[[`` and ``]]`` (the CLI may render it otherwise), and on an
    OCR'd page each doubtful word with ``[?`` and ``?]``. ``doubtful`` gives
    those words as ``(start, end, confidence)`` in the page text, so a reader
    of OCR'd text is never shown a machine's guess as if it were printed.
    """

    document_id: int
    sha256: str
    path: str  # a provenance path (the shortest one, when there are several)
    page: int
    start: int
    end: int
    snippet: str
    score: float
    type: str = ""
    language: str | None = None
    #: "text" (text layer) or "ocr", with the engine and mean word confidence (0-100).
    method: str = "text"
    ocr_engine: str | None = None
    ocr_confidence: float | None = None
    #: Doubtful OCR words inside the snippet: (start, end, confidence) in the page text.
    doubtful: tuple[tuple[int, int, float], ...] = ()
    #: On a table's page: the table's name and the number of the row the match is in.
    table: str | None = None
    row: int | None = None
