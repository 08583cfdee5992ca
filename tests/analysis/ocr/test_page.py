"""OCR of page images drawn here, with the real engines (PP-OCR and Tesseract)."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from culpa.analysis.ocr import OcrResult, is_cjk, ocr_image
from culpa.errors import ErrorKind, ExtractionError

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_SIZE = 50  # px; ~12 pt at 300 dpi
CHINESE = "乌鲁木齐市公安局关于加强社会治安管理的通知"
ENGLISH = "The quick brown fox jumps over the lazy dog"
MARGIN = 60


def similarity(a: str, b: str) -> float:
    """1.0 for equal strings; OCR may miss a character on a small or degraded image."""
    return difflib.SequenceMatcher(None, a, b).ratio()


def draw_lines(lines: list[str], *, mode: str = "L") -> tuple[Image.Image, list[tuple[int, ...]]]:
    """A white page with ``lines`` drawn in black; returns it and each line's box."""
    font = ImageFont.truetype(FONT_PATH, FONT_SIZE)
    width = MARGIN * 2 + max(round(font.getlength(line)) for line in lines)
    height = MARGIN * 2 + len(lines) * FONT_SIZE * 2
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    boxes = []
    for number, line in enumerate(lines):
        position = (MARGIN, MARGIN + number * FONT_SIZE * 2)
        draw.text(position, line, font=font, fill=0)
        boxes.append(tuple(round(v) for v in draw.textbbox(position, line, font=font)))
    return image.convert(mode), boxes


@pytest.fixture(scope="module")
def mixed_page() -> tuple[OcrResult, list[tuple[int, ...]]]:
    image, boxes = draw_lines([CHINESE, ENGLISH])
    return ocr_image(image, dpi=300), boxes


def test_chinese_without_spaces(mixed_page: tuple[OcrResult, list[tuple[int, ...]]]) -> None:
    result, _ = mixed_page
    first_line = result.text.split("\n")[0]
    assert first_line == CHINESE
    for left, right in zip(result.text, result.text[1:], strict=False):
        assert not (right == " " and is_cjk(left)), result.text


def test_english_keeps_spaces(mixed_page: tuple[OcrResult, list[tuple[int, ...]]]) -> None:
    result, _ = mixed_page
    assert result.text.split("\n")[1] == ENGLISH


def test_word_offsets_are_exact(mixed_page: tuple[OcrResult, list[tuple[int, ...]]]) -> None:
    result, _ = mixed_page
    assert result.words
    for word in result.words:
        assert result.text[word.start : word.end] == word.text
    # Every non-separator character belongs to a word.
    covered = {i for w in result.words for i in range(w.start, w.end)}
    assert covered == {i for i, c in enumerate(result.text) if c not in " \n"}


def test_word_boxes_lie_where_text_was_drawn(
    mixed_page: tuple[OcrResult, list[tuple[int, ...]]],
) -> None:
    result, boxes = mixed_page
    slack = FONT_SIZE / 2
    for word in result.words:
        assert 0 <= word.x0 < word.x1 <= result.width
        assert 0 <= word.y0 < word.y1 <= result.height
        line = 0 if is_cjk(word.text[0]) else 1
        left, top, right, bottom = boxes[line]
        assert left - slack <= word.x0 and word.x1 <= right + slack, word
        assert top - slack <= word.y0 and word.y1 <= bottom + slack, word
        assert 0 <= word.confidence <= 100


def test_result_metadata(mixed_page: tuple[OcrResult, list[tuple[int, ...]]]) -> None:
    result, _ = mixed_page
    assert result.engine.startswith("ppocr ")  # auto: PP-OCR reads Chinese and English
    assert result.confidence is not None and result.confidence > 80


def test_transparent_image_reads_as_printed() -> None:
    image, _ = draw_lines([ENGLISH])
    # Black text on a transparent background: alpha carries the ink.
    rgba = Image.new("RGBA", image.size, (0, 0, 0, 0))
    rgba.putalpha(Image.eval(image, lambda v: 255 - v))
    result = ocr_image(rgba, ["eng"], dpi=300)
    assert result.text == ENGLISH


def test_blank_and_empty_images() -> None:
    blank = ocr_image(Image.new("L", (400, 300), 255), ["eng"])
    assert blank.text == "" and blank.words == () and blank.confidence is None
    empty = ocr_image(Image.new("L", (0, 0)), ["eng"])
    assert empty.text == "" and (empty.width, empty.height) == (0, 0)


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (1, 300), (300, 1), (40, 7)])
@pytest.mark.parametrize("engine", ["auto", "tesseract"])
def test_tiny_images_hold_no_text(size: tuple[int, int], engine: str) -> None:
    # A tracking pixel once failed in OpenCV (a quarter-size copy of 0 px); a 40x7
    # strip of noise was "read" as Arabic letters.
    noise = Image.effect_noise(size, 100).convert("RGB")
    result = ocr_image(noise, ["eng", "uig"], engine=engine)
    assert (result.text, result.words, result.width, result.height) == ("", (), *size)


