"""Image files as the viewer shows them: upright, at most MAX_IMAGE_SIDE pixels, as PNG or JPEG.

Decoded with Pillow and turned upright as their EXIF says (as the OCR saw
them), frame by frame for multi-page TIFFs, and re-encoded as PNG (JPEG for
colour photos), so any format the ingest read (TIFF, BMP, JPEG 2000, ...)
shows in any browser and the browser never parses the original.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import ClassVar

from PIL import Image, ImageOps, UnidentifiedImageError

from culpa.formats.render import MAX_IMAGE_SIDE, RenderError, ShownPage, png

#: Image files larger than this are not decoded for display.
MAX_IMAGE_FILE_PIXELS = 200_000_000
JPEG_QUALITY = 88


class ImagePageView:
    """An image file's frames, each a page."""

    mime_types: ClassVar[tuple[str, ...]] = ()
    scale: ClassVar[int] = 1
    suffixes: ClassVar[tuple[str, ...]] = ("png", "jpg")

    def render(self, path: Path, number: int) -> ShownPage:
        try:
            with Image.open(path) as image:
                if image.width * image.height > MAX_IMAGE_FILE_PIXELS:
                    raise RenderError("the image is too large to show")
                frames = getattr(image, "n_frames", 1)
                if number > frames:
                    raise RenderError(f"the image has no page {number}")
                image.seek(number - 1)
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                if upright.mode not in ("1", "L", "RGB", "RGBA", "LA"):
                    upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
                upright.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                if upright.mode == "RGB":
                    out = io.BytesIO()
                    upright.save(out, "JPEG", quality=JPEG_QUALITY)
                    return ShownPage(out.getvalue(), "jpg")
                return ShownPage(png(upright), "png")
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
            raise RenderError(f"the image cannot be decoded: {exc}") from exc
