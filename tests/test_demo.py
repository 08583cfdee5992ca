"""The committed demo trove: each file is of the kind it claims, and the script rebuilds it.

Checks go by content (magic bytes, parsers), not by extension, so a file that
was renamed or truncated fails here rather than in a live demo.
"""

# python-docx ships no type hints.
# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import email
import email.policy
import itertools
import json
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from docx import Document
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo"
TROVE = DEMO / "trove"
SCRIPT = REPO / "scripts" / "make_demo.py"
MAX_DEMO_BYTES = 5 * 1024 * 1024
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

MEMO = TROVE / "关于加强培训中心管理的通知.pdf"
BRIEFING = TROVE / "briefing_en.pdf"
SCAN = TROVE / "扫描件_学员情况周报.pdf"
PHOTO = TROVE / "IMG_20170715_093112.png"
DOCX = TROVE / "学习会议纪要.docx"
EML = TROVE / "转发通知.eml"
GB18030 = TROVE / "入户走访记录.txt"
TRAD = TROVE / "政府工作報告節錄_繁體.pdf"
NOTES = TROVE / "translator_notes.txt"
ZIP = TROVE / "leak.zip"
ARCHIVE_PHOTO = TROVE / "IMG_20170716_101244.jpg"
SPREAD = TROVE / "扫描件_干校报告_第8-9页.tif"


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _pdf_text(data: bytes) -> list[str]:
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return [page.get_text() for page in doc]


