"""OCR on real pages: CER and name recall of culpa, plain Tesseract and OCRmyPDF.

The pages are listed in ``bench/data/real_pages/pages.tsv`` (phone photos of a
1960s printed transcript, pages of a 1-bit CCITT booklet scan, a two-page
spread made of two of them, a vertical advert, a traditional-script page and
born-digital pages rendered at 300 dpi); their hand transcriptions are in
``truth/NAME.txt`` (see that folder's README). A page whose transcription is
missing is listed and skipped.

Engines (``--engines``):

- ``culpa``: :func:`culpa.analysis.ocr.ocr_image` with its default languages
  and engine, as the ingest calls it (PDF pages rendered in greyscale at 300
  dpi and that dpi passed; images upright by their EXIF orientation, their own
  dpi); ``culpa-tesseract`` and ``culpa-ppocr`` force one engine (skipped when
  ``ocr_image`` has no ``engine`` keyword);
- ``tesseract``: ``tesseract IMAGE stdout -l chi_sim`` with default settings, on
  the image file as it is (PDF pages: the 300 dpi rendering as PNG);
- ``ocrmypdf``: ``ocrmypdf -l chi_sim --force-ocr --sidecar out.txt --jobs 2``
  on one PDF per page kind (PDF pages copied from the source, so the booklet
  keeps its CCITT image; images placed at their dpi), the sidecar split at its
  form feeds into pages.

Each engine runs on 2 cores: culpa in two worker processes (one page each, as
the ingest's workers do), plain Tesseract as two processes at a time, OCRmyPDF
with ``--jobs 2``; pages/s is pages over wall time. CER and name recall follow
:mod:`scoring` (whitespace removed; "folded" = both sides OpenCC t2s and case
folded); a kind's CER is weighted by characters. The goals of issue 9 are
judged on culpa's CER as printed (not folded).

Run: ``.venv/bin/python bench/ocr_real.py [--quick] [--pages A,B] [--engines ...]
[--json PATH]``
(every figure and each engine's text go to ``bench/out/ocr_real.json`` by default)
"""

from __future__ import annotations

import argparse
import csv
import inspect
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring import edits, missed, names_found

from culpa.analysis.ocr import ocr_image
from culpa.models import image_dpi

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data" / "real_pages"
PAGES_TSV = DATA / "pages.tsv"
TRUTH = DATA / "truth"
CORPUS = BENCH.parent.parent / "shared" / "corpus"
OUT_JSON = BENCH / "out" / "ocr_real.json"
WORKERS = 2
#: culpa renders PDF pages for OCR at this resolution (culpa.formats.documents.pdf.OCR_DPI).
RENDER_DPI = 300
#: dpi given to OCRmyPDF for an image that states none: a phone photo 1280 px
#: across an A4-wide page is about 155 dpi.
UNKNOWN_IMAGE_DPI = 150
PLAIN_LANGUAGE = "chi_sim"
ALL_ENGINES = ("culpa", "culpa-tesseract", "culpa-ppocr", "tesseract", "ocrmypdf")
#: Goals of issue 9.
PLAIN_RATIO_GOAL = 0.5
SCAN_CER_GOAL = 0.05
PHOTO_CER_GOAL = 0.10
NAME_RECALL_GOAL = 0.95
SCAN_KIND = "1-bit scan"
PHOTO_KIND = "phone photo"
BORN_DIGITAL_KIND = "born-digital rendered"


@dataclass(frozen=True)
class RealPage:
    """One row of pages.tsv."""

    name: str
    kind: str
    source: str  # relative to the shared corpus folder
    numbers: tuple[int, ...]  # PDF page numbers, 1-based; () for an image file
    licence: str
    names: tuple[str, ...]

    @property
    def path(self) -> Path:
        return CORPUS / self.source

    @property
    def is_pdf(self) -> bool:
        return bool(self.numbers)


