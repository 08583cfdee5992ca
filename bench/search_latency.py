"""Search latency on a generated case of >= 200,000 pages.

Usage: ``.venv/bin/python bench/search_latency.py [--pages N] [--runs R]``

Builds ``bench/out/search-<N>.db`` once (reused afterwards): pages of 600–1000
characters mixing sentences of two 2026 government work reports (some turned
into traditional characters), random Han "noise" for a long tail of rare
bigrams, English sentences, and line breaks at arbitrary places (inside
phrases). Then times two-character Chinese words (common and rare) and
English words through :func:`culpa.search.engine.search`, and a brute-force
``LIKE`` scan as the baseline.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import re
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from culpa.index.tokens import index_text  # noqa: E402
from culpa.search.engine import count, search  # noqa: E402
from culpa.store.sqlite import SqliteCaseStore  # noqa: E402
from culpa.store.sqlite import fts as sqlite_fts  # noqa: E402
from culpa.store.sqlite.fts import optimize  # noqa: E402
from culpa.store.sqlite.migrations import schema_sql  # noqa: E402

CORPUS = Path("/work/shared/corpus/cjk-official")
OUT = ROOT / "bench" / "out"
PAGES_PER_DOC = 12
BATCH = 2000

ENGLISH = """The committee reviewed the annual development report before the meeting.
Officials said the new policy would strengthen border security and public order.
According to the leaked memo, detention figures were revised twice in 2017.
The cotton harvest in the southern prefectures exceeded the planned quota.
Local governments must report all surveillance equipment purchases by March.
Training sessions for village cadres were held in Urumqi and Kashgar.
The document instructs staff not to discuss the program with foreign journalists.
Investment in infrastructure, education and tourism continued to grow.
A vocational training center may not release students before the assessment.
Please find attached the minutes of the standing committee meeting.""".splitlines()

WORDS = [
    "government",
    "office",
    "budget",
    "province",
    "county",
    "village",
    "report",
    "program",
    "meeting",
    "policy",
    "security",
    "training",
    "center",
    "camp",
    "police",
    "school",
    "factory",
    "labor",
    "transfer",
    "quota",
    "census",
    "mosque",
    "religion",
    "language",
    "family",
    "travel",
    "passport",
    "phone",
    "network",
    "camera",
    "checkpoint",
    "statistics",
    "directive",
    "notice",
    "urgent",
    "confidential",
    "internal",
    "archive",
    "evidence",
    "source",
]

CHINESE_COMMON = ["发展", "建设", "中央", "新疆", "干部", "经济"]
CHINESE_RARE = ["棉花", "边境", "口岸", "冰雪", "宗教", "反恐"]
ENGLISH_WORDS = ["the", "committee", "report", "cotton", "surveillance", "kashgar"]


def _sentences() -> list[str]:
    text: list[str] = []
    for path in sorted(CORPUS.glob("govreports2026_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            text.extend(row["full_text"] for row in csv.DictReader(f))
    return [s + "。" for s in re.split(r"[。！？\n]", "".join(text)) if len(s.strip()) >= 6]


_S: list[str] = []
_T: list[str] = []
_HAN: str = ""


def _init() -> None:
    import opencc

    global _S, _T, _HAN
    _S = _sentences()
    s2t = opencc.OpenCC("s2t")
    _T = [s2t.convert(s) for s in _S]
    _HAN = "".join(sorted({c for s in _S for c in s if "\u4e00" <= c <= "\u9fff"}))


def _break_lines(rng: random.Random, text: str) -> str:
    out, i = [], 0
    while i < len(text):
        n = rng.randint(25, 45)
        out.append(text[i : i + n])
        i += n
    sep = rng.choice(["\n", "\n", " \n", "\n  "])
    return sep.join(out)


def _page(rng: random.Random) -> str:
    target = rng.randint(600, 1000)
    traditional = rng.random() < 0.2
    english = rng.random() < 0.3
    parts: list[str] = []
    size = 0
    while size < target:
        r = rng.random()
        if r < 0.65:
            s = rng.choice(_T if traditional else _S)
        elif r < 0.85:
            s = "".join(rng.choices(_HAN, k=rng.randint(8, 30))) + "，"
        elif english:
            s = (
                rng.choice(ENGLISH)
                + " "
                + " ".join(rng.choices(WORDS, k=rng.randint(5, 15)))
                + ". "
            )
        else:
            s = str(rng.randint(1990, 2030)) + "年"
        parts.append(s)
        size += len(s)
    return _break_lines(rng, "".join(parts))


def _batch(args: tuple[int, int]) -> list[tuple[str, str]]:
    seed, n = args
    rng = random.Random(seed)
    pages = [_page(rng) for _ in range(n)]
    return [(p, index_text(p)) for p in pages]


def build(path: Path, pages: int) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.executescript(schema_sql())
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    t0 = time.perf_counter()
    jobs = [
        (seed, min(BATCH, pages - seed * BATCH)) for seed in range((pages + BATCH - 1) // BATCH)
    ]
    page_id = 0
    types = ["pdf", "pdf", "pdf", "docx", "email", "text"]
    with multiprocessing.Pool(initializer=_init) as pool:
        for batch in pool.imap(_batch, jobs):
            page_rows, index_rows = [], []
            for text, tokens in batch:
                page_id += 1
                doc = (page_id - 1) // PAGES_PER_DOC + 1
                number = (page_id - 1) % PAGES_PER_DOC + 1
                if number == 1:
                    sha = f"{doc:064x}"
                    dtype = types[doc % len(types)]
                    conn.execute(
                        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count,"
                        " complete, ingested_at) VALUES (?, ?, 0, '', ?, 'ok', ?, 1, '')",
                        (doc, sha, dtype, PAGES_PER_DOC),
                    )
                    conn.execute(
                        "INSERT INTO provenance(path, document_id) VALUES (?, ?)",
                        (f"leak.zip!/{2010 + doc % 12}/doc{doc}.{dtype}", doc),
                    )
                lang = "zh-Hant" if any(c == "\u9ad4" or c == "\u767c" for c in text) else "zh-Hans"
                page_rows.append((page_id, doc, number, text, lang))
                index_rows.append((page_id, tokens))
            conn.executemany(
                "INSERT INTO pages(id, document_id, number, text, language, method)"
                " VALUES (?, ?, ?, ?, ?, 'text')",
                page_rows,
            )
            conn.executemany("INSERT INTO page_index(rowid, tokens) VALUES (?, ?)", index_rows)
            if page_id % 20000 == 0:
                print(f"  {page_id} pages, {time.perf_counter() - t0:.0f} s", flush=True)
    conn.commit()
    t1 = time.perf_counter()
    optimize(conn)
    conn.commit()
    conn.close()
    tmp.rename(path)
    print(f"built {pages} pages in {t1 - t0:.0f} s, optimize {time.perf_counter() - t1:.0f} s")


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def _time_group(store: SqliteCaseStore, words: list[str], runs: int, limit: int) -> list[float]:
    times = []
    for _ in range(runs):
        for w in words:
            t = time.perf_counter()
            search(store, w, limit=limit)
            times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=20, help="timed runs of each query")
    ap.add_argument("--limit", type=int, default=20)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"search-{args.pages}.db"
    if not path.exists():
        build(path, args.pages)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA mmap_size=0")
    store = SqliteCaseStore(conn)
    print(f"database {path.name}: {path.stat().st_size / 2**20:.0f} MiB")
    sizes = dict(
        conn.execute(
            "SELECT CASE WHEN name LIKE 'page_index%' THEN 'fts' ELSE 'rest' END, sum(pgsize)"
            " FROM dbstat GROUP BY 1"
        ).fetchall()
    )
    print(
        f"  FTS index (page_index*): {sizes.get('fts', 0) / 2**20:.0f} MiB, "
        f"other tables: {sizes.get('rest', 0) / 2**20:.0f} MiB"
    )
    groups = {
        "zh 2-char common": CHINESE_COMMON,
        "zh 2-char rare": CHINESE_RARE,
        "en words": ENGLISH_WORDS,
    }
    for words in groups.values():  # warm the page cache
        _time_group(store, words, 1, args.limit)
    print(f"limit={args.limit}, {args.runs} runs per query")
    for name, words in groups.items():
        counts = ", ".join(f"{w}={count(store, w)}" for w in words)
        times = _time_group(store, words, args.runs, args.limit)
        print(
            f"  {name:18} p50 {statistics.median(times):6.1f} ms  p95 {_pct(times, 95):6.1f} ms"
            f"  max {max(times):6.1f} ms   pages: {counts}"
        )
    # What the sampled ranking saves: exact bm25 over every matching page.
    saved = sqlite_fts.RANK_WINDOW
    sqlite_fts.RANK_WINDOW = 10**9
    times = _time_group(store, CHINESE_COMMON, 3, args.limit)
    sqlite_fts.RANK_WINDOW = saved
    print(
        f"  {'(exact bm25, all)':18} p50 {statistics.median(times):6.1f} ms"
        f"  p95 {_pct(times, 95):6.1f} ms   zh 2-char common without the sampled ranking"
    )
    for w in ("新疆", "棉花"):
        t = time.perf_counter()
        n = conn.execute("SELECT count(*) FROM pages WHERE text LIKE ?", (f"%{w}%",)).fetchone()[0]
        ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        search(store, w, limit=args.limit)
        fts = (time.perf_counter() - t) * 1000
        print(
            f"  baseline LIKE '%{w}%': {ms:7.0f} ms ({n} pages, misses traditional and "
            f"line-broken occurrences); search: {fts:.1f} ms; ratio {ms / fts:.0f}x"
        )


if __name__ == "__main__":
    main()
