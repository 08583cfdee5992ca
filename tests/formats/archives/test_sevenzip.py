from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import py7zr
import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.sevenzip import SevenZipExtractor
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.registry import extractor_class_for, type_for
from culpa.formats.sniff import detect_mime
from culpa.models import Extracted
from tests.conftest import CORPUS

ARCHIVES = CORPUS / "archives"
PASSWORD = "s3cret-口令"
_START_HEADER = struct.Struct("<6s2sIQQI")


def _context(
    tmp_path: Path, *, name: str = "", passwords: tuple[str, ...] = (), **limits: float
) -> ExtractContext:
    return ExtractContext(
        workdir=tmp_path / "work",
        name=name,
        passwords=passwords,
        limits=ArchiveLimits(**limits),  # type: ignore[arg-type]
    )


def _sevenzip(
    path: Path,
    members: dict[str, bytes],
    *,
    password: str | None = None,
    header_encryption: bool = False,
) -> Path:
    with py7zr.SevenZipFile(
        path, "w", password=password, header_encryption=header_encryption
    ) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return path


def _extract(path: Path, context: ExtractContext) -> tuple[Extracted, dict[str, bytes]]:
    result = SevenZipExtractor().extract(path, context)
    return result, {child.name: child.path.read_bytes() for child in result.children}


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_members_with_chinese_names_nested_folders_and_an_inner_archive(tmp_path: Path) -> None:
    inner = _sevenzip(tmp_path / "inner.7z", {"深/层.txt": b"deep"})
    path = _sevenzip(
        tmp_path / "leak.7z",
        {
            "2017/电报.txt": "新疆 cable".encode(),
            "文件夹/子文件夹/報告.txt": b"report",
            "empty.txt": b"",
            "inner.7z": inner.read_bytes(),
        },
    )
    context = _context(tmp_path)
    result, members = _extract(path, context)
    assert members == {
        "2017/电报.txt": "新疆 cable".encode(),
        "文件夹/子文件夹/報告.txt": b"report",
        "empty.txt": b"",
        "inner.7z": inner.read_bytes(),
    }
    assert result.metadata == {"members": "4"}
    # Generated file names only, all inside the work folder.
    assert all(c.path.parent == context.workdir for c in result.children)
    assert all(c.path.name.startswith("member-") for c in result.children)


def test_the_7z_extractor_wins_the_auction_for_sniffed_7z(tmp_path: Path) -> None:
    path = _sevenzip(tmp_path / "x.bin", {"a.txt": b"a"})
    mime = detect_mime(path)
    assert mime == "application/x-7z-compressed"
    assert extractor_class_for(mime) is SevenZipExtractor
    assert type_for(mime) == "7z"


def _traversal_archive(path: Path) -> Path:
    """A 7z whose names climb out (py7zr refuses to write them, so they are patched in)."""
    names = {"AAAAAAAAAAAAAAAAA": "../../escaped.txt", "BBBBBBBBBBBBBBBBB": "/etc/absolute.txt"}
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.set_encoded_header_mode(False)  # names stay visible in the header
        for number, placeholder in enumerate(names, start=1):
            archive.writestr(str(number).encode(), placeholder)
    data = bytearray(buffer.getvalue())
    for placeholder, real in names.items():
        old, new = placeholder.encode("utf-16-le"), real.encode("utf-16-le")
        at = data.find(old)
        data[at : at + len(old)] = new
    _sig, _ver, _crc, offset, length, _next_crc = _START_HEADER.unpack(data[:32])
    header = bytes(data[32 + offset : 32 + offset + length])
    data[28:32] = struct.pack("<I", zlib.crc32(header))
    data[8:12] = struct.pack("<I", zlib.crc32(bytes(data[12:32])))
    path.write_bytes(bytes(data))
    return path


def test_traversal_names_are_only_provenance_text(tmp_path: Path) -> None:
    path = _traversal_archive(tmp_path / "evil.7z")
    before = _files_under(tmp_path.parent)
    context = _context(tmp_path)
    result, members = _extract(path, context)
    assert members == {"../../escaped.txt": b"1", "etc/absolute.txt": b"2"}
    created = _files_under(tmp_path.parent) - before
    assert created == {c.path for c in result.children}
    assert all(p.is_relative_to(context.workdir) for p in created)
    assert not Path("/etc/absolute.txt").exists()


def test_symbolic_links_are_listed_not_extracted(tmp_path: Path) -> None:
    target = tmp_path / "passwd-link"
    os.symlink("/etc/passwd", target)
    path = tmp_path / "links.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.write(target, "passwd")
        archive.writestr(b"fine", "ok.txt")
    result, members = _extract(path, _context(tmp_path))
    assert members == {"ok.txt": b"fine"}
    assert result.metadata["skipped_links"] == "passwd"


def test_encrypted_7z_needs_a_password_and_never_records_it(tmp_path: Path) -> None:
    path = _sevenzip(tmp_path / "locked.7z", {"秘密.txt": b"secret"}, password=PASSWORD)
    with pytest.raises(ExtractionError) as caught:
        SevenZipExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "give its password" in caught.value.message
    with pytest.raises(ExtractionError) as caught:
        SevenZipExtractor().extract(path, _context(tmp_path, passwords=("wrong", "also wrong")))
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "none of the 2 passwords" in caught.value.message
    assert "wrong" not in caught.value.message
    result, members = _extract(path, _context(tmp_path, passwords=("wrong", PASSWORD)))
    assert members == {"秘密.txt": b"secret"}
    assert result.metadata == {"members": "1", "decrypted": "yes"}
    assert PASSWORD not in repr(result)
    # Nothing is left over from the wrong password's attempt.
    assert _files_under(tmp_path / "work") == {c.path for c in result.children}


