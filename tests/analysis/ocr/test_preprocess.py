"""Page clean-up before OCR: a photographed page is cropped out of the desk around it."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from culpa.analysis.ocr import ocr_image
from culpa.analysis.ocr.preprocess import page_region, prepare_page

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
LINES = ["资产阶级就在共产党内", "党内走资本主义道路的"]
PAGE = (250, 300, 1150, 1500)  # left, top, right, bottom of the paper in the photo


def photo_on_a_desk() -> Image.Image:
    image = Image.new("L", (1400, 1800), 70)  # a dark desk
    draw = ImageDraw.Draw(image)
    draw.rectangle(PAGE, fill=235)
    font = ImageFont.truetype(FONT_PATH, 50)
    for number, text in enumerate(LINES):
        draw.text((PAGE[0] + 80, PAGE[1] + 120 + number * 100), text, font=font, fill=20)
    return image


def test_the_page_of_a_photo_is_found_and_cropped_to() -> None:
    pixels = np.asarray(photo_on_a_desk())
    left, top, right, bottom = page_region(pixels)
    assert PAGE[0] - 60 <= left <= PAGE[0] and PAGE[1] - 60 <= top <= PAGE[1]
    assert PAGE[2] <= right <= PAGE[2] + 60 and PAGE[3] <= bottom <= PAGE[3] + 60
    prepared = prepare_page(Image.fromarray(pixels), None)
    assert (prepared.left, prepared.top) == (left, top)
    assert prepared.pixels.shape == (bottom - top, right - left)


def test_boxes_of_a_cropped_photo_are_on_the_photo() -> None:
    result = ocr_image(photo_on_a_desk())
    assert result.text.split("\n") == LINES
    first = result.words[0]
    assert PAGE[0] + 60 <= first.x0 <= PAGE[0] + 100
    assert PAGE[1] + 110 <= first.y0 <= PAGE[1] + 150


def test_a_scan_or_a_light_surround_is_not_cropped() -> None:
    scan = np.full((1600, 1200), 250, dtype=np.uint8)
    scan[200:260, 100:1100] = 30  # a line of "text"
    assert page_region(scan) == (0, 0, 1200, 1600)
    grey_margin = np.asarray(photo_on_a_desk()).copy()
    grey_margin[grey_margin == 70] = 215  # light table: not clearly a desk
    assert page_region(grey_margin) == (0, 0, 1400, 1800)
    small = np.asarray(photo_on_a_desk().resize((350, 450)))
    assert page_region(small) == (0, 0, 350, 450)  # too small to be a phone photo
