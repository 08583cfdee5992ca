from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.archives.tar import TarExtractor
from culpa.formats.base import ExtractContext


def _tar(path: Path, mode: str) -> Path:
    with tarfile.open(path, mode) as archive:
        for name, data in {"2017/电报.txt": b"cable", "../../up.txt": b"up"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
        hard = tarfile.TarInfo("hard")
        hard.type = tarfile.LNKTYPE
        hard.linkname = "/etc/shadow"
        archive.addfile(hard)
    return path


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_regular_members_only_in_every_compression(tmp_path: Path, mode: str) -> None:
    path = _tar(tmp_path / "leak.tar", mode)
    work = tmp_path / "work"
    work.mkdir()
    result = TarExtractor().extract(path, ExtractContext(workdir=work))
    members = {c.name: c.path.read_bytes() for c in result.children}
    assert members == {"2017/电报.txt": b"cable", "../../up.txt": b"up"}
    assert all(c.path.parent == work for c in result.children)
    assert result.metadata["skipped_links"] == "passwd\nhard"
    assert not (tmp_path.parent / "up.txt").exists()


def test_corrupt_tar_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "bad.tar.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 10)
    with pytest.raises(ExtractionError) as caught:
        TarExtractor().extract(path, ExtractContext(workdir=tmp_path))
    assert caught.value.kind is ErrorKind.CORRUPT


def test_a_lone_compressed_file_becomes_one_child(tmp_path: Path) -> None:
    import bz2
    import gzip

    work = tmp_path / "work"
    work.mkdir()
    for name, data in (
        ("report.txt.gz", gzip.compress(b"hello")),
        ("x.bin.bz2", bz2.compress(b"hi")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        result = TarExtractor().extract(path, ExtractContext(workdir=work, name=name))
        (child,) = result.children
        assert child.name == name.rsplit(".", 1)[0]
        assert child.path.read_bytes() in (b"hello", b"hi")


def test_a_compressed_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    import gzip

    from culpa.formats.base import ArchiveLimits

    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(b"bomb" * (10 * 1024 * 1024)))
    with pytest.raises(ExtractionError) as caught:
        TarExtractor().extract(
            path, ExtractContext(workdir=tmp_path, name="bomb.gz", limits=ArchiveLimits())
        )
    assert caught.value.kind is ErrorKind.LIMIT_EXCEEDED
