"""DjVu pages as the viewer shows them: in greyscale as the OCR saw them, as PNG."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from culpa.errors import ExtractionError
from culpa.formats.documents.djvu import render_page
from culpa.formats.render import MAX_IMAGE_SIDE, RenderError, ShownPage, png


class DjvuPageView:
    """A DjVu page rendered by ``ddjvu`` (300 dpi), at most MAX_IMAGE_SIDE pixels."""

    mime_types: ClassVar[tuple[str, ...]] = ()
    scale: ClassVar[int] = 1
    suffixes: ClassVar[tuple[str, ...]] = ("png",)

    def render(self, path: Path, number: int) -> ShownPage:
        try:
            rendered = render_page(path, number)
        except ExtractionError as exc:
            raise RenderError(f"the DjVu document cannot be read: {exc}") from exc
        if rendered.image is None:
            raise RenderError(f"the page cannot be rendered: {rendered.error}")
        image = rendered.image
        image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
        return ShownPage(png(image), "png")
