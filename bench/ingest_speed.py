"""Ingest speed of born-digital PDFs against plain PyMuPDF text extraction.

Usage: ``.venv/bin/python bench/ingest_speed.py [--files N] [--pages P]``

Generates N born-digital PDFs of P pages (Chinese report sentences with some
English) into ``bench/out/pdfs-N-P/``, then times, in the same run:

* baseline: open each file with PyMuPDF and call ``page.get_text()`` on every
  page, in one process (what a script doing "just extract the text" does);
* culpa: ``culpa init`` + ``culpa ingest`` of the folder, end to end: hashing,
  storing originals, extraction with word boxes, language detection, indexing,
  commits — using both cores.

Goal: culpa pages/s >= 0.7 x the baseline. Baseline and culpa alternate for
``--repeat`` rounds and the best of each is compared.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pymupdf

from bench.common import OUT, corpus_sentences, run_culpa

ENGLISH = (
    "The committee reviewed the quarterly report on vocational training centres. "
    "Officials were told that detention figures must not be disclosed. "
)


def make_pdfs(folder: Path, files: int, pages: int) -> None:
    if folder.is_dir() and len(list(folder.glob("*.pdf"))) == files:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sentences = corpus_sentences()
    rng = random.Random(1)
    for number in range(files):
        doc = pymupdf.open()
        for _ in range(pages):
            page = doc.new_page()
            text = "".join(rng.choice(sentences) for _ in range(14))
            if rng.random() < 0.3:
                text += ENGLISH
            page.insert_textbox(
                pymupdf.Rect(56, 56, 540, 790), text, fontname="china-s", fontsize=11
            )
        doc.save(folder / f"report-{number:04d}.pdf", garbage=3, deflate=True)
        doc.close()


def baseline(folder: Path) -> tuple[float, int]:
    started = time.perf_counter()
    count = 0
    for path in sorted(folder.glob("*.pdf")):
        with pymupdf.open(path) as doc:
            for page in doc:
                page.get_text()
                count += 1
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Rounds, baseline and culpa alternating; the best of each is compared "
        "(this machine's speed wanders by half from minute to minute).",
    )
    args = parser.parse_args()
    folder = OUT / f"pdfs-{args.files}-{args.pages}"
    make_pdfs(folder, args.files, args.pages)
    case = OUT / "ingest-speed-case"
    base_runs: list[float] = []
    culpa_runs: list[float] = []
    peak = 0
    pages = 0
    for _ in range(args.repeat):
        base_seconds, pages = baseline(folder)
        base_runs.append(base_seconds)
        shutil.rmtree(case, ignore_errors=True)
        run_culpa("init", str(case))
        seconds, status, peak = run_culpa("ingest", "--case", str(case), str(folder))
        assert status == 0, f"culpa ingest exited {status}"
        culpa_runs.append(seconds)
    again, _, _ = run_culpa("ingest", "--case", str(case), str(folder))
    base_seconds, seconds = min(base_runs), min(culpa_runs)
    base_rate, rate = pages / base_seconds, pages / seconds
    print(f"born-digital PDFs: {args.files} files, {pages} pages, best of {args.repeat} rounds")
    print(f"  PyMuPDF get_text (1 process):  {base_seconds:7.2f} s  {base_rate:8.1f} pages/s")
    print(
        f"  culpa ingest (end to end):     {seconds:7.2f} s  {rate:8.1f} pages/s"
        f"  peak RSS {peak / 2**20:.0f} MiB"
    )
    print("  rounds (s): baseline " + ", ".join(f"{r:.2f}" for r in base_runs))
    print("              culpa    " + ", ".join(f"{r:.2f}" for r in culpa_runs))
    print(f"  ratio culpa / PyMuPDF: {rate / base_rate:.2f}  (goal >= 0.70)")
    print(f"  re-run on the same folder (nothing new): {again:.2f} s")


if __name__ == "__main__":
    main()