def test_unknown_language_fails_as_ocr_error() -> None:
    image, _ = draw_lines([ENGLISH])
    with pytest.raises(ExtractionError) as caught:
        ocr_image(image, ["no_such_language"])
    assert caught.value.kind is ErrorKind.OCR_FAILED


def test_ocr_writes_nothing_under_home(tmp_path: Path) -> None:
    """No engine may leave caches, device ids or telemetry in the user's home."""
    script = (
        "from PIL import Image, ImageDraw, ImageFont\n"
        "from culpa.analysis.ocr import ocr_image\n"
        f"font = ImageFont.truetype({FONT_PATH!r}, {FONT_SIZE})\n"
        "image = Image.new('L', (1400, 200), 255)\n"
        f"ImageDraw.Draw(image).text((40, 60), {CHINESE!r}, font=font, fill=0)\n"
        "print(ocr_image(image, dpi=300).text)\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    completed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert CHINESE[:4] in completed.stdout
    assert list(home.rglob("*")) == []


TRADITIONAL = "這五年，我們以人為本、精細施策，現代化建設成果更多惠及人民群眾"
TRADITIONAL_FACE = 3  # Noto Sans CJK TC in the collection


def test_traditional_page_is_read_with_chi_tra() -> None:
    font = ImageFont.truetype(FONT_PATH, FONT_SIZE, index=TRADITIONAL_FACE)
    lines = [TRADITIONAL[:16], TRADITIONAL[16:]]
    image = Image.new("L", (MARGIN * 2 + FONT_SIZE * 17, MARGIN * 2 + FONT_SIZE * 4), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + number * FONT_SIZE * 2), line, font=font, fill=0)
    result = ocr_image(image, dpi=300, engine="tesseract")
    assert "chi_tra" in result.engine and "chi_sim" not in result.engine
    assert similarity(result.text.replace("\n", ""), TRADITIONAL) >= 0.9, result.text


def test_skewed_scan_is_straightened_and_boxes_stay_in_place() -> None:
    image, boxes = draw_lines([CHINESE, ENGLISH])
    tilted = image.rotate(2.0, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    result = ocr_image(tilted, dpi=300)
    chinese, english_line = result.text.split("\n")
    assert chinese == CHINESE
    # chi_sim+eng sometimes joins two Latin words whose gap is tight in Noto Sans.
    assert english_line.replace(" ", "") == ENGLISH.replace(" ", "")
    english = [w for w in result.words if w.text == "dog"]
    assert english
    _, top, right, bottom = boxes[1]
    # Rotated 2 degrees about the centre: the line's right end moves by < 20 px.
    assert right - FONT_SIZE * 3 <= english[0].x0 and english[0].x1 <= right + FONT_SIZE
    assert top - FONT_SIZE <= english[0].y0 and english[0].y1 <= bottom + FONT_SIZE


def test_low_resolution_fax_is_read() -> None:
    image, _ = draw_lines([CHINESE, ENGLISH])
    small = image.resize((image.width // 2, image.height // 2), Image.Resampling.BOX)
    result = ocr_image(small, dpi=150)
    chinese, english_line = result.text.split("\n")
    assert similarity(chinese, CHINESE) >= 0.9, chinese
    assert similarity(english_line.replace(" ", ""), ENGLISH.replace(" ", "")) >= 0.9
    assert all(w.x1 <= small.width and w.y1 <= small.height for w in result.words)


def test_huge_images_are_read_scaled_down_with_boxes_in_their_own_pixels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from culpa.analysis.ocr import page as ocr

    page = Image.new("L", (2400, 600), 255)
    draw = ImageDraw.Draw(page)
    draw.text((100, 200), "Detention centre report", fill=0, font=ImageFont.truetype(FONT_PATH, 90))
    monkeypatch.setattr(ocr, "MAX_OCR_PIXELS", 2400 * 600 // 4)  # force a halving
    result = ocr.ocr_image(page, ["eng"], dpi=300)
    assert "Detention" in result.text
    assert (result.width, result.height) == (2400.0, 600.0)
    word = next(w for w in result.words if w.text.startswith("Detention"))
    assert 60 <= word.x0 <= 140 and word.x1 > 500 and 150 <= word.y0 <= 260
