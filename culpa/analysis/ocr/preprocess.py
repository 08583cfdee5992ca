"""Clean-up of a page image before OCR: resolution, skew, lighting, noise.

Tesseract reads straight, evenly lit text at ~300 dpi best. Scans in a leak
are tilted, grey, speckled and sometimes faxed at 150 dpi. Measured on
bench/ocr_quality.py: deskewing took a page skewed 1.5 degrees from 5.8 % to
0.6 % character errors; flattening the lighting and a 3 px median filter took a
faded, noisy, 2.8 degree page from ~50 % to < 1 %. The geometry is kept so word
boxes can be mapped back to the caller's pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from culpa.analysis.ocr.engine import GreyArray

#: Resolution the OCR models expect.
TARGET_DPI = 300
#: Upscaling stops at this many pixels (memory: Tesseract needs ~40 bytes a pixel).
MAX_PREPARED_PIXELS = 20_000_000
#: Images known to be below this are scaled up to TARGET_DPI.
MIN_DPI = 200
#: Largest skew searched for, degrees; larger tilts are rare in scans and
#: better handled by page rotation detection.
MAX_SKEW_DEGREES = 5.0
#: Skews smaller than this are left alone (rotation blurs a little).
MIN_SKEW_DEGREES = 0.15
#: Scale of the copy the skew and the background are estimated on.
ESTIMATE_SCALE = 0.25
#: Side of the square that closes over text to estimate the paper, px at ESTIMATE_SCALE.
BACKGROUND_KERNEL = 9

#: Speckle (grey levels, see estimate_noise) above which a 3 px median filter is
#: applied. Benchmark pages: clean 0, scanned 1-2, poor 8-9. The filter halved
#: errors on noisy pages and tripled them on a clean one (thin serif strokes).
NOISE_THRESHOLD = 1.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """A cleaned greyscale page and how to map its pixels back to the original."""

    pixels: GreyArray
    scale: float  # prepared px per original px
    angle: float  # degrees the page was rotated (counter-clockwise) to straighten it
    dpi: int | None
    #: Where the prepared page starts in the original (a photo cropped to its page), px.
    left: int = 0
    top: int = 0

    def to_original(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
        """A box in prepared pixels as the enclosing box in original pixels."""
        height, width = self.pixels.shape
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -self.angle, 1.0)
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]])
        points = corners @ matrix.T / self.scale
        return (
            float(points[:, 0].min()) + self.left,
            float(points[:, 1].min()) + self.top,
            float(points[:, 0].max()) + self.left,
            float(points[:, 1].max()) + self.top,
        )


def prepare_page(image: Image.Image, dpi: int | None) -> Prepared:
    """Crop a photo to its page; upscale low resolution, straighten, even out light, despeckle."""
    pixels: GreyArray = np.asarray(image.convert("L"), dtype=np.uint8)
    left, top, right, bottom = page_region(pixels)
    if (right - left, bottom - top) != (pixels.shape[1], pixels.shape[0]):
        pixels = np.ascontiguousarray(pixels[top:bottom, left:right])
    noisy = estimate_noise(pixels) >= NOISE_THRESHOLD
    scale = 1.0
    if dpi is not None and dpi < MIN_DPI:
        height, width = pixels.shape[:2]
        # Never upscale past the pixel budget (a poster rendered at low dpi stays low).
        budget = (MAX_PREPARED_PIXELS / max(1, width * height)) ** 0.5
        scale = min(TARGET_DPI / dpi, max(1.0, budget))
        pixels = _as_grey(
            cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        )
        dpi = round(dpi * scale)
    angle = estimate_skew(pixels)
    if abs(angle) >= MIN_SKEW_DEGREES:
        pixels = rotate(pixels, angle)
    else:
        angle = 0.0
    pixels = flatten_background(pixels)
    if noisy:
        pixels = _as_grey(cv2.medianBlur(pixels, 3))
    return Prepared(pixels, scale, angle, dpi, left, top)


#: The page of a photo must cover at least this share of the image to be cropped to,
#: and at most this share (a scan is all page: nothing to crop).
MIN_PAGE_SHARE, MAX_PAGE_SHARE = 0.25, 0.85
#: Background left around the page when cropping, as a share of the image's side.
PAGE_MARGIN = 0.02
#: Images with a shorter side than this are never cropped (phone photos are larger).
MIN_PHOTO_SIDE = 800
#: What surrounds a photographed page is at most this bright, relative to the page.
DARK_SURROUND = 0.75
#: Width of the copy the page is looked for on, px.
PAGE_SEARCH_WIDTH = 400


def page_region(pixels: GreyArray) -> tuple[int, int, int, int]:
    """The box (left, top, right, bottom) of the paper in a photo: the whole image otherwise.

    A phone photo of a page shows the desk around it; the page is the largest
    bright region, found on a small copy (Otsu's threshold, closed over the text).
    Cropping to it keeps the desk's texture out of the skew and lighting
    estimates. Nothing is cropped unless that region is clearly smaller than the
    image and clearly larger than a stray bright patch.
    """
    height, width = pixels.shape
    whole = (0, 0, width, height)
    if min(width, height) < MIN_PHOTO_SIDE:
        return whole  # a screenshot, a label, a clip: no desk around it
    factor = PAGE_SEARCH_WIDTH / width
    small = cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return whole
    x, y, w, h = cv2.boundingRect(max(contours, key=cv2.contourArea))
    share = (w * h) / (small.shape[0] * small.shape[1])
    if not MIN_PAGE_SHARE <= share <= MAX_PAGE_SHARE:
        return whole
    outside = np.ones(small.shape, dtype=bool)
    outside[y : y + h, x : x + w] = False
    inside_mean = float(small[y : y + h, x : x + w].mean())
    if float(small[outside].mean()) > DARK_SURROUND * inside_mean:
        return whole  # what surrounds it is as light as paper: part of the page
    margin = PAGE_MARGIN * max(width, height)
    return (
        max(0, int(x / factor - margin)),
        max(0, int(y / factor - margin)),
        min(width, int((x + w) / factor + margin)),
        min(height, int((y + h) / factor + margin)),
    )


def estimate_noise(pixels: GreyArray) -> float:
    """Typical speckle: median difference from a 3 px median filter, on every second pixel."""
    sample = np.ascontiguousarray(pixels[::2, ::2])
    if min(sample.shape) < 3:
        return 0.0
    difference = np.abs(sample.astype(np.int16) - cv2.medianBlur(sample, 3))
    return float(np.median(difference))


def estimate_skew(pixels: GreyArray) -> float:
    """The rotation (degrees) that makes text lines horizontal.

    Projection profile: rotated correctly, the row sums of ink alternate most
    sharply between lines and gaps, so their variance peaks. Coarse then fine
    search on a quarter-size copy.
    """
    small = cv2.resize(
        pixels, None, fx=ESTIMATE_SCALE, fy=ESTIMATE_SCALE, interpolation=cv2.INTER_AREA
    )
    if min(small.shape) < 16:
        return 0.0
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    height, width = ink.shape

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
        return float(np.var(turned.sum(axis=1, dtype=np.float64)))

    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.4, best + 0.41, 0.1)
    return round(float(max(fine, key=sharpness)), 2)


def rotate(pixels: GreyArray, angle: float) -> GreyArray:
    """Rotate about the centre, same size, filling with white paper."""
    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return _as_grey(
        cv2.warpAffine(pixels, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)
    )


def flatten_background(pixels: GreyArray) -> GreyArray:
    """Divide by an estimate of the bare paper, so grey or unevenly lit pages turn white."""
    height, width = pixels.shape
    small = cv2.resize(
        pixels, None, fx=ESTIMATE_SCALE, fy=ESTIMATE_SCALE, interpolation=cv2.INTER_AREA
    )
    if min(small.shape) < BACKGROUND_KERNEL:
        return pixels
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (BACKGROUND_KERNEL, BACKGROUND_KERNEL))
    paper = cv2.medianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), BACKGROUND_KERNEL)
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    return _as_grey(cv2.divide(pixels, np.maximum(paper, 1).astype(np.uint8), scale=255))


def _as_grey(array: object) -> GreyArray:
    """OpenCV's result typed as the 8-bit array it is."""
    return np.asarray(array, dtype=np.uint8)


def grey(image: Image.Image) -> Image.Image:
    """8-bit greyscale, with transparency flattened onto white (as printed)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit/float scans: scale to 8 bits rather than clip.
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("L")
