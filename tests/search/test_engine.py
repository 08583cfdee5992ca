"""Search over a small real case: recall, spans, snippets, filters, ranking."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable

import pytest

from culpa.index.tokens import fold, normalize
from culpa.models import Hit
from culpa.search.engine import count, search
from culpa.store.sqlite import SqliteCaseStore, fts

AddDoc = Callable[..., int]  # the add_doc fixture (tests/search/conftest.py)

ENGLISH = [
    "The Committee met in Urumqi to review the cotton quota.",
    "Cotton prices rose; the committee asked for a new report.",
    "Nothing to see here, only the weather report.",
]


def _words(hits: list[Hit]) -> set[tuple[int, int]]:
    return {(h.document_id, h.page) for h in hits}


def test_english_words_and_phrases_case_insensitive(
    conn: sqlite3.Connection, add_doc: AddDoc
) -> None:
    d = add_doc(ENGLISH, type="text", language="en")
    assert _words(search(SqliteCaseStore(conn), "COTTON")) == {(d, 1), (d, 2)}
    assert _words(search(SqliteCaseStore(conn), '"cotton quota"')) == {(d, 1)}
    assert _words(search(SqliteCaseStore(conn), '"quota cotton"')) == set()
    assert _words(search(SqliteCaseStore(conn), "cotton AND report")) == {(d, 2)}
    assert _words(search(SqliteCaseStore(conn), "cotton OR weather")) == {(d, 1), (d, 2), (d, 3)}
    assert _words(search(SqliteCaseStore(conn), "report NOT cotton")) == {(d, 3)}
    assert _words(search(SqliteCaseStore(conn), "report -cotton")) == {(d, 3)}
    assert _words(search(SqliteCaseStore(conn), "(urumqi OR weather) report")) == {(d, 3)}
    assert _words(search(SqliteCaseStore(conn), "cot")) == set()  # whole words, not substrings
    assert count(SqliteCaseStore(conn), "the") == 3


def test_english_span_and_snippet(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    text = "Intro line.\nThe   Cotton\nQuota was raised. Cottonseed is not cotton quota."
    add_doc([text], language="en")
    [hit] = search(SqliteCaseStore(conn), '"cotton quota"')
    assert text[hit.start : hit.end] == "Cotton\nQuota"
    assert "[[Cotton Quota]]" in hit.snippet
    assert "\n" not in hit.snippet


def _random_pages(rng: random.Random, n: int) -> list[str]:
    # A small alphabet makes every bigram frequent; traditional forms and breaks mixed in.
    alphabet = "新疆中央干部发展習近平习后後台臺于於的了是"
    pages = []
    for _ in range(n):
        chars = rng.choices(alphabet, k=rng.randint(20, 200))
        out = []
        for c in chars:
            out.append(c)
            r = rng.random()
            if r < 0.05:
                out.append(rng.choice(["\n", " \n", "\n  ", " "]))
            elif r < 0.08:
                out.append(rng.choice(["，", "。", "abc "]))
        pages.append("".join(out))
    return pages


def test_chinese_recall_is_complete(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    rng = random.Random(7)
    pages = _random_pages(rng, 300)
    for i in range(0, 300, 10):
        add_doc(pages[i : i + 10])
    normalized = [normalize(p) for p in pages]
    queries = ["新疆", "中央", "干部", "习近", "後台", "于的", "发展", "習近平", "臺于"]
    queries += ["".join(rng.choices("新疆中央干部发展习", k=k)) for k in (2, 2, 3, 3, 4)]
    for q in queries:
        want = {i for i, p in enumerate(normalized) if normalize(q) in p}
        hits = search(SqliteCaseStore(conn), q, limit=1000)
        got = {(h.document_id - 1) * 10 + h.page - 1 for h in hits}
        assert got == want, q
        assert count(SqliteCaseStore(conn), q) == len(want)
        for h in hits:
            text = pages[(h.document_id - 1) * 10 + h.page - 1]
            assert normalize(text[h.start : h.end]) == normalize(q)
            assert normalize(text[: h.start]).find(normalize(q)) == -1  # the first match


def test_longer_query_only_as_written(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    d = add_doc(["刻不\n容缓的任务", "刻不容易，缓一缓", "刻不，容缓"])
    assert _words(search(SqliteCaseStore(conn), "刻不容缓")) == {(d, 1)}
    [hit] = search(SqliteCaseStore(conn), "刻不容缓")
    assert (hit.start, hit.end) == (0, 5)
    assert hit.snippet.startswith("[[刻不 容缓]]")


def test_traditional_and_simplified_match(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    d = add_doc(["總書記習近平強調", "习近平总书记指出"])
    assert _words(search(SqliteCaseStore(conn), "习近平")) == {(d, 1), (d, 2)}
    assert _words(search(SqliteCaseStore(conn), "習近平")) == {(d, 1), (d, 2)}
    hit = next(h for h in search(SqliteCaseStore(conn), "习近平") if h.page == 1)
    assert hit.snippet == "總書記[[習近平]]強調"
    assert fold("總書記習近平強調"[hit.start : hit.end]) == "习近平"


def test_single_character_and_mixed(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    d = add_doc(["我们", "自我", "2017年发展", "ＡＢＣ全角"])
    assert _words(search(SqliteCaseStore(conn), "我")) == {(d, 1), (d, 2)}
    assert _words(search(SqliteCaseStore(conn), "2017年")) == {(d, 3)}
    assert _words(search(SqliteCaseStore(conn), "年发展")) == {(d, 3)}
    assert _words(search(SqliteCaseStore(conn), "abc")) == {(d, 4)}


def test_filters(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    a = add_doc(["新疆"], paths=("leak.zip!/2017/a.pdf", "z.pdf"), type="pdf", language="zh-Hans")
    b = add_doc(["新疆"], paths=("leak.zip!/2018/b.docx",), type="docx", language="zh-Hant")
    c = add_doc(["新疆"], paths=("other/c.pdf",), type="pdf", language="ug")
    assert _words(search(SqliteCaseStore(conn), "新疆 type:pdf")) == {(a, 1), (c, 1)}
    assert _words(search(SqliteCaseStore(conn), "新疆", types=["DOCX"])) == {(b, 1)}
    assert _words(search(SqliteCaseStore(conn), "新疆 lang:zh")) == {(a, 1), (b, 1)}
    assert _words(search(SqliteCaseStore(conn), "新疆", languages=["zh-hant"])) == {(b, 1)}
    assert _words(search(SqliteCaseStore(conn), "新疆 path:leak.zip!/2017")) == {(a, 1)}
    assert _words(search(SqliteCaseStore(conn), "新疆", path_prefix="leak.zip!/")) == {
        (a, 1),
        (b, 1),
    }
    assert _words(search(SqliteCaseStore(conn), "新疆 type:pdf", path_prefix="leak.zip!/")) == {
        (a, 1)
    }
    assert count(SqliteCaseStore(conn), "新疆 lang:zh type:pdf") == 1
    # The shown path is the shortest, or one that satisfies the path filter.
    assert {h.path for h in search(SqliteCaseStore(conn), "新疆 type:pdf lang:zh")} == {"z.pdf"}
    assert {h.path for h in search(SqliteCaseStore(conn), "新疆 path:leak.zip lang:zh-Hans")} == {
        "leak.zip!/2017/a.pdf"
    }


def test_hit_fields_and_ranking(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    d = add_doc(["一次新疆，其他其他其他其他其他", "新疆新疆新疆，其他其他其他"], type="pdf")
    hits = search(SqliteCaseStore(conn), "新疆")
    assert [h.page for h in hits] == [2, 1]
    assert hits[0].score > hits[1].score
    h = hits[1]
    assert (h.document_id, h.sha256, h.path, h.type, h.language) == (
        d,
        f"{d:064x}",
        f"doc{d}.pdf",
        "pdf",
        "zh-Hans",
    )
    assert (h.start, h.end) == (2, 4)


def test_limit_offset(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    add_doc([f"发展 {'发展' * i} page" for i in range(1, 31)])
    all_hits = search(SqliteCaseStore(conn), "发展", limit=100)
    assert len(all_hits) == 30
    assert len(search(SqliteCaseStore(conn), "发展", limit=5)) == 5
    assert search(SqliteCaseStore(conn), "发展", limit=5, offset=10) == all_hits[10:15]
    assert search(SqliteCaseStore(conn), "发展", limit=0) == []
    with pytest.raises(ValueError):
        search(SqliteCaseStore(conn), "发展", limit=-1)


def test_sampled_ranking_pages_consistently(
    conn: sqlite3.Connection, add_doc: AddDoc, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    for _ in range(10):
        add_doc([f"发展{'发展' * rng.randint(0, 5)}其他" * rng.randint(1, 3) for _ in range(10)])
    monkeypatch.setattr(fts, "RANK_WINDOW", 20)
    pages = [
        h
        for off in range(0, 100, 7)
        for h in search(SqliteCaseStore(conn), "发展", limit=7, offset=off)
    ]
    assert len({(h.document_id, h.page) for h in pages}) == 100
    first = search(SqliteCaseStore(conn), "发展", limit=5)
    assert [h.score for h in first] == sorted((h.score for h in first), reverse=True)


def test_metadata_fields_filter_and_stand_alone(conn: sqlite3.Connection, add_doc: AddDoc) -> None:
    memo = add_doc(
        ["关于新疆职业技能教育培训中心的通知", "第二页 新疆"],
        metadata={"author": "李四", "company": "Public Security Bureau"},
    )
    mail = add_doc(
        ["新疆 会议纪要"],
        type="email",
        metadata={"from": "王五 <wang@example.org>", "subject": "Re: 会议"},
    )
    add_doc(["新疆 天气"], metadata={"author": "张三"})
    assert _words(search(SqliteCaseStore(conn), "新疆 author:李")) == {(memo, 1), (memo, 2)}
    assert _words(search(SqliteCaseStore(conn), 'company:"public security"')) == {
        (memo, 1)
    }  # filters alone
    assert _words(search(SqliteCaseStore(conn), "from:EXAMPLE.org")) == {(mail, 1)}
    assert _words(search(SqliteCaseStore(conn), "meta:subject=会议 新疆")) == {(mail, 1)}
    assert _words(search(SqliteCaseStore(conn), "author:李 author:张")) == {
        (memo, 1),
        (3, 1),
    }  # alternatives
    assert (
        _words(search(SqliteCaseStore(conn), "author:李 from:wang")) == set()
    )  # different keys: both
    assert count(SqliteCaseStore(conn), "author:%") == 0  # LIKE wildcards are literal
    assert count(SqliteCaseStore(conn), "新疆 type:email") == 1
    assert (
        _words(search(SqliteCaseStore(conn), "http://example.org")) == set()
    )  # not a field: a term


def test_selective_filters_give_the_ordinary_plans_results(
    conn: sqlite3.Connection, add_doc: AddDoc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few documents allowed by the filters: searched one by one, same hits, same order."""
    rng = random.Random(5)
    for n in range(40):
        pages = _random_pages(rng, 3)
        add_doc(
            pages,
            type="pdf" if n % 3 else "docx",
            paths=(f"leak/{n % 4}/doc{n}.pdf",),
            metadata={"author": "李四" if n % 7 == 0 else "王五"},
        )
    queries = ["新疆", "中央 author:李四", "新疆 type:docx author:李四", "干部 path:leak/2", "的了"]
    monkeypatch.setattr(fts, "MAX_SELECTIVE_DOCUMENTS", 0)  # the ordinary plan
    expected = {
        q: (
            [(h.document_id, h.page, h.start) for h in search(SqliteCaseStore(conn), q, limit=50)],
            count(SqliteCaseStore(conn), q),
        )
        for q in queries
    }
    monkeypatch.setattr(fts, "MAX_SELECTIVE_DOCUMENTS", 32)
    used = []
    real = fts._ranked_in_documents
    monkeypatch.setattr(fts, "_ranked_in_documents", lambda *a: used.append(a[2]) or real(*a))
    for q in queries:
        hits = search(SqliteCaseStore(conn), q, limit=50)
        assert (
            [(h.document_id, h.page, h.start) for h in hits],
            count(SqliteCaseStore(conn), q),
        ) == expected[q]
        assert (
            search(SqliteCaseStore(conn), q, limit=3, offset=2)
            == search(SqliteCaseStore(conn), q, limit=50)[2:5]
        )
    assert used  # the selective plan did run for the filtered queries
    assert expected["中央 author:李四"][1] > 0
