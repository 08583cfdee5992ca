"""The engines behind ocr_image, on pages drawn here: script choice, spreads, rotation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.fuzz import ratio

from culpa.analysis.language import detect_language
from culpa.analysis.ocr import ocr_image
from culpa.analysis.ocr.tesseract import gutter_x

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SIZE = 40  # px: 10 pt at 300 dpi
LEFT_PAGE = ["资产阶级就在共产党内", "党内走资本主义道路的", "当权派走资派还在走"]
RIGHT_PAGE = ["无产阶级是统治阶级", "资产阶级是被统治的", "被专政的阶级在今天"]


def page(lines: list[str], *, x: int = 60, width: int | None = None) -> Image.Image:
    font = ImageFont.truetype(FONT_PATH, SIZE)
    width = width or x * 2 + SIZE * max(len(line) for line in lines)
    image = Image.new("L", (width, 120 + len(lines) * SIZE * 2), 255)
    draw = ImageDraw.Draw(image)
    for number, text in enumerate(lines):
        draw.text((x, 60 + number * SIZE * 2), text, font=font, fill=0)
    return image


def spread() -> Image.Image:
    """Two pages side by side, their lines on the same rows, a gutter between them."""
    left, right = page(LEFT_PAGE), page(RIGHT_PAGE)
    image = Image.new("L", (left.width + right.width + 160, left.height), 255)
    image.paste(left, (0, 0))
    image.paste(right, (left.width + 160, 0))
    return image


@pytest.mark.parametrize("engine", ["auto", "tesseract"])
def test_spread_is_read_page_by_page_never_across(engine: str) -> None:
    image = spread()
    assert gutter_x(np.asarray(image)) is not None
    result = ocr_image(image, dpi=300, engine=engine)
    flat = "".join(result.text.split())
    # Tesseract may misread a character; the order is what matters here.
    assert ratio(flat, "".join(LEFT_PAGE + RIGHT_PAGE)) >= 95, result.text
    # The two pages are separate blocks: a quotation can be seen not to cross them.
    assert "\n\n" in result.text


def test_tesseract_reads_a_chinese_page_without_the_latin_model() -> None:
    result = ocr_image(page(LEFT_PAGE), dpi=300, engine="tesseract")
    assert "chi_sim" in result.engine and "eng" not in result.engine
    assert "".join(result.text.split()) == "".join(LEFT_PAGE)


def test_tesseract_reads_an_english_page_with_the_english_model_only() -> None:
    lines = ["Detention figures were revised", "in the second internal report"]
    result = ocr_image(page(lines), dpi=300, engine="tesseract")
    assert result.engine.endswith(" eng"), result.engine
    assert result.text.split("\n") == lines


def test_ppocr_reads_simplified_and_traditional_glyphs_on_one_page() -> None:
    mixed = ["我們这些人都可以反对", "毛澤东思想偉大紅旗"]
    result = ocr_image(page(mixed), dpi=300, engine="ppocr")
    assert result.engine.startswith("ppocr ")
    assert result.text.split("\n") == mixed
    assert all(w.confidence > 50 for w in result.words)


@pytest.mark.parametrize("turn", [90, 180])
def test_a_page_photographed_sideways_is_turned_upright(turn: int) -> None:
    upright = page(LEFT_PAGE + RIGHT_PAGE)
    sideways = upright.rotate(turn, expand=True, fillcolor=255)
    result = ocr_image(sideways, dpi=300)
    assert "".join(result.text.split()) == "".join(LEFT_PAGE + RIGHT_PAGE), result.text
    # Boxes are on the sideways image the caller gave: lines run top to bottom there.
    first = result.words[0]
    assert first.x1 <= sideways.width and first.y1 <= sideways.height
    assert first.y1 - first.y0 <= 2 * SIZE


def test_null_engine_reads_nothing() -> None:
    result = ocr_image(page(LEFT_PAGE), dpi=300, engine="null")
    assert (result.text, result.words, result.engine) == ("", (), "null")


def test_ocr_noise_gets_no_exotic_language() -> None:
    assert detect_language("AELEHAS AMER ER ERRAAHEMA LAHAS ER ERRA", ocr=True) == "und"
    assert detect_language("42 17 2017 3", ocr=True) == "und"
    assert detect_language("".join(LEFT_PAGE + RIGHT_PAGE), ocr=True) == "zh-Hans"


UYGHUR = ["ئۈرۈمچى شەھەرلىك جامائەت خەۋپسىزلىك ئىدارىسى", "يىغىن خاتىرىسى ۋە دوكلات"]


def test_an_arabic_script_page_is_routed_to_tesseract_uig_by_default() -> None:
    """PP-OCR has no Arabic-script model: auto must notice and read Uyghur with uig."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    image = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(image)
    for number, text in enumerate(UYGHUR):
        draw.text((1340, 60 + number * 100), text, font=font, fill=0, anchor="ra", direction="rtl")
    result = ocr_image(image, dpi=300)
    assert result.engine.startswith("tesseract ") and result.engine.endswith(" uig")
    # The routing is what is tested; DejaVu's Uyghur forms read only partly.
    assert ratio(result.text.replace("\n", ""), "".join(UYGHUR)) >= 50
    assert detect_language(result.text, ocr=True) == "ug"


def test_vertical_columns_are_read_top_to_bottom_right_to_left() -> None:
    """Vertical print (pre-1956 books, Taiwan and Hong Kong) is read in columns, right first."""
    columns = LEFT_PAGE + RIGHT_PAGE[:1]
    font = ImageFont.truetype(FONT_PATH, SIZE)
    image = Image.new("L", (120 + 80 * len(columns), 560), 255)
    draw = ImageDraw.Draw(image)
    for number, text in enumerate(columns):
        draw.text((image.width - 100 - number * 80, 60), text, font=font, fill=0, direction="ttb")
    result = ocr_image(image, dpi=300)
    assert result.text.split("\n") == columns
    # Not mistaken for a sideways page of rows: the boxes stand in columns.
    first = [w for w in result.words if w.end <= len(columns[0])]
    assert max(w.x1 for w in first) - min(w.x0 for w in first) < 2 * SIZE