def test_header_encrypted_7z_hides_its_names_until_opened(tmp_path: Path) -> None:
    path = _sevenzip(
        tmp_path / "hidden.7z", {"名单.txt": b"names"}, password=PASSWORD, header_encryption=True
    )
    with pytest.raises(ExtractionError) as caught:
        SevenZipExtractor().extract(path, _context(tmp_path, passwords=("wrong",)))
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "header encryption" in caught.value.message
    assert "the password given does not open it" in caught.value.message
    _result, members = _extract(path, _context(tmp_path, passwords=(PASSWORD,)))
    assert members == {"名单.txt": b"names"}


def test_a_bomb_stops_at_each_limit_and_writes_nothing_past_it(tmp_path: Path) -> None:
    zeros = 40 * 1024 * 1024
    path = _sevenzip(tmp_path / "bomb.7z", {"zeros.bin": b"\0" * zeros})
    assert path.stat().st_size < 64 * 1024
    cases = {
        "compression bomb": {"max_ratio": 100.0},
        "expands past 1048576 bytes": {"max_member_bytes": 1024 * 1024},
        "in total": {"max_total_bytes": 2 * 1024 * 1024},
    }
    for message, limits in cases.items():
        context = _context(tmp_path, **limits)
        with pytest.raises(ExtractionError) as caught:
            SevenZipExtractor().extract(path, context)
        assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED
        assert message in caught.value.message
        assert _files_under(context.workdir) == set()  # the partial member was deleted


def test_member_count_and_depth_limits(tmp_path: Path) -> None:
    path = _sevenzip(tmp_path / "many.7z", {f"{n}.txt": b"x" for n in range(5)})
    with pytest.raises(ExtractionError, match="more than 3 members"):
        SevenZipExtractor().extract(path, _context(tmp_path, max_members=3))
    deep = ExtractContext(workdir=tmp_path / "w", depth=2, limits=ArchiveLimits(max_depth=2))
    with pytest.raises(ExtractionError) as caught:
        SevenZipExtractor().extract(path, deep)
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED


def test_split_truncated_and_garbled_archives_are_corrupt(tmp_path: Path) -> None:
    whole = _sevenzip(tmp_path / "whole.7z", {f"{n}.txt": os.urandom(2000) for n in range(4)})
    first = tmp_path / "leak.7z.001"
    first.write_bytes(whole.read_bytes()[:4096])
    with pytest.raises(ExtractionError) as caught:
        SevenZipExtractor().extract(first, _context(tmp_path, name="leak.7z.001"))
    assert caught.value.kind is ErrorKind.CORRUPT
    assert "other volumes are missing" in caught.value.message
    truncated = tmp_path / "cut.7z"
    truncated.write_bytes(whole.read_bytes()[:4096])
    with pytest.raises(ExtractionError, match="truncated 7z archive") as caught:
        SevenZipExtractor().extract(truncated, _context(tmp_path, name="cut.7z"))
    assert caught.value.kind is ErrorKind.CORRUPT
    garbled = bytearray(whole.read_bytes())
    garbled[40:2000] = bytes(1960)
    bad = tmp_path / "garbled.7z"
    bad.write_bytes(bytes(garbled))
    with pytest.raises(ExtractionError) as caught:
        SevenZipExtractor().extract(bad, _context(tmp_path))
    assert caught.value.kind is ErrorKind.CORRUPT


@pytest.mark.parametrize(
    ("name", "passwords", "expected"),
    [
        (
            "recursiveextractor_TestData.7z",
            (),
            {"TestData/Foo/Bar/Lorem.txt", "TestData/Lorem.txt"},
        ),
        (
            "recursiveextractor_EncryptedWithPlainNames.7z",
            ("x", "TestData"),
            {"TestData/Lorem.txt"},
        ),
        ("ingestfile_7z_password.7z", ("password",), {"secret.txt"}),
        ("tika_test7Z_protected_passTika.7z", ("Tika",), {"text.txt"}),
        ("tika_full_encrypted.7z", ("password",), {"test.txt"}),
    ],
)
def test_corpus_archives_yield_their_members(
    tmp_path: Path, name: str, passwords: tuple[str, ...], expected: set[str]
) -> None:
    _result, members = _extract(ARCHIVES / name, _context(tmp_path, name=name, passwords=passwords))
    assert expected <= set(members)
    assert all(data for data in members.values())


def test_corpus_archive_of_a_hundred_images(tmp_path: Path) -> None:
    name = "recursiveextractor_100trees.7z"
    _result, members = _extract(ARCHIVES / name, _context(tmp_path, name=name))
    assert len(members) == 101
    assert members["tree1.jpg"][:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("ingestfile_500_pages.7z.001", ErrorKind.CORRUPT, "other volumes are missing"),
        ("ingestfile_7z_password.7z", ErrorKind.ENCRYPTED, "password-protected"),
        ("recursiveextractor_EncryptedWithPlainNames.7z", ErrorKind.ENCRYPTED, "3 encrypted"),
        ("tika_full_encrypted.7z", ErrorKind.ENCRYPTED, "header encryption"),
        ("tika_test7Z_protected_passTika.7z", ErrorKind.ENCRYPTED, "password-protected"),
    ],
)
def test_corpus_archives_fail_precisely(
    tmp_path: Path, name: str, kind: ErrorKind, message: str
) -> None:
    with pytest.raises(ExtractionError) as caught:
        SevenZipExtractor().extract(ARCHIVES / name, _context(tmp_path, name=name))
    assert caught.value.kind is kind
    assert message in caught.value.message
