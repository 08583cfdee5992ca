"""Web workbench latency on a case of >= 200,000 pages (``culpa serve`` over HTTP).

Usage: ``.venv/bin/python bench/web_latency.py [--pages N] [--runs R]``

Reuses the generated database of bench/search_latency.py (``bench/out/search-<N>.db``,
built first if missing) and makes a case folder around a copy of it,
``bench/out/web-case-<N>/`` (kept for later runs): the schema-version row, the
annotation tables, a creation year on every document (for the year facet), tags
on 1 % and stars on 0.5 % of documents, and, for the documents the viewer is
timed on, a real PDF original in ``blobs/`` and word boxes for their pages.

Then starts ``culpa serve`` in a subprocess and times HTTP requests from this
process (one keep-alive connection, like a browser tab): the search page for
two-character Chinese words (common and rare) and English words, with facets;
the document viewer at a hit; the page image (first render, then cached). The
baselines, measured in the same run: the bare :func:`culpa.search.engine.search`
call (limit 30, in process) and a static file from the same server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search_latency  # noqa: E402
from culpa.search.engine import count, search  # noqa: E402
from culpa.store.case import Case  # noqa: E402
from culpa.store.sqlite import SqliteCaseStore, migrations  # noqa: E402
from culpa.store.sqlite.connection import connect  # noqa: E402

OUT = ROOT / "bench" / "out"
CHINESE_COMMON = search_latency.CHINESE_COMMON
CHINESE_RARE = search_latency.CHINESE_RARE
ENGLISH_WORDS = search_latency.ENGLISH_WORDS
#: Hits per screen, as the search page asks for them.
PAGE_SIZE = 30
#: Documents (top hits) the viewer is timed on.
VIEWER_DOCS = 12
READY = "web-bench-ready"
PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0
START_SECONDS = 60
#: Each word is searched alone and as after a click on a facet: all new queries.
FACET_CLICKS = ("", " type:pdf", " year:2017")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _pdf(texts: list[str]) -> bytes:
    """A PDF with one page per text, in a CJK font (what a text-layer original looks like)."""
    import pymupdf

    doc = pymupdf.open()  # type: ignore[no-untyped-call]
    for text in texts:
        page = doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)  # type: ignore[no-untyped-call]
        box = pymupdf.Rect(40, 40, PAGE_WIDTH - 40, PAGE_HEIGHT - 40)  # type: ignore[no-untyped-call]
        page.insert_textbox(box, text, fontname="china-s", fontsize=10)
    data = doc.tobytes()
    doc.close()  # type: ignore[no-untyped-call]
    return bytes(data)


def _words(text: str) -> list[list[float]]:
    """Word boxes as a CJK text layer stores them: one "word" per line, 10 points a character."""
    words: list[list[float]] = []
    offset = 0
    for number, line in enumerate(text.split("\n")):
        start = offset + len(line) - len(line.lstrip())
        end = offset + len(line.rstrip())
        if end > start:
            y0 = 40.0 + number * 14.0
            x1 = min(PAGE_WIDTH - 40, 40.0 + 10.0 * (end - start))
            words.append([40.0, y0, x1, y0 + 12.0, start, end, 100.0])
        offset += len(line) + 1
    return words


def build_case(pages: int) -> Path:
    """The case folder around a copy of the search benchmark's database (made once)."""
    case_dir = OUT / f"web-case-{pages}"
    if (case_dir / READY).is_file():
        return case_dir
    db = OUT / f"search-{pages}.db"
    if not db.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        search_latency.build(db, pages)
    shutil.rmtree(case_dir, ignore_errors=True)
    (case_dir / "blobs").mkdir(parents=True)
    (case_dir / "tmp").mkdir()
    started = time.perf_counter()
    shutil.copyfile(db, case_dir / "case.db")
    conn = sqlite3.connect(case_dir / "case.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
        (str(migrations.SCHEMA_VERSION),),
    )
    conn.execute(
        "UPDATE documents SET metadata = json_object('created', "
        "printf('%d-%02d-01T00:00:00', 2010 + id % 12, 1 + id % 12))"
    )
    conn.execute("COMMIT")
    migrations.upgrade(conn)  # the annotation tables, as opening the case would add
    rng = random.Random(7)
    docs = conn.execute("SELECT max(id) FROM documents").fetchone()[0]
    tags = ["xinjiang", "camps", "cotton", "police", "to check", "秘密", "培训中心"]
    conn.execute("BEGIN")
    for doc in rng.sample(range(1, docs + 1), docs // 100):
        conn.execute(
            "INSERT OR IGNORE INTO tags(document_id, tag, tagged_at) VALUES (?, ?, '')",
            (doc, rng.choice(tags)),
        )
    for doc in rng.sample(range(1, docs + 1), docs // 200):
        conn.execute("INSERT OR IGNORE INTO stars(document_id, starred_at) VALUES (?, '')", (doc,))
    conn.execute("COMMIT")
    # Real originals and word boxes for the documents the viewer is timed on.
    case = Case(case_dir)
    targets: set[int] = set()
    for word in (*CHINESE_COMMON[:3], *CHINESE_RARE[:3], *ENGLISH_WORDS[1:4]):
        targets.update(hit.document_id for hit in search(SqliteCaseStore(conn), word, limit=2))
    conn.execute("BEGIN")
    for doc in sorted(targets)[:VIEWER_DOCS] if len(targets) > VIEWER_DOCS else sorted(targets):
        rows = conn.execute(
            "SELECT id, text FROM pages WHERE document_id = ? ORDER BY number", (doc,)
        ).fetchall()
        sha = conn.execute("SELECT sha256 FROM documents WHERE id = ?", (doc,)).fetchone()[0]
        blob = case.blobs.path_for(sha)
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(_pdf([text for _, text in rows]))
        conn.execute(
            "UPDATE documents SET type = 'pdf', mime = 'application/pdf', size = ? WHERE id = ?",
            (blob.stat().st_size, doc),
        )
        for page_id, text in rows:
            conn.execute(
                "UPDATE pages SET width = ?, height = ? WHERE id = ?",
                (PAGE_WIDTH, PAGE_HEIGHT, page_id),
            )
            conn.execute(
                "INSERT OR REPLACE INTO page_words(page_id, words) VALUES (?, ?)",
                (page_id, json.dumps(_words(text))),
            )
    conn.execute("COMMIT")
    conn.close()
    (case_dir / READY).write_text("ok\n")
    print(f"case folder {case_dir.name} made in {time.perf_counter() - started:.0f} s")
    return case_dir


class Client:
    """One keep-alive HTTP connection to the server, as a browser tab would hold."""

    def __init__(self, address: str) -> None:
        parts = urlsplit(address)
        self.conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=60
        )

    def get(self, path: str) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        return (time.perf_counter() - started) * 1000, response.status, body


def _time(client: Client, paths: list[str], runs: int) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        for path in paths:
            ms, status, _ = client.get(path)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}")
            times.append(ms)
    return times


