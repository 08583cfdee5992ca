"""Speed and peak memory of ``culpa analyze`` for entities and quotations, Chinese and English.

Usage: ``.venv/bin/python bench/analysis_speed.py [--pages 300] [--quick]``

For each language, builds a trove of born-digital PDFs of ``--pages`` pages under
``bench/out/analysis-speed/``, made of real corpus text: Chinese pages of about
1,200 characters from the two 2026 government work reports (the same sentences
the other benchmarks use), English pages of about 2,400 characters from the
English text of the corpus's court filings, judgment and other born-digital
PDFs. Each trove is ingested into a fresh case with OCR off (not timed), then
timed, in this order, on the same case:

- the baseline, ``culpa analyze --redo language``: every page read back and
  tagged again, the cheapest analysis that touches every page;
- ``culpa analyze --only entities`` (first run: every document);
- ``culpa analyze --only quotes`` (after entities, whose people it may use).

Each run uses the default workers (one per core; this machine's cores are
printed) and its peak RSS is the summed RSS of culpa and its workers sampled
every 50 ms (bench/common.PeakRss). Pages/s is pages over wall time including
start-up and model loading, as a reporter would wait for it. Goals (issue 12):
>= 30 Chinese pages/s and >= 60 English pages/s for each analyzer, peak memory
< 1.5 GB. An analyzer culpa does not have yet is reported as missing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pymupdf

from bench.common import CORPUS, CULPA, OUT, corpus_sentences, run_culpa

PAGES_PER_PDF = 10
CHARS_PER_PAGE = {"zh": 1200, "en": 2400}
GOALS = {"zh": 30.0, "en": 60.0}
MEMORY_GOAL = 1.5 * 2**30
#: English born-digital text of the corpus (court filings, a judgment, terms of use).
ENGLISH_SOURCES = (
    "xray/no_bad_redactions.5.5.pdf",
    "xray/no_bad_redactions.6.2.pdf",
    "xray/rectangles_no.pdf",
    "xray/rectangles_yes.pdf",
    "xray/whitespace_redactions.pdf",
    "xray/whitespace_redactions_2.pdf",
    "xray/whitespace_redaction_with_comma.pdf",
    "xray/bad_cross_hatched_redactions.pdf",
    "xray/hidden_text_on_visible_text.pdf",
    "pdf/born-digital/ingestfile_106972554.pdf",
    "pdf/redaction/cityssm_frankenstein.pdf",
)


def english_sentences() -> list[str]:
    """English sentences of the corpus's born-digital court filings and documents."""
    sentences: list[str] = []
    for name in ENGLISH_SOURCES:
        path = CORPUS / name
        if not path.is_file():
            continue
        with pymupdf.open(path) as doc:
            text = " ".join(page.get_text() for page in doc)
        text = re.sub(r"\s+", " ", re.sub(r"-\n(?=[a-z])", "", text))
        sentences += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", text) if len(s) > 30]
    if not sentences:
        raise SystemExit(f"the shared corpus is needed for this benchmark: {CORPUS}")
    return sentences


def page_text(sentences: list[str], rng: random.Random, size: int, joiner: str) -> str:
    parts: list[str] = []
    while sum(len(p) for p in parts) < size:
        parts.append(rng.choice(sentences))
    return joiner.join(parts)


def make_trove(folder: Path, language: str, pages: int) -> None:
    """PDFs of ``PAGES_PER_PDF`` pages of ``language`` text, ``pages`` pages in all."""
    mark = folder.parent / f"{folder.name}.complete"
    if mark.is_file() and mark.read_text() == str(pages):
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sentences = corpus_sentences() if language == "zh" else english_sentences()
    rng = random.Random(pages)
    font = "china-s" if language == "zh" else "helv"
    joiner = "" if language == "zh" else " "
    for number in range(0, pages, PAGES_PER_PDF):
        doc = pymupdf.open()
        for _ in range(min(PAGES_PER_PDF, pages - number)):
            page = doc.new_page()
            text = page_text(sentences, rng, CHARS_PER_PAGE[language], joiner)
            page.insert_textbox(pymupdf.Rect(40, 40, 555, 800), text, fontname=font, fontsize=8)
        doc.save(folder / f"{language}-{number:05d}.pdf", garbage=3, deflate=True)
        doc.close()
    mark.write_text(str(pages))


def analyzers() -> set[str]:
    """The names of the analyzers this tree's culpa registers."""
    code = "from culpa.analysis import registry; print(*(a.name for a in registry.registered()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def page_count(case: Path) -> int:
    done = subprocess.run(
        [*CULPA, "status", "--case", str(case), "--json"], capture_output=True, text=True
    )
    return int(json.loads(done.stdout)["pages"])


def measure(language: str, pages: int) -> tuple[int, list[tuple[str, float, int, int]]]:
    """Pages in the case, and (what, seconds, exit status, peak RSS) of each timed run."""
    folder = OUT / "analysis-speed" / language
    make_trove(folder, language, pages)
    case = OUT / "analysis-speed" / f"case-{language}"
    shutil.rmtree(case, ignore_errors=True)
    run_culpa("init", str(case))
    _, status, _ = run_culpa("ingest", "--case", str(case), "--no-ocr", str(folder))
    if status not in (0, 3):
        raise SystemExit(f"culpa ingest exited {status}")
    pages = page_count(case)
    runs = [("language (baseline)", ("--only", "language", "--redo", "language"))]
    known = analyzers()
    for name in ("entities", "quotes"):
        if name in known:
            runs.append((name, ("--only", name)))
        else:
            print(f"  {language}: culpa has no {name!r} analyzer yet; not measured")
    results = []
    for what, args in runs:
        seconds, status, peak = run_culpa("analyze", "--case", str(case), *args)
        results.append((what, seconds, status, peak))
    shutil.rmtree(case, ignore_errors=True)
    return pages, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="pages per language")
    parser.add_argument("--quick", action="store_true", help="60 pages per language")
    args = parser.parse_args()
    pages = 60 if args.quick else args.pages
    cores = len(os.sched_getaffinity(0))
    print(f"culpa analyze on {pages} pages per language, {cores} cores, default workers")
    for language in ("zh", "en"):
        stored, results = measure(language, pages)
        baseline = results[0][1]
        for what, seconds, status, peak in results:
            rate = stored / seconds
            line = (
                f"  {language} {what:20} {seconds:7.1f} s  {rate:7.1f} pages/s  "
                f"peak {peak / 2**20:6.0f} MiB  ratio to baseline {seconds / baseline:5.2f}"
            )
            if status not in (0, 3):
                line += f"  (exit {status})"
            if what != results[0][0]:
                speed = "met" if rate >= GOALS[language] else "not met"
                memory = "met" if peak < MEMORY_GOAL else "not met"
                line += f"  goal >= {GOALS[language]:.0f} pages/s {speed}, < 1.5 GB {memory}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
