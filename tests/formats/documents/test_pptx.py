from __future__ import annotations

import zipfile
from pathlib import Path

import pptx
import pytest
from pptx.util import Inches

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats import registry
from culpa.formats.base import ExtractContext
from culpa.formats.documents.pptx import PptxExtractor
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

OFFICE = CORPUS / "office"
needs_corpus = pytest.mark.skipif(not OFFICE.is_dir(), reason="shared corpus not present")

P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
P188_NS = "http://schemas.microsoft.com/office/powerpoint/2018/8/main"
MODERN_RELS = "http://schemas.microsoft.com/office/2018/10/relationships"


def _context(tmp_path: Path) -> ExtractContext:
    return ExtractContext(workdir=tmp_path / "work")


def _presentation(path: Path) -> Path:
    presentation = pptx.Presentation()
    presentation.core_properties.author = "宣传部"
    presentation.core_properties.title = "年度汇报"

    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "工作总结"
    first.placeholders[1].text = "第一点\n第二点"
    group = first.shapes.add_group_shape()
    box = group.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1))
    box.text_frame.text = "grouped note"
    table = first.shapes.add_table(2, 2, Inches(5), Inches(5), Inches(3), Inches(1)).table
    for row, values in enumerate((("地区", "人数"), ("喀什", "1200"))):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    first.notes_slide.notes_text_frame.text = "只在内部讲"

    hidden = presentation.slides.add_slide(presentation.slide_layouts[5])
    hidden.shapes.title.text = "Hidden figures"
    hidden.element.set("show", "0")

    presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    presentation.save(str(path))
    return path


def test_one_page_per_slide_with_notes_and_hidden_marked(tmp_path: Path) -> None:
    result = tagged(PptxExtractor().extract(_presentation(tmp_path / "a.pptx"), _context(tmp_path)))
    assert [page.text for page in result.pages] == [
        "工作总结\n第一点\n第二点\ngrouped note\n地区\t人数\n喀什\t1200\n\nNotes:\n只在内部讲",
        "[hidden slide]\nHidden figures",
        "",
    ]
    assert result.pages[0].language == "zh-Hans"
    assert result.metadata["slides"] == "3"
    assert result.metadata["hidden_slides"] == "1"
    assert result.metadata["author"] == "宣传部"
    assert result.metadata["title"] == "年度汇报"


