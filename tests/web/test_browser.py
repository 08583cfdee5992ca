"""End to end in a real browser: Debian's Chromium, headless, driven by Playwright.

Never `playwright install`: the browser is /usr/bin/chromium (apt-get install chromium).
Every request the pages make is routed through the test, which lets through only the
app's own origin; a counting server stands for the outside world and must see nothing.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pymupdf
import pytest
from click.testing import CliRunner
from PIL import Image
from playwright.sync_api import Browser, Page, Route, sync_playwright
from starlette.testclient import TestClient

from culpa.cli.main import cli
from culpa.store.case import Case
from culpa.web.app import create_app
from tests.web.conftest import CountingServer, LiveServer
from tests.web.hostile import HOSTILE_NAME

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Pixels the highlight may be off from where PyMuPDF finds the text.
TOLERANCE_PX = 3.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    page: Page
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest.fixture
def tab(browser: Browser, live_server: LiveServer) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    seen = Tab(page)

    def route(route: Route) -> None:
        url = route.request.url
        seen.requests.append(url)
        if url == live_server.url or url.startswith(live_server.url + "/"):
            route.continue_()
        else:
            seen.blocked.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: seen.console.append(message.text))
    yield seen
    context.close()


def _doc_id(case: Case, path: str) -> int:
    conn = sqlite3.connect(case.db_path)
    try:
        return int(
            conn.execute("SELECT document_id FROM provenance WHERE path = ?", (path,)).fetchone()[0]
        )
    finally:
        conn.close()


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return dict(box)


def _check_highlight_over_text(
    tab: Tab, case: Case, live: LiveServer, doc: int, number: int
) -> dict[str, float]:
    """The current highlight sits where PyMuPDF finds the marked text, over dark pixels."""
    page = tab.page
    page.wait_for_function(
        "() => { const i = document.getElementById('page-img'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )
    marked = page.locator("mark.hit.current").inner_text()
    highlight = _box(page, "rect.hl.current")
    image = _box(page, "#page-img")
    conn = sqlite3.connect(case.db_path)
    sha, width = conn.execute(
        "SELECT d.sha256, p.width FROM documents d JOIN pages p ON p.document_id = d.id "
        "WHERE d.id = ? AND p.number = ?",
        (doc, number),
    ).fetchone()
    conn.close()
    scale = image["width"] / width
    # Independent ground truth: where PyMuPDF itself finds the characters on the page.
    with pymupdf.open(case.blobs.path_for(sha), filetype="pdf") as pdf:
        found = pdf.load_page(number - 1).search_for(marked)
    assert found, marked
    centre_y = (highlight["y"] - image["y"]) / scale + highlight["height"] / scale / 2
    centre_x = (highlight["x"] - image["x"]) / scale + highlight["width"] / scale / 2
    nearest = min(
        found, key=lambda r: abs((r.y0 + r.y1) / 2 - centre_y) + abs((r.x0 + r.x1) / 2 - centre_x)
    )
    assert abs(image["x"] + nearest.x0 * scale - highlight["x"]) < TOLERANCE_PX
    assert (
        abs(image["x"] + nearest.x1 * scale - (highlight["x"] + highlight["width"])) < TOLERANCE_PX
    )
    assert abs(image["y"] + nearest.y0 * scale - highlight["y"]) < TOLERANCE_PX * 2
    # The pixels under the box, in the rendered page image, are text: dark ink on paper.
    src = page.locator("#page-img").get_attribute("src")
    png = page.request.get(live.url + str(src))
    assert png.ok and png.headers["content-type"] == "image/png"
    rendered = Image.open(io.BytesIO(png.body())).convert("L")
    k = rendered.width / image["width"]
    crop = rendered.crop(
        (
            round((highlight["x"] - image["x"]) * k),
            round((highlight["y"] - image["y"]) * k),
            round((highlight["x"] - image["x"] + highlight["width"]) * k),
            round((highlight["y"] - image["y"] + highlight["height"]) * k),
        )
    )
    pixels = list(crop.tobytes())
    dark = sum(1 for v in pixels if v < 128) / len(pixels)
    assert min(pixels) < 80 and 0.05 < dark < 0.8, (min(pixels), dark)
    return highlight


def test_search_open_a_hit_step_tag_and_note(
    tab: Tab, web_case: Case, live_server: LiveServer, outside: CountingServer
) -> None:
    page = tab.page
    page.goto(live_server.url + "/")
    page.fill("input[name=q]", "新疆")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/?q=*")
    assert "matching page" in page.locator(".summary").inner_text()
    group = page.locator("li.group", has_text="关于加强培训中心管理的通知.pdf")
    group.locator("a.page-no").first.click()
    page.wait_for_url("**/doc/**")
    doc = _doc_id(web_case, "trove/关于加强培训中心管理的通知.pdf")
    assert f"/doc/{doc}?" in page.url
    assert page.locator("mark.hit.current").inner_text() == "新疆"
    first = _check_highlight_over_text(tab, web_case, live_server, doc, 1)

    # The next hit: by key, as a reader would.
    page.keyboard.press("n")
    page.wait_for_url("**hit=1*")
    assert page.locator("mark.hit.current").inner_text().replace("\n", "") == "新疆"
    second = _check_highlight_over_text(tab, web_case, live_server, doc, 1)
    assert second["y"] > first["y"] + 5  # further down the page
    assert "hit 2 of" in page.locator("#hit-where").inner_text()

    # A tag, then a note on a selected passage; both still there after a reload.
    page.fill("#tag-form input[name=tag]", "xinjiang")
    page.click("#tag-form button")
    page.wait_for_load_state("load")
    page.evaluate(
        """() => {
            const mark = document.querySelector('mark.hit.current');
            const range = document.createRange();
            range.selectNodeContents(mark);
            const sel = window.getSelection();
            sel.removeAllRanges();
            sel.addRange(range);
            document.getElementById('page-text').dispatchEvent(new MouseEvent('mouseup'));
        }"""
    )
    assert page.locator("#scope-passage").is_checked()
    span = (page.input_value("#note-start"), page.input_value("#note-end"))
    page.click("#cite-button")
    page.wait_for_selector("#citation-out:not([hidden])")
    citation = page.locator("#citation-out").inner_text()
    expected = CliRunner().invoke(
        cli,
        ["cite", "--case", str(web_case.root), str(doc), "--page", "1", "--span", ":".join(span)],
    )
    assert citation.strip() == expected.stdout.strip()
    assert page.evaluate("navigator.clipboard.readText()").strip() == expected.stdout.strip()
    page.fill("#note-form textarea", "Second mention of 新疆: check the annex.")
    page.click("#note-form button[type=submit]")
    page.wait_for_load_state("load")
    page.reload()
    assert page.locator("#tag-list a.tag", has_text="xinjiang").count() == 1
    note = page.locator("#note-list li", has_text="check the annex")
    assert note.count() == 1 and note.locator("blockquote").inner_text() == "新疆"

    # The tag works as a search filter, and survives a restart (a new app on the case).
    page.goto(live_server.url + "/?q=tag%3Axinjiang")
    assert page.locator("li.group").count() == 1
    with TestClient(create_app(web_case, port=1), base_url="http://127.0.0.1:1") as fresh:
        assert "check the annex" in fresh.get(f"/doc/{doc}").text
    listed: list[dict[str, Any]] = json.loads(
        CliRunner().invoke(cli, ["notes", "--case", str(web_case.root), "--json"]).stdout
    )
    assert any(
        n["body"].endswith("check the annex.") and "".join(n["quote"].split()) == "新疆"
        for n in listed
    )

    assert tab.blocked == [] and outside.paths == []
    assert not [m for m in tab.console if "Content Security Policy" in m], tab.console


def test_hostile_documents_run_nothing_and_fetch_nothing(
    tab: Tab, web_case: Case, live_server: LiveServer, outside: CountingServer
) -> None:
    page = tab.page
    urls = [
        "/?q=" + "新疆%20path%3Ahostile",
        "/?q=hostile",
        f"/doc/{_doc_id(web_case, 'hostile/hostile.html')}?q=新疆",
        f"/doc/{_doc_id(web_case, 'hostile/hostile.eml')}?q=新疆",
        f"/doc/{_doc_id(web_case, 'hostile/' + HOSTILE_NAME)}?q=script",
    ]
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        for summary in page.locator("details:not([open]) > summary").all():
            summary.click()  # open the sanitised e-mail HTML too
        page.mouse.move(300, 300)
        for link in page.locator(".mail-body a").all():
            link.click()  # links lost their targets: clicking goes nowhere
        assert page.evaluate("typeof window.pwned") == "undefined", url
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert not [h for h in hrefs if h.lower().startswith(("javascript:", "http", "//"))], url
    # The e-mail's plain text holds markup: it shows as text, once (not double-escaped).
    page.goto(live_server.url + urls[3])
    assert "<script>window.pwned=1</script>" in page.locator("#page-text").inner_text()
    assert "&amp;lt;" not in page.content()
    assert all(u.startswith(live_server.url) for u in tab.requests)
    assert tab.blocked == []
    assert outside.paths == []
