"""Run every benchmark, one after another, printing each one's figures.

Usage: ``.venv/bin/python bench/run.py [--quick]``

``--quick`` runs smaller sizes (minutes, not an hour); the figures in the
closing notes come from the full run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

FULL: list[list[str]] = [
    ["ingest_speed.py", "--files", "200", "--pages", "10"],
    ["ocr_speed.py"],
    ["ocr_quality.py"],
    ["ocr_real.py"],
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
    ["ingest_memory.py", "--sizes", "500,2000"],
    ["table_memory.py", "--sizes", "10,100"],
    ["search_latency.py", "--pages", "20000"],
    ["web_latency.py", "--pages", "20000"],
    ["ingest_load.py", "--files", "2000", "--kills", "3"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    failed = []
    for script, *rest in QUICK if args.quick else FULL:
        print(f"\n=== {script} {' '.join(rest)}", flush=True)
        status = subprocess.run([sys.executable, str(BENCH / script), *rest]).returncode
        if status:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
