"""Only the document's own text: fields LibreOffice would fill from its clock (issue 10).

A Word date or time field and a PowerPoint footer showing "today" were converted
with the time of conversion ("12/3/26 at 10:27:39"), a date that is not in the
file, so two ingests of one file differed. The files are made here: ODF built in
code, saved as Word 97 and PowerPoint 97 by LibreOffice.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import olefile
import pytest

from culpa.formats.base import ExtractContext
from culpa.formats.documents.clock_fields import mark_clock_fields_in_xml
from culpa.formats.documents.legacy_office import DocExtractor, PptExtractor
from culpa.formats.support.libreoffice import libreoffice_converted

# scripts/setup.sh installs LibreOffice: a missing one is a failure, not a skip.
needs_office = pytest.mark.usefixtures("_libreoffice_installed")


@pytest.fixture
def _libreoffice_installed() -> None:
    assert shutil.which("soffice"), "LibreOffice (soffice) is missing: run scripts/setup.sh"


NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'office:version="1.3"'
)

#: A memo whose date and time fields are not fixed (Word's DATE and TIME), one that is
#: fixed, and a file-name field.
MEMO = (
    "<office:text>"
    "<text:p>Memo dated <text:date>01/02/03</text:date> at <text:time>04:05</text:time>.</text:p>"
    '<text:p>Signed <text:date text:fixed="true" text:date-value="2001-02-03">'
    "2001-02-03</text:date>.</text:p>"
    "<text:p>File <text:file-name>memo.doc</text:file-name>.</text:p>"
    "</office:text>"
)
#: A slide whose footer shows the current date (PowerPoint's "Update automatically").
SLIDE = (
    "<office:presentation>"
    '<presentation:date-time-decl presentation:name="dtd1" '
    'presentation:source="current-date" style:data-style-name="N2"/>'
    '<presentation:footer-decl presentation:name="ftr1">Confidential</presentation:footer-decl>'
    '<draw:page draw:name="p1" draw:style-name="dp1" presentation:use-date-time-name="dtd1" '
    'presentation:use-footer-name="ftr1">'
    '<draw:frame svg:x="1cm" svg:y="1cm" svg:width="20cm" svg:height="5cm"><draw:text-box>'
    "<text:p>Slide body</text:p></draw:text-box></draw:frame></draw:page>"
    "</office:presentation>"
)
SLIDE_STYLES = (
    '<office:automatic-styles><style:style style:name="dp1" style:family="drawing-page">'
    '<style:drawing-page-properties presentation:display-date-time="true" '
    'presentation:display-footer="true"/></style:style></office:automatic-styles>'
)


def odf_package(path: Path, media_type: str, body: str, styles: str = "") -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>'
        f"{styles}<office:body>{body}</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{media_type}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), media_type)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def saved_as(source: Path, target: str, path: Path) -> Path:
    with libreoffice_converted(source, target, suffix=source.suffix) as converted:
        shutil.copyfile(converted, path)
    return path


#: What the memo made by :func:`word_memo` saved as its DATE and TIME fields' results.
SAVED_TIME = "01:02:03"
_SAVED_DATES = {6: "1/2/03", 7: "1/22/03", 8: "11/22/03"}  # by length: today's is replaced


def word_memo(folder: Path) -> tuple[Path, str]:
    """A Word 97 file of :data:`MEMO`, and the date its DATE field saved.

    LibreOffice saves today as the fields' results; they are overwritten in the file's
    text (UTF-16, same length) with a day and time long past, so that the saved value
    cannot be mistaken for the clock.
    """
    odt = odf_package(folder / "memo.odt", "application/vnd.oasis.opendocument.text", MEMO)
    doc = saved_as(odt, "doc:MS Word 97", folder / "memo.doc")
    with olefile.OleFileIO(str(doc), write_mode=True) as ole:
        data = ole.openstream("WordDocument").read()
        start = data.index("Memo dated".encode("utf-16-le"))
        text = data[start : start + 400].decode("utf-16-le", "replace")
        found = re.search(r"(\d{1,2}/\d{1,2}/\d\d)\W+at\W+(?:TIME[^\d]*)?(\d\d:\d\d:\d\d)", text)
        assert found, text
        today, now = found.groups()
        saved_date = _SAVED_DATES[len(today)]
        for old, new in ((today, saved_date), (now, SAVED_TIME)):
            at = data.index(old.encode("utf-16-le"), start)
            data = data[:at] + new.encode("utf-16-le") + data[at + 2 * len(new) :]
        ole.write_stream("WordDocument", data)
    return doc, saved_date


def slide_ppt(folder: Path) -> Path:
    """A PowerPoint 97 file of :data:`SLIDE`: a footer showing the current date."""
    odp = odf_package(
        folder / "slide.odp",
        "application/vnd.oasis.opendocument.presentation",
        SLIDE,
        SLIDE_STYLES,
    )
    return saved_as(odp, "ppt:MS PowerPoint 97", folder / "slide.ppt")


def _context(tmp_path: Path) -> ExtractContext:
    return ExtractContext(workdir=tmp_path / "work", ocr=False)


def _today_forms() -> list[str]:
    """How LibreOffice writes today's date in these files (en-US defaults)."""
    now = datetime.now()
    return [f"{now.month}/{now.day}/{now:%y}", f"{now:%m/%d/%y}", now.strftime("%Y-%m-%d")]


