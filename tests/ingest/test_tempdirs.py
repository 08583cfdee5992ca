"""The /tmp/pymp-* folders of killed runs are removed before the next pool starts (issue 10)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from culpa.ingest.tempdirs import remove_stale_pool_dirs

#: A run that starts a fork server in its own temp folder, prints the folder, and is killed.
_KILLED_RUN = """
import multiprocessing, multiprocessing.util, os, signal
context = multiprocessing.get_context("forkserver")
worker = context.Process(target=print)
worker.start()
worker.join()
print(multiprocessing.util.get_temp_dir(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_folder_of_a_killed_run_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_RUN],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    dead = Path(done.stdout.strip())
    assert dead.parent == tmp_path and dead.name.startswith("pymp-")
    # The fork server notices its parent died and exits; its socket is then unbound.
    deadline = time.monotonic() + 10
    while not (removed := remove_stale_pool_dirs(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert removed == [dead]
    assert not dead.exists()

    live = tmp_path / "pymp-live"
    live.mkdir()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(live / "listener-x"))
    listener.listen()
    other = tmp_path / "pymp-other"  # not only sockets: not ours to judge
    other.mkdir()
    (other / "file").write_text("x")
    empty = tmp_path / "pymp-empty"  # maybe a run that has not bound its socket yet
    empty.mkdir()
    try:
        assert remove_stale_pool_dirs(tmp_path) == []
        assert live.exists() and other.exists() and empty.exists()
    finally:
        listener.close()
    assert remove_stale_pool_dirs(tmp_path) == [live]


def test_the_next_ingest_removes_the_folder_a_killed_ingest_left(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    trove = tmp_path / "trove"
    trove.mkdir()
    for number in range(3):
        (trove / f"{number}.txt").write_text(f"text {number}\n", encoding="utf-8")
    case = tmp_path / "case"
    culpa = [sys.executable, "-m", "culpa"]
    env = {**os.environ, "TMPDIR": str(temp)}
    subprocess.run([*culpa, "init", str(case)], check=True, env=env, capture_output=True)
    ingest = [*culpa, "ingest", "--case", str(case), "--no-ocr", str(trove)]
    run = subprocess.Popen(ingest, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(temp.glob("pymp-*/listener-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    run.kill()
    run.wait()
    left = list(temp.glob("pymp-*"))
    assert left, "the killed ingest had started no fork server"
    time.sleep(1)  # the fork server sees its parent gone and exits
    done = subprocess.run(ingest, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert list(temp.glob("pymp-*")) == []
