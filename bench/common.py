"""Helpers shared by the benchmarks: paths, corpus text, timing a culpa run."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CORPUS = ROOT.parent / "shared" / "corpus"
CULPA = [sys.executable, "-m", "culpa"]


def corpus_sentences() -> list[str]:
    """Chinese sentences from the two 2026 government work reports in the shared corpus."""
    text: list[str] = []
    for path in sorted((CORPUS / "cjk-official").glob("govreports2026_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text.extend(row["full_text"] for row in csv.DictReader(handle))
    if not text:
        raise SystemExit(f"the shared corpus is needed for this benchmark: {CORPUS}")
    return [s + "。" for s in re.split(r"[。！？\n]", "".join(text)) if len(s.strip()) >= 6]


class PeakRss:
    """Samples the RSS of a process and its children (the worker pool).

    ``peak`` is the highest sum of them all; ``main`` the process's own peak and
    ``worker`` the highest of any one child, for telling the writer from a worker.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.main = 0
        self.worker = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                own = self.process.memory_info().rss
                total = own
                for child in self.process.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        rss = child.memory_info().rss
                        total += rss
                        self.worker = max(self.worker, rss)
                self.main = max(self.main, own)
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            time.sleep(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_culpa(*args: str) -> tuple[float, int, int]:
    """Run ``culpa ARGS``: (seconds, exit status, peak RSS of it and its workers in bytes)."""
    env = dict(os.environ)
    started = time.perf_counter()
    process = subprocess.Popen([*CULPA, *args], env=env, stdout=subprocess.DEVNULL)
    sampler = PeakRss(process.pid)
    status = process.wait()
    seconds = time.perf_counter() - started
    return seconds, status, sampler.stop()
