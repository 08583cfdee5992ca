"""Transcribed test pages for the OCR benchmarks, made at run time.

Real text (Chinese government work reports from the shared corpus, the same
converted to Traditional with OpenCC, and English prose) is drawn onto A4 pages
at 300 dpi and then degraded the way scans are: skew, blur, noise, uneven
lighting, JPEG artefacts, low resolution. The drawn text is the exact
transcription. Everything is seeded, so every run makes the same pages.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CORPUS = Path("/work/shared/corpus/cjk-official")
CHINESE_SOURCES = (
    "govreports2026_2026_北京市_政府工作报告.csv",
    "govreports2026_2026_新疆维吾尔自治区_政府工作报告.csv",
)
SERIF_CJK = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SERIF_LATIN = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
#: Face index inside the Noto CJK collections.
FACE_SC, FACE_TC = 2, 3

DPI = 300
PAGE_WIDTH, PAGE_HEIGHT = 2480, 3508  # A4 at 300 dpi
MARGIN = 250  # px, ~2.1 cm
LINE_SPACING = 1.6  # line pitch / font size
#: Fewer lines than a full page keeps the benchmark under ten minutes.
MAX_LINES = 26
LOW_DPI = 150

SCRIPTS = ("hans", "hant", "latin")
DEGRADATIONS = ("clean", "scan", "poor", "lowres")

ENGLISH = """\
Minutes of the regional coordination meeting held on 14 March 2019 at the municipal \
office building. Present were the deputy director, two section chiefs and the head of the \
records department. The meeting reviewed the quarterly figures for the three counties and \
agreed that the reporting forms would be revised before the end of April.
The deputy director noted that 1,284 households had been visited in the first quarter, \
against a target of 1,500, and asked each county to explain the shortfall in writing. The \
head of records said that the new database would be ready on 2 May, but that the transfer \
of older paper files would take at least six more weeks.
It was agreed that all correspondence about the programme should be marked internal and \
kept in the registry, and that copies should not be sent by ordinary e-mail. Any request \
from outside the department must be referred to the legal office within five working days.
The second item concerned the budget. Spending on transport was 12 per cent above the plan, \
mainly because of fuel costs and the extra visits in February. The finance officer proposed \
moving 85,000 yuan from the training line, which the meeting approved without objection.
Under other business, the section chiefs raised staffing in the eastern district, where two \
posts have been vacant since October. The deputy director promised an answer by the next \
meeting and asked that the vacancy notices be published again on the public website.
We hold these truths to be self-evident, that all men are created equal, that they are \
endowed by their Creator with certain unalienable Rights, that among these are Life, Liberty \
and the pursuit of Happiness. That to secure these rights, Governments are instituted among \
Men, deriving their just powers from the consent of the governed.
Prudence, indeed, will dictate that Governments long established should not be changed for \
light and transient causes; and accordingly all experience hath shewn, that mankind are more \
disposed to suffer, while evils are sufferable, than to right themselves by abolishing the \
forms to which they are accustomed.
"""


@dataclass(frozen=True, slots=True)
class TestPage:
    """One page image on disk and the text drawn on it."""

    name: str
    script: str  # hans, hant or latin
    degradation: str
    path: Path
    reference: str
    dpi: int


def chinese_paragraphs() -> list[str]:
    """Body paragraphs of the work reports (navigation and captions dropped)."""
    csv.field_size_limit(1 << 30)
    paragraphs: list[str] = []
    for name in CHINESE_SOURCES:
        with (CORPUS / name).open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                for line in row["full_text"].splitlines():
                    line = "".join(line.split())
                    if len(line) >= 40:
                        paragraphs.append(line)
    return paragraphs


def wrap_chinese(paragraph: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break a paragraph into lines by measured width (Chinese breaks anywhere)."""
    lines: list[str] = []
    current = "\u3000\u3000"  # two ideographic spaces: the usual paragraph indent
    for char in paragraph:
        if font.getlength(current + char) > width:
            lines.append(current)
            current = ""
        current += char
    if current:
        lines.append(current)
    return lines


