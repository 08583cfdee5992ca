from __future__ import annotations

import os
from pathlib import Path

from culpa.sources.walk import walk_sources


def test_provenance_is_relative_to_the_argument_and_sorted(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    (trove / "2017").mkdir(parents=True)
    (trove / "2017" / "电报.txt").write_text("a")
    (trove / "b.txt").write_text("b")
    (trove / "a.txt").write_text("c")
    single = tmp_path / "leak.bin"
    single.write_bytes(b"x")
    found = [s.provenance for s in walk_sources([trove, single])]
    assert found == ["trove/2017/电报.txt", "trove/a.txt", "trove/b.txt", "leak.bin"]


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "real.txt").write_text("x")
    os.symlink("/etc/passwd", trove / "passwd")
    os.symlink(tmp_path, trove / "loop")
    assert [s.provenance for s in walk_sources([trove])] == ["trove/real.txt"]


def test_names_that_are_not_utf8_stay_visible(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    with open(os.path.join(os.fsencode(trove), b"\xb5\xe7\xb1\xa8.txt"), "wb") as handle:
        handle.write(b"gbk name")
    (source,) = walk_sources([trove])
    assert source.provenance == "trove/\\xb5籨.txt"  # valid UTF-8 runs decode, the rest is escaped
    assert source.path.read_bytes() == b"gbk name"
    source.provenance.encode("utf-8")  # storable as text


def test_unreadable_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    (source,) = walk_sources([missing])
    assert source.error
