"""Ingest under load: 50,000 small mixed files, killed three times, resumed.

Usage: ``.venv/bin/python bench/ingest_load.py [--files 50000] [--kills 3]``

Generates a trove of small mixed files (text in UTF-8 and GB18030, born-digital
PDFs, zips of 50 members, emails with an attachment, and bad files: empty,
truncated PDFs, random bytes) under ``bench/out/load-N/``. Then, in one run:

* reference: one uninterrupted ``culpa ingest --no-ocr`` into a fresh case,
  sampling the RSS of culpa and its workers every 50 ms against the number of
  documents stored (memory must stay flat as the case grows);
* crashed: the same ingest into a second case, ``kill -9``'d (the whole
  process group) at ``--kills`` random moments, each time re-run; then run to
  the end.

The crashed case must equal the reference (same documents, provenance,
pages, errors and search results for a set of words) and pass ``PRAGMA
integrity_check``; the script exits non-zero otherwise. Too slow for CI: the
tests run the same kill-and-resume check on a few hundred files
(tests/ingest/test_crash.py).
"""

from __future__ import annotations

import argparse
import email.message
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CULPA, OUT, PeakRss
from bench.ingest_memory import _pdf
from bench.ingest_memory import make_trove as make_mixed
from culpa.store.case import Case, init_case
from tests.ingest.trove import fingerprint


def make_trove(folder: Path, files: int) -> None:
    """ingest_memory's mixed trove plus emails and bad files (about 2 % of each)."""
    if (folder / ".complete-load").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    extra = files // 25
    make_mixed(folder, files - 2 * extra)
    rng = random.Random(files)
    bad = folder / "bad"
    mail = folder / "mail"
    bad.mkdir()
    mail.mkdir()
    pdf = _pdf("截断的文件 truncated")
    for n in range(extra):
        choice = n % 3
        if choice == 0:
            (bad / f"{n}.pdf").write_bytes(pdf[: len(pdf) // 2])
        elif choice == 1:
            (bad / f"{n}.txt").write_bytes(b"")
        else:
            (bad / f"{n}.bin").write_bytes(rng.randbytes(2048))
        message = email.message.EmailMessage()
        message["From"] = f"sender{n}@example.org"
        message["To"] = "desk@example.org"
        message["Subject"] = f"会议纪要 {n}"
        message["Message-ID"] = f"<{n}@example.org>"
        message.set_content(f"第{n}次会议 detention report {n}")
        message.add_attachment(
            _pdf(f"附件 {n}"), maintype="application", subtype="pdf", filename=f"附件{n}.pdf"
        )
        (mail / f"{n}.eml").write_bytes(bytes(message))
    (folder / ".complete-load").touch()


def _documents(db: Path) -> int:
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def reference_run(case: Case, trove: Path) -> tuple[float, int, list[tuple[int, int]]]:
    """(seconds, peak RSS, [(documents stored, RSS)] samples) of an uninterrupted ingest."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CULPA, "ingest", "--case", str(case.root), "--no-ocr", str(trove)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sampler = PeakRss(process.pid)
    samples: list[tuple[int, int]] = []
    while process.poll() is None:
        samples.append((_documents(case.db_path), sampler.peak))
        time.sleep(1.0)
    samples.append((_documents(case.db_path), sampler.peak))
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    if process.returncode not in (0, 3):
        raise SystemExit(f"reference ingest failed with status {process.returncode}")
    return seconds, peak, samples


def crashed_run(case: Case, trove: Path, kills: int, stored: int) -> tuple[int, float]:
    """Kill -9 the ingest at ``kills`` random points of its progress; (kills, resume seconds).

    The points are random shares of the reference's document count, in order, so
    each kill lands in a later part of the job than the one before.
    """
    rng = random.Random(kills)
    targets = sorted(int(rng.uniform(0.05, 0.9) * stored) for _ in range(kills))
    done = 0
    for target in targets:
        process = subprocess.Popen(
            [*CULPA, "ingest", "--case", str(case.root), "--no-ocr", str(trove)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        while process.poll() is None:
            if _documents(case.db_path) >= target:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                done += 1
                print(f"  killed at {_documents(case.db_path)} documents", flush=True)
                break
            time.sleep(0.05)
    started = time.perf_counter()
    final = subprocess.run(
        [*CULPA, "ingest", "--case", str(case.root), "--no-ocr", str(trove)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if final.returncode not in (0, 3):
        raise SystemExit(f"final ingest failed with status {final.returncode}")
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    trove = OUT / f"load-{args.files}"
    print(f"generating {args.files} files in {trove} ...", flush=True)
    make_trove(trove, args.files)
    files = sum(1 for p in trove.rglob("*") if p.is_file() and not p.name.startswith("."))
    reference = OUT / "load-reference-case"
    crashed = OUT / "load-crashed-case"
    for folder in (reference, crashed):
        shutil.rmtree(folder, ignore_errors=True)
    seconds, peak, samples = reference_run(init_case(reference), trove)
    stored = samples[-1][0] if samples else 0
    print(
        f"reference ingest: {files} top-level files, {stored} documents in {seconds:.1f} s "
        f"({stored / seconds:.0f} documents/s)"
    )
    print(f"  peak RSS {peak / 2**20:.0f} MiB (goal < 1024, flat)")
    for share in (0.1, 0.25, 0.5, 0.75, 1.0):
        wanted = share * stored
        documents, rss = next(((d, r) for d, r in samples if d >= wanted), samples[-1])
        print(f"  at {documents:>7} documents: peak so far {rss / 2**20:.0f} MiB")
    print(f"crashed run: {args.kills} kills at random moments, then resumed ...", flush=True)
    kills, resume = crashed_run(init_case(crashed), trove, args.kills, stored)
    print(f"  {kills} kills landed; the final resume took {resume:.1f} s")
    same = fingerprint(Case(crashed)) == fingerprint(Case(reference))
    print(f"  crashed case equals the reference (and integrity_check ok): {same}")
    if not same:
        sys.exit("the resumed case differs from the uninterrupted one")


if __name__ == "__main__":
    main()