def wrap_latin(paragraph: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break a paragraph into lines at spaces by measured width."""
    average = font.getlength("abcdefghijklmnopqrstuvwxyz ") / 27
    lines = textwrap.wrap(paragraph, width=int(width / average) + 8)
    fitted: list[str] = []
    for line in lines:  # re-wrap any line the estimate let run over
        while font.getlength(line) > width:
            cut = line.rfind(" ", 0, len(line) - 1)
            while cut > 0 and font.getlength(line[:cut]) > width:
                cut = line.rfind(" ", 0, cut)
            fitted.append(line[:cut])
            line = line[cut + 1 :]
        fitted.append(line)
    return fitted


def page_lines(script: str, index: int, font: ImageFont.FreeTypeFont) -> list[str]:
    """The lines of page ``index`` for ``script``, from a different place each time."""
    width = PAGE_WIDTH - 2 * MARGIN
    lines: list[str] = []
    if script == "latin":
        paragraphs = ENGLISH.splitlines()
        start = (index * 3) % len(paragraphs)
        ordered = paragraphs[start:] + paragraphs[:start]
        for paragraph in ordered:
            lines += wrap_latin(paragraph, font, width)
    else:
        paragraphs = chinese_paragraphs()
        start = (index * 7 + (11 if script == "hant" else 0)) % len(paragraphs)
        converter = None
        if script == "hant":
            import opencc

            converter = opencc.OpenCC("s2tw")
        for paragraph in paragraphs[start:] + paragraphs[:start]:
            if converter is not None:
                paragraph = converter.convert(paragraph)
            lines += wrap_chinese(paragraph, font, width)
            if len(lines) >= MAX_LINES:
                break
    return lines[:MAX_LINES]


def page_font(script: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    """Serif on even pages, sans on odd ones (Latin uses DejaVu Serif or Noto Sans)."""
    serif = index % 2 == 0
    if script == "latin":
        if serif:
            return ImageFont.truetype(SERIF_LATIN, size)
        return ImageFont.truetype(SANS_CJK, size, index=FACE_SC)
    face = FACE_TC if script == "hant" else FACE_SC
    return ImageFont.truetype(SERIF_CJK if serif else SANS_CJK, size, index=face)


def render(lines: list[str], font: ImageFont.FreeTypeFont) -> Image.Image:
    """Black text on a white A4 page."""
    image = Image.new("L", (PAGE_WIDTH, PAGE_HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    pitch = round(font.size * LINE_SPACING)
    for number, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + number * pitch), line, font=font, fill=0)
    return image


def degrade(image: Image.Image, kind: str, seed: int) -> tuple[Image.Image, int]:
    """Make a clean page look scanned; returns the image and its resolution."""
    rng = np.random.default_rng(seed)
    if kind == "clean":
        return image, DPI
    if kind == "lowres":
        small = image.resize(
            (PAGE_WIDTH * LOW_DPI // DPI, PAGE_HEIGHT * LOW_DPI // DPI), Image.Resampling.BOX
        )
        noisy = np.asarray(small, dtype=np.float32) + rng.normal(0, 6, small.size[::-1])
        return _jpeg(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)), 75), LOW_DPI
    angle, blur, noise, quality = (1.5, 0.7, 10.0, 60) if kind == "scan" else (-2.8, 1.1, 18.0, 40)
    angle *= 1 if seed % 2 else -1
    skewed = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    blurred = skewed.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(blurred, dtype=np.float32)
    if kind == "poor":
        # Grey paper, faded toner and light falling off towards one edge.
        gradient = np.linspace(0, 45, PAGE_WIDTH, dtype=np.float32)[None, :]
        pixels = 70 + pixels * (150 / 255) - gradient
    pixels = pixels + rng.normal(0, noise, pixels.shape)
    degraded = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return _jpeg(degraded, quality), DPI


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    """Round-trip through JPEG to add its block artefacts."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def generate_pages(
    out: Path,
    pages_per_kind: int = 1,
    scripts: tuple[str, ...] = SCRIPTS,
    degradations: tuple[str, ...] = DEGRADATIONS,
) -> list[TestPage]:
    """Write the test pages as PNG (with their dpi) under ``out``; reuse existing files."""
    out.mkdir(parents=True, exist_ok=True)
    return list(_pages(out, pages_per_kind, scripts, degradations))


def _pages(
    out: Path, pages_per_kind: int, scripts: tuple[str, ...], degradations: tuple[str, ...]
) -> Iterator[TestPage]:
    for script in scripts:
        for index in range(pages_per_kind):
            size = 46 if index % 2 == 0 else 50  # 11 and 12 pt at 300 dpi
            font = page_font(script, index, size)
            lines = page_lines(script, index, font)
            reference = "\n".join(line.replace("\u3000", "") for line in lines)
            clean: Image.Image | None = None
            for number, kind in enumerate(degradations):
                name = f"{script}-{index}-{kind}"
                path = out / f"{name}.png"
                truth = out / f"{name}.txt"
                dpi = LOW_DPI if kind == "lowres" else DPI
                if not (path.exists() and truth.exists()):
                    if clean is None:
                        clean = render(lines, font)
                    image, dpi = degrade(clean, kind, seed=index * 100 + number + 1)
                    image.save(path, dpi=(dpi, dpi))
                    truth.write_text(reference, encoding="utf-8")
                yield TestPage(name, script, kind, path, reference, dpi)
