from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.docx import DocxExtractor


def _document(path: Path, *, page_break: bool) -> Path:
    document = docx.Document()
    document.core_properties.author = "李四"
    document.core_properties.title = "会议纪要"
    document.sections[0].header.paragraphs[0].text = "机密文件"
    document.sections[0].footer.paragraphs[0].text = "第 1 页"
    document.add_paragraph("第一段：关于加强管理的通知。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "姓名"
    table.cell(0, 1).text = "单位"
    table.cell(1, 0).text = "王五"
    table.cell(1, 1).text = "公安局"
    paragraph = document.add_paragraph("第二段")
    if page_break:
        paragraph.add_run().add_break(WD_BREAK.PAGE)
        paragraph.add_run("分页之后")
    document.add_paragraph("最后一段")
    document.save(str(path))
    return path


def _context(tmp_path: Path) -> ExtractContext:
    return ExtractContext(workdir=tmp_path)


def test_paragraphs_tables_headers_in_order(tmp_path: Path) -> None:
    result = DocxExtractor().extract(
        _document(tmp_path / "a.docx", page_break=False), _context(tmp_path)
    )
    assert len(result.pages) == 1
    text = result.pages[0].text
    order = ["机密文件", "第一段", "姓名\t单位", "王五\t公安局", "第二段", "最后一段", "第 1 页"]
    positions = [text.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert result.pages[0].language == "zh-Hans"
    assert result.metadata["author"] == "李四"
    assert result.metadata["title"] == "会议纪要"
    assert "created" in result.metadata


def test_explicit_page_breaks_split_pages(tmp_path: Path) -> None:
    result = DocxExtractor().extract(
        _document(tmp_path / "b.docx", page_break=True), _context(tmp_path)
    )
    assert len(result.pages) == 2
    assert "第二段" in result.pages[0].text
    assert result.pages[1].text.startswith("分页之后")
    assert "最后一段" in result.pages[1].text


def test_broken_package_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    with pytest.raises(ExtractionError) as info:
        DocxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ExtractionError) as info:
        DocxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT


def test_zip_bomb_disguised_as_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\x00" * (20 * 1024**2))
    with pytest.raises(ExtractionError) as info:
        DocxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.LIMIT_EXCEEDED
