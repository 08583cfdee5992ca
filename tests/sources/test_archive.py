from __future__ import annotations

import io
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.base import ArchiveLimits, ExtractContext
from culpa.sources.archive import Unpacker, decode_legacy_name


def _unpacker(tmp_path: Path, calls: list[int] | None = None, **limits: int) -> Unpacker:
    def progress() -> None:
        if calls is not None:
            calls.append(1)

    context = ExtractContext(
        workdir=tmp_path / "work",
        limits=ArchiveLimits(**limits),  # type: ignore[arg-type]
        progress=progress,
    )
    return Unpacker(context)


def test_legacy_names_decode_as_utf8_then_gbk_then_cp437() -> None:
    assert decode_legacy_name("报告.doc".encode()) == "报告.doc"
    assert decode_legacy_name("电报\\报告.doc".encode("gbk")) == "电报\\报告.doc"
    assert decode_legacy_name(b"caf\x82\xff") == "caf\u00e9\u00a0"  # not GBK: DOS code page


def test_pushed_members_are_written_at_generated_names(tmp_path: Path) -> None:
    calls: list[int] = []
    unpacker = _unpacker(tmp_path, calls)
    writer = unpacker.open_member("../../etc/passwd", 10)
    writer.write(b"ab")
    writer.write(b"cd")
    child = writer.finish()
    assert writer.closed
    assert child.name == "../../etc/passwd"
    assert child.path.parent == tmp_path / "work"
    assert child.path.read_bytes() == b"abcd"
    assert unpacker.children == [child]
    assert unpacker.total_bytes == 4
    assert calls == [1]  # progress is reported once per member


def test_a_chunk_past_the_member_limit_is_never_written(tmp_path: Path) -> None:
    unpacker = _unpacker(tmp_path, max_member_bytes=5)
    writer = unpacker.open_member("big.bin", 1)
    writer.write(b"1234")
    with pytest.raises(ExtractionError) as caught:
        writer.write(b"5678")
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED
    writer.abort()
    assert list((tmp_path / "work").iterdir()) == []
    assert unpacker.total_bytes == 0


def test_pulled_members_that_overflow_leave_nothing_behind(tmp_path: Path) -> None:
    unpacker = _unpacker(tmp_path, max_total_bytes=3)
    unpacker.add("a", io.BytesIO(b"abc"), 3)
    with pytest.raises(ExtractionError, match="in total"):
        unpacker.add("b", io.BytesIO(b"d"), 1)
    assert [p.name for p in (tmp_path / "work").iterdir()] == [unpacker.children[0].path.name]


def test_discard_removes_an_attempt(tmp_path: Path) -> None:
    unpacker = _unpacker(tmp_path)
    unpacker.add("a", io.BytesIO(b"abc"), 3)
    unpacker.discard()
    assert unpacker.children == []
    assert unpacker.total_bytes == 0
    assert list((tmp_path / "work").iterdir()) == []
