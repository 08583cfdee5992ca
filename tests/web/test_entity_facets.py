"""Issue 12: the search page filters by who is named and shows facets of them.

A case folder of its own (two documents and the findings the analyzers would store,
:mod:`tests.search.entity_case`), served by the real app through Starlette's TestClient.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from starlette.testclient import TestClient

from culpa.store.case import init_case
from culpa.store.sqlite.connection import connect
from culpa.web.app import create_app
from tests.search.entity_case import build
from tests.web.conftest import TEST_ORIGIN, TEST_PORT


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    case = init_case(tmp_path / "case")
    conn = connect(case.db_path)
    build(conn)
    conn.close()
    with TestClient(create_app(case, port=TEST_PORT), base_url=TEST_ORIGIN) as test_client:
        yield test_client


def facet(page: str, name: str) -> dict[str, tuple[str, str]]:
    """label → (count, query its link searches) of one facet of a search page."""
    section = re.search(rf'<section class="facet facet-{name}">(.*?)</section>', page, re.S)
    assert section is not None, f"no facet {name}"
    links = re.findall(
        r'<a href="([^"]*)"[^>]*>\s*<span class="label">([^<]*)</span>\s*'
        r'<span class="count">([^<]*)</span>',
        section.group(1),
    )
    out = {}
    for href, label, count in links:
        query = parse_qs(urlparse(html.unescape(href)).query)["q"][0]
        out[html.unescape(label)] = (count, query)
    return out


def total(page: str) -> int:
    found = re.search(r"<strong>([\d,]+)</strong> matching page", page)
    assert found is not None
    return int(found.group(1).replace(",", ""))


def test_facets_of_people_organisations_places_and_speakers(client: TestClient) -> None:
    page = client.get("/", params={"q": "person:陳全國"}).text
    assert total(page) == 3
    for title in ("People", "Organisations", "Places", "Speakers"):
        assert f"<h2>{title}</h2>" in page
    people = facet(page, "person")
    assert people["Zhu Hailun"] == ("1", 'person:陳全國 person:"Zhu Hailun"')
    assert people["陈全国"] == ("3", "person:陳全國 person:陈全国")
    assert facet(page, "org") == {
        "新疆维吾尔自治区公安厅": ("1", "person:陳全國 org:新疆维吾尔自治区公安厅")
    }
    assert facet(page, "speaker")["陈全国"][0] == "1"
    assert set(facet(page, "place")) == {"喀什地区", "Kashgar"}
    # Each click narrows to the number it showed.
    for name in ("person", "org", "place", "speaker"):
        for count, query in facet(page, name).values():
            assert total(client.get("/", params={"q": query}).text) == int(count), query


def test_a_clicked_facet_is_active_and_clicking_again_removes_it(client: TestClient) -> None:
    page = client.get("/", params={"q": 'Kashgar person:"Zhu Hailun"'}).text
    assert total(page) == 1
    section = re.search(r'<section class="facet facet-person">(.*?)</section>', page, re.S)
    assert section is not None
    assert '<li class="active">' in section.group(1)
    assert facet(page, "person")["Zhu Hailun"][1] == "Kashgar"


def test_filters_in_the_search_box(client: TestClient) -> None:
    page = client.get("/", params={"q": "严打 speaker:陈全国"}).text
    assert total(page) == 1 and "<mark>严打</mark>" in page
    wide = client.get("/", params={"q": "org:公安厅"}).text
    assert total(wide) == 1 and "doc1.txt" in wide
    none = client.get("/", params={"q": "person:习近平"})
    assert none.status_code == 200
    assert "No page matches" in none.text and "no person named 习近平" in none.text
    hostile = client.get("/", params={"q": 'person:"<script>alert(1)</script>\' OR 1=1"'})
    assert hostile.status_code == 200 and "<script>alert" not in hostile.text
    assert "No page matches" in hostile.text
