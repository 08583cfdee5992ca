"""OCR ingest speed: pages/s of culpa's OCR against OCRmyPDF on one scanned PDF.

The PDF holds N scanned pages (real Chinese report text drawn at 300 dpi,
skewed, blurred, noised, stored as JPEG) and no text layer. culpa's side is
the real thing: ``culpa init`` and ``culpa ingest`` of the PDF, end to end
(hashing, storing, rendering, OCR of pages in parallel, indexing), with its
default OCR languages. OCRmyPDF runs with ``--sidecar`` and ``--jobs 2`` in
the languages culpa's first pass reads a Chinese page with. Both texts are
scored (CER) against the truth.

Run: ``.venv/bin/python bench/ocr_speed.py [--pages 20]``
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymupdf
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ocr_pages import PAGE_HEIGHT, PAGE_WIDTH, generate_pages
from ocr_quality import cer

OUT = Path(__file__).resolve().parent / "out"
WORKERS = 2
JPEG_QUALITY = 75
#: OCRmyPDF lowers its own priority by this much; culpa's workers do the same,
#: so a busy machine slows both alike.
OCRMYPDF_NICENESS = 5
OCRMYPDF_LANGUAGES = "chi_sim+eng"  # what culpa's first pass reads a Chinese page with


def build_pdf(count: int, path: Path) -> list[str]:
    """An image-only PDF of ``count`` scanned A4 pages; returns each page's transcription."""
    pages = generate_pages(
        OUT / "ocr_pages", pages_per_kind=count, scripts=("hans",), degradations=("scan",)
    )
    document = pymupdf.open()
    for page in pages:
        buffer = io.BytesIO()
        with Image.open(page.path) as image:
            image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
        pdf_page = document.new_page(width=PAGE_WIDTH * 72 / 300, height=PAGE_HEIGHT * 72 / 300)
        pdf_page.insert_image(pdf_page.rect, stream=buffer.getvalue())
    document.save(path)
    return [page.reference for page in pages]


def run_culpa(pdf: Path) -> list[str]:
    """``culpa ingest`` of ``pdf`` into a new case; the stored text of each page."""
    case = pdf.parent / "case"
    culpa = [sys.executable, "-m", "culpa"]
    subprocess.run([*culpa, "init", str(case)], check=True, capture_output=True)
    subprocess.run(
        ["nice", "-n", str(OCRMYPDF_NICENESS), *culpa, "ingest", "--case", str(case), str(pdf)],
        check=True,
        capture_output=True,
    )
    conn = sqlite3.connect(case / "case.db")
    try:
        return [row[0] for row in conn.execute("SELECT text FROM pages ORDER BY number")]
    finally:
        conn.close()


def run_ocrmypdf(pdf: Path, work: Path) -> list[str]:
    """OCRmyPDF with a text sidecar, same languages, two jobs."""
    sidecar = work / "sidecar.txt"
    subprocess.run(
        [
            "ocrmypdf",
            "--sidecar",
            str(sidecar),
            "-l",
            OCRMYPDF_LANGUAGES,
            "--jobs",
            str(WORKERS),
            "--quiet",
            str(pdf),
            str(work / "ocrmypdf.pdf"),
        ],
        check=True,
    )
    return sidecar.read_text(encoding="utf-8").split("\f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="culpa-ocr-speed-") as temp:
        work = Path(temp)
        pdf = work / "scanned.pdf"
        references = build_pdf(args.pages, pdf)
        rates: dict[str, float] = {}
        print(f"{args.pages} scanned pages, {WORKERS} workers")
        print(f"{'engine':<10}{'seconds':>9}{'pages/s':>9}{'mean CER':>10}")
        for name, run in (
            ("culpa", lambda: run_culpa(pdf)),
            ("ocrmypdf", lambda: run_ocrmypdf(pdf, work)),
        ):
            started = time.perf_counter()
            texts = run()
            seconds = time.perf_counter() - started
            rates[name] = args.pages / seconds
            errors = [cer(ref, text, "hans") for ref, text in zip(references, texts, strict=False)]
            print(f"{name:<10}{seconds:>9.1f}{rates[name]:>9.2f}{statistics.fmean(errors):>10.2%}")
        print(f"culpa/ocrmypdf pages/s: {rates['culpa'] / rates['ocrmypdf']:.2f} (goal >= 1.0)")


if __name__ == "__main__":
    main()
