from __future__ import annotations

import codecs
import email.message
import random
import zipfile
from pathlib import Path

import docx
import pymupdf
import pytest

from culpa.formats.sniff import DOCX_MIME, detect_mime
from tests.conftest import CORPUS

CHINESE = "关于进一步加强社会稳定工作的通知。各地区各部门要认真贯彻落实，切实做好有关工作。\n" * 20
TRADITIONAL = (
    "關於進一步加強社會穩定工作的通知。各地區各部門要認真貫徹落實，切實做好有關工作。\n" * 20
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_legacy_chinese_text_is_text(tmp_path: Path) -> None:
    for name, data in {
        "gb.txt": CHINESE.encode("gb18030"),
        "big5.txt": TRADITIONAL.encode("big5"),
        "utf16.txt": CHINESE.encode("utf-16-le"),
        "utf16bom.txt": codecs.BOM_UTF16_LE + CHINESE.encode("utf-16-le"),
    }.items():
        assert detect_mime(_write(tmp_path, name, data)) == "text/plain", name
    # Comma-separated UTF-16 without a BOM is text, and a table (issue 10).
    data = ("Date,Bid,Ask\r\n" * 50).encode("utf-16-le")
    assert detect_mime(_write(tmp_path, "ascii16.txt", data)) == "text/csv"


def test_binary_is_not_text(tmp_path: Path) -> None:
    data = b"\x00\x00" + random.Random(1).randbytes(65536)
    assert not detect_mime(_write(tmp_path, "blob.bin", data)).startswith("text/")


def test_email_without_received_header_is_rfc822(tmp_path: Path) -> None:
    message = email.message.EmailMessage()
    message["Subject"] = "会议纪要"
    message["From"] = "a@example.com"
    message["To"] = "b@example.com"
    message.set_content("正文")
    assert detect_mime(_write(tmp_path, "mail", message.as_bytes())) == "message/rfc822"


def test_a_postmark_line_makes_a_mailbox_even_of_one_message(tmp_path: Path) -> None:
    headers = b"From: a@x\nTo: b@x\nSubject: s\n\nbody\n"
    one = b"From a@example.com Mon Jan  1 00:00:00 2018\n" + headers
    assert detect_mime(_write(tmp_path, "one", one)) == "application/mbox"
    assert detect_mime(_write(tmp_path, "box", one + b"\n" + one)) == "application/mbox"
    assert detect_mime(_write(tmp_path, "mail", headers)) == "message/rfc822"


def test_ole_files_are_told_apart_by_their_streams() -> None:
    corpus = CORPUS / "MANIFEST.tsv"
    if not corpus.exists():
        pytest.skip("../shared/corpus is not present")
    wanted = {".msg": "application/vnd.ms-outlook", ".pst": "application/vnd.ms-outlook-pst"}
    seen: set[str] = set()
    for line in corpus.read_text(encoding="utf-8").splitlines()[1:]:
        relative = line.split("\t", 1)[0]
        suffix = Path(relative).suffix.lower()
        if suffix in wanted and "hostile" not in relative:
            assert detect_mime(CORPUS / relative) == wanted[suffix], relative
            seen.add(suffix)
    assert seen == set(wanted)


def test_docx_is_ooxml_even_with_parts_reordered(tmp_path: Path) -> None:
    original = tmp_path / "a.docx"
    document = docx.Document()
    document.add_paragraph("正文")
    document.save(str(original))
    assert detect_mime(original) == DOCX_MIME
    # Rewrite with document.xml first: libmagic then only sees a zip.
    reordered = tmp_path / "b.bin"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(reordered, "w") as target:
        names = sorted(source.namelist(), key=lambda n: n != "word/document.xml")
        for name in names:
            target.writestr(name, source.read(name))
    assert detect_mime(reordered) == DOCX_MIME


def test_plain_zip_stays_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello")
    assert detect_mime(path) == "application/zip"


def test_pdf_and_empty(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page()
    path = tmp_path / "x.dat"
    doc.save(path)
    assert detect_mime(path) == "application/pdf"
    assert detect_mime(_write(tmp_path, "empty", b"")) == "application/x-empty"


def test_xml_and_svg_that_libmagic_calls_text(tmp_path: Path) -> None:
    doctype = b'<!DOCTYPE note [<!ENTITY a "x">]>\n<note>&a;</note>\n'
    svg = b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg><text>t</text></svg>'
    assert detect_mime(_write(tmp_path, "note", doctype)) == "application/xml"
    assert detect_mime(_write(tmp_path, "pic", svg)) == "image/svg+xml"
    html = b"<!DOCTYPE html><html><body>x</body></html>"
    assert detect_mime(_write(tmp_path, "page", html)) == "text/html"


def test_flat_opendocument(tmp_path: Path) -> None:
    flat = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document '
        b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">'
        b"<office:body><office:text/></office:body></office:document>"
    )
    assert detect_mime(_write(tmp_path, "a.fodt", flat)) == (
        "application/vnd.oasis.opendocument.text-flat-xml"
    )
