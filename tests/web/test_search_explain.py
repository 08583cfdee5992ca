"""The search page names the filter values that match nothing, with the values that
exist, and shows the year of the date a document states in its text (issue 10)."""

from __future__ import annotations

import html
import sqlite3

from starlette.testclient import TestClient

from culpa.store.case import Case
from culpa.web.app import create_app
from tests.cli.test_search_summary import _add
from tests.web.conftest import TEST_ORIGIN, TEST_PORT


def test_an_empty_search_says_which_types_exist(case: Case) -> None:
    conn = sqlite3.connect(case.db_path)
    _add(conn, "pdf", ["cotton quota"], created="2023-04-01", date_in_text="1992-03-05")
    _add(conn, "text", ["name,amount\ncotton,12"])
    conn.commit()
    conn.close()
    with TestClient(create_app(case, port=TEST_PORT), base_url=TEST_ORIGIN) as client:
        page = html.unescape(client.get("/", params={"q": "cotton type:csv"}).text)
        assert "No page matches" in page
        assert "no documents of type csv; types here: pdf (1 document), text (1 document)" in page
        assert "CSV files are typed text" in page
        found = html.unescape(client.get("/", params={"q": "cotton"}).text)
        assert "why-empty" not in found
        assert "q=cotton+year%3A1992" in found and "year%3A2023" not in found
