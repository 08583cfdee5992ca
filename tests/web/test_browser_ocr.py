"""An OCR'd page in a real browser: the quality indicator, doubtful words underlined, the
OCR badge in the results and the OCR citation, all under the strict CSP.

The page is a real OCR reading of an image made here: clear lines of text and a
word cut up and shuffled, so the engine reads that word with low confidence. Debian's
Chromium, as in test_browser.py; nothing may leave the machine.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Browser, Route, sync_playwright

from culpa.analysis.ocr.quality import LOW_WORD_CONFIDENCE
from culpa.cli.commands.serve import bind
from culpa.cli.main import cli
from culpa.publish.citation import CHECK_AGAINST_IMAGE
from culpa.store.case import Case, open_case
from culpa.web.app import create_app
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DAMAGED = "detention"
#: Width in pixels of the vertical slices the damaged word is cut into and shuffled.
SLICE_PX = 10


def damaged_page(path: Path) -> None:
    """Two lines of clear text, then a word cut into slices and shuffled.

    The damaged word looks like print but spells nothing, so every engine doubts it:
    Tesseract 5.3 reads it at ~0 %, PP-OCR (whose confidence is per line) at ~40 %,
    while the clear lines read above 90 %. Erasing ink or blurring was not enough:
    PP-OCR still read the word at 100 %.
    """
    font = ImageFont.truetype(FONT, 44)
    image = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(image)
    draw.text((60, 40), "The committee reviewed the cotton", fill=0, font=font)
    draw.text((60, 130), "quota in Urumqi on Monday", fill=0, font=font)
    word = Image.new("L", (1300, 90), 255)
    ImageDraw.Draw(word).text((0, 10), DAMAGED, fill=0, font=font)
    width = int(draw.textlength(DAMAGED, font=font))
    slices = [word.crop((x, 0, x + SLICE_PX, 90)) for x in range(0, width, SLICE_PX)]
    random.Random(1).shuffle(slices)
    for index, piece in enumerate(slices):
        word.paste(piece, (index * SLICE_PX, 0))
    image.paste(word, (60, 230))
    image.save(path, dpi=(300, 300))


@dataclass(frozen=True)
class OcrServer:
    url: str
    case: Case
    doc: int


@pytest.fixture(scope="module")
def ocr_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OcrServer]:
    root = tmp_path_factory.mktemp("ocrbrowser")
    trove = root / "scans"
    trove.mkdir()
    damaged_page(trove / "damaged.png")
    case_dir = str(root / "case")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", case_dir]).exit_code == 0
    result = runner.invoke(cli, ["ingest", "--case", case_dir, "--ocr-lang", "eng", str(trove)])
    assert result.exit_code == 0, result.output
    case = open_case(case_dir)
    conn = sqlite3.connect(case.db_path)
    doc = int(conn.execute("SELECT document_id FROM provenance").fetchone()[0])
    conn.close()
    sock = bind(0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(case, port=port), log_level="warning", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield OcrServer(f"http://127.0.0.1:{port}", case, doc)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _stored_page(case: Case, doc: int) -> tuple[str, str, float, list[list[float]]]:
    conn = sqlite3.connect(case.db_path)
    try:
        text, engine, confidence, words = conn.execute(
            "SELECT p.text, p.ocr_engine, p.ocr_confidence, w.words FROM pages p "
            "JOIN page_words w ON w.page_id = p.id WHERE p.document_id = ? AND p.number = 1",
            (doc,),
        ).fetchone()
    finally:
        conn.close()
    return text, engine, confidence, json.loads(words)


def test_ocr_page_shows_quality_and_underlines_doubtful_words(
    browser: Browser, ocr_server: OcrServer
) -> None:
    text, engine, confidence, words = _stored_page(ocr_server.case, ocr_server.doc)
    doubtful = [w for w in words if w[6] < LOW_WORD_CONFIDENCE]
    # The premise: real OCR doubts the damaged word, and only what is on its line.
    assert [text[int(w[4]) : int(w[5])] for w in doubtful] != [], words
    assert all(int(w[4]) >= text.index("Monday") for w in doubtful), (text, words)

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ocr_server.url)
    page = context.new_page()
    blocked: list[str] = []
    console: list[str] = []

    def route(route: Route) -> None:
        if route.request.url.startswith(ocr_server.url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: console.append(message.text))

    # The results: the hit says it is OCR.
    page.goto(ocr_server.url + "/?q=committee")
    badge = page.locator(".page-hits .ocr-badge").first
    assert badge.is_visible()
    assert badge.inner_text().startswith(f"OCR {confidence:.0f}%")

    # The viewer: a visible indicator with engine and confidence.
    page.goto(f"{ocr_server.url}/doc/{ocr_server.doc}")
    indicator = page.locator("#ocr-quality")
    assert indicator.is_visible()
    shown = indicator.inner_text()
    assert f"OCR {confidence:.0f}%" in shown and engine in shown
    assert f"{len(doubtful)} doubtful word" in shown

    # Each doubtful word is underlined, dotted, with its confidence in the title.
    underlined = page.locator("#page-text .doubt")
    assert underlined.count() == len(doubtful)
    first = underlined.first
    word = doubtful[0]
    assert first.inner_text() == text[int(word[4]) : int(word[5])]
    assert f"{word[6]:.0f}%" in str(first.get_attribute("title"))
    style = first.evaluate(
        "el => { const s = getComputedStyle(el); "
        "return [s.textDecorationLine, s.textDecorationStyle]; }"
    )
    assert style == ["underline", "dotted"]
    box = first.bounding_box()
    assert box is not None and box["width"] > 0

    # Copy citation on the doubtful word: the citation says OCR and names the word.
    first.evaluate(
        """el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            const sel = window.getSelection();
            sel.removeAllRanges();
            sel.addRange(range);
            document.getElementById('page-text').dispatchEvent(new MouseEvent('mouseup'));
        }"""
    )
    page.click("#cite-button")
    page.wait_for_selector("#citation-out:not([hidden])")
    citation = page.locator("#citation-out").inner_text()
    assert CHECK_AGAINST_IMAGE in citation
    assert f"“{text[int(word[4]) : int(word[5])]}” ({word[6]:.0f}%" in citation

    assert blocked == []
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()