def _rewrite(
    path: Path, target: Path, changes: dict[str, str], edits: dict[str, str | list[str]]
) -> Path:
    """Copy a package, replacing text in parts (``edits``: part -> 'old=>new') and adding parts."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            wanted = edits.get(info.filename, [])
            text = data.decode() if wanted else ""
            for edit in [wanted] if isinstance(wanted, str) else wanted:
                old, new = edit.split("=>", 1)
                assert old in text
                text = text.replace(old, new, 1)
                data = text.encode()
            out.writestr(info, data)
        for name, text in changes.items():
            out.writestr(name, text)
    return target


def _shape(text: str) -> str:
    return (
        f'<p:sp xmlns:p="{P_NS}" xmlns:a="{A_NS}"><p:nvSpPr><p:cNvPr id="90" name="x"/>'
        "<p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/>"
        f"<p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"
    )


def test_alternate_content_read_once_and_modern_comments(tmp_path: Path) -> None:
    source = _presentation(tmp_path / "a.pptx")
    alternate = (
        f'<mc:AlternateContent xmlns:mc="{MC_NS}"><mc:Choice Requires="p14">'
        f"{_shape('ink text')}</mc:Choice><mc:Fallback>{_shape('ink text')}</mc:Fallback>"
        "</mc:AlternateContent></p:spTree>"
    )
    comments = (
        f'<p188:cmLst xmlns:p188="{P188_NS}" xmlns:a="{A_NS}">'
        '<p188:cm id="{C1}" authorId="{A1}" created="2024-05-01T10:00:00.000">'
        "<p188:txBody><a:bodyPr/><a:p><a:r><a:t>Source for this number?</a:t></a:r></a:p>"
        '</p188:txBody><p188:replyLst><p188:reply id="{R1}" authorId="{A2}" '
        'created="2024-05-02T09:30:00.000"><p188:txBody><a:p><a:r><a:t>The 2017 plan</a:t>'
        "</a:r></a:p></p188:txBody></p188:reply></p188:replyLst></p188:cm></p188:cmLst>"
    )
    authors = (
        f'<p188:authorLst xmlns:p188="{P188_NS}">'
        '<p188:author id="{A1}" name="Reporter A" initials="RA" userId="a@example.org" '
        'providerId="AD"/><p188:author id="{A2}" name="编辑乙" initials="B" userId="b" '
        'providerId="None"/></p188:authorLst>'
    )
    path = _rewrite(
        source,
        tmp_path / "b.pptx",
        {"ppt/comments/modernComment_1.xml": comments, "ppt/authors.xml": authors},
        {
            "ppt/slides/slide1.xml": f"</p:spTree>=>{alternate}",
            "ppt/slides/_rels/slide1.xml.rels": "</Relationships>=>"
            f'<Relationship Id="rId99" Type="{MODERN_RELS}/comments" '
            'Target="../comments/modernComment_1.xml"/></Relationships>',
            "ppt/_rels/presentation.xml.rels": "</Relationships>=>"
            f'<Relationship Id="rId99" Type="{MODERN_RELS}/authors" Target="authors.xml"/>'
            "</Relationships>",
        },
    )
    result = PptxExtractor().extract(path, _context(tmp_path))
    text = result.pages[0].text
    assert text.count("ink text") == 1
    assert text.endswith(
        "\n\nComments:\n"
        "[comment by Reporter A, 2024-05-01T10:00:00.000] Source for this number?\n"
        "[comment by 编辑乙, 2024-05-02T09:30:00.000] The 2017 plan"
    )
    assert result.metadata["comment_authors"] == "Reporter A; 编辑乙"


def test_external_entity_and_entity_bomb_in_a_slide_are_refused(tmp_path: Path) -> None:
    canary = "CANARY-pptx-3b7f"
    secret = tmp_path / "secret.txt"
    secret.write_text(canary)
    source = _presentation(tmp_path / "a.pptx")
    xxe = f'<!DOCTYPE p:sld [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    bomb = "<!DOCTYPE p:sld [<!ENTITY a0 'lollollollol'>" + "".join(
        f"<!ENTITY a{n + 1} '{('&a' + str(n) + ';') * 10}'>" for n in range(9)
    )
    bomb += "]>"
    for prolog, reference in ((xxe, "&xxe;"), (bomb, "&a9;")):
        path = _rewrite(
            source,
            tmp_path / "x.pptx",
            {},
            {"ppt/slides/slide1.xml": [f"?>=>?>{prolog}", f"工作总结=>{reference}"]},
        )
        with pytest.raises(ExtractionError) as info:
            PptxExtractor().extract(path, _context(tmp_path))
        assert info.value.kind == ErrorKind.UNSAFE
        assert canary not in info.value.message


def test_a_zip_without_a_presentation_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.pptx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ppt/slides/slide1.xml", "<p:sld/>")
    with pytest.raises(ExtractionError) as info:
        PptxExtractor().extract(path, _context(tmp_path))
    assert info.value.kind == ErrorKind.CORRUPT


def test_registry_claims_presentations_slide_shows_and_templates() -> None:
    for mime in (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    ):
        assert registry.extractor_class_for(mime) is PptxExtractor


@needs_corpus
def test_corpus_slides_in_order(tmp_path: Path) -> None:
    result = PptxExtractor().extract(OFFICE / "tika_testPPT.pptx", _context(tmp_path))
    assert [page.text.split("\n", 1)[0] for page in result.pages] == [
        "Attachment Test",
        "This is a test file data with the same content as every other file being tested for "
        "tika content parsing. This has been developed by Rajiv Kumar Nistala.",
        "Different words to test against",
    ]
    assert result.metadata["company"] == "Pegasystems"
    assert result.metadata["slides"] == "3"


@needs_corpus
def test_corpus_classic_comment_with_author(tmp_path: Path) -> None:
    result = PptxExtractor().extract(OFFICE / "tika_testPPT_comment.pptx", _context(tmp_path))
    assert result.pages[0].text == (
        "title\nsubtitle\n\nComments:\n"
        "[comment by Allison, Timothy B., 2015-09-30T13:57:43.705] I'm afraid I'm going to "
        "have to ask you to add some content to this tps deck"
    )
    assert result.metadata["comment_authors"] == "Allison, Timothy B."


@needs_corpus
def test_corpus_wps_presentation_with_embedded_files(tmp_path: Path) -> None:
    result = PptxExtractor().extract(
        CORPUS / "cjk" / "tika_testWPSAttachment.pptx", _context(tmp_path)
    )
    assert result.metadata["application"] == "WPS 演示"
    assert result.metadata["last_modified_by"] == "段"
    names = {child.name.rpartition("/")[2] for child in result.children}
    assert {"Document2.docx", "Workbook2.xlsx", "Presentation2.pptx"} <= names
    assert len(result.children) == 9
