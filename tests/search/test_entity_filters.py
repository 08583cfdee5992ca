"""Issue 12: ``person:``, ``org:``, ``place:`` and ``speaker:`` on a real SQLite case.

The findings are stored as the entities and quotes analyzers store them
(``store.analysis.record_document``, :mod:`tests.search.entity_case`); the reporter's
edits go through ``store.entities``, as ``culpa entities merge|split|alias`` does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from culpa.errors import QueryError
from culpa.search.engine import count, search, totals
from culpa.search.explain import explain_empty
from culpa.search.facets import compute
from culpa.search.query import parse
from culpa.store.case import init_case
from culpa.store.sqlite import SqliteCaseStore
from culpa.store.sqlite.connection import connect
from tests.search.entity_case import ZH, build

Page = tuple[int, int]
#: (document, page) of the pages of the Chinese document (1) and the English one (2).
ZH1, ZH2, ZH3 = (1, 1), (1, 2), (1, 3)
EN1, EN2, EN3 = (2, 1), (2, 2), (2, 3)


@pytest.fixture
def store(conn: sqlite3.Connection) -> SqliteCaseStore:
    return build(conn)


def pages(store: SqliteCaseStore, query: str) -> list[Page]:
    found = sorted((hit.document_id, hit.page) for hit in search(store, query, limit=100))
    assert count(store, query) == len(found)
    return found


def test_the_query_reads_entity_filters() -> None:
    query = parse('新疆 person:陳全國 org:"公安  厅" speaker:习近平 place:喀什')
    assert query.entities == (
        ("person", "陳全國"),
        ("org", "公安 厅"),
        ("place", "喀什"),
        ("speaker", "习近平"),
    )
    assert parse("person:陈全国").expr is None
    with pytest.raises(QueryError, match="cannot be negated"):
        parse("新疆 -person:陈全国")
    with pytest.raises(QueryError, match="needs a value"):
        parse("person: 新疆")


def test_a_filter_alone_lists_every_page_naming_the_person(store: SqliteCaseStore) -> None:
    # "Chen Quanguo" folds into 陈全国 across the case (its pinyin), so its page counts.
    assert pages(store, "person:陈全国") == [ZH1, ZH2, EN1]
    assert totals(store, "person:陈全国") == (3, 2)
    hit = search(store, "person:陈全国")[0]
    assert hit.snippet.startswith(ZH[0][:10])  # no passage matched: the page's opening


def test_names_fold_across_scripts_case_and_aliases(store: SqliteCaseStore) -> None:
    for name in ("陳全國", '"Chen Quanguo"', '"chen quanguo"', "自治区党委书记陳全國"):
        assert pages(store, f"person:{name}") == [ZH1, ZH2, EN1], name
    assert pages(store, "person:O'Brien") == [EN2]


def test_a_person_is_named_whole_an_organisation_or_place_in_part(
    store: SqliteCaseStore,
) -> None:
    assert pages(store, "person:陈") == []  # a surname is not a person
    assert pages(store, "person:Quanguo") == []
    assert pages(store, "org:公安厅") == [ZH2]
    assert pages(store, "org:新疆维吾尔自治区公安厅") == [ZH2]
    assert pages(store, 'org:"public security"') == [EN3]
    assert pages(store, "place:喀什") == [ZH1]
    assert pages(store, "place:kashgar") == [EN1]
    # A label is its own: a person's name is no place.
    assert pages(store, "place:陈全国") == []
    assert pages(store, "org:喀什") == []


def test_filters_narrow_words_and_each_other(store: SqliteCaseStore) -> None:
    assert pages(store, "严打 person:陈全国") == [ZH2]
    assert pages(store, "稳定 person:陈全国") == [ZH1]
    assert pages(store, "棉花 person:陈全国") == []
    # Two entity filters: pages naming both (unlike tag:a tag:b, which are alternatives).
    assert pages(store, 'person:陈全国 person:"Zhu Hailun"') == [EN1]
    assert pages(store, "person:陈全国 org:公安厅") == [ZH2]
    assert pages(store, "person:陈全国 lang:en") == [EN1]
    assert pages(store, "person:陈全国 type:pdf") == []


def test_speaker_keeps_the_pages_of_their_quotations(store: SqliteCaseStore) -> None:
    assert pages(store, "speaker:陈全国") == [ZH2]
    assert pages(store, "speaker:陳全國") == [ZH2]
    assert pages(store, 'speaker:"zhu hailun"') == [EN2]
    assert pages(store, "speaker:Zhu") == []
    assert pages(store, "要严打 speaker:陈全国") == [ZH2]
    assert pages(store, "speaker:O'Brien") == []  # named there, but says nothing


def test_the_reporters_edits_are_honoured(store: SqliteCaseStore) -> None:
    entities = store.entities
    # An alias: "Secretary Chen" (canonical name Chen) is 陈全国 too.
    assert pages(store, "person:陈全国") == [ZH1, ZH2, EN1]
    alias = entities.add_edit("alias", "PER", "陈全国", alias="Chen")
    assert pages(store, "person:陈全国") == [ZH1, ZH2, EN1, EN3]
    assert pages(store, "person:Chen") == [ZH1, ZH2, EN1, EN3]
    # A merge: Zhu Hailun's mentions and quotations are 朱海伦's.
    assert pages(store, "person:朱海伦") == []
    entities.add_edit("merge", "PER", "Zhu Hailun", target=("PER", "朱海伦"))
    assert pages(store, "person:朱海伦") == [EN1, EN2]
    assert pages(store, "person:朱海倫") == [EN1, EN2]  # traditional script
    assert pages(store, 'person:"Zhu Hailun"') == [EN1, EN2]  # the merged name is an alias
    assert pages(store, "speaker:朱海伦") == [EN2]
    # A split: 陈全国 on page 2 of the Chinese document is another man, and so is its speaker.
    at = ZH[1].index("陈全国")
    place = (f"{1:064x}", 2, at, at + 3)
    entities.add_edit("split", "PER", "陈全国", target=("PER", "陈全国 (兵团)"), mentions=[place])
    assert pages(store, "person:陈全国") == [ZH1, EN1, EN3]
    assert pages(store, 'person:"陈全国 (兵团)"') == [ZH2]
    assert pages(store, 'speaker:"陈全国 (兵团)"') == [ZH2]
    assert entities.remove_edit(alias.id)
    assert pages(store, "person:陈全国") == [ZH1, EN1]


@pytest.mark.parametrize(
    "value",
    [
        '"x\' OR 1=1 --"',
        "%",
        "_",
        "「%」",
        "'陈全国'",
        '"陈全国\') OR (1"',
        "「) UNION SELECT id FROM pages --」",
        "*",
        "「\\」",
    ],
)
def test_hostile_values_match_nothing_and_run_as_data(store: SqliteCaseStore, value: str) -> None:
    for field in ("person", "org", "place", "speaker"):
        assert pages(store, f"{field}:{value}") == []
        assert pages(store, f"严打 {field}:{value}") == []
    tables = store.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert tables[0] > 0


def test_a_case_never_analysed_matches_nothing(conn: sqlite3.Connection) -> None:
    store = SqliteCaseStore(conn)
    conn.execute(
        "INSERT INTO documents(id, sha256, size, mime, type, status, page_count, "
        "ingested_at, metadata) VALUES (1, 'a', 0, '', 'text', 'ok', 0, '', '{}')"
    )
    assert pages(store, "person:陈全国") == []
    assert pages(store, "speaker:陈全国") == []


def test_an_empty_result_names_the_filter_that_matched_nothing(store: SqliteCaseStore) -> None:
    why = explain_empty(store, "person:习近平")
    assert len(why) == 1 and "no person named 习近平" in why[0]
    assert "陈全国" in why[0]  # what is there instead
    assert explain_empty(store, "person:陈全国 棉花") == []  # the filter matches by itself
    assert "no quotation by" in explain_empty(store, "speaker:O'Brien")[0]


def test_facets_count_the_pages_naming_each_entity(store: SqliteCaseStore) -> None:
    facets = {facet.name: facet for facet in compute(store, parse("person:陈全国")).facets}
    people = {value.label: (value.count, value.token) for value in facets["person"].values}
    assert people == {"陈全国": (3, "person:陈全国"), "Zhu Hailun": (1, 'person:"Zhu Hailun"')}
    assert [(v.label, v.count) for v in facets["org"].values] == [("新疆维吾尔自治区公安厅", 1)]
    assert {(v.label, v.count) for v in facets["place"].values} == {("喀什地区", 1), ("Kashgar", 1)}
    assert [(v.label, v.count, v.token) for v in facets["speaker"].values] == [
        ("陈全国", 1, "speaker:陈全国")
    ]
    # Each count is what its click finds, and words narrow the counts.
    for facet in ("person", "speaker"):
        for value in facets[facet].values:
            assert value.token is not None
            assert count(store, f"person:陈全国 {value.token}") == value.count
    words = {facet.name: facet for facet in compute(store, parse("Round")).facets}
    assert [(v.label, v.count) for v in words["person"].values] == [
        ("O'Brien", 1),
        ("Zhu Hailun", 1),
    ]
    assert [v.label for v in words["speaker"].values] == ["Zhu Hailun"]
    assert "org" not in words  # no organisation on that page: no facet


def test_facets_follow_the_edits(store: SqliteCaseStore) -> None:
    store.entities.add_edit("merge", "PER", "Zhu Hailun", target=("PER", "朱海伦"))
    facets = {facet.name: facet for facet in compute(store, parse("Round")).facets}
    assert [v.label for v in facets["speaker"].values] == ["朱海伦"]
    assert "朱海伦" in [v.label for v in facets["person"].values]


def test_an_edit_made_on_another_connection_is_seen(tmp_path: Path) -> None:
    """The findings are kept per connection until the database changes, whoever changed it."""
    case = init_case(tmp_path / "case")
    first, second = connect(case.db_path), connect(case.db_path)
    try:
        store = build(first)
        assert pages(store, "person:陈全国") == [ZH1, ZH2, EN1]
        SqliteCaseStore(second).entities.add_edit("alias", "PER", "陈全国", alias="Chen")
        assert pages(store, "person:陈全国") == [ZH1, ZH2, EN1, EN3]
        facets = {facet.name: facet for facet in compute(store, parse("spoke")).facets}
        assert [v.label for v in facets["person"].values] == ["陈全国"]
    finally:
        first.close()
        second.close()
