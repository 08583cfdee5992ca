"""Peak memory (RSS) of ingest as the trove grows: it must stay flat.

Usage: ``.venv/bin/python bench/ingest_memory.py [--sizes 1000,4000,16000]``

For each size, generates a trove of that many small mixed files (text in
UTF-8 and GB18030, born-digital PDFs, zips of 50 members) under
``bench/out/memory-N/``, ingests it into a fresh case with OCR off, and
samples the summed RSS of culpa and its worker processes every 50 ms.
The baseline is the smallest trove: the ratio of each peak to it shows
whether memory grows with the trove (goal: flat, and < 1 GB at any size).
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pymupdf

from bench.common import OUT, corpus_sentences, run_culpa


def _pdf(text: str) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(56, 56, 540, 790), text, fontname="china-s", fontsize=11)
    data: bytes = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return data


def make_trove(folder: Path, files: int) -> None:
    if folder.is_dir() and (folder / ".complete").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    sentences = corpus_sentences()
    rng = random.Random(files)
    made = 0
    while made < files:
        sub = folder / f"d{made // 500:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        text = "".join(rng.choice(sentences) for _ in range(rng.randint(3, 12)))
        kind = made % 10
        if kind < 6:
            encoding = "gb18030" if kind == 0 else "utf-8"
            (sub / f"{made}.txt").write_bytes(f"{made} {text}".encode(encoding))
            made += 1
        elif kind < 9:
            (sub / f"{made}.pdf").write_bytes(_pdf(f"{made} {text}"))
            made += 1
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for member in range(50):
                    archive.writestr(f"m/{member}.txt", f"{made}-{member} {rng.choice(sentences)}")
            (sub / f"{made}.zip").write_bytes(buffer.getvalue())
            made += 51
    (folder / ".complete").write_text("made by bench/ingest_memory.py\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,16000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("ingest peak RSS (culpa + workers), OCR off")
    baseline = 0
    for size in sizes:
        folder = OUT / f"memory-{size}"
        make_trove(folder, size)
        case = OUT / f"memory-case-{size}"
        shutil.rmtree(case, ignore_errors=True)
        run_culpa("init", str(case))
        seconds, status, peak = run_culpa("ingest", "--case", str(case), "--no-ocr", str(folder))
        assert status in (0, 3), f"culpa ingest exited {status}"
        baseline = baseline or peak
        print(
            f"  {size:>7} files  {seconds:7.1f} s  {size / seconds:7.0f} files/s  "
            f"peak {peak / 2**20:6.0f} MiB  ratio to smallest {peak / baseline:.2f}"
        )
        shutil.rmtree(case, ignore_errors=True)


if __name__ == "__main__":
    main()
