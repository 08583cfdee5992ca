"""Peak memory (RSS) of ingesting one large CSV: it must not grow with the file.

Usage: ``.venv/bin/python bench/table_memory.py [--sizes 10,100,1000]`` (MB)

For each size, writes a CSV of that many megabytes (ledger rows: payee in Chinese,
amount, date, note; about 60 bytes a row) under ``bench/out/table-N/``, ingests it
into a fresh case with OCR off and one worker, and samples every 50 ms the RSS of
the main process (the writer) and of the worker process separately. Two baselines
are measured in the same run: the ingest of a 1 MB CSV (what culpa costs anyway),
and a plain Python ``csv.reader`` pass over the same file (reading alone). The
figures show whether memory grows with the file (goal: flat in both processes).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CULPA, OUT, PeakRss

_NAMES = "新疆棉花建设兵团乌鲁木齐喀什和田阿克苏伊犁昌吉吐鲁番哈密公司集团有限贸易物流"


def make_csv(path: Path, megabytes: float) -> None:
    if path.is_file() and path.stat().st_size >= megabytes * 1e6:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(int(megabytes * 10))
    target = int(megabytes * 1e6)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("payee,amount,date,note\n")
        row = 0
        while written < target:
            lines = []
            for _ in range(10_000):
                row += 1
                name = "".join(rng.choice(_NAMES) for _ in range(6))
                lines.append(
                    f"{name},{rng.randint(1, 10**7)},2017-{rng.randint(1, 12):02d}-"
                    f'{rng.randint(1, 28):02d},"transfer {row}, ref {rng.randint(1, 10**9)}"\n'
                )
            chunk = "".join(lines)
            out.write(chunk)
            written += len(chunk.encode())


def ingest(csv_path: Path, case: Path) -> tuple[float, int, int]:
    shutil.rmtree(case, ignore_errors=True)
    subprocess.run([*CULPA, "init", str(case)], check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CULPA, "ingest", "--case", str(case), "--no-ocr", "--workers", "1", str(csv_path)],
        stdout=subprocess.DEVNULL,
    )
    sampler = PeakRss(process.pid)
    status = process.wait()
    seconds = time.perf_counter() - started
    sampler.stop()
    main, worker = sampler.main, sampler.worker
    if status != 0:
        raise SystemExit(f"culpa ingest exited {status} on {csv_path}")
    return seconds, main, worker


def plain_reader(csv_path: Path) -> tuple[float, int]:
    code = "import csv,sys\nfor _ in csv.reader(open(sys.argv[1], encoding='utf-8')): pass\n"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, str(csv_path)])
    sampler = PeakRss(process.pid)
    process.wait()
    sampler.stop()
    return time.perf_counter() - started, sampler.main


def _mib(value: int) -> str:
    return f"{value / 2**20:6.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="CSV sizes in MB")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    folder = OUT / "table-memory"
    small = folder / "baseline-1MB.csv"
    make_csv(small, 1)
    seconds, main_base, worker_base = ingest(small, folder / "case")
    print("ingest of one CSV, OCR off, one worker: peak RSS of the main process (writer)")
    print("and of the worker, beside a 1 MB CSV's ingest and a plain csv.reader pass")
    print(f"  {'1 MB':>8}  {seconds:7.1f} s  main {_mib(main_base)}  worker {_mib(worker_base)}")
    for size in sizes:
        path = folder / f"ledger-{size:g}MB.csv"
        make_csv(path, size)
        megabytes = path.stat().st_size / 1e6
        seconds, main_peak, worker_peak = ingest(path, folder / "case")
        plain_seconds, plain_peak = plain_reader(path)
        print(
            f"  {megabytes:6.0f} MB  {seconds:7.1f} s  {megabytes / seconds:5.1f} MB/s  "
            f"main {_mib(main_peak)} ({main_peak / main_base:.2f}x)  "
            f"worker {_mib(worker_peak)} ({worker_peak / worker_base:.2f}x)  "
            f"| csv.reader {plain_seconds:6.1f} s {_mib(plain_peak)}"
        )
    shutil.rmtree(folder / "case", ignore_errors=True)


if __name__ == "__main__":
    main()
