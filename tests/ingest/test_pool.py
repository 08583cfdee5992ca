"""The worker pool stops a file that hangs, balloons or kills its worker; the rest go on."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from culpa.ingest.executors.base import FileLimits
from culpa.ingest.executors.local import descendants
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from tests.ingest import faulty

#: Registered for this module's tests only (tests/conftest.py).
TEST_EXTRACTORS = (faulty.FaultyTextExtractor,)

LIMITS = FileLimits(timeout=1.5, memory_bytes=600 * 1024**2)
OPTIONS = IngestOptions(
    workers=2, ocr=False, limits=LIMITS, extractor_modules=("tests.ingest.faulty",)
)


def _errors(case: Case) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(case.db_path) as conn:
        rows = conn.execute("SELECT path, kind, message FROM errors").fetchall()
    return {path.rsplit("/", 1)[-1]: (kind, message) for path, kind, message in rows}


def _documents(case: Case) -> set[str]:
    with sqlite3.connect(case.db_path) as conn:
        rows = conn.execute(
            "SELECT p.path FROM provenance p JOIN documents d ON d.id = p.document_id "
            "WHERE d.status = 'ok'"
        ).fetchall()
    return {path.rsplit("/", 1)[-1] for (path,) in rows}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def test_hang_crash_and_balloon_are_recorded_and_the_rest_is_read(
    case: Case, tmp_path: Path
) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    pid_file = tmp_path / "orphan.pid"
    files = {
        "hang.txt": faulty.HANG,
        "crash.txt": faulty.CRASH,
        "balloon.txt": faulty.BALLOON,
        "orphan.txt": faulty.ORPHAN + str(pid_file).encode(),
        "slow.txt": faulty.SLOW_BUT_ALIVE + " 报告 slow".encode(),
    }
    for name, content in files.items():
        (trove / name).write_bytes(content)
    for n in range(6):
        (trove / f"good-{n}.txt").write_text(f"第{n}份 文件 good {n}", encoding="utf-8")

    started = time.monotonic()
    summary = ingest(case, [trove], OPTIONS)
    assert time.monotonic() - started < 120  # nothing waited for the hour-long sleeps

    errors = _errors(case)
    assert errors["hang.txt"][0] == "timeout"
    assert "no progress for 2 s" in errors["hang.txt"][1]
    assert errors["orphan.txt"][0] == "timeout"
    assert errors["balloon.txt"][0] == "too_large"
    assert "MiB" in errors["balloon.txt"][1]
    assert errors["crash.txt"][0] == "internal"
    assert "signal 11" in errors["crash.txt"][1]
    # The executor's words for a lost task, worded by the ingest for a file.
    assert errors["crash.txt"][1].endswith("died (signal 11) while reading this file")
    assert "raise --file-timeout to allow more" in errors["hang.txt"][1]
    assert errors["balloon.txt"][1].endswith("(raise --memory-limit to allow more)")
    assert set(errors) == {"hang.txt", "orphan.txt", "balloon.txt", "crash.txt"}
    assert summary.errors == {"timeout": 2, "too_large": 1, "internal": 1}
    # A slow file that keeps making progress is not stopped; every good file is read.
    assert _documents(case) == {"slow.txt"} | {f"good-{n}.txt" for n in range(6)}

    # The converter-like child of the stopped worker was killed with it.
    orphan = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(orphan) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(orphan)
    # No worker outlives the ingest.
    assert [pid for pid in descendants(os.getpid()) if pid != os.getpid() and _alive(pid)] == [
        pid for pid in _forkserver_pids() if _alive(pid)
    ]


def _forkserver_pids() -> list[int]:
    """The fork server (and its resource tracker) stay for the next ingest; nothing else."""
    return [pid for pid in descendants(os.getpid()) if pid != os.getpid() and _is_helper(pid)]


def _is_helper(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
    except OSError:
        return False
    return b"forkserver" in cmdline or b"resource_tracker" in cmdline