def load_pages(path: Path = PAGES_TSV) -> list[RealPage]:
    """The pages listed in ``path``, in its order."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        RealPage(
            name=row["name"],
            kind=row["kind"],
            source=row["source"],
            numbers=tuple(int(n) for n in row["page"].split(",") if n.strip()),
            licence=row["licence"],
            names=tuple(n.strip() for n in row["names"].split(",") if n.strip()),
        )
        for row in rows
    ]


def truth_of(page: RealPage, pages: Sequence[RealPage], folder: Path = TRUTH) -> str | None:
    """The page's transcription, or None while it is missing.

    A spread has no file of its own: it is its pages' transcriptions, left page
    first. A born-digital page without a file falls back to its text layer.
    """
    file = folder / f"{page.name}.txt"
    if file.is_file():
        return file.read_text(encoding="utf-8")
    if len(page.numbers) > 1:
        parts: list[str] = []
        for number in page.numbers:
            single = [
                p
                for p in pages
                if p.source == page.source and p.numbers == (number,) and p.name != page.name
            ]
            text = truth_of(single[0], pages, folder) if single else None
            if text is None:
                return None
            parts.append(text)
        return "\n".join(parts)
    if page.kind == BORN_DIGITAL_KIND and page.is_pdf and page.path.is_file():
        with pymupdf.open(page.path) as document:
            return str(document[page.numbers[0] - 1].get_text())
    return None


def render(path: Path, number: int, dpi: int = RENDER_DPI) -> Image.Image:
    """A PDF page in greyscale at ``dpi``, as culpa renders it for OCR."""
    with pymupdf.open(path) as document:
        pix = document[number - 1].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        size = (pix.width, pix.height)
        return Image.frombuffer("L", size, pix.samples, "raw", "L", pix.stride, 1).copy()


def side_by_side(images: Sequence[Image.Image]) -> Image.Image:
    """Images joined left to right on white: a two-page spread."""
    width = sum(i.width for i in images)
    height = max(i.height for i in images)
    spread = Image.new("L", (width, height), 255)
    x = 0
    for image in images:
        spread.paste(image.convert("L"), (x, 0))
        x += image.width
    return spread


def page_image(page: RealPage) -> tuple[Image.Image, int | None]:
    """The image culpa would OCR for ``page`` and the dpi it would pass (None: unknown)."""
    if page.is_pdf:
        return side_by_side([render(page.path, n) for n in page.numbers]), RENDER_DPI
    with Image.open(page.path) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)
    return upright, None


# --------------------------------------------------------------------------- engines
def has_engine_keyword() -> bool:
    """Whether ``ocr_image`` takes ``engine=`` (being added by issue 9)."""
    return "engine" in inspect.signature(ocr_image).parameters


def _culpa_job(job: tuple[str, RealPage]) -> tuple[str, str, float]:
    """(page name, text, seconds) of one culpa OCR; runs in a worker process."""
    engine, page = job
    started = time.perf_counter()
    image, dpi = page_image(page)
    if engine == "culpa":
        result = ocr_image(image, dpi=dpi)
    else:
        result = ocr_image(image, dpi=dpi, engine=engine.removeprefix("culpa-"))
    return page.name, result.text, time.perf_counter() - started


def run_culpa(engine: str, pages: Sequence[RealPage]) -> tuple[dict[str, str], dict[str, float]]:
    """Texts and per-page seconds of one culpa variant, two pages at a time in two processes."""
    context = multiprocessing.get_context("forkserver")
    texts: dict[str, str] = {}
    seconds: dict[str, float] = {}
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        for name, text, spent in pool.map(_culpa_job, [(engine, p) for p in pages]):
            texts[name] = text
            seconds[name] = spent
    return texts, seconds


def plain_input(page: RealPage, work: Path) -> Path:
    """The file plain Tesseract reads: the image file as it is, or the rendered PDF page."""
    if not page.is_pdf:
        return page.path
    target = work / f"{page.name}.png"
    if not target.exists():
        image, dpi = page_image(page)
        image.save(target, dpi=(dpi or RENDER_DPI, dpi or RENDER_DPI))
    return target


def run_plain(pages: Sequence[RealPage], work: Path) -> tuple[dict[str, str], dict[str, float]]:
    """``tesseract IMAGE stdout -l chi_sim``, default settings, two processes at a time."""
    inputs = {p.name: plain_input(p, work) for p in pages}

    def one(name: str) -> tuple[str, str, float]:
        started = time.perf_counter()
        completed = subprocess.run(
            ["tesseract", str(inputs[name]), "stdout", "-l", PLAIN_LANGUAGE],
            capture_output=True,
            check=True,
            # One thread each: two processes on two cores, as for the others.
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
        return name, completed.stdout.decode("utf-8", "replace"), time.perf_counter() - started

    texts: dict[str, str] = {}
    seconds: dict[str, float] = {}
    with ThreadPoolExecutor(WORKERS) as pool:
        for name, text, spent in pool.map(one, inputs):
            texts[name] = text
            seconds[name] = spent
    return texts, seconds


def ocrmypdf_input(pages: Sequence[RealPage], target: Path) -> None:
    """One PDF of ``pages``: PDF pages copied (a spread side by side), images at their dpi."""
    output = pymupdf.open()
    for page in pages:
        if page.is_pdf:
            with pymupdf.open(page.path) as source:
                rects = [source[n - 1].rect for n in page.numbers]
                width = sum(r.width for r in rects)
                height = max(r.height for r in rects)
                new = output.new_page(width=width, height=height)
                x = 0.0
                for number, rect in zip(page.numbers, rects, strict=True):
                    new.show_pdf_page(
                        pymupdf.Rect(x, 0, x + rect.width, rect.height), source, number - 1
                    )
                    x += rect.width
            continue
        with Image.open(page.path) as image:
            dpi = image_dpi(image) or UNKNOWN_IMAGE_DPI
            turned = image.getexif().get(0x0112, 1) not in (None, 1)
        upright, _ = page_image(page)
        new = output.new_page(width=upright.width * 72 / dpi, height=upright.height * 72 / dpi)
        if turned or upright.mode not in ("L", "RGB", "1"):
            new.insert_image(new.rect, stream=png_bytes(upright))
        else:
            new.insert_image(new.rect, filename=str(page.path))
    output.save(target)
    output.close()


def png_bytes(image: Image.Image) -> bytes:
    """``image`` as PNG bytes (alpha flattened onto white)."""
    if image.mode in ("RGBA", "LA", "P"):
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = flat
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def run_ocrmypdf(
    pages: Sequence[RealPage], work: Path
) -> tuple[dict[str, str], dict[str, float], list[str]]:
    """OCRmyPDF over one PDF per page kind: texts, seconds per kind, and failures."""
    texts: dict[str, str] = {}
    seconds: dict[str, float] = {}
    failures: list[str] = []
    for kind in dict.fromkeys(p.kind for p in pages):
        group = [p for p in pages if p.kind == kind]
        slug = kind.replace(" ", "_")
        source, sidecar = work / f"ocrmypdf-{slug}.pdf", work / f"ocrmypdf-{slug}.txt"
        ocrmypdf_input(group, source)
        started = time.perf_counter()
        completed = subprocess.run(
            [
                "ocrmypdf",
                "-l",
                PLAIN_LANGUAGE,
                "--force-ocr",
                "--sidecar",
                str(sidecar),
                "--jobs",
                str(WORKERS),
                "--quiet",
                str(source),
                str(work / f"ocrmypdf-{slug}-out.pdf"),
            ],
            capture_output=True,
            text=True,
        )
        seconds[kind] = time.perf_counter() - started
        if completed.returncode != 0 or not sidecar.exists():
            failures.append(
                f"{kind}: exit {completed.returncode}: {completed.stderr.strip()[-300:]}"
            )
            continue
        parts = sidecar.read_text(encoding="utf-8").split("\f")
        for page, text in zip(group, parts, strict=False):
            texts[page.name] = text
    return texts, seconds, failures


# --------------------------------------------------------------------------- scoring
@dataclass
class Tally:
    """Edits, characters and names summed over pages (weighted figures)."""

    edits: int = 0
    edits_folded: int = 0
    chars: int = 0
    chars_folded: int = 0
    names: int = 0
    found: int = 0
    pages: int = 0
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)

    def add(self, score: dict[str, object]) -> None:
        self.edits += int(score["edits"])  # type: ignore[call-overload]
        self.edits_folded += int(score["edits_folded"])  # type: ignore[call-overload]
        self.chars += int(score["chars"])  # type: ignore[call-overload]
        self.chars_folded += int(score["chars_folded"])  # type: ignore[call-overload]
        self.names += int(score["names"])  # type: ignore[call-overload]
        self.found += len(score["names_found"])  # type: ignore[arg-type]
        self.pages += 1

    def summary(self) -> dict[str, float | int]:
        return {
            "pages": self.pages,
            "chars": self.chars,
            "cer": self.edits / max(1, self.chars),
            "cer_folded": self.edits_folded / max(1, self.chars_folded),
            "name_recall": self.found / self.names if self.names else 1.0,
        }


def score(page: RealPage, truth: str, text: str) -> dict[str, object]:
    """Every figure for one engine's ``text`` on one page."""
    distance, length = edits(truth, text)
    distance_folded, length_folded = edits(truth, text, fold=True)
    found = names_found(page.names, text)
    return {
        "cer": distance / max(1, length),
        "cer_folded": distance_folded / max(1, length_folded),
        "missed_folded": missed(truth, text, fold=True),
        "edits": distance,
        "edits_folded": distance_folded,
        "chars": length,
        "chars_folded": length_folded,
        "names": len(page.names),
        "names_found": found,
        "names_missing": [n for n in page.names if n not in found],
        "name_recall": len(found) / len(page.names) if page.names else 1.0,
        "text": text,
    }


