"""Speed and memory of the entity recognisers alone, on one core.

Pages of about 2,000 characters are made from real text: Chinese from the
2026 government work reports of the shared corpus, English from the
hand-labelled sentences of ``bench/data/entities/en.jsonl``. The process is
pinned to one core; it reports the import time of
``culpa.analysis.entities.recognize``, the load time of each model (its first
call), characters and pages per second of CPU time for each language (the
machine may be shared: CPU time leaves the others' work out), and the peak RSS
after both models have loaded and run. ``culpa analyze`` adds the store and
the workers on top (``bench/entities_quality.py`` measures quality).

Run: ``.venv/bin/python bench/recognize_speed.py [--pages N]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, ROOT, corpus_sentences

PAGE_CHARS = 2_000


def pages_of(sentences: list[str], count: int, joiner: str) -> list[str]:
    """``count`` pages of about PAGE_CHARS characters, cycling through ``sentences``."""
    pages: list[str] = []
    page: list[str] = []
    size = 0
    index = 0
    while len(pages) < count:
        sentence = sentences[index % len(sentences)]
        index += 1
        page.append(sentence)
        size += len(sentence) + len(joiner)
        if size >= PAGE_CHARS:
            pages.append(joiner.join(page))
            page, size = [], 0
    return pages


def english_sentences() -> list[str]:
    path = ROOT / "bench" / "data" / "entities" / "en.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="pages per language")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    began = time.perf_counter()
    from culpa.analysis.entities.recognize import recognize

    figures: dict[str, object] = {"import_s": round(time.perf_counter() - began, 3)}
    texts = {
        "zh-Hans": pages_of(corpus_sentences(), args.pages, "\n"),
        "en": pages_of(english_sentences(), args.pages, " "),
    }
    for language, pages in texts.items():
        began = time.perf_counter()
        warm = "陈全国在乌鲁木齐市讲话" if language != "en" else "Chen Quanguo spoke in Urumqi."
        recognize(warm, language)
        load = time.perf_counter() - began
        chars = sum(map(len, pages))
        began, cpu_began = time.perf_counter(), time.process_time()
        mentions = sum(len(recognize(page, language)) for page in pages)
        wall = time.perf_counter() - began
        elapsed = time.process_time() - cpu_began  # CPU time: other work on the machine aside
        figures[language] = {
            "load_s": round(load, 2),
            "pages": len(pages),
            "chars": chars,
            "mentions": mentions,
            "chars_per_s": round(chars / elapsed),
            "pages_per_s": round(len(pages) / elapsed, 1),
            "wall_s": round(wall, 2),
            "cpu_s": round(elapsed, 2),
        }
        print(
            f"{language}: model loaded in {load:.2f} s; {len(pages)} pages of ~{PAGE_CHARS} chars,"
            f" {chars / elapsed:,.0f} chars/s, {len(pages) / elapsed:.1f} pages/s of one core's"
            f" CPU time ({elapsed:.1f} s CPU, {wall:.1f} s wall; {mentions} mentions)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    figures["peak_rss_mib"] = round(peak)
    print(f"import {figures['import_s']} s; peak RSS with both models {peak:.0f} MiB")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "recognize_speed.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
