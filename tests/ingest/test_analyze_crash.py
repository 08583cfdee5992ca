"""kill -9 in the middle of culpa analyze loses nothing, and a re-run finishes the job.

Every registered analyzer runs: the toy word finder (slowed, so that a run can be
killed midway) and the built-ins, among them the entities analyzer with its real
recognisers, on notes that name people and places.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case, init_case
from tests.analysis.toy import WORD

REPO = Path(__file__).resolve().parents[2]


def _culpa(*args: str) -> list[str]:
    """culpa with the toy word finder registered (tests/analysis/toy.py)."""
    return [sys.executable, "-m", "tests.analysis.toy", *args]


def _runs(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM analysis_runs").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _state(case: Case) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    conn = sqlite3.connect(case.db_path)
    try:
        runs = conn.execute(
            "SELECT d.sha256, r.analyzer, r.version, r.status, r.error_kind, r.error_message "
            "FROM analysis_runs r JOIN documents d ON d.id = r.document_id ORDER BY 1, 2"
        ).fetchall()
        findings = conn.execute(
            "SELECT d.sha256, f.analyzer, f.label, f.page, f.span_start, f.span_end, f.value "
            "FROM findings f JOIN documents d ON d.id = f.document_id ORDER BY 1, 2, 3, 4, 5"
        ).fetchall()
    finally:
        conn.close()
    return runs, findings


def test_kill_mid_analysis_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    trove = tmp_path / "trove"
    trove.mkdir()
    for number in range(120):
        body = f"note {number}\n" + f"the {WORD} centre\n" * (number % 4)
        if number % 10 == 0:
            body += "Chen Quanguo met officials in Urumqi.\n自治区党委书记陈全国在喀什调研。\n"
        (trove / f"note-{number:03d}.txt").write_text(body, encoding="utf-8")
    reference = init_case(tmp_path / "reference")
    ingest(reference, [trove], IngestOptions(workers=2, ocr=False))
    shutil.copytree(reference.root, tmp_path / "crashed")
    crashed = Case(tmp_path / "crashed")

    done = subprocess.run(_culpa("analyze", "--case", str(reference.root)), cwd=REPO)
    assert done.returncode == 0
    expected = _state(reference)
    analyzers = Counter(analyzer for _sha, analyzer, *_rest in expected[0])
    assert analyzers["toy_words"] == analyzers["entities"] == 120
    found = Counter(analyzer for _sha, analyzer, *_rest in expected[1])
    assert found["toy_words"] == 30 * (0 + 1 + 2 + 3) and found["entities"] >= 12

    rng = random.Random(5)
    kills = 0
    for _ in range(3):
        process = subprocess.Popen(
            _culpa("analyze", "--case", str(crashed.root)),
            cwd=REPO,
            start_new_session=True,
            stderr=subprocess.DEVNULL,
        )
        target = _runs(crashed.db_path) + rng.randint(3, 25)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if _runs(crashed.db_path) >= target:
                os.killpg(process.pid, signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.005)
        process.wait()
    assert kills >= 1, "the analysis finished before it could be killed"
    assert _runs(crashed.db_path) < len(expected[0])
    finish = subprocess.run(_culpa("analyze", "--case", str(crashed.root)), cwd=REPO)
    assert finish.returncode == 0
    assert _state(crashed) == expected
