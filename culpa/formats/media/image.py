"""Images: each page (every frame of a multi-page TIFF) marked for OCR, EXIF kept.

Photos of documents are often taken sideways and carry the fix in EXIF
Orientation, so pages are turned upright before OCR and boxes refer to the
upright image. Pillow's decompression-bomb guard is backed by our own pixel
limit, checked before any frame is decoded. The OCR stage
(culpa/ingest/ocr_stage.py) reads the frames back through
:meth:`ImageExtractor.render_pages`.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from struct import error as struct_error
from typing import ClassVar

import pillow_heif
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext, PageImage
from culpa.formats.registry import register
from culpa.formats.support.xmp import xmp_fields
from culpa.models import MIN_TEXT_PIXELS, Extracted, Page, image_dpi

#: A frame with more pixels than this is refused (about 15,000 x 12,000;
#: Pillow itself refuses first frames over twice its 89 M-pixel default).
MAX_IMAGE_PIXELS = 180_000_000
#: A multi-page TIFF with more frames than this is cut off (recorded in metadata).
MAX_FRAMES = 2_000
#: Metadata values are cut to this many characters.
MAX_METADATA_CHARS = 2_000
#: Formats whose frames are separate pages; for others (GIF, WebP) frames are animation.
MULTIPAGE_FORMATS = frozenset({"TIFF", "MPO"})

_EXIF_FIELDS = (
    "Make",
    "Model",
    "Software",
    "DateTime",
    "Artist",
    "Copyright",
    "ImageDescription",
    "HostComputer",
)
_EXIF_IFD_FIELDS = ("DateTimeOriginal", "DateTimeDigitized", "LensModel", "BodySerialNumber")
_ORIENTATION_TAG = 0x0112
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825


def _clean(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip()[:MAX_METADATA_CHARS]


def _gps_degrees(value: object, ref: object) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    return -decimal if _clean(ref).upper() in ("S", "W") else decimal


def exif_metadata(image: Image.Image) -> dict[str, str]:
    """A few EXIF fields (camera, dates, GPS position) as strings."""
    metadata: dict[str, str] = {}
    try:
        exif = image.getexif()
    except (OSError, ValueError, SyntaxError, TypeError):
        return metadata
    names: dict[int, str] = dict(ExifTags.TAGS)
    tags = {names.get(tag, str(tag)): value for tag, value in exif.items()}
    for field in _EXIF_FIELDS:
        if field in tags and _clean(tags[field]):
            metadata[f"exif:{field}"] = _clean(tags[field])
    try:
        sub_ifd = exif.get_ifd(_EXIF_IFD)
        gps = exif.get_ifd(_GPS_IFD)
    except (OSError, ValueError, SyntaxError, TypeError, KeyError):
        return metadata
    sub = {names.get(tag, str(tag)): value for tag, value in sub_ifd.items()}
    for field in _EXIF_IFD_FIELDS:
        if field in sub and _clean(sub[field]):
            metadata[f"exif:{field}"] = _clean(sub[field])
    if gps:
        latitude = _gps_degrees(gps.get(2), gps.get(1))
        longitude = _gps_degrees(gps.get(4), gps.get(3))
        if latitude is not None and longitude is not None:
            metadata["gps:latitude"] = f"{latitude:.6f}"
            metadata["gps:longitude"] = f"{longitude:.6f}"
    return metadata


def _exif_date(value: str) -> str:
    """EXIF's '2017:07:25 18:00:00' as ISO 8601 (unchanged if it is not in that form)."""
    date, _, time = value.partition(" ")
    parts = date.split(":")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return "-".join(parts) + (f"T{time}" if time else "")
    return value


def common_metadata(exif: dict[str, str], xmp: dict[str, str]) -> dict[str, str]:
    """The shared keys (camera, author, creator_tool, created) from EXIF and XMP."""
    common: dict[str, str] = {}
    camera = " ".join(v for v in (exif.get("exif:Make"), exif.get("exif:Model")) if v)
    if camera:
        common["camera"] = camera
    if "exif:Artist" in exif:
        common["author"] = exif["exif:Artist"]
    if "exif:Software" in exif:
        common["creator_tool"] = exif["exif:Software"]
    taken = exif.get("exif:DateTimeOriginal") or exif.get("exif:DateTime")
    if taken:
        common["created"] = _exif_date(taken)
    for key, value in xmp.items():
        common.setdefault(key, value[:MAX_METADATA_CHARS])
    return common


