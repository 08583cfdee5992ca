"""kill -9 in the middle of an ingest loses nothing, and a re-run finishes the job."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from culpa.store.case import init_case
from tests.ingest.trove import assert_same_case, make_trove


def _culpa(*args: str) -> list[str]:
    return [sys.executable, "-m", "culpa", *args]


def _documents(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_kill_mid_ingest_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    trove = make_trove(tmp_path, text_files=300)
    reference = init_case(tmp_path / "reference")
    done = subprocess.run(_culpa("ingest", "--case", str(reference.root), "--no-ocr", str(trove)))
    assert done.returncode == 3  # the trove holds bad files on purpose

    crashed = init_case(tmp_path / "crashed")
    rng = random.Random(3)
    kills = 0
    for _ in range(3):
        process = subprocess.Popen(
            _culpa("ingest", "--case", str(crashed.root), "--no-ocr", str(trove)),
            start_new_session=True,
            stderr=subprocess.DEVNULL,
        )
        target = _documents(crashed.db_path) + rng.randint(5, 60)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if _documents(crashed.db_path) >= target:
                os.killpg(process.pid, signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.005)
        process.wait()
    assert kills >= 1, "the ingest finished before it could be killed"
    finish = subprocess.run(_culpa("ingest", "--case", str(crashed.root), "--no-ocr", str(trove)))
    assert finish.returncode == 3
    assert_same_case(crashed, reference)
