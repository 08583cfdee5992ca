"""winmail.dat: attachments come out under their senders' names, the body as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ExtractContext
from culpa.formats.email.tnef import TnefExtractor
from culpa.formats.sniff import detect_mime
from tests.conftest import CORPUS

WINMAIL = CORPUS / "email" / "tika_testWINMAIL.dat"


def test_winmail_attachments_become_children(tmp_path: Path) -> None:
    if not WINMAIL.exists():
        pytest.skip("shared corpus not present")
    assert detect_mime(WINMAIL) == "application/vnd.ms-tnef"
    result = TnefExtractor().extract(WINMAIL, ExtractContext(workdir=tmp_path / "w"))
    names = sorted(child.name for child in result.children)
    assert names == ["quick.doc", "quick.html", "quick.pdf", "quick.txt", "quick.xml"]
    pdf = next(child for child in result.children if child.name == "quick.pdf")
    assert pdf.path.read_bytes().startswith(b"%PDF")
    assert pdf.path.parent == tmp_path / "w"  # written under generated names, in the work folder
    assert result.metadata["subject"] == "This is a test message"
    assert result.metadata["attachments"] == "5"


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"garbage" * 10, ErrorKind.CORRUPT), (b"\x78\x9f\x3e\x22" + b"\x00" * 10, ErrorKind.EMPTY)],
)
def test_broken_or_hollow_tnef(tmp_path: Path, data: bytes, kind: ErrorKind) -> None:
    bad = tmp_path / "winmail.dat"
    bad.write_bytes(data)
    with pytest.raises(ExtractionError) as caught:
        TnefExtractor().extract(bad, ExtractContext(workdir=tmp_path / "w"))
    assert caught.value.kind == kind
