"""Run every benchmark, one after another, printing each one's figures.

Usage: ``.venv/bin/python bench/run.py [--quick] [--against REV]``

``--quick`` runs smaller sizes (minutes, not an hour); the figures in the
closing notes come from the full run.

``--against REV`` measures an earlier commit in the same run, so a change can
be shown not to slow culpa down on the same machine under the same load: each
benchmark runs first on REV (its own ``bench/`` scripts with its own code,
from a temporary worktree beside this one, so the shared corpus resolves the
same way) and then on this tree, and the lines that carry a ratio or a rate
are printed side by side at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
#: Output lines worth comparing between two trees: ratios, rates, peaks, latencies.
SUMMARY_LINE = re.compile(r"ratio|/s\b|MiB|\bms\b|CER|recall|F1", re.IGNORECASE)

FULL: list[list[str]] = [
    ["ingest_speed.py", "--files", "200", "--pages", "10"],
    ["ocr_speed.py"],
    ["ocr_quality.py"],
    ["ocr_real.py"],
    ["entities_quality.py"],
    ["recognize_speed.py", "--pages", "100"],
    ["analysis_speed.py", "--pages", "300"],
    ["ingest_memory.py", "--sizes", "1000,4000,16000"],
    ["table_memory.py", "--sizes", "10,100,1000"],
    ["search_latency.py", "--pages", "200000"],
    ["web_latency.py", "--pages", "200000"],
    ["ingest_load.py", "--files", "50000", "--kills", "3"],
]
QUICK: list[list[str]] = [
    ["ingest_speed.py", "--files", "40", "--pages", "10"],
    ["ocr_speed.py", "--pages", "6"],
    ["ocr_quality.py", "--quick"],
    ["ocr_real.py", "--quick"],
    ["entities_quality.py", "--quick"],
    ["recognize_speed.py", "--pages", "10"],
    ["analysis_speed.py", "--quick"],
    ["ingest_memory.py", "--sizes", "500,2000"],
    ["table_memory.py", "--sizes", "10,100"],
    ["search_latency.py", "--pages", "20000"],
    ["web_latency.py", "--pages", "20000"],
    ["ingest_load.py", "--files", "2000", "--kills", "3"],
]


def run_script(tree: Path, script: str, args: list[str], *, capture: bool) -> tuple[int, str]:
    """Run one benchmark script of ``tree`` with that tree's own culpa first on the path."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, str(tree / "bench" / script), *args],
        cwd=tree,
        env=env,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    if capture:
        print(done.stdout, end="", flush=True)
    return done.returncode, done.stdout or ""


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A temporary checkout of ``rev`` beside this repository, removed afterwards."""
    name = re.sub(r"[^\w.-]", "_", rev)
    folder = ROOT.parent / f".culpa-bench-{name}-{os.getpid()}"
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(folder), rev], check=True)
    try:
        yield folder
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)


def summary_lines(output: str) -> list[str]:
    return [line.rstrip() for line in output.splitlines() if SUMMARY_LINE.search(line)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--against", metavar="REV", help="also measure this commit, first")
    args = parser.parse_args()
    failed = []
    compared: list[tuple[str, str, str]] = []
    with worktree(args.against) if args.against else _no_worktree() as base:
        for script, *rest in QUICK if args.quick else FULL:
            base_output = ""
            if base is not None:
                print(f"\n=== {script} {' '.join(rest)} @ {args.against}", flush=True)
                if not (base / "bench" / script).is_file():
                    print(f"  ({script} does not exist at {args.against})")
                else:
                    status, base_output = run_script(base, script, rest, capture=True)
                    if status:
                        failed.append(f"{script}@{args.against}")
            print(f"\n=== {script} {' '.join(rest)}", flush=True)
            status, output = run_script(ROOT, script, rest, capture=base is not None)
            if status:
                failed.append(script)
            if base is not None:
                compared.append((script, base_output, output))
    for script, base_output, output in compared:
        print(f"\n--- {script}: {args.against} | this tree")
        for line in summary_lines(base_output):
            print(f"  {args.against[:10]:10} {line.strip()}")
        for line in summary_lines(output):
            print(f"  {'this tree':10} {line.strip()}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


@contextmanager
def _no_worktree() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
