"""RAR: compressed fixtures cannot be made without the non-free ``rar`` program, so
compression, encryption and RAR 5 are tested on the corpus files. RAR 4 archives
with *stored* members are simple enough to build by hand here, which covers
legacy GBK names, path traversal and the size limits."""

from __future__ import annotations

import bz2
import os
import shlex
import struct
import zlib
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.rar import RarExtractor
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.formats.registry import extractor_class_for, type_for
from culpa.formats.sniff import detect_mime
from culpa.formats.support.tools import find_tool
from culpa.models import Extracted
from tests.conftest import CORPUS

ARCHIVES = CORPUS / "archives"
# scripts/setup.sh installs unar: a missing one is a failure, not a skip.
needs_rar_tool = pytest.mark.usefixtures("_unar_installed")


@pytest.fixture
def _unar_installed() -> None:
    assert find_tool("unrar", "unar"), "unar is missing: run scripts/setup.sh"


_RAR4_MARKER = b"Rar!\x1a\x07\x00"
_MAIN_HEAD, _FILE_HEAD, _END_HEAD = 0x73, 0x74, 0x7B
_LONG_BLOCK = 0x8000  # data follows the header
_HOST_WIN32 = 2
_METHOD_STORE = 0x30


def _block(head_type: int, flags: int, body: bytes) -> bytes:
    head = struct.pack("<BHH", head_type, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head


def _rar4_stored(path: Path, members: list[tuple[bytes, bytes]]) -> Path:
    """A RAR 4 archive of stored (uncompressed) members with raw, legacy-encoded names."""
    out = _RAR4_MARKER + _block(_MAIN_HEAD, 0, bytes(6))
    for raw_name, data in members:
        body = struct.pack(
            "<IIBIIBBHI",
            len(data),  # packed size
            len(data),  # unpacked size
            _HOST_WIN32,
            zlib.crc32(data),
            0x5A210000,  # DOS date and time
            29,  # version needed to extract
            _METHOD_STORE,
            len(raw_name),
            0x20,  # attributes: archive
        )
        out += _block(_FILE_HEAD, _LONG_BLOCK, body + raw_name) + data
    path.write_bytes(out + _block(_END_HEAD, 0x4000, b""))
    return path


def _context(tmp_path: Path, *, passwords: tuple[str, ...] = (), **limits: float) -> ExtractContext:
    return ExtractContext(
        workdir=tmp_path / "work",
        passwords=passwords,
        limits=ArchiveLimits(**limits),  # type: ignore[arg-type]
    )


def _extract(path: Path, context: ExtractContext) -> tuple[Extracted, dict[str, bytes]]:
    result = RarExtractor().extract(path, context)
    return result, {child.name: child.path.read_bytes() for child in result.children}


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_legacy_gbk_names_are_decoded_not_mojibake(tmp_path: Path) -> None:
    path = _rar4_stored(
        tmp_path / "gbk.rar",
        [("电报\\报告.txt".encode("gbk"), b"cable"), ("新疆.txt".encode("gbk"), b"x")],
    )
    _result, members = _extract(path, _context(tmp_path))
    assert members == {"电报/报告.txt": b"cable", "新疆.txt": b"x"}


def test_the_rar_extractor_wins_the_auction_for_sniffed_rar(tmp_path: Path) -> None:
    mime = detect_mime(_rar4_stored(tmp_path / "x.bin", [(b"a.txt", b"a")]))
    assert mime in ("application/x-rar", "application/vnd.rar")
    assert extractor_class_for(mime) is RarExtractor
    assert type_for(mime) == "rar"


def test_traversal_names_are_only_provenance_text(tmp_path: Path) -> None:
    path = _rar4_stored(
        tmp_path / "evil.rar",
        [(b"..\\..\\escaped.txt", b"1"), (b"/etc/absolute.txt", b"2"), (b"../up.txt", b"3")],
    )
    before = _files_under(tmp_path.parent)
    context = _context(tmp_path)
    result, members = _extract(path, context)
    assert members == {"../../escaped.txt": b"1", "etc/absolute.txt": b"2", "../up.txt": b"3"}
    created = _files_under(tmp_path.parent) - before
    assert created == {c.path for c in result.children}
    assert all(p.parent == context.workdir for p in created)


def test_member_total_and_count_limits(tmp_path: Path) -> None:
    big = bytes(range(256)) * 8192  # 2 MiB
    path = _rar4_stored(tmp_path / "big.rar", [(b"a.bin", big), (b"b.bin", big), (b"c", b"c")])
    for message, limits in {
        "expands past 1048576 bytes": {"max_member_bytes": 1024 * 1024},
        "in total": {"max_total_bytes": 3 * 1024 * 1024},
        "more than 2 members": {"max_members": 2},
    }.items():
        context = _context(tmp_path, **limits)
        with pytest.raises(ExtractionError) as caught:
            RarExtractor().extract(path, context)
        assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED
        assert message in caught.value.message
        assert all(p.stat().st_size <= len(big) for p in _files_under(context.workdir))


def test_corpus_rar_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "10GB.rar"  # 5 MB of RAR expanding to 10 GB
    bomb.write_bytes(
        bz2.decompress((CORPUS / "hostile/recursiveextractor_10GB.rar.bz2").read_bytes())
    )
    context = _context(tmp_path, max_ratio=2.0)
    with pytest.raises(ExtractionError) as caught:
        RarExtractor().extract(bomb, context)
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED
    assert "compression bomb" in caught.value.message
    assert _files_under(context.workdir) == set()


def test_corpus_rar4_yields_its_documents(tmp_path: Path) -> None:
    result, members = _extract(ARCHIVES / "ingestfile_test-documents.rar", _context(tmp_path))
    assert len(members) == 9
    assert members["test-documents/testTXT.txt"].startswith(b"Test d")
    assert members["test-documents/testPDF.pdf"].startswith(b"%PDF")
    assert len(members["test-documents/testWORD.doc"]) == 19456
    assert result.metadata == {"members": "9"}


def test_corpus_rar5_with_only_a_symlink_yields_nothing_but_the_listing(tmp_path: Path) -> None:
    result, members = _extract(ARCHIVES / "ingestfile_badrar.rar", _context(tmp_path))
    assert members == {}
    assert result.metadata == {"members": "1", "skipped_links": "secret.txt"}


def test_corpus_encrypted_rar5_without_the_password(tmp_path: Path) -> None:
    path = ARCHIVES / "recursiveextractor_TestDataEncrypted.rar"
    with pytest.raises(ExtractionError) as caught:
        RarExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "(3 encrypted members); give its password" in caught.value.message


@needs_rar_tool
def test_corpus_encrypted_rar5_opens_with_its_password(tmp_path: Path) -> None:
    path = ARCHIVES / "recursiveextractor_TestDataEncrypted.rar"
    with pytest.raises(ExtractionError) as caught:
        RarExtractor().extract(path, _context(tmp_path, passwords=("wrong",)))
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "the password given does not open it" in caught.value.message
    context = _context(tmp_path, passwords=("wrong", "TestData"))
    result, members = _extract(path, context)
    assert set(members) == {
        "TestData/Foo/Bar/Lorem.txt",
        "TestData/Foo/Lorem.txt",
        "TestData/Lorem.txt",
    }
    assert all(data.startswith(b"Lorem ipsum") for data in members.values())
    assert result.metadata == {"members": "3", "decrypted": "yes"}
    assert "TestData" not in str(result.metadata)
    assert _files_under(context.workdir) == {c.path for c in result.children}


@needs_rar_tool
def test_corpus_encrypted_rar5_stops_at_the_member_limit(tmp_path: Path) -> None:
    path = ARCHIVES / "recursiveextractor_TestDataEncrypted.rar"
    context = _context(tmp_path, passwords=("TestData",), max_member_bytes=1000)
    with pytest.raises(ExtractionError) as caught:
        RarExtractor().extract(path, context)
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED


@needs_rar_tool
def test_the_password_is_never_on_a_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other users of the machine can read every process's arguments (``ps``,
    /proc/PID/cmdline): the unar that reads encrypted members must not be given
    the password there, nor in its environment. A ``unar`` earlier on PATH keeps
    what /proc shows of each run, then becomes the real one."""
    real_unar = find_tool("unar")
    assert real_unar
    runs = tmp_path / "unar-runs"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    spy = bin_dir / "unar"
    spy.write_text(
        "#!/bin/sh\n"
        f"{{ cat /proc/$$/cmdline; echo; cat /proc/$$/environ; echo; echo '=== end'; }} "
        f">> {shlex.quote(str(runs))}\n"
        f'exec {shlex.quote(real_unar)} "$@"\n'
    )
    spy.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    path = tmp_path / "leak.rar"  # the corpus file's own name holds the password
    path.write_bytes((ARCHIVES / "recursiveextractor_TestDataEncrypted.rar").read_bytes())
    names = {"TestData/Foo/Bar/Lorem.txt", "TestData/Foo/Lorem.txt", "TestData/Lorem.txt"}
    password = b"TestData"  # also the start of each member name, which unar is given

    _result, members = _extract(path, _context(tmp_path, passwords=("TestData",)))

    assert set(members) == names
    assert all(data.startswith(b"Lorem ipsum") for data in members.values())
    extractions = 0
    for run in runs.read_bytes().split(b"\n=== end\n")[:-1]:
        cmdline, environ = run.split(b"\n", 1)
        arguments = [arg for arg in cmdline.split(b"\0") if arg.decode() not in names]
        assert password not in b" ".join(arguments)
        assert password not in environ
        extractions += str(path).encode() in arguments
    assert extractions == len(names)  # every member went through unar


def test_corpus_header_encrypted_rar4(tmp_path: Path) -> None:
    path = ARCHIVES / "tika_test-documents-enc.rar"
    for passwords in ((), ("wrong", "tika")) if find_tool("unrar", "unar") else ((),):
        with pytest.raises(ExtractionError) as caught:
            RarExtractor().extract(path, _context(tmp_path, passwords=passwords))
        assert caught.value.kind is ErrorKind.ENCRYPTED
        assert "header encryption" in caught.value.message


def test_corrupt_and_truncated_rar(tmp_path: Path) -> None:
    whole = (ARCHIVES / "ingestfile_test-documents.rar").read_bytes()
    truncated = tmp_path / "cut.rar"
    truncated.write_bytes(whole[:20_000])
    with pytest.raises(ExtractionError) as caught:
        RarExtractor().extract(truncated, _context(tmp_path))
    assert caught.value.kind is ErrorKind.CORRUPT
    garbage = tmp_path / "garbage.rar"
    garbage.write_bytes(_RAR4_MARKER + b"\xff" * 200)
    with pytest.raises(ExtractionError) as caught:
        RarExtractor().extract(garbage, _context(tmp_path))
    assert caught.value.kind is ErrorKind.CORRUPT
