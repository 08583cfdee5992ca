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


def test_symlink_given_on_the_command_line_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "sub" / "a.txt").write_text("a")
    os.symlink(real, tmp_path / "link")
    os.symlink(real / "sub" / "a.txt", tmp_path / "file-link")
    found = walk_sources([tmp_path / "link", tmp_path / "file-link"])
    assert [(s.provenance, s.error) for s in found] == [
        ("link/sub/a.txt", None),
        ("file-link", None),
    ]


def test_symlink_loop_or_dangling_link_on_the_command_line_is_reported(tmp_path: Path) -> None:
    os.symlink(tmp_path / "loop-b", tmp_path / "loop-a")
    os.symlink(tmp_path / "loop-a", tmp_path / "loop-b")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    loop, dangling = walk_sources([tmp_path / "loop-a", tmp_path / "dangling"])
    assert loop.error == "the symbolic link cannot be followed: it is a loop"
    assert dangling.error is not None and "cannot be followed" in dangling.error


def test_fifo_and_device_are_refused_with_a_message(tmp_path: Path) -> None:
    # They were skipped in silence: "0 files" and exit 0.
    os.mkfifo(tmp_path / "pipe")
    trove = tmp_path / "trove"
    trove.mkdir()
    os.mkfifo(trove / "inner-pipe")
    fifo, device, inner = walk_sources([tmp_path / "pipe", Path("/dev/null"), trove])
    assert fifo.error == "a FIFO (named pipe), not a regular file: not read"
    assert device.error == "a character device, not a regular file: not read"
    assert (inner.provenance, inner.error) == (
        "trove/inner-pipe",
        "a FIFO (named pipe), not a regular file: not read",
    )
