"""ar, cpio and ISO 9660 archives: members come out, links and traversal do not escape."""

from __future__ import annotations

from pathlib import Path

import libarchive
import pytest
from libarchive.entry import FileType

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.libarchive_formats import LibarchiveExtractor
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.sniff import detect_mime

MEMBERS = {"报告/会议纪要.txt": "新疆 会议纪要".encode(), "../../escape.txt": b"outside?"}


def _write(path: Path, format_name: str, members: dict[str, bytes] = MEMBERS) -> Path:
    with libarchive.file_writer(str(path), format_name) as archive:
        for name, data in members.items():
            archive.add_file_from_memory(name, len(data), data)
        archive.add_file_from_memory(
            "link", 0, b"", filetype=FileType.SYMBOLINK_LINK, linkpath="/etc/passwd"
        )
    return path


@pytest.mark.parametrize(
    ("format_name", "mime"),
    [("cpio", "application/x-cpio"), ("ar_svr4", "application/x-archive")],
)
def test_members_named_as_provenance_written_inside(
    tmp_path: Path, format_name: str, mime: str
) -> None:
    # libarchive writes no long-name table for ar: keep its names short (as .a files do)
    members = {"notes.txt": b"ar notes", "x.o": b"\x7fELF"} if format_name == "ar_svr4" else MEMBERS
    archive = _write(tmp_path / f"a.{format_name}", format_name, members)
    assert detect_mime(archive) == mime
    work = tmp_path / "work"
    result = LibarchiveExtractor().extract(archive, ExtractContext(workdir=work))
    found = {child.name: child.path.read_bytes() for child in result.children}
    if format_name == "ar_svr4":  # ar holds no folders and no links
        assert found == members
    else:
        assert found == MEMBERS
        assert result.metadata["skipped_links"] == "link"
    assert all(child.path.parent == work for child in result.children)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_member_limits_and_garbage(tmp_path: Path) -> None:
    archive = _write(tmp_path / "a.cpio", "cpio")
    context = ExtractContext(workdir=tmp_path / "w", limits=ArchiveLimits(max_members=1))
    with pytest.raises(ExtractionError) as caught:
        LibarchiveExtractor().extract(archive, context)
    assert caught.value.kind == ErrorKind.LIMIT_EXCEEDED
    garbage = tmp_path / "b.cpio"
    garbage.write_bytes(b"070707" + b"\xff" * 200)
    with pytest.raises(ExtractionError) as caught:
        LibarchiveExtractor().extract(garbage, ExtractContext(workdir=tmp_path / "w2"))
    assert caught.value.kind == ErrorKind.CORRUPT
