from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.media.image import ImageExtractor
from culpa.ingest.ocr_stage import extract_with_ocr

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _text_image(text: str, size: int = 56) -> Image.Image:
    font = ImageFont.truetype(CJK_FONT, size)
    image = Image.new("RGB", (120 + size * len(text), 200), "white")
    ImageDraw.Draw(image).text((60, 60), text, font=font, fill="black")
    return image


def _context(tmp_path: Path, languages: tuple[str, ...] = ("eng",)) -> ExtractContext:
    return ExtractContext(workdir=tmp_path, ocr_languages=languages)


def test_png_is_ocrd(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    _text_image("Secret memo 2017").save(path)
    result = extract_with_ocr(ImageExtractor(), path, _context(tmp_path))
    page = result.pages[0]
    assert page.method == "ocr"
    assert "memo" in page.text.lower()
    for word in page.words:
        assert page.text[word.start : word.end] == word.text
    assert result.metadata["format"] == "PNG"


def test_chinese_jpeg_with_exif_rotation(tmp_path: Path) -> None:
    upright = _text_image("关于加强管理的通知")
    sideways = upright.rotate(-90, expand=True)  # stored turned clockwise
    exif = Image.Exif()
    exif[0x0112] = 8  # viewer turns it back 90 degrees anticlockwise
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS 5D"
    path = tmp_path / "photo.jpg"
    sideways.save(path, exif=exif.tobytes(), quality=95)
    result = extract_with_ocr(ImageExtractor(), path, _context(tmp_path, ("chi_sim",)))
    page = result.pages[0]
    assert (page.width, page.height) == upright.size
    assert "加强" in page.text and "通知" in page.text
    assert page.language == "zh-Hans"
    assert result.metadata["exif:Make"] == "Canon"
    assert result.metadata["exif:Model"] == "EOS 5D"


def test_multipage_tiff_is_one_page_per_frame(tmp_path: Path) -> None:
    frames = [_text_image("Page one"), _text_image("Page two")]
    path = tmp_path / "scan.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    result = extract_with_ocr(ImageExtractor(), path, _context(tmp_path))
    assert [p.number for p in result.pages] == [1, 2]
    assert "one" in result.pages[0].text.lower()
    assert "two" in result.pages[1].text.lower()


def test_without_ocr_pages_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "a.webp"
    _text_image("x").save(path)
    context = ExtractContext(workdir=tmp_path, ocr=False)
    result = extract_with_ocr(ImageExtractor(), path, context)
    assert [p.text for p in result.pages] == [""]


def test_broken_image_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.png"
    _text_image("x").save(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ExtractionError) as info:
        extract_with_ocr(ImageExtractor(), path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT


def test_camera_gps_dates_and_xmp_of_a_photo(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "P30"
    exif[0x0131] = "Snapseed 2.0"
    exif.get_ifd(0x8769)[0x9003] = "2017:07:25 18:00:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (43.0, 49.0, 30.0)
    gps[3], gps[4] = "E", (87.0, 36.0, 0.0)
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmpMM:DocumentID="xmp.did:42"/>'
        "</rdf:RDF></x:xmpmeta>"
    )
    path = tmp_path / "photo.jpg"
    _text_image("通知").save(path, exif=exif.tobytes(), xmp=xmp.encode())
    context = replace(_context(tmp_path, ("chi_sim",)), ocr=False)
    metadata = extract_with_ocr(ImageExtractor(), path, context).metadata
    assert metadata["camera"] == "HUAWEI P30"
    assert metadata["creator_tool"] == "Snapseed 2.0"
    assert metadata["created"] == "2017-07-25T18:00:00"
    assert (metadata["gps:latitude"], metadata["gps:longitude"]) == ("43.825000", "87.600000")
    assert metadata["document_id"] == "xmp.did:42"


def test_heic_phone_photo(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 8"
    path = tmp_path / "IMG_0001.HEIC"
    ImageExtractor()  # registers the HEIF opener with Pillow
    _text_image("Xinjiang report").save(path, format="HEIF", quality=95, exif=exif.tobytes())
    result = extract_with_ocr(ImageExtractor(), path, _context(tmp_path, ("eng",)))
    assert result.metadata["camera"] == "Apple iPhone 8"
    assert "report" in result.pages[0].text.lower()


@pytest.mark.parametrize(
    ("size", "suffix"), [((1, 1), ".gif"), ((1, 1), ".png"), ((2, 2), ".jpg"), ((200, 1), ".png")]
)
def test_tracking_pixel_is_an_image_without_text(
    tmp_path: Path, size: tuple[int, int], suffix: str
) -> None:
    # An e-mail's 1x1 tracking pixel (or a spacer, a rule) is an image, not an error.
    path = tmp_path / f"pixel{suffix}"
    image = Image.new("P" if suffix == ".gif" else "RGB", size)
    image.save(path, **({"transparency": 0} if suffix == ".gif" else {}))
    result = extract_with_ocr(ImageExtractor(), path, _context(tmp_path))
    assert [(p.text, p.width, p.height) for p in result.pages] == [("", *size)]
    assert result.ocr_pages == ()
    assert result.metadata["not_ocrd"] == "1 frames under 8 px"
