"""Latency of the entity filters (``person:`` ``org:`` ``place:`` ``speaker:``) and facets.

Usage: ``.venv/bin/python bench/entity_search_latency.py [--documents N] [--runs R]``

Builds a case in memory: N documents of 10 pages, each page naming 10 of 3,000
people, 600 organisations (a third of them ``…公安厅``/``…公安局``) and 300 places as
the entities analyzer stores them (findings with text, canonical name, span), one
quotation a page, and 50 merges and aliases. Every page holds 会议; one in fifty 棉花.
Then times, cold (a new store: the first search after any change to the case) and
warm, through :func:`culpa.search.engine.search` and ``count`` and
:func:`culpa.search.facets.compute`, a filter alone, a filter with a common and a
rare word, a part of an organisation's name, a speaker, and the facets of a common
word (counted on the sample of ~1,000 pages) and of a filter.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from culpa.analysis.entities.mentions import (  # noqa: E402
    ENTITIES_ANALYZER,
    QUOTE_LABEL,
    QUOTES_ANALYZER,
)
from culpa.models import Finding, Span  # noqa: E402
from culpa.search.engine import count, search  # noqa: E402
from culpa.search.facets import compute  # noqa: E402
from culpa.search.query import parse  # noqa: E402
from culpa.store.records import finding_rows  # noqa: E402
from culpa.store.sqlite import SqliteCaseStore  # noqa: E402
from culpa.store.sqlite.fts import index_page  # noqa: E402
from culpa.store.sqlite.migrations import schema_sql  # noqa: E402

PAGES_PER_DOC = 10
NAMES_PER_PAGE = 10
HAN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501


def names(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    people = list(dict.fromkeys("".join(rng.choices(HAN, k=3)) for _ in range(3300)))[:3000]
    heads = ["公安厅", "公安局", "党委", "政府", "教育局", "宣传部"]
    places = list(dict.fromkeys("".join(rng.choices(HAN, k=2)) + "县" for _ in range(400)))[:300]
    orgs = [rng.choice(places)[:-1] + heads[i % len(heads)] for i in range(600)]
    return people, list(dict.fromkeys(orgs)), places


def build(documents: int, seed: int = 7) -> tuple[SqliteCaseStore, list[str]]:
    rng = random.Random(seed)
    people, orgs, places = names(rng)
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema_sql())
    store = SqliteCaseStore(conn)
    weights = [1 / (k + 1) for k in range(len(people))]  # a few people are named often
    for doc in range(1, documents + 1):
        sha256 = f"{doc:064x}"
        conn.execute(
            "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, "
            "ingested_at, metadata) VALUES (?, ?, 0, 'text/plain', 'text', 'ok', ?, '', '{}')",
            (doc, sha256, PAGES_PER_DOC),
        )
        conn.execute("INSERT INTO provenance(path, document_id) VALUES (?, ?)", (f"d{doc}", doc))
        named: list[Finding] = []
        said: list[Finding] = []
        for page in range(1, PAGES_PER_DOC + 1):
            chosen = [
                *(("PER", p) for p in rng.choices(people, weights, k=NAMES_PER_PAGE - 3)),
                ("ORG", rng.choice(orgs)),
                ("ORG", rng.choice(orgs)),
                ("LOC", rng.choice(places)),
            ]
            text = "会议" + ("棉花" if rng.random() < 0.02 else "")
            for label, name in chosen:
                start = len(text) + 1
                text += "，" + name
                value = {"text": name, "name": name, "role": None}
                span = Span(sha256, page, start, start + len(name))
                named.append(Finding(ENTITIES_ANALYZER, label, value, span))
            speaker = chosen[0][1]
            start = len(text) + 3
            text += "说：“要严打。”"
            quote = {
                "text": "要严打。",
                "speaker": speaker,
                "speaker_start": text.index(speaker),
                "speaker_end": text.index(speaker) + len(speaker),
                "name": speaker,
            }
            span = Span(sha256, page, start, start + 4)
            said.append(Finding(QUOTES_ANALYZER, QUOTE_LABEL, quote, span))
            cur = conn.execute(
                "INSERT INTO pages(document_id, number, text, language, method) "
                "VALUES (?, ?, ?, 'zh-Hans', 'text')",
                (doc, page, text),
            )
            assert cur.lastrowid is not None
            index_page(conn, cur.lastrowid, text)
        conn.commit()
        store.analysis.record_document(doc, ENTITIES_ANALYZER, 1, finding_rows(named, sha256))
        store.analysis.record_document(doc, QUOTES_ANALYZER, 1, finding_rows(said, sha256))
    for k in range(25):
        store.entities.add_edit("merge", "PER", people[100 + k], target=("PER", people[200 + k]))
        store.entities.add_edit("alias", "PER", people[300 + k], alias=f"Person {k}")
    return store, people


def timed(runs: int, work: Callable[[], object]) -> float:
    """Median wall time of ``work`` in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    store, people = build(args.documents)
    mentions = store.conn.execute("SELECT count(*) FROM findings").fetchone()[0]
    print(
        f"{args.documents * PAGES_PER_DOC:,} pages, {mentions:,} findings, "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    often, rare = people[0], people[2500]
    for query in (
        f"person:{often}",
        f"person:{rare}",
        f"会议 person:{often}",
        f"棉花 person:{often}",
        "org:公安厅",
        f"speaker:{often}",
        f"person:{often} person:{people[1]}",
        'person:"Person 3"',
    ):
        pages = count(store, query)
        # Cold: a new store, as after any change to the case (the findings are read anew).
        cold = timed(args.runs, lambda q=query: both(SqliteCaseStore(store.conn), q))
        warm = timed(args.runs, lambda q=query: both(store, q))
        print(f"search+count {query!r}: {pages:,} pages, cold {cold:.0f} ms, warm {warm:.0f} ms")
    for query in ("会议", f"person:{often}"):
        ms = timed(args.runs, lambda q=query: compute(store, parse(q)))
        print(f"facets {query!r}: {ms:.0f} ms")


def both(store: SqliteCaseStore, query: str) -> None:
    search(store, query)
    count(store, query)


if __name__ == "__main__":
    main()
