"""OCR quality: character error rate of culpa's OCR against plain Tesseract.

Pages come from :mod:`ocr_pages` (real text drawn at 300 dpi, then skewed,
blurred, noised, JPEG-compressed or downsampled), so the transcription is exact.
"plain" is ``tesseract IMG - -l LANG`` with default settings and the one right
language for the page (chi_sim, chi_tra or eng); "culpa" is
:func:`culpa.analysis.ocr.ocr_image` with its default languages, which has to
find the script itself.

CER = Levenshtein distance / reference length, after Unicode NFKC (so a
full-width comma read as "," is not an error) and, for Chinese, with all
whitespace removed; for English, runs of whitespace count as one space.

Run: ``.venv/bin/python bench/ocr_quality.py [--quick]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image
from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ocr_pages import DEGRADATIONS, SCRIPTS, TestPage, generate_pages

from culpa.analysis.ocr import ocr_image

OUT = Path(__file__).resolve().parent / "out" / "ocr_pages"
PLAIN_LANGUAGE = {"hans": "chi_sim", "hant": "chi_tra", "latin": "eng"}
WORKERS = 2
#: Goals from the issue.
CHINESE_RATIO_GOAL = 0.5
ENGLISH_CLEAN_GOAL = 0.01


def normalise(text: str, script: str) -> str:
    """Text as compared: NFKC; no whitespace in Chinese; single spaces in English."""
    text = unicodedata.normalize("NFKC", text)
    if script == "latin":
        return " ".join(text.split())
    return "".join(text.split())


def cer(reference: str, hypothesis: str, script: str) -> float:
    """Character error rate of ``hypothesis`` against ``reference``."""
    ref = normalise(reference, script)
    return Levenshtein.distance(ref, normalise(hypothesis, script)) / max(1, len(ref))


def plain_tesseract(page: TestPage) -> str:
    """Tesseract as a user would run it: default page segmentation, the page's language."""
    completed = subprocess.run(
        ["tesseract", str(page.path), "-", "-l", PLAIN_LANGUAGE[page.script]],
        capture_output=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return completed.stdout.decode("utf-8")


def culpa(page: TestPage) -> str:
    """culpa's OCR as the image extractor calls it (the image's own dpi, default languages)."""
    with Image.open(page.path) as image:
        return ocr_image(image).text


ENGINES: dict[str, Callable[[TestPage], str]] = {"plain": plain_tesseract, "culpa": culpa}


def measure(job: tuple[str, TestPage]) -> tuple[str, str, float, float, str]:
    """(engine, page name, CER, seconds, text) for one engine on one page."""
    engine, page = job
    started = time.perf_counter()
    text = ENGINES[engine](page)
    seconds = time.perf_counter() - started
    return engine, page.name, cer(page.reference, text, page.script), seconds, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one page per kind, not two")
    parser.add_argument("--scripts", default=",".join(SCRIPTS))
    parser.add_argument("--degradations", default=",".join(DEGRADATIONS))
    parser.add_argument("--engines", default="plain,culpa")
    parser.add_argument("--show", action="store_true", help="print each page's worst output")
    args = parser.parse_args()

    pages = generate_pages(
        OUT,
        pages_per_kind=1 if args.quick else 2,
        scripts=tuple(args.scripts.split(",")),
        degradations=tuple(args.degradations.split(",")),
    )
    engines = args.engines.split(",")
    jobs = [(engine, page) for page in pages for engine in engines]
    results: dict[tuple[str, str], tuple[float, float]] = {}
    texts: dict[tuple[str, str], str] = {}
    with ProcessPoolExecutor(WORKERS) as pool:
        for engine, name, error, seconds, text in pool.map(measure, jobs):
            results[engine, name] = (error, seconds)
            texts[engine, name] = text

    header = f"{'page':<20}{'chars':>6}" + "".join(
        f"{e + ' CER':>12}{e + ' s':>9}" for e in engines
    )
    print(header)
    print("-" * len(header))
    groups: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for page in pages:
        row = f"{page.name:<20}{len(normalise(page.reference, page.script)):>6}"
        for engine in engines:
            error, seconds = results[engine, page.name]
            row += f"{error:>12.2%}{seconds:>9.1f}"
            groups[page.script, page.degradation][engine].append(error)
            groups[page.script, "all"][engine].append(error)
            groups[page.script, "all"][engine + " s"].append(seconds)
        print(row)
        if args.show:
            for engine in engines:
                print(f"  [{engine}] {texts[engine, page.name][:300]!r}")

    print()
    summary = f"{'script':<8}{'pages':<10}" + "".join(f"{e + ' CER':>12}" for e in engines)
    if "plain" in engines and "culpa" in engines:
        summary += f"{'culpa/plain':>13}"
    print(summary)
    print("-" * len(summary))
    for (script, kind), values in sorted(groups.items()):
        row = f"{script:<8}{kind:<10}"
        means = {e: statistics.fmean(values[e]) for e in engines}
        row += "".join(f"{means[e]:>12.2%}" for e in engines)
        if "plain" in means and "culpa" in means:
            ratio = means["culpa"] / means["plain"] if means["plain"] else float("nan")
            row += f"{ratio:>13.2f}"
        if kind == "all":
            row += "   s/page: " + " ".join(
                f"{e} {statistics.fmean(values[e + ' s']):.1f}" for e in engines
            )
        print(row)

    if "plain" in engines and "culpa" in engines:
        print()
        chinese = [
            (results["culpa", p.name][0], results["plain", p.name][0])
            for p in pages
            if p.script != "latin"
        ]
        if chinese:
            ratio = sum(c for c, _ in chinese) / max(1e-9, sum(p for _, p in chinese))
            verdict = "met" if ratio <= CHINESE_RATIO_GOAL else "NOT met"
            print(f"Chinese CER culpa/plain: {ratio:.2f} (goal <= {CHINESE_RATIO_GOAL}: {verdict})")
        english = [results["culpa", p.name][0] for p in pages if p.name.startswith("latin-")]
        clean = [
            results["culpa", p.name][0]
            for p in pages
            if p.script == "latin" and p.degradation == "clean"
        ]
        if english and clean:
            value = statistics.fmean(clean)
            verdict = "met" if value < ENGLISH_CLEAN_GOAL else "NOT met"
            print(
                f"English clean CER culpa: {value:.2%} (goal < {ENGLISH_CLEAN_GOAL:.0%}: {verdict})"
            )


if __name__ == "__main__":
    main()
