"""Temp folders of a killed run go with the next run of its case, and only those (issue 10)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from culpa.errors import CaseError
from culpa.ingest.temp_root import case_temp, case_temp_root
from culpa.store.case import Case, init_case
from tests.ingest import temp_holder

#: Registered for this module's tests only (tests/conftest.py).
TEST_EXTRACTORS = (temp_holder.TempHoldingTextExtractor,)

REPO = Path(__file__).resolve().parents[2]
#: Seconds a run may take to reach its held file (a guard against a hang, not a timing).
READY_SECONDS = 300

#: One ingest run in a process of its own (the extractor module must reach the workers).
_RUN = """
import sys
from pathlib import Path
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
options = IngestOptions(workers=2, ocr=False, extractor_modules=("tests.ingest.temp_holder",))
summary = ingest(Case(Path(sys.argv[1])), [Path(sys.argv[2])], options)
sys.exit(1 if summary.error_count else 0)
"""


def _case_with_held_file(folder: Path) -> tuple[Case, Path, Path]:
    """A case, and a trove whose ``held.txt`` holds a temp file until ``gate`` exists."""
    trove = folder / "trove"
    trove.mkdir(parents=True)
    gate = folder / "gate"
    (trove / "held.txt").write_bytes(temp_holder.HOLD + str(gate).encode())
    for number in range(4):
        (trove / f"{number}.txt").write_text(f"text {number}\n", encoding="utf-8")
    return init_case(folder / "case"), trove, gate


def _start(case: Case, trove: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUN, str(case.root), str(trove)],
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _held_file(gate: Path, run: subprocess.Popen[bytes]) -> Path:
    """The temp file the run's worker holds once it is mid-file."""
    ready = Path(f"{gate}.ready")
    deadline = time.monotonic() + READY_SECONDS
    while not (ready.exists() and ready.read_text()):
        assert run.poll() is None, run.stderr.read() if run.stderr else ""
        assert time.monotonic() < deadline, "the run never reached its held file"
        time.sleep(0.05)
    return Path(ready.read_text())


def test_the_next_run_removes_what_a_killed_run_left_and_spares_another_case(
    tmp_path: Path,
) -> None:
    # A private system temp folder, short enough for a socket path: other tests run
    # beside this one, and what this one's runs leave is told apart by where it is.
    base = Path(tempfile.mkdtemp(prefix="ct-", dir="/tmp"))
    env = {**os.environ, "TMPDIR": str(base), "PYTHONPATH": str(REPO)}
    other: subprocess.Popen[bytes] | None = None
    try:
        # An ingest of another case, mid-file for the whole test.
        other_case, other_trove, other_gate = _case_with_held_file(tmp_path / "other")
        other = _start(other_case, other_trove, env)
        other_held = _held_file(other_gate, other)
        other_folders = set(base.rglob("pymp-*"))
        assert other_folders, "the other run has no fork server folder"

        case, trove, gate = _case_with_held_file(tmp_path / "killed")
        killed = _start(case, trove, env)
        held = _held_file(gate, killed)
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        left = set(base.rglob("pymp-*")) - other_folders
        assert left and held.exists(), "the killed run left nothing to clean"

        gate.touch()
        rerun = _start(case, trove, env)
        _, stderr = rerun.communicate(timeout=READY_SECONDS)
        assert rerun.returncode == 0, stderr.decode()
        assert not held.exists()
        assert not [folder for folder in left if folder.exists()]
        assert set(base.rglob("pymp-*")) == other_folders
        assert held.parent != other_held.parent, "two cases shared a temp folder"

        # The other run still holds its temp file, and its pool still starts workers
        # (the held file's worker kills itself once the gate opens).
        other_gate.touch()
        _, stderr = other.communicate(timeout=READY_SECONDS)
        assert other.returncode == 0, stderr.decode()
        assert not other_held.exists()
        assert list(base.rglob("pymp-*")) == []
    finally:
        if other is not None and other.poll() is None:
            os.killpg(other.pid, signal.SIGKILL)
            other.wait()
        shutil.rmtree(base, ignore_errors=True)


def test_a_run_uses_its_case_temp_root_and_empties_it(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = Path(tempfile.mkdtemp(prefix="ct-", dir="/tmp"))
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(base))
        monkeypatch.setenv("TMPDIR", "/elsewhere")
        root = case_temp_root(case)
        root.mkdir(parents=True)
        (root / "pymp-left").mkdir()
        (root / "pymp-left" / "listener-x").touch()
        (root / "lu12345.tmp").touch()
        with case_temp(case) as used:
            assert used == root
            assert list(root.iterdir()) == []
            assert os.environ["TMPDIR"] == str(root) == tempfile.gettempdir()
            assert root.stat().st_mode & 0o777 == 0o700
            (root / "made-by-a-tool").touch()
        assert not root.exists()
        assert os.environ["TMPDIR"] == "/elsewhere" and tempfile.tempdir == str(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_temp_root_that_is_not_ours_is_refused(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = Path(tempfile.mkdtemp(prefix="ct-", dir="/tmp"))
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(base))
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "keep").touch()
        case_temp_root(case).parent.symlink_to(elsewhere)
        with pytest.raises(CaseError, match="not a folder of this user"), case_temp(case):
            pass
        assert (elsewhere / "keep").exists()
    finally:
        shutil.rmtree(base, ignore_errors=True)