def test_unfixed_clock_fields_are_marked_in_odf() -> None:
    xml = (
        b'<text:p><text:date style:data-style-name="N1" text:date-value="2026-12-03T10:28:30">'
        b'12/3/26</text:date> <text:time text:time-value="2026-12-03T10:28:30">10:28:30'
        b'</text:time> <text:date text:fixed="true" text:date-value="2001-02-03">2/3/01'
        b'</text:date> <text:file-name text:display="full">/tmp/x/document.doc</text:file-name>'
        b" <text:date/> <text:date-value-not-a-field/> "
        b"<text:page-count>3</text:page-count></text:p>"
        b'<presentation:date-time-decl presentation:name="a" presentation:source="current-date" '
        b'style:data-style-name="D3"/><presentation:date-time-decl presentation:name="b" '
        b'presentation:source="fixed">3 March 2001</presentation:date-time-decl>'
    )
    marked, count = mark_clock_fields_in_xml(xml)
    assert count == 5
    assert marked == (
        b"<text:p>[date field] [time field] "
        b'<text:date text:fixed="true" text:date-value="2001-02-03">2/3/01</text:date> '
        b"[file name field] [date field] <text:date-value-not-a-field/> "
        b"<text:page-count>3</text:page-count></text:p>"
        b'<presentation:date-time-decl presentation:name="a" presentation:source="fixed" '
        b'style:data-style-name="D3">[date field]</presentation:date-time-decl>'
        b'<presentation:date-time-decl presentation:name="b" '
        b'presentation:source="fixed">3 March 2001</presentation:date-time-decl>'
    )


@needs_office
def test_word_date_time_and_file_name_fields_are_not_the_conversion_clock(
    tmp_path: Path,
) -> None:
    doc, saved_date = word_memo(tmp_path)
    result = DocExtractor().extract(doc, _context(tmp_path))
    (page,) = result.pages
    # Before (the clock and the scratch copy's name):
    # "Memo dated 12/3/26 at 10:27:39.\nSigned 2/3/01.\nFile /tmp/culpa-office-…/document.doc."
    # Now the values Word saved for DATE and TIME; the file name has none LibreOffice keeps.
    assert page.text == (
        f"Memo dated {saved_date} at {SAVED_TIME}.\nSigned 2/3/01.\nFile [file name field]."
    )
    assert not any(form in page.text for form in _today_forms())
    assert result.metadata["clock_fields_saved_values"] == "2"
    assert result.metadata["clock_fields_marked"] == "1"
    for word in page.words:  # word boxes still index the text
        assert page.text[word.start : word.end] == word.text


@needs_office
def test_powerpoint_footer_dated_today_is_marked(tmp_path: Path) -> None:
    result = PptExtractor().extract(slide_ppt(tmp_path), _context(tmp_path))
    (page,) = result.pages
    # Before: "12/03/26\nConfidential\nSlide body" (the day of conversion).
    assert page.text == "[date field]\nConfidential\nSlide body"
    assert result.metadata["clock_fields_marked"] == "1"
    assert result.metadata["slides"] == "1"


@needs_office
def test_a_file_without_clock_fields_records_none(tmp_path: Path) -> None:
    body = "<office:text><text:p>Plain text only.</text:p></office:text>"
    odt = odf_package(tmp_path / "plain.odt", "application/vnd.oasis.opendocument.text", body)
    doc = saved_as(odt, "doc:MS Word 97", tmp_path / "plain.doc")
    result = DocExtractor().extract(doc, _context(tmp_path))
    assert result.pages[0].text == "Plain text only."
    assert "clock_fields_marked" not in result.metadata
    assert "clock_fields_saved_values" not in result.metadata