def judge(
    kinds: dict[str, dict[str, dict[str, float | int]]],
    overall: dict[str, dict[str, float | int]],
    rates: dict[str, float],
) -> list[tuple[str, bool | None, str]]:
    """The goals of issue 9: (goal, met or None when not measured, figures)."""
    goals: list[tuple[str, bool | None, str]] = []

    def cer_of(kind: str, engine: str) -> float | None:
        value = kinds.get(kind, {}).get(engine, {}).get("cer")
        return None if value is None else float(value)

    both = "culpa" in overall and "tesseract" in overall
    for kind in kinds:
        culpa, plain = cer_of(kind, "culpa"), cer_of(kind, "tesseract")
        if not both or culpa is None or plain is None:
            goals.append((f"{kind}: CER <= {PLAIN_RATIO_GOAL:g} x plain", None, "not measured"))
            continue
        goals.append(
            (
                f"{kind}: CER <= {PLAIN_RATIO_GOAL:g} x plain",
                culpa <= PLAIN_RATIO_GOAL * plain,
                f"culpa {culpa:.1%}, plain {plain:.1%}",
            )
        )
    for kind, limit in ((SCAN_KIND, SCAN_CER_GOAL), (PHOTO_KIND, PHOTO_CER_GOAL)):
        value = cer_of(kind, "culpa")
        goals.append(
            (
                f"{kind}: culpa CER < {limit:.0%}",
                None if value is None else value < limit,
                "not measured" if value is None else f"{value:.1%}",
            )
        )
    recall = overall.get("culpa", {}).get("name_recall")
    goals.append(
        (
            f"name recall >= {NAME_RECALL_GOAL:.0%}",
            None if recall is None else float(recall) >= NAME_RECALL_GOAL,
            "not measured" if recall is None else f"culpa {float(recall):.1%}",
        )
    )
    if "culpa" in rates and "ocrmypdf" in rates:
        goals.append(
            (
                "culpa pages/s >= ocrmypdf",
                rates["culpa"] >= rates["ocrmypdf"],
                f"culpa {rates['culpa']:.2f}, ocrmypdf {rates['ocrmypdf']:.2f}",
            )
        )
    else:
        goals.append(("culpa pages/s >= ocrmypdf", None, "not measured"))
    return goals