def _frames(image: Image.Image) -> Iterator[Image.Image]:
    """The pages of an image file (only TIFF/MPO frames count as pages)."""
    count = getattr(image, "n_frames", 1) if image.format in MULTIPAGE_FORMATS else 1
    for index in range(min(count, MAX_FRAMES)):
        image.seek(index)
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ExtractionError(
                ErrorKind.LIMIT_EXCEEDED, f"image frame is {width}x{height} pixels: too large"
            )
        yield image


def _upright(frame: Image.Image) -> Image.Image:
    """The frame decoded and turned as its EXIF Orientation says."""
    frame.load()
    turned = ImageOps.exif_transpose(frame)
    return turned if turned is not None else frame


@register
class ImageExtractor:
    """Raster images: PNG, JPEG, TIFF, WebP, GIF, BMP (and JPEG 2000)."""

    type: ClassVar[str] = "image"
    mime_types: ClassVar[tuple[str, ...]] = (
        "image/png",
        "image/jpeg",
        "image/tiff",
        "image/webp",
        "image/gif",
        "image/bmp",
        "image/x-ms-bmp",
        "image/jp2",
        "image/heic",
        "image/heif",
        "image/heic-sequence",
        "image/heif-sequence",
    )
    extensions: ClassVar[tuple[str, ...]] = (
        ".png",
        ".jpg",
        ".jpeg",
        ".tif",
        ".tiff",
        ".webp",
        ".gif",
        ".bmp",
        ".jp2",
        ".heic",
        ".heif",
    )
    score: ClassVar[int] = 50

    def __init__(self) -> None:
        # HEIC/HEIF (phone photos) through pillow-heif, which ships libheif in its wheel.
        pillow_heif.register_heif_opener()

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        """One page per frame, each marked for OCR when the context asks for OCR."""
        with _decoding(), Image.open(path) as image:
            return self._extract(image, context)

    def render_pages(
        self, path: Path, numbers: Sequence[int], context: ExtractContext
    ) -> Iterator[PageImage]:
        """Frames ``numbers`` turned upright; boxes are in the upright image's pixels."""
        wanted = set(numbers)
        found: dict[int, PageImage] = {}
        with _decoding(), Image.open(path) as image:
            for number, frame in enumerate(_frames(image), start=1):
                if number not in wanted:
                    continue
                context.progress()
                upright = _upright(frame)
                width, height = upright.size
                # A copy: the frame's pixels go with the file handle.
                found[number] = PageImage(
                    number, upright.copy(), image_dpi(frame), 1.0, float(width), float(height)
                )
                if len(found) == len(wanted):
                    break
        for number in numbers:
            missing = PageImage(number, None, error=f"the image has no page {number}")
            yield found.get(number) or missing

    def _extract(self, image: Image.Image, context: ExtractContext) -> Extracted:
        exif = exif_metadata(image)
        packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or ""
        if isinstance(packet, bytes):
            packet = packet.decode("utf-8", "replace")
        xmp = xmp_fields(packet) if isinstance(packet, str) else {}
        metadata = {"format": str(image.format), **exif, **common_metadata(exif, xmp)}
        frames = getattr(image, "n_frames", 1)
        if image.format in MULTIPAGE_FORMATS and frames > MAX_FRAMES:
            metadata["frames_skipped"] = str(frames - MAX_FRAMES)
        pages: list[Page] = []
        for number, frame in enumerate(_frames(image), start=1):
            context.progress()
            width, height = _upright(frame).size
            pages.append(Page(number=number, text="", width=width, height=height, text_layer=False))
        legible = [p.number for p in pages if min(p.width, p.height) >= MIN_TEXT_PIXELS]
        if context.ocr and len(legible) < len(pages):
            metadata["not_ocrd"] = f"{len(pages) - len(legible)} frames under {MIN_TEXT_PIXELS} px"
        ocr_pages = tuple(legible) if context.ocr else ()
        return Extracted(pages=tuple(pages), metadata=metadata, ocr_pages=ocr_pages)


@contextlib.contextmanager
def _decoding() -> Iterator[None]:
    """Pillow's failures on a damaged or hostile image, as ExtractionErrors."""
    with warnings.catch_warnings():
        # Our own pixel limit applies; Pillow's warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            yield
        except ExtractionError:
            raise
        except Image.DecompressionBombError as exc:
            raise ExtractionError(ErrorKind.LIMIT_EXCEEDED, str(exc)) from exc
        except UnidentifiedImageError as exc:
            raise ExtractionError(ErrorKind.CORRUPT, "not a readable image") from exc
        except (OSError, ValueError, SyntaxError, EOFError, struct_error) as exc:
            raise ExtractionError(ErrorKind.CORRUPT, f"image is damaged: {exc}") from exc
        except MemoryError as exc:
            raise ExtractionError(ErrorKind.TOO_LARGE, "image is too large to decode") from exc
