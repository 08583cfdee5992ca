from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.zip import ZipExtractor
from culpa.formats.base import ArchiveLimits, ExtractContext
from tests.conftest import CORPUS


def _context(tmp_path: Path, **limits: int | float) -> ExtractContext:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return ExtractContext(workdir=work, limits=ArchiveLimits(**limits))  # type: ignore[arg-type]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _extracted(path: Path, context: ExtractContext) -> dict[str, bytes]:
    result = ZipExtractor().extract(path, context)
    return {child.name: child.path.read_bytes() for child in result.children}


def test_members_in_subfolders_and_nested_archives(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("deep.txt", b"deep")
    path = _zip(tmp_path / "leak.zip", {"2017/电报.txt": b"cable", "inner.zip": inner.getvalue()})
    members = _extracted(path, _context(tmp_path))
    assert members["2017/电报.txt"] == b"cable"
    assert members["inner.zip"] == inner.getvalue()


def _raw_name_zip(path: Path, raw_name: bytes, data: bytes) -> Path:
    """A zip whose member name is stored as raw bytes without the UTF-8 flag (Chinese Windows)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("PLACEHOLDER_NAME", data)
    blob = buffer.getvalue()
    placeholder = b"PLACEHOLDER_NAME"
    assert len(raw_name) <= len(placeholder)
    padded = raw_name + b"_" * (len(placeholder) - len(raw_name))
    path.write_bytes(blob.replace(placeholder, padded))
    return path


def test_gbk_member_names_are_decoded_not_mojibake(tmp_path: Path) -> None:
    raw = "电报.txt".encode("gbk")
    path = _raw_name_zip(tmp_path / "gbk.zip", raw, b"x")
    (name,) = _extracted(path, _context(tmp_path))
    assert name.startswith("电报.txt")


def test_traversal_names_stay_text_and_nothing_leaves_the_workdir(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "evil.zip",
        {"../../escaped.txt": b"1", "/etc/absolute.txt": b"2", "..\\win.txt": b"3"},
    )
    context = _context(tmp_path)
    result = ZipExtractor().extract(path, context)
    assert sorted(c.name for c in result.children) == [
        "../../escaped.txt",
        "../win.txt",
        "etc/absolute.txt",
    ]
    for child in result.children:
        assert child.path.parent == context.workdir
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_symlink_members_are_not_extracted(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("passwd")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
        archive.writestr("ok.txt", b"fine")
    result = ZipExtractor().extract(path, _context(tmp_path))
    assert [c.name for c in result.children] == ["ok.txt"]
    assert result.metadata["skipped_links"] == "passwd"


def test_zip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.zip", {"zeros.bin": b"\0" * (40 * 1024 * 1024)})
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(path, _context(tmp_path, max_ratio=100.0))
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED
    assert "compression bomb" in caught.value.message
    with pytest.raises(ExtractionError, match="in total"):
        ZipExtractor().extract(path, _context(tmp_path, max_total_bytes=1024 * 1024))


def test_nesting_depth_is_bounded(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip", {"x.txt": b"x"})
    context = ExtractContext(workdir=tmp_path, depth=3, limits=ArchiveLimits(max_depth=3))
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(path, context)
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED


def test_corrupt_and_truncated_zips_are_recorded(tmp_path: Path) -> None:
    good = _zip(tmp_path / "good.zip", {"a.txt": b"a" * 1000})
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[:60])
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(truncated, _context(tmp_path))
    assert caught.value.kind is ErrorKind.CORRUPT


def test_all_encrypted_members_means_encrypted(tmp_path: Path) -> None:
    path = _zip(tmp_path / "enc.zip", {"secret.txt": b"s"})
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit in the local and central headers.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind is ErrorKind.ENCRYPTED


PASSWORD = "pw口令"


def _encrypted_zip(path: Path, encryption: str, *, plain: dict[str, bytes] | None = None) -> Path:
    """A zip whose members libarchive encrypts (zipcrypt, aes128, aes256), plus plain ones."""
    import libarchive

    members = {"电报/秘密.txt": "新疆 secret".encode(), "b.txt": b"bee" * 1000}
    with libarchive.file_writer(
        str(path), "zip", options=f"encryption={encryption}", passphrase=PASSWORD
    ) as writer:
        for name, data in members.items():
            writer.add_file_from_memory(name, len(data), data)
    if plain:
        with zipfile.ZipFile(path, "a") as archive:
            for name, data in plain.items():
                archive.writestr(name, data)
    return path


@pytest.mark.parametrize("encryption", ["zipcrypt", "aes128", "aes256"])
def test_encrypted_members_open_with_a_given_password(tmp_path: Path, encryption: str) -> None:
    path = _encrypted_zip(tmp_path / f"{encryption}.zip", encryption)
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(path, _context(tmp_path))
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "give its password" in caught.value.message
    context = ExtractContext(workdir=tmp_path / "work", passwords=("wrong", "also-wrong"))
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(path, context)
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "none of the 2 passwords given opens it" in caught.value.message
    assert "wrong" not in caught.value.message
    context = ExtractContext(workdir=tmp_path / "work", passwords=("wrong", PASSWORD))
    result = ZipExtractor().extract(path, context)
    members = {c.name: c.path.read_bytes() for c in result.children}
    assert members == {"电报/秘密.txt": "新疆 secret".encode(), "b.txt": b"bee" * 1000}
    assert result.metadata == {"members": "2", "decrypted_members": "2"}
    assert PASSWORD not in repr(result)
    # The wrong password's failed attempts left nothing behind.
    assert {p for p in context.workdir.iterdir()} == {c.path for c in result.children}


def test_plain_members_of_a_partly_encrypted_zip_are_read(tmp_path: Path) -> None:
    path = _encrypted_zip(tmp_path / "mixed.zip", "aes256", plain={"open.txt": b"open"})
    context = ExtractContext(workdir=tmp_path / "work", passwords=("wrong",))
    result = ZipExtractor().extract(path, context)
    assert {c.name: c.path.read_bytes() for c in result.children} == {"open.txt": b"open"}
    assert result.metadata["encrypted_members"] == "电报/秘密.txt\nb.txt"


def test_an_encrypted_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    import libarchive

    path = tmp_path / "bomb.zip"
    zeros = b"\0" * (8 * 1024 * 1024)
    with libarchive.file_writer(
        str(path), "zip", options="encryption=aes256", passphrase=PASSWORD
    ) as writer:
        writer.add_file_from_memory("zeros.bin", len(zeros), zeros)
    context = ExtractContext(
        workdir=tmp_path / "work",
        passwords=(PASSWORD,),
        limits=ArchiveLimits(max_member_bytes=1024 * 1024),
    )
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(path, context)
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED
    assert list(context.workdir.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    [
        "recursiveextractor_TestDataEncryptedAES.zip",
        "recursiveextractor_TestDataEncryptedZipCrypto.zip",
    ],
)
def test_corpus_encrypted_zips(tmp_path: Path, name: str) -> None:
    path = CORPUS / "archives" / name
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(path, ExtractContext(workdir=tmp_path / "a", passwords=("x",)))
    assert caught.value.kind is ErrorKind.ENCRYPTED
    assert "(3 encrypted members); the password given does not open it" in caught.value.message
    result = ZipExtractor().extract(
        path, ExtractContext(workdir=tmp_path / "b", passwords=("x", "TestData"))
    )
    members = {c.name: c.path.read_bytes() for c in result.children}
    assert set(members) == {
        "TestData/Foo/Bar/Lorem.txt",
        "TestData/Foo/Lorem.txt",
        "TestData/Lorem.txt",
    }
    assert all(data.startswith(b"Lorem ipsum") for data in members.values())


def test_corpus_gbk_zip_names(tmp_path: Path) -> None:
    result = ZipExtractor().extract(
        CORPUS / "cjk" / "tika_gbk.zip", ExtractContext(workdir=tmp_path / "w")
    )
    assert [c.name for c in result.children] == [
        "审计压缩包文件检索测试/集团邮件审计系统2021年自动巡检需求文档_V4.0.doc"
    ]


def test_encrypted_members_with_gbk_names_are_matched_and_decoded(tmp_path: Path) -> None:
    import libarchive

    path = tmp_path / "gbk-locked.zip"
    with libarchive.file_writer(
        str(path), "zip", options="encryption=zipcrypt,hdrcharset=GBK", passphrase=PASSWORD
    ) as writer:
        writer.add_file_from_memory("电报.txt", 6, b"secret")
    assert not zipfile.ZipFile(path).infolist()[0].flag_bits & 0x800  # legacy name bytes
    result = ZipExtractor().extract(
        path, ExtractContext(workdir=tmp_path / "w", passwords=(PASSWORD,))
    )
    assert {c.name: c.path.read_bytes() for c in result.children} == {"电报.txt": b"secret"}


class _RawNameInfo(zipfile.ZipInfo):
    """A member whose name is written as the bytes given, without the UTF-8 flag."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(raw.decode("cp437"))  # every byte is a CP437 character

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own name
        return self.filename.encode("cp437"), self.flag_bits


#: Real-looking names of leaked files, as the Windows of each country writes them.
LEGACY_NAMES = {
    "gbk": ["关于加强社会治安管理的通知.doc", "新疆维吾尔自治区/电报.pdf", "会议纪要2017.docx"],
    "big5": ["中華民國行政院公告.doc", "會議記錄.txt", "機密文件/報告.pdf"],
    "cp932": ["文書1.txt", "会議の議事録.docx", "社外秘/報告書.pdf", "ファイル一覧.xls"],
    "cp437": ["Résumé.doc", "Café Müller/naïve.txt", "Ñandú.pdf"],
    "utf-8": ["电报.pdf", "Résumé.doc"],
}


@pytest.mark.parametrize("encoding", list(LEGACY_NAMES))
def test_legacy_member_names_in_each_code_page(tmp_path: Path, encoding: str) -> None:
    names = LEGACY_NAMES[encoding]
    path = tmp_path / f"{encoding}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(_RawNameInfo(name.encode(encoding)), name.encode("utf-8"))
    assert not any(info.flag_bits & 0x800 for info in zipfile.ZipFile(path).infolist())
    members = _extracted(path, _context(tmp_path))
    assert members == {name: name.encode("utf-8") for name in names}


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("文書1.txt", "cp932"),  # GBK reads 暥彂1.txt
        ("報告書.pdf", "cp932"),  # GBK reads 曬崘彂.pdf
        ("會議記錄.txt", "big5"),  # GBK reads 穦某癘魁.txt
        ("資料.xls", "big5"),
        ("资料.xls", "gbk"),  # Big5 and Shift_JIS read it too
        ("电报.pdf", "gbk"),
    ],
)
def test_a_single_name_valid_in_several_code_pages(
    tmp_path: Path, name: str, encoding: str
) -> None:
    raw = name.encode(encoding)
    assert sum(_decodes(raw, codec) for codec in ("gb18030", "cp950", "cp932")) >= 2
    path = tmp_path / "one.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(_RawNameInfo(raw), b"x")
    assert list(_extracted(path, _context(tmp_path))) == [name]