# --------------------------------------------------------------------------- main
def choose_pages(all_pages: Sequence[RealPage], names: str | None, quick: bool) -> list[RealPage]:
    """The pages asked for: ``--pages``, or the first of each kind with ``--quick``, or all."""
    if names:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        known = {p.name: p for p in all_pages}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise SystemExit(f"unknown pages: {', '.join(unknown)} (see {PAGES_TSV})")
        return [known[n] for n in wanted]
    if quick:
        return list({p.kind: p for p in reversed(all_pages)}.values())[::-1]
    return list(all_pages)


def choose_engines(text: str) -> list[str]:
    """The engines asked for that can run here (culpa-* need ``engine=``)."""
    wanted = [e.strip() for e in text.split(",") if e.strip()]
    unknown = [e for e in wanted if e not in ALL_ENGINES]
    if unknown:
        raise SystemExit(f"unknown engines: {', '.join(unknown)} (choose from {ALL_ENGINES})")
    if not has_engine_keyword():
        skipped = [e for e in wanted if e.startswith("culpa-")]
        if skipped:
            print(f"skipped (ocr_image has no engine=): {', '.join(skipped)}", file=sys.stderr)
        wanted = [e for e in wanted if not e.startswith("culpa-")]
    return wanted


def print_tables(
    pages: Sequence[RealPage],
    engines: Sequence[str],
    results: dict[str, dict[str, dict[str, object]]],
    kinds: dict[str, dict[str, dict[str, float | int]]],
    overall: dict[str, dict[str, float | int]],
    rates: dict[str, float],
) -> None:
    """Per page, per kind and overall: CER as printed / folded and name recall."""
    cell = 24
    header = f"{'page':<24}{'chars':>6}" + "".join(f"{e:>{cell}}" for e in engines)
    print("CER as printed / CER folded t2s / names found (per page)")
    print(header)
    print("-" * len(header))
    for page in pages:
        if page.name not in results:
            continue
        row = results[page.name]
        first = next(iter(row.values()), None)
        chars = first["chars"] if first else 0
        line = f"{page.name:<24}{chars!s:>6}"
        for engine in engines:
            s = row.get(engine)
            if s is None:
                line += f"{'-':>{cell}}"
                continue
            value = (
                f"{s['cer']:.1%} / {s['cer_folded']:.1%} / "
                f"{len(s['names_found'])}/{s['names']}"  # type: ignore[arg-type]
            )
            line += f"{value:>{cell}}"
        print(line)
    print()
    print("CER as printed / CER folded / name recall (per kind, weighted by characters)")
    header = f"{'kind':<24}{'pages':>6}" + "".join(f"{e:>{cell}}" for e in engines)
    print(header)
    print("-" * len(header))
    for kind, by_engine in [*kinds.items(), ("all", overall)]:
        pages_count = next(iter(by_engine.values()), {}).get("pages", 0)
        line = f"{kind:<24}{pages_count!s:>6}"
        for engine in engines:
            s = by_engine.get(engine)
            if s is None:
                line += f"{'-':>{cell}}"
                continue
            value = f"{s['cer']:.1%} / {s['cer_folded']:.1%} / {s['name_recall']:.0%}"
            line += f"{value:>{cell}}"
        print(line)
    print()
    print("pages/s on 2 cores: " + ", ".join(f"{e} {r:.2f}" for e, r in rates.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--pages", help="comma-separated page names (default: all)")
    parser.add_argument("--quick", action="store_true", help="the first page of each kind")
    parser.add_argument("--engines", default=",".join(ALL_ENGINES))
    parser.add_argument(
        "--json", type=Path, default=OUT_JSON, help=f"write every figure and text here ({OUT_JSON})"
    )
    args = parser.parse_args(argv)

    all_pages = load_pages()
    wanted = choose_pages(all_pages, args.pages, args.quick)
    engines = choose_engines(args.engines)
    truths: dict[str, str] = {}
    missing: list[str] = []
    for page in wanted:
        text = truth_of(page, all_pages)
        if text is None or not page.path.is_file():
            missing.append(page.name)
        else:
            truths[page.name] = text
    if missing:
        print(f"no transcription (or source) yet, skipped: {', '.join(missing)}", file=sys.stderr)
    pages = [p for p in wanted if p.name in truths]
    if not pages:
        print("no page to measure", file=sys.stderr)
        return 2
    print(f"{len(pages)} pages, engines: {', '.join(engines)}, {WORKERS} workers", file=sys.stderr)

    texts: dict[str, dict[str, str]] = {}
    wall: dict[str, float] = {}
    # Throughput means little on a busy machine: the 1-minute load average after
    # each engine's run is printed and kept beside its pages/s.
    load: dict[str, float] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="culpa-ocr-real-") as temp:
        work = Path(temp)
        for engine in engines:
            print(f"running {engine} ...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            if engine.startswith("culpa"):
                texts[engine], _ = run_culpa(engine, pages)
                wall[engine] = time.perf_counter() - started
            elif engine == "tesseract":
                texts[engine], _ = run_plain(pages, work)
                wall[engine] = time.perf_counter() - started
            else:
                texts[engine], per_kind, failed = run_ocrmypdf(pages, work)
                wall[engine] = sum(per_kind.values())
                failures += [f"ocrmypdf {f}" for f in failed]
            load[engine] = os.getloadavg()[0]
    rates = {e: len(texts[e]) / wall[e] for e in engines if texts.get(e) and wall.get(e, 0.0) > 0.0}

    results: dict[str, dict[str, dict[str, object]]] = {}
    kind_tally: dict[str, dict[str, Tally]] = {}
    all_tally: dict[str, Tally] = {e: Tally() for e in engines}
    for page in pages:
        results[page.name] = {}
        for engine in engines:
            if page.name not in texts[engine]:
                continue
            s = score(page, truths[page.name], texts[engine][page.name])
            results[page.name][engine] = s
            kind_tally.setdefault(page.kind, {}).setdefault(engine, Tally()).add(s)
            all_tally[engine].add(s)
    kinds = {k: {e: t.summary() for e, t in by.items()} for k, by in kind_tally.items()}
    overall = {e: t.summary() for e, t in all_tally.items() if t.pages}

    print_tables(pages, engines, results, kinds, overall, rates)
    print(
        "load average (1 min) after each run: " + ", ".join(f"{e} {v:.1f}" for e, v in load.items())
    )
    if max(load.values(), default=0.0) > WORKERS + 0.5:
        print(f"  (more than {WORKERS} busy: other work shared the cores, pages/s are low)")
    goals = judge(kinds, overall, rates)
    partial = [
        (p.name, e, float(s["missed_folded"]))  # type: ignore[arg-type]
        for p in pages
        for e, s in results[p.name].items()
        if float(s["cer"]) > 1.0  # type: ignore[arg-type]
    ]
    if partial:
        print("\nCER over 100 % (extra text read); share of the transcription missed, folded:")
        for name, engine, value in partial:
            print(f"  {name:<24}{engine:<18}{value:.1%}")
    print()
    print("Goals (issue 9), on culpa's CER as printed:")
    for goal, met, figures in goals:
        verdict = "not measured" if met is None else ("met" if met else "NOT met")
        print(f"  {goal:<40} {verdict:<13} {figures}")
    for failure in failures:
        print(f"failed: {failure}", file=sys.stderr)
    if missing:
        print(f"\nmissing transcriptions: {', '.join(missing)}")

    if args.json:
        report = {
            "pages": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "source": p.source,
                    "page": list(p.numbers),
                    "names": list(p.names),
                    "results": results.get(p.name, {}),
                }
                for p in pages
            ],
            "kinds": kinds,
            "overall": overall,
            "pages_per_second": rates,
            "wall_seconds": wall,
            "load_average": load,
            "goals": [{"goal": g, "met": m, "figures": f} for g, m, f in goals],
            "missing": missing,
            "failures": failures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
