from __future__ import annotations

import http.server
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import ClassVar

import olefile
import psutil
import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.documents.legacy_office import (
    DocExtractor,
    OleObjectExtractor,
    PptExtractor,
    XlsExtractor,
)
from culpa.formats.registry import extractor_class_for
from culpa.formats.sniff import detect_mime
from culpa.formats.support.libreoffice import libreoffice_converted, network_isolation
from culpa.formats.support.ole import embedded_files, ole_metadata
from culpa.models import Extracted
from tests.conftest import CORPUS
from tests.formats.tagging import tagged

# scripts/setup.sh installs LibreOffice: a missing one is a failure, not a skip.
needs_office = pytest.mark.usefixtures("_libreoffice_installed")


@pytest.fixture
def _libreoffice_installed() -> None:
    assert shutil.which("soffice"), "LibreOffice (soffice) is missing: run scripts/setup.sh"


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'office:version="1.3"'
)


def _odt(path: Path, body: str, meta: str = "") -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    meta_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NAMESPACES}>'
        f"<office:meta>{meta}</office:meta></office:document-meta>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        # LibreOffice refuses a package holding parts its manifest does not list.
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        package.writestr("meta.xml", meta_xml, zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


MEMO_BODY = (
    "<text:p>中文测试：关于加强管理的通知。</text:p>"
    "<text:p>各单位要按照自治区的统一部署，认真做好职业技能教育培训工作，确保人员稳定。</text:p>"
    "<text:p>English line with a comment here<office:annotation><dc:creator>Richard Roe"
    "</dc:creator><dc:date>2021-02-03T04:05:06</dc:date><text:p>Check this claim</text:p>"
    "</office:annotation>.</text:p>"
)
MEMO_META = (
    "<meta:initial-creator>Jane Roe</meta:initial-creator><dc:creator>John Doe</dc:creator>"
    "<dc:title>Staff memo</dc:title><dc:subject>Training</dc:subject>"
    "<meta:creation-date>2019-03-05T10:30:00</meta:creation-date>"
)


@pytest.fixture(scope="module")
def memo_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Word 97 file made by LibreOffice from an ODT built here (one conversion)."""
    folder = tmp_path_factory.mktemp("memo")
    odt = _odt(folder / "memo.odt", MEMO_BODY, MEMO_META)
    target = folder / "memo.doc"
    with libreoffice_converted(odt, "doc:MS Word 97", suffix=".odt") as converted:
        shutil.copyfile(converted, target)
    return target


def _context(tmp_path: Path, **kwargs: object) -> ExtractContext:
    return ExtractContext(workdir=tmp_path / "work", ocr=False, **kwargs)  # type: ignore[arg-type]


def _extract_in_worker(kind: str, path: str, workdir: str) -> tuple[Extracted, float, int]:
    """Runs in a separate worker process: (result, seconds, pid)."""
    started = time.monotonic()
    extractor = DocExtractor() if kind == "doc" else PptExtractor()
    result = tagged(extractor.extract(Path(path), ExtractContext(workdir=Path(workdir), ocr=False)))
    return result, time.monotonic() - started, os.getpid()


@needs_office
@needs_corpus
def test_two_worker_processes_convert_at_once_without_touching_home(
    memo_doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path(os.environ["HOME"])  # conftest points HOME at an empty folder
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    before = sorted(home.rglob("*"))
    jobs = [
        ("doc", str(memo_doc)),
        ("doc", str(CORPUS / "office/ingestfile_doc.doc")),
    ]
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=fork) as pool:
        futures = [
            pool.submit(_extract_in_worker, kind, path, str(tmp_path / f"w{n}"))
            for n, (kind, path) in enumerate(jobs)
        ]
        outcomes = [future.result() for future in futures]
    (memo, memo_seconds, memo_pid), (sample, sample_seconds, sample_pid) = outcomes
    print(
        f"conversion seconds: memo.doc {memo_seconds:.2f}, ingestfile_doc.doc {sample_seconds:.2f}"
    )
    assert memo_pid != sample_pid
    assert sorted(home.rglob("*")) == before  # nothing written to HOME or XDG folders

    # The document made here: text, word boxes, the comment, OLE properties.
    assert len(memo.pages) == 1
    page = memo.pages[0]
    assert page.text.startswith("中文测试：关于加强管理的通知。\n各单位要按照自治区的统一部署")
    assert "\nEnglish line with a comment here.\n" in page.text
    assert "\n\nComments:\nRichard Roe" in page.text
    assert page.text.endswith("Check this claim")
    assert page.language == "zh-Hans"
    assert page.words and page.width > 0
    for word in page.words:
        assert page.text[word.start : word.end] == word.text
    metadata = memo.metadata
    assert metadata["author"] == "Jane Roe"
    assert metadata["title"] == "Staff memo"
    assert metadata["subject"] == "Training"
    assert metadata["created"].startswith("2019-03-05T10:30")
    assert metadata["converted_from"] == "doc"
    assert metadata["converter"].startswith("LibreOffice")
    assert metadata["comment_count"] == "1"

    # A Word 97 file from the corpus: two real pages, header on each.
    assert len(sample.pages) == 2
    assert sample.pages[0].text.startswith("This is the header for our document")
    assert "This is a sample Microsoft Word Document." in sample.pages[0].text
    assert "This is the footer for our document" in sample.pages[1].text
    assert sample.metadata["author"] == "Keith Bennett"
    assert sample.metadata["last_modified_by"] == "Nick Burch"
    assert sample.metadata["title"] == "Sample Word Document"
    assert sample.metadata["application"] == "Microsoft Office Word"
    assert sample.metadata["created"] == "2010-11-12T16:22:00"
    assert sample.metadata["page_count"] == "2"


@needs_office
@needs_corpus
def test_powerpoint_slides(tmp_path: Path) -> None:
    path = CORPUS / "office/tika_testPPT.ppt"
    assert extractor_class_for(detect_mime(path)) is PptExtractor
    started = time.monotonic()
    result = PptExtractor().extract(path, _context(tmp_path))
    print(f"conversion seconds: tika_testPPT.ppt {time.monotonic() - started:.2f}")
    assert len(result.pages) == 1
    assert result.pages[0].text.startswith("Sample Powerpoint Slide\nCreated with Microsoft")
    assert result.pages[0].words
    assert result.metadata["slides"] == "1"
    assert result.metadata["title"] == "Sample Powerpoint Slide"
    assert result.metadata["author"] == "Keith Bennett"
    assert result.metadata["converted_from"] == "ppt"


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def _record(self) -> None:
        self.requests.append(f"{self.command} {self.path}")
        self.send_response(404)
        self.end_headers()

    do_GET = do_HEAD = do_OPTIONS = do_PROPFIND = _record

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def http_server() -> Iterator[tuple[int, list[str]]]:
    """A tiny HTTP server on 127.0.0.1 that records every request it gets."""
    requests: ClassVar[list[str]] = []
    handler = type("Handler", (_RecordingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], requests
    finally:
        server.shutdown()
        server.server_close()


@needs_office
def test_libreoffice_does_not_fetch_linked_images(
    tmp_path: Path, http_server: tuple[int, list[str]]
) -> None:
    port, requests = http_server
    image = (
        '<text:p><draw:frame draw:name="pic" text:anchor-type="as-char" svg:width="2cm" '
        f'svg:height="2cm"><draw:image xlink:href="http://127.0.0.1:{port}/x.png" '
        'xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>'
    )
    odt = _odt(tmp_path / "linked.odt", f"<text:p>Linked picture below</text:p>{image}")
    # The profile settings alone must keep LibreOffice offline (no network namespace).
    with libreoffice_converted(odt, "pdf", suffix=".odt", isolate_network=False) as pdf:
        assert pdf.stat().st_size > 0
    assert requests == []


def test_network_namespace_has_no_network(http_server: tuple[int, list[str]]) -> None:
    prefix = network_isolation()
    if not prefix:
        pytest.skip("this kernel does not allow unprivileged network namespaces")
    port, requests = http_server
    probe = (
        "import socket\n"
        f"try:\n socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "except OSError:\n print('refused')\nelse:\n print('connected')\n"
    )
    output = subprocess.run(
        [*prefix, sys.executable, "-c", probe], capture_output=True, text=True, timeout=30
    )
    assert output.stdout.strip() == "refused"
    assert requests == []


@needs_office
def test_conversion_time_limit_kills_libreoffice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The profile folder goes under tmp_path, so only this test's LibreOffice is looked
    # for (another test may be converting at the same time).
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    odt = _odt(tmp_path / "slow.odt", "<text:p>text</text:p>")
    started = time.time()
    with (
        pytest.raises(ExtractionError) as caught,
        libreoffice_converted(odt, "pdf", suffix=".odt", timeout=0.3),
    ):
        pass
    assert caught.value.kind == ErrorKind.TIMEOUT
    time.sleep(0.5)
    leftovers = [
        (process.pid, process.ppid(), process.info["cmdline"])
        for process in psutil.process_iter(["cmdline", "create_time"])
        if str(scratch) in " ".join(process.info["cmdline"] or [])
        and process.info["create_time"] >= started - 1
    ]
    assert leftovers == []


def test_missing_libreoffice_is_unsupported(
    memo_doc_free_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ExtractionError) as caught:
        DocExtractor().extract(memo_doc_free_path, _context(tmp_path))
    assert caught.value.kind == ErrorKind.UNSUPPORTED


@pytest.fixture
def memo_doc_free_path() -> Path:
    """A .doc that needs no conversion to exist (from the corpus)."""
    path = CORPUS / "office/textract_standardized_text.doc"
    if not path.exists():
        pytest.skip("shared corpus not present")
    return path


@needs_office
def test_encrypted_word_file_is_detected_before_conversion(memo_doc: Path, tmp_path: Path) -> None:
    path = tmp_path / "locked.doc"
    shutil.copyfile(memo_doc, path)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        fib = bytearray(ole.openstream("WordDocument").read())
        fib[0x0B] |= 0x01  # FIB flags at 0x0A: fEncrypted is bit 8
        ole.write_stream("WordDocument", bytes(fib))
    started = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        DocExtractor().extract(path, _context(tmp_path))
    assert time.monotonic() - started < 2  # refused without starting LibreOffice
    assert caught.value.kind == ErrorKind.ENCRYPTED
    assert "password" in caught.value.message


@needs_corpus
def test_encrypted_excel_file(tmp_path: Path) -> None:
    path = CORPUS / "office/ingestfile_password_protected.xls"
    with pytest.raises(ExtractionError) as caught:
        XlsExtractor().extract(path, _context(tmp_path, passwords=("wrong", "guess")))
    assert caught.value.kind == ErrorKind.ENCRYPTED
    assert "none of the 2 passwords" in caught.value.message


@needs_corpus
def test_excel_workbooks(tmp_path: Path) -> None:
    path = CORPUS / "office/ingestfile_rom.xls"
    assert extractor_class_for(detect_mime(path)) is XlsExtractor
    rom = XlsExtractor().extract(path, _context(tmp_path))
    assert rom.pages[0].text == "Sheets (3):\nЛист1 (338 rows)\nЛист2\nЛист3"
    first = rom.pages[1].text.split("\n")
    assert first[0].startswith("Tip procedură\tTip document\tNr DS\tData înregistrării DS")
    assert first[1].startswith("COP fără publicare\tcontract de achiziţie\t245\t2011-01-13\t")
    (table,) = rom.tables
    assert table.columns[:3] == ("Tip procedură", "Tip document", "Nr DS")
    assert table.pages[0].rows[:3] == (1, 2, 3)
    assert [row for page in table.pages for row in page.rows][-1] == 338
    assert rom.metadata["sheet_names"] == "Лист1; Лист2; Лист3"
    assert rom.metadata["author"] == "User"
    assert rom.metadata["last_modified_by"] == "Microsoft Office User"
    assert rom.metadata["company"] == "Reanimator EE"
    assert rom.metadata["created"] == "2011-06-09T10:39:51"

    squares = XlsExtractor().extract(CORPUS / "office/tika_testEXCEL.xls", _context(tmp_path))
    text = squares.pages[1].text
    assert text.startswith("Sample Excel Worksheet - Numbers and their Squares\n")
    assert "\t15\t225\n" in text
    assert squares.tables[0].columns == ("A", "B", "C")  # a title above the header
    assert squares.metadata["title"] == "Simple Excel document"

    raw = XlsExtractor().extract(CORPUS / "office/textract_raw_text.xls", _context(tmp_path))
    assert raw.metadata["comment_count"] == "1"
    assert any(page.text.startswith("Comments on sheet ") for page in raw.pages)


@needs_corpus
def test_ole_properties_of_a_wps_file() -> None:
    # WPS writes Unicode (code page 1200) properties that olefile reads past their end.
    metadata = ole_metadata(CORPUS / "cjk/tika_testWPSAttachment.xls")
    assert metadata["author"] == "dsx"
    assert metadata["last_modified_by"] == "段"
    assert metadata["application"] == "WPS 表格"


def test_damaged_excel_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.xls"
    path.write_bytes(olefile.MAGIC + b"\x00" * 600)
    with pytest.raises(ExtractionError) as caught:
        XlsExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind == ErrorKind.CORRUPT
    empty = tmp_path / "empty.xls"
    empty.write_bytes(b"")
    with pytest.raises(ExtractionError) as caught:
        XlsExtractor().extract(empty, _context(tmp_path))
    assert caught.value.kind == ErrorKind.EMPTY


@needs_corpus
def test_embedded_files_become_children(tmp_path: Path) -> None:
    # A WPS workbook holding a text file, a PDF, an XML file (Object Packager),
    # a .docx, .xlsx and .pptx (package streams) and three 97-2003 documents.
    result = XlsExtractor().extract(CORPUS / "cjk/tika_testWPSAttachment.xls", _context(tmp_path))
    names = [child.name for child in result.children]
    assert names == [
        "MBD80000002/TXT.txt",
        "MBD80000003/PDF.pdf",
        "MBD80000004/XML.xml",
        "MBD80000006/package",
        "MBD80000008/package",
        "MBD8000000A/package",
    ]
    mimes = [detect_mime(child.path) for child in result.children]
    assert mimes[1] == "application/pdf"
    assert mimes[3].endswith("wordprocessingml.document")
    assert mimes[4].endswith("spreadsheetml.sheet")
    assert mimes[5].endswith("presentationml.presentation")
    assert all(child.path.is_relative_to(tmp_path / "work") for child in result.children)
    assert result.metadata["embedded_files"] == "6"
    assert result.metadata["embedded_documents_skipped"] == "3"
    children, skipped = embedded_files(
        CORPUS / "cjk/tika_testWPSAttachment.doc", _context(tmp_path / "doc")
    )
    assert [child.name for child in children][:3] == [
        "ObjectPool/_1234567890/TXT.txt",
        "ObjectPool/_1234567891/PDF.pdf",
        "ObjectPool/_1234567892/XML.xml",
    ]
    assert len(children) == 6 and skipped == 3


def test_an_embedded_object_saved_alone_gives_its_file(tmp_path: Path) -> None:
    path = CORPUS / "office/tika_testWORD_embedded_pdf.docx"
    if not path.exists():
        pytest.skip("shared corpus not present")
    with zipfile.ZipFile(path) as package:
        names = [n for n in package.namelist() if n.startswith("word/embeddings/oleObject")]
        objects = [package.read(n) for n in sorted(names)]
    found = []
    for number, data in enumerate(objects):
        blob = tmp_path / f"oleObject{number}.bin"
        blob.write_bytes(data)
        context = _context(tmp_path / f"w{number}")
        try:
            result = OleObjectExtractor().extract(blob, context)
        except ExtractionError as caught:
            assert caught.kind == ErrorKind.UNSUPPORTED
            continue
        found.extend(child.path.read_bytes()[:5] for child in result.children)
    assert b"%PDF-" in found


def _with_sheet_states(data: bytes, states: dict[bytes, int]) -> bytes:
    """A workbook with sheets hidden: each BOUNDSHEET record's hsState byte set."""
    patched = bytearray(data)
    for name, state in states.items():
        # BOUNDSHEET8: type 0x0085, size, lbPlyPos (4), hsState (1), dt (1), cch, flags, name.
        at = patched.find(b"\x85\x00" + bytes([12 + len(name), 0]))
        while patched[at + 12 : at + 12 + len(name)] != name:
            at = patched.find(b"\x85\x00", at + 2)
        patched[at + 8] = state
    return bytes(patched)


@needs_corpus
def test_excel_sheets_are_tables_with_excels_row_numbers(tmp_path: Path) -> None:
    source = (CORPUS / "office/tika_testEXCEL.xls").read_bytes()
    path = tmp_path / "hidden.xls"
    path.write_bytes(_with_sheet_states(source, {b"Feuil2": 1, b"Feuil3": 2}))
    result = XlsExtractor().extract(path, _context(tmp_path))
    assert result.pages[0].text == (
        "Sheets (3):\nFeuil1 (18 rows)\nFeuil2 (hidden sheet)\nFeuil3 (very hidden sheet)"
    )
    assert result.metadata["hidden_sheets"] == "Feuil2; Feuil3"
    (table,) = result.tables
    assert table.name == "Feuil1"
    assert table.pages[0].page == 2
    assert table.pages[0].rows[:4] == (1, 4, 6, 7)  # blank rows 2, 3 and 5 are no rows
    lines = result.pages[1].text.split("\n")
    assert len(lines) == len(table.pages[0].rows)
    assert lines[0] == "Sample Excel Worksheet - Numbers and their Squares"
    assert lines[1:3] == ["\tNumber\tSquare", "\t1\t1"]