def _decodes(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


class _Bits:
    """Bits packed least significant first, as PKZIP 1 wrote them."""

    def __init__(self) -> None:
        self.value, self.count = 0, 0

    def put(self, value: int, count: int) -> None:
        self.value |= (value & ((1 << count) - 1)) << self.count
        self.count += count

    def bytes(self) -> bytes:
        return self.value.to_bytes((self.count + 7) // 8, "little")


def _implode(data: bytes) -> bytes:
    """Implode (method 6, 4 KB window, two trees), every byte sent as a literal."""
    trees = bytes([0x03, 0xF5, 0xF5, 0xF5, 0xF5]) * 2  # length and distance: 64 codes of 6 bits
    bits = _Bits()
    for byte in data:
        bits.put(1, 1)  # a literal
        bits.put(byte, 8)
    return trees + bits.bytes()


def _shrink(data: bytes) -> bytes:
    """Shrink (method 1, LZW), every byte sent as a 9-bit literal code."""
    bits = _Bits()
    for byte in data:
        bits.put(byte, 9)
    return bits.bytes()


def _reduce(data: bytes) -> bytes:
    """Reduce (methods 2-5): empty follower sets, then every byte as a literal."""
    bits = _Bits()
    bits.put(0, 6 * 256)
    for byte in data:
        bits.put(byte, 8)
    return bits.bytes()


def _pkzip1(path: Path, members: list[tuple[str, int, bytes, bytes]]) -> Path:
    """A zip of (name, method, data, packed) entries, as PKZIP 1.10 laid them out."""
    local, central = b"", b""
    for name, method, data, packed in members:
        raw, crc = name.encode("cp437"), zlib.crc32(data)
        fields = (method, 0, 0x21, crc, len(packed), len(data), len(raw))
        central += struct.pack("<IHHH", 0x02014B50, 10, 10, 0)
        central += struct.pack("<HHHIIIHHHHHII", *fields, 0, 0, 0, 0, 0, len(local)) + raw
        local += struct.pack("<IHH", 0x04034B50, 10, 0)
        local += struct.pack("<HHHIIIHH", *fields, 0) + raw + packed
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, *(len(members),) * 2, len(central), len(local), 0
    )
    path.write_bytes(local + central + end)
    return path


MINUTES = b"Minutes of the meeting, 12 March 1993. Present: the director. " * 4


@pytest.mark.parametrize(
    ("method", "pack"), [(6, _implode), (1, _shrink)], ids=["implode", "shrink"]
)
def test_pkzip1_implode_and_shrink_are_read(tmp_path: Path, method: int, pack: Any) -> None:
    path = _pkzip1(tmp_path / "old.zip", [("MINUTES.TXT", method, MINUTES, pack(MINUTES))])
    if shutil.which("unzip"):  # Info-ZIP agrees the fixture is a valid stream
        tested = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
        assert "No errors detected" in tested.stdout
    with zipfile.ZipFile(path, "a") as archive:  # beside a member zipfile reads itself
        archive.writestr("new.txt", b"deflated", zipfile.ZIP_DEFLATED)
    assert _extracted(path, _context(tmp_path)) == {"MINUTES.TXT": MINUTES, "new.txt": b"deflated"}


def test_a_member_no_reader_decodes_is_listed_or_unsupported(tmp_path: Path) -> None:
    reduced = ("REDUCED.TXT", 2, MINUTES, _reduce(MINUTES))
    damaged = ("DAMAGED.TXT", 6, MINUTES, _implode(MINUTES.replace(b"1993", b"1994")))
    with pytest.raises(ExtractionError) as caught:
        ZipExtractor().extract(_pkzip1(tmp_path / "r.zip", [reduced]), _context(tmp_path))
    assert caught.value.kind == ErrorKind.UNSUPPORTED and "Reduce" in str(caught.value)
    ok = ("OK.TXT", 6, MINUTES, _implode(MINUTES))
    result = ZipExtractor().extract(
        _pkzip1(tmp_path / "mixed.zip", [reduced, damaged, ok]), _context(tmp_path)
    )
    assert [c.name for c in result.children] == ["OK.TXT"]  # the CRC-32 caught DAMAGED.TXT
    assert result.metadata["unread_members"] == "REDUCED.TXT (Reduce)\nDAMAGED.TXT (Implode)"