def _parse_eml() -> EmailMessage:
    msg = email.message_from_bytes(EML.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_demo_is_small() -> None:
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total < MAX_DEMO_BYTES, f"demo/ is {total} bytes"


def test_readme_and_answer_key_exist() -> None:
    assert (DEMO / "README.md").is_file()
    key = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
    assert key["trove"] == "trove"
    assert set(key["files"]) == _files(TROVE)


def test_born_digital_chinese_pdf() -> None:
    data = MEMO.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = _pdf_text(data)
    assert len(pages) >= 3
    text = "".join(pages)
    for word in ("新疆", "中央", "习近平"):
        assert word in text
    # The phrase is broken across a line end: the case a search index must join.
    assert "刻不\n容缓" in text
    assert "刻不容缓" not in text
    with pymupdf.open(MEMO) as doc:
        fonts = [f[3] for f in doc[0].get_fonts()]
    assert any("+" in name for name in fonts), "the CJK font should be an embedded subset"


def test_born_digital_english_pdf() -> None:
    pages = _pdf_text(BRIEFING.read_bytes())
    assert len(pages) >= 2
    assert "detention" in " ".join(pages)


def test_scanned_pdf_has_no_text_layer() -> None:
    data = SCAN.read_bytes()
    assert data.startswith(b"%PDF-")
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        assert len(doc) == 1
        page = doc[0]
        assert page.get_text().strip() == ""
        images = page.get_images(full=True)
        assert len(images) == 1
        xref = images[0][0]
        info = doc.extract_image(xref)
        # 300 dpi across an A4 width (8.27 in).
        assert abs(info["width"] - 2481) <= 2


def test_photo_is_png() -> None:
    assert PHOTO.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_archive_photo_is_a_jpeg_stored_sideways_with_its_exif_orientation() -> None:
    assert ARCHIVE_PHOTO.read_bytes()[:3] == b"\xff\xd8\xff"
    with Image.open(ARCHIVE_PHOTO) as image:
        assert image.getexif().get(0x0112) == 6  # rotate 90° clockwise to display
        width, height = image.size
        assert width > height  # stored on its side
        upright = ImageOps.exif_transpose(image)
    assert upright is not None and upright.size == (height, width)
    assert 1200 <= upright.width <= 1400  # like the real phone photos (1280 px)


def test_spread_is_a_one_bit_g4_tiff_of_two_pages_at_300_dpi() -> None:
    assert SPREAD.read_bytes()[:4] == b"II*\x00"
    with Image.open(SPREAD) as image:
        assert image.mode == "1"
        assert image.info["compression"] == "group4"
        assert round(image.info["dpi"][0]) == 300
        width, height = image.size
    assert abs(width / height - 2 * 148 / 210) < 0.01  # two A5 pages side by side


def test_spread_queries_are_broken_across_line_ends_of_one_page() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    import make_demo

    font, page_w, _, margin, _ = make_demo.spread_layout()
    left, right = make_demo.archive_spread_pages(font, page_w - 2 * margin)
    # Read straight across the spread, line by line, each phrase is cut apart.
    across = "".join(a + b for a, b in itertools.zip_longest(left, right, fillvalue=""))
    for query, lines in zip(make_demo.SPREAD_QUERIES, (left, right), strict=True):
        assert query in "".join(lines)
        assert not any(query in line for line in lines)
        assert query not in across


def test_docx_has_chinese_english_and_a_table() -> None:
    with zipfile.ZipFile(DOCX) as zf:
        assert "word/document.xml" in zf.namelist()
    doc = Document(str(DOCX))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "新疆" in text
    assert "detention" in text
    assert len(doc.tables) == 1
    assert "第二培训中心" in doc.tables[0].cell(2, 0).text


def test_email_has_chinese_subject_and_pdf_attachment() -> None:
    raw = EML.read_bytes()
    assert b"Subject: =?gb2312?B?" in raw
    msg = _parse_eml()
    assert "培训中心" in str(msg["Subject"])
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    assert "坎维稳办" in body.get_content()
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    part = attachments[0]
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "二期视频监控建设实施方案（摘要）.pdf"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.startswith(b"%PDF-")
    assert "雪亮工程" in "".join(_pdf_text(payload))


def test_gb18030_text_is_not_utf8() -> None:
    data = GB18030.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")  # it needs GB18030's four-byte sequences
    text = data.decode("gb18030")
    assert "乌鲁木齐" in text
    assert "\r\n" in text


def test_traditional_chinese_pdf() -> None:
    text = "".join(_pdf_text(TRAD.read_bytes())).replace("\n", "")
    assert "習近平" in text
    assert "刻不容緩" in text


def test_plain_english_text() -> None:
    text = NOTES.read_bytes().decode("utf-8")
    assert "detention" in text


def test_zip_has_utf8_member_names_in_folders() -> None:
    with zipfile.ZipFile(ZIP) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert {"2017/电报.pdf", "2017/notes.txt", "2026/学习会议纪要.docx"} <= set(infos)
        for name, info in infos.items():
            if not name.isascii():
                assert info.flag_bits & 0x800, f"{name} lacks the UTF-8 flag"
        telegram = zf.read("2017/电报.pdf")
        assert telegram.startswith(b"%PDF-")
        # The copy in 2026/ is the same file as the top-level DOCX (a duplicate on purpose).
        assert zf.read("2026/学习会议纪要.docx") == DOCX.read_bytes()


def test_expected_paths_exist() -> None:
    key: dict[str, Any] = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
    top = _files(TROVE)
    for query, hits in key["queries"].items():
        assert hits["text"] or hits["ocr"], f"{query} matches nothing"
        for path in hits["text"] + hits["ocr"]:
            assert path in key["documents"]
            assert path.split("!/")[0] in top
    assert "leak.zip!/2017/电报.pdf" in key["queries"]["培训中心"]["text"]
    assert "政府工作報告節錄_繁體.pdf" in key["queries"]["习近平"]["text"]
    assert key["queries"]["教育转化"]["ocr"] == ["扫描件_学员情况周报.pdf"]
    assert key["queries"]["广大干部下放劳动"] == {"text": [], "ocr": [ARCHIVE_PHOTO.name]}
    for query in ("插队干部", "建设社会主义"):
        assert key["queries"][query] == {"text": [], "ocr": [SPREAD.name]}


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert NOTO.exists(), "Noto CJK fonts are missing: run scripts/setup.sh"
    out = tmp_path_factory.mktemp("demo")
    subprocess.run([sys.executable, str(SCRIPT), str(out)], check=True, capture_output=True)
    return out


def test_script_rebuilds_the_same_files(rebuilt: Path) -> None:
    assert _files(rebuilt / "trove") == _files(TROVE)
    new = json.loads((rebuilt / "expected.json").read_text(encoding="utf-8"))
    old = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
    assert new["queries"] == old["queries"]
    assert new["documents"] == old["documents"]
    # Plain-text files do not depend on library versions: they must match exactly.
    for name in ("入户走访记录.txt", "translator_notes.txt"):
        assert (rebuilt / "trove" / name).read_bytes() == (TROVE / name).read_bytes()


@pytest.mark.slow
def test_script_is_deterministic(rebuilt: Path, tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], check=True, capture_output=True)
    for name in sorted(_files(rebuilt / "trove")):
        first = (rebuilt / "trove" / name).read_bytes()
        assert (tmp_path / "trove" / name).read_bytes() == first, f"{name} differs"