def _line(name: str, times: list[float], extra: str = "") -> None:
    print(
        f"  {name:34} p50 {statistics.median(times):7.1f} ms  p95 {_pct(times, 95):7.1f} ms"
        f"  max {max(times):7.1f} ms{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each request")
    args = parser.parse_args()
    case_dir = build_case(args.pages)
    shutil.rmtree(case_dir / "cache", ignore_errors=True)  # so first renders are first
    conn = connect(Case(case_dir).db_path)
    store = SqliteCaseStore(conn)
    pages = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    print(f"case {case_dir.name}: {pages} pages")
    viewer: list[str] = []
    for word in (*CHINESE_COMMON[:3], *CHINESE_RARE[:3], *ENGLISH_WORDS[1:4]):
        for hit in search(store, word, limit=2):
            if conn.execute(
                "SELECT 1 FROM documents WHERE id = ? AND mime = 'application/pdf'",
                (hit.document_id,),
            ).fetchone():
                query = urlencode({"q": word, "page": hit.page})
                viewer.append(f"/doc/{hit.document_id}?{query}")
                break
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "culpa", "serve", "--case", str(case_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        address = server.stdout.readline().strip()
        if not address.startswith("http://127.0.0.1:"):
            raise SystemExit(f"culpa serve did not start (printed {address!r})")
        client = Client(address)
        groups = {
            "zh 2-char common": CHINESE_COMMON,
            "zh 2-char rare": CHINESE_RARE,
            "en words": ENGLISH_WORDS,
        }
        search_paths = {
            name: ["/?" + urlencode({"q": w}) for w in words] for name, words in groups.items()
        }
        # The page image: the first request renders it, later ones are served from the cache.
        images: list[str] = []
        for path in viewer:
            _, _, body = client.get(path)
            marker = b'id="page-img" src="'
            at = body.find(marker)
            if at >= 0:
                images.append(body[at + len(marker) : body.find(b'"', at + len(marker))].decode())
        cold = [client.get(path.replace("&amp;", "&"))[0] for path in images]
        print(f"{args.runs} runs per request, one keep-alive connection")
        bare: dict[str, list[float]] = {}
        for name, words in groups.items():
            bare[name] = []
            for _ in range(args.runs):
                for w in words:
                    started = time.perf_counter()
                    search(store, w, limit=PAGE_SIZE)
                    bare[name].append((time.perf_counter() - started) * 1000)
        static = _time(client, ["/static/culpa.css"], args.runs * 6)
        _line("baseline: static file", static)
        # First visits: every query new to the server (its facets are counted), as a
        # reader types words and clicks facets; then paging on (facets kept).
        for name, words in groups.items():
            first = _time(
                client,
                ["/?" + urlencode({"q": w + extra}) for extra in FACET_CLICKS for w in words],
                1,
            )
            repeat = _time(client, [p + "&offset=30" for p in search_paths[name]], args.runs)
            counts = ", ".join(f"{w}={count(store, w)}" for w in groups[name])
            ratio = statistics.median(first) / statistics.median(bare[name])
            _line(f"search page, {name}", first, f"   pages: {counts}")
            _line("  next result page (facets kept)", repeat)
            _line("  baseline: bare search()", bare[name], f"   page/search() p50 x{ratio:.1f}")
        view = _time(client, viewer, args.runs)
        _line(f"viewer page ({len(viewer)} hits)", view)
        warm = _time(client, [p.replace("&amp;", "&") for p in images], args.runs)
        if cold:
            _line("page image, first render", cold)
            _line("page image, cached", warm)
        print(
            "  targets: search page p95 < 200 ms, viewer page p95 < 300 ms; "
            f"static file p50 {statistics.median(static):.1f} ms is the server's floor"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        conn.close()


if __name__ == "__main__":
    main()
