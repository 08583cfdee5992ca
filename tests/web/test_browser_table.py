"""A table's page in a real browser: an HTML table with its column names, row numbers,
row anchors and search marks, under the same escaping and Content-Security-Policy."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from click.testing import CliRunner
from playwright.sync_api import Browser, Route, sync_playwright
from starlette.testclient import TestClient

from culpa.cli.commands.serve import bind
from culpa.cli.main import cli
from culpa.store.case import Case, open_case
from culpa.web.app import create_app
from tests.web.hostile import PWN
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

QUERY = "新疆棉花"


@pytest.fixture(scope="module")
def table_case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("table-web")
    trove = root / "trove"
    trove.mkdir()
    lines = ["收款人,金额,<b>备注</b>"] + [f"公司{i},{i}00,普通" for i in range(1, 1500)]
    lines[1234] = f'新疆棉花有限公司,98000,"<script>{PWN}</script> 转账"'
    (trove / "ledger.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    case_dir = str(root / "case")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", case_dir]).exit_code == 0
    result = runner.invoke(cli, ["ingest", "--case", case_dir, "--no-ocr", str(trove)])
    assert result.exit_code == 0, result.output
    return open_case(case_dir)


def test_a_table_page_is_an_escaped_html_table(table_case: Case) -> None:
    app = create_app(table_case, port=1)
    with TestClient(app, base_url="http://127.0.0.1:1") as client:
        response = client.get("/doc/1", params={"q": QUERY})
    assert response.status_code == 200
    assert "script-src" in response.headers["content-security-policy"]
    html = response.text
    assert '<table class="table-page"' in html
    assert '<th scope="col">收款人</th>' in html and "&lt;b&gt;备注&lt;/b&gt;" in html
    row = html[html.index('<tr id="row-1235">') :]
    row = row[: row.index("</tr>")]
    assert '<a href="#row-1235">1235</a>' in row
    assert 'class="hit current" data-o="' in row and f">{QUERY}</mark>" in row
    assert "&lt;script&gt;" in row and "<script>" not in row


@pytest.fixture(scope="module")
def server_url(table_case: Case) -> Iterator[str]:
    sock = bind(0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(table_case, port=port), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_a_table_page_in_the_browser(browser: Browser, server_url: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    console: list[str] = []

    def route(route: Route) -> None:
        if route.request.url.startswith(server_url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{server_url}/?q={QUERY}")
    page.locator("a.page-no").first.click()
    page.wait_for_url("**/doc/**")
    assert page.locator("span.row-no").count() == 0  # gone with the results page
    table = page.locator("table.table-page")
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["row", "收款人", "金额", "<b>备注</b>"]
    row = table.locator("tr#row-1235")
    assert row.locator("th.row-number").inner_text() == "1235"
    assert row.locator("mark.hit.current").inner_text() == QUERY
    assert row.locator("td").nth(2).inner_text() == f"<script>{PWN}</script> 转账"
    assert row.locator("mark.hit.current").is_visible()
    page.goto(page.url.split("#")[0] + "#row-1240")
    assert page.evaluate("document.querySelector(':target').id") == "row-1240"
    assert page.evaluate("window.pwned") is None
    assert blocked == []
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()


def test_search_results_name_the_row(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{server_url}/?q={QUERY}")
    assert page.locator("span.row-no").first.inner_text().replace("\xa0", " ") == "row 1235"
    page.close()
