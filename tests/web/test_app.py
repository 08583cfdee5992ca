"""The web app through Starlette's TestClient: headers, Host and CSRF checks, escaping,
sanitising, path safety, downloads, citations, facets and annotations."""

from __future__ import annotations

import re
import sqlite3
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from culpa.cli.main import cli
from culpa.store.case import Case
from culpa.store.sqlite import SqliteCaseStore
from culpa.web.app import create_app
from culpa.web.security import csrf_cookie_name
from tests.web.conftest import TEST_ORIGIN, TEST_PORT, CountingServer
from tests.web.hostile import HOSTILE_NAME, PWN

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def doc_id(case: Case, path: str) -> int:
    conn = sqlite3.connect(case.db_path)
    try:
        row = conn.execute("SELECT document_id FROM provenance WHERE path = ?", (path,)).fetchone()
    finally:
        conn.close()
    assert row is not None, path
    return int(row[0])


class SafetyChecker(HTMLParser):
    """Collects anything in a page that could run script or load from elsewhere."""

    def __init__(self, outside: str) -> None:
        super().__init__()
        self.outside = outside
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src") != "/static/culpa.js":
            self.problems.append(f"script {values}")
        if tag in ("iframe", "object", "embed", "base", "style", "form") and tag != "form":
            self.problems.append(f"<{tag}>")
        if tag == "form" and not str(values.get("action", "")).startswith("/"):
            self.problems.append(f"form to {values.get('action')}")
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "srcset", "data") and (
                text.startswith(("javascript:", "http:", "https:", "//", "data:"))
                or self.outside in text
            ):
                self.problems.append(f"{tag} {name}={value}")


def assert_safe(html: str, outside: CountingServer) -> None:
    checker = SafetyChecker(outside.url.lower())
    checker.feed(html)
    assert checker.problems == []
    assert f"<script>{PWN}" not in html


def form_token(client: TestClient, url: str) -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.text)
    assert match is not None
    return match.group(1)


def test_every_response_carries_the_security_headers(client: TestClient, web_case: Case) -> None:
    doc = doc_id(web_case, "trove/关于加强培训中心管理的通知.pdf")
    for url in (
        "/",
        "/?q=新疆",
        f"/doc/{doc}",
        f"/doc/{doc}/page/1/image",
        "/static/culpa.css",
        "/doc/999999",
        "/static/nothing.js",
        "/notes",
    ):
        response = client.get(url)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, url
        assert "base-uri 'none'" in csp and "form-action 'self'" in csp, url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"] == "no-referrer", url


def test_foreign_host_headers_are_refused(client: TestClient) -> None:
    for host in ("evil.example", f"evil.example:{TEST_PORT}", "127.0.0.1", "127.0.0.1:1"):
        response = client.get("/", headers={"Host": host})
        assert response.status_code == 400, host
        assert response.headers["content-security-policy"]
    assert client.get("/", headers={"Host": f"localhost:{TEST_PORT}"}).status_code == 200


def test_state_changes_need_the_secret_the_cookie_and_our_origin(
    client: TestClient, web_case: Case
) -> None:
    doc = doc_id(web_case, "trove/briefing_en.pdf")
    token = form_token(client, f"/doc/{doc}")
    url = f"/doc/{doc}/tags"
    good = {"csrf": token, "tag": "csrf-test", "next": f"/doc/{doc}"}
    origin = {"Origin": TEST_ORIGIN}
    cookie_name = csrf_cookie_name(TEST_PORT)
    assert client.cookies.get(cookie_name) == token
    # No token, a wrong token, a foreign origin, a cross-site fetch: all refused.
    assert client.post(url, data={"tag": "x"}, headers=origin).status_code == 403
    assert client.post(url, data={**good, "csrf": "nope"}, headers=origin).status_code == 403
    evil = {"Origin": "http://evil.example"}
    assert client.post(url, data=good, headers=evil).status_code == 403
    cross = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
    assert client.post(url, data=good, headers=cross).status_code == 403
    assert client.post(url, data=good).status_code == 403  # no Origin, no Referer
    # The cookie must come too: another site's form cannot send a SameSite=Strict cookie.
    saved = client.cookies.get(cookie_name)
    client.cookies.delete(cookie_name)
    assert client.post(url, data=good, headers=origin).status_code == 403
    client.cookies.set(cookie_name, saved or "")
    assert client.get(url).status_code == 405
    assert client.put(url, data=good, headers=origin).status_code == 405
    tags = client.get(f"/doc/{doc}").text
    assert "csrf-test" not in tags
    # From our own page: accepted, whether the browser sends Origin or "null" + Sec-Fetch-Site.
    done = client.post(url, data=good, headers=origin, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/doc/{doc}"
    same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    again = client.post(url, data={**good, "tag": "csrf-test-2"}, headers=same)
    assert again.status_code == 200
    page = client.get(f"/doc/{doc}").text
    assert "csrf-test" in page and "csrf-test-2" in page


def test_redirects_stay_on_this_server(client: TestClient, web_case: Case) -> None:
    doc = doc_id(web_case, "trove/briefing_en.pdf")
    token = form_token(client, f"/doc/{doc}")
    for target in ("http://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        response = client.post(
            f"/doc/{doc}/star",
            data={"csrf": token, "starred": "0", "next": target},
            headers={"Origin": TEST_ORIGIN},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/doc/{doc}", target


def test_hostile_names_text_metadata_and_mail_are_escaped_or_sanitised(
    client: TestClient, web_case: Case, outside: CountingServer
) -> None:
    search = client.get("/", params={"q": "新疆 path:hostile"})
    assert search.status_code == 200
    assert_safe(search.text, outside)
    assert "hostile.html" in search.text and "hostile.eml" in search.text
    assert "&lt;script&gt;" in search.text  # shown as text, never as markup
    for path in ("hostile/hostile.html", "hostile/hostile.eml", f"hostile/{HOSTILE_NAME}"):
        page = client.get(f"/doc/{doc_id(web_case, path)}", params={"q": "新疆"})
        assert page.status_code == 200, path
        assert_safe(page.text, outside)
    mail = client.get(f"/doc/{doc_id(web_case, 'hostile/hostile.eml')}").text
    assert "<b>bold</b>" in mail  # formatting survives the sanitiser
    assert "mail-beacon" not in mail and "<img" not in mail.split('class="mail-body"')[1]
    assert re.search(r"\d+ images? not loaded", mail) and "links disabled" in mail
    attachment = doc_id(web_case, f'hostile/hostile.eml!/<img src=x onerror="{PWN}">.txt')
    assert f'href="/doc/{attachment}' in mail
    assert outside.paths == []


def test_query_errors_are_shown_escaped(client: TestClient, outside: CountingServer) -> None:
    response = client.get("/", params={"q": f'"<script>{PWN}</script>'})
    assert response.status_code == 400
    assert "unclosed quote" in response.text
    assert_safe(response.text, outside)


def test_urls_cannot_reach_files_outside_the_case(client: TestClient, web_case: Case) -> None:
    for url in (
        "/static/../case.db",
        "/static/%2e%2e/%2e%2e/case.db",
        "/static/..%2fapp.py",
        "/doc/..%2f..%2fcase.db",
        "/doc/1%2f..%2f..%2fetc%2fpasswd",
        "/sha256/..%2f..%2fcase.db",
        "/sha256/" + "0" * 64,
        "/doc/999999",
        "/doc/999999/download",
        "/doc/1/page/0/image",
        "/doc/1/page/99999/image",
        "/cache/pages",
        "/blobs",
    ):
        response = client.get(url)
        assert response.status_code in (404, 400), url
        assert b"SQLite format" not in response.content, url
        assert b"root:" not in response.content, url


def test_download_is_the_original_as_an_attachment(client: TestClient, web_case: Case) -> None:
    path = f"hostile/{HOSTILE_NAME}"
    doc = doc_id(web_case, path)
    response = client.get(f"/doc/{doc}/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(HOSTILE_NAME, safe='')}" in disposition
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert "<" not in fallback and '"' not in fallback
    conn = sqlite3.connect(web_case.db_path)
    sha = conn.execute("SELECT sha256 FROM documents WHERE id = ?", (doc,)).fetchone()[0]
    conn.close()
    assert response.content == web_case.blobs.path_for(sha).read_bytes()


def test_citation_is_the_one_the_cli_prints(client: TestClient, web_case: Case) -> None:
    doc = doc_id(web_case, "trove/关于加强培训中心管理的通知.pdf")
    page = client.get(f"/doc/{doc}", params={"q": "刻不容缓"}).text
    match = re.search(r'data-page="(\d+)" data-start="(\d+)" data-end="(\d+)"', page)
    assert match is not None
    number, start, end = match.groups()
    web = client.get(f"/doc/{doc}/cite", params={"page": number, "start": start, "end": end})
    cited = CliRunner().invoke(
        cli,
        [
            "cite",
            "--case",
            str(web_case.root),
            str(doc),
            "--page",
            number,
            "--span",
            f"{start}:{end}",
        ],
    )
    assert cited.exit_code == 0
    assert web.json()["text"] + "\n" == cited.stdout
    assert "刻不" in web.json()["citation"]["quote"]
    bad = client.get(f"/doc/{doc}/cite", params={"page": number, "start": 5, "end": 2})
    assert bad.status_code == 400


def test_search_page_counts_groups_marks_and_facets(client: TestClient) -> None:
    page = client.get("/", params={"q": "新疆"}).text
    assert re.search(r"<strong>\d+</strong> matching pages", page)
    assert "<mark>新疆</mark>" in page
    assert 'class="took"' in page
    for facet in ("File type", "Language", "Folder", "Year"):
        assert f"<h2>{facet}</h2>" in page
    narrowed = client.get("/", params={"q": "新疆 type:pdf"}).text
    assert "type:pdf" in narrowed and 'class="active"' in narrowed
    total = int(re.search(r"<strong>(\d+)</strong> matching", page).group(1))  # type: ignore[union-attr]
    fewer = int(re.search(r"<strong>(\d+)</strong> matching", narrowed).group(1))  # type: ignore[union-attr]
    assert 0 < fewer < total
    traditional = client.get("/", params={"q": "習近平"}).text
    assert "<mark>习近平</mark>" in traditional or "<mark>習近平</mark>" in traditional


def test_viewer_marks_boxes_and_navigates_hits(client: TestClient, web_case: Case) -> None:
    doc = doc_id(web_case, "trove/政府工作報告節錄_繁體.pdf")
    page = client.get(f"/doc/{doc}", params={"q": "新疆"}).text
    rects = re.findall(r'<rect class="hl( current)?" data-hit="(\d+)"', page)
    marks = re.findall(r'<mark id="hit-(\d+)"', page)
    assert len(marks) >= 5 and {int(h) for _, h in rects} == {int(m) for m in marks}
    assert f'href="/doc/{doc}?q=%E6%96%B0%E7%96%86&amp;page=1&amp;hit=1"' in page
    second = client.get(f"/doc/{doc}", params={"q": "新疆", "hit": 1}).text
    assert 'class="hit current" data-o' in second and 'id="hit-1" class="hit current"' in second


def test_archive_lists_its_members(client: TestClient, web_case: Case) -> None:
    page = client.get(f"/doc/{doc_id(web_case, 'trove/leak.zip')}").text
    assert "2017/电报.pdf" in page and "2026/学习会议纪要.docx" in page
    member = doc_id(web_case, "trove/leak.zip!/2017/电报.pdf")
    assert f'href="/doc/{member}"' in page


@pytest.mark.parametrize("scope", ["passage", "page", "document"])
def test_notes_round_trip_and_show_in_the_cli(
    client: TestClient, web_case: Case, scope: str
) -> None:
    doc = doc_id(web_case, "translator_notes.txt".join(["trove/", ""]))
    token = form_token(client, f"/doc/{doc}")
    body = f"note on the {scope} <script>{PWN}</script>"
    response = client.post(
        f"/doc/{doc}/notes",
        data={"csrf": token, "body": body, "scope": scope, "page": "1", "start": "0", "end": "5"},
        headers={"Origin": TEST_ORIGIN},
    )
    assert response.status_code == 200
    page = client.get(f"/doc/{doc}").text
    assert "note on the " + scope + " &lt;script&gt;" in page
    listed = CliRunner().invoke(cli, ["notes", "--case", str(web_case.root), "--json"])
    import json

    notes = [n for n in json.loads(listed.stdout) if n["body"] == body]
    assert len(notes) == 1
    note = notes[0]
    assert note["document_id"] == doc
    if scope == "passage":
        assert (note["page"], note["start"], note["end"]) == (1, 0, 5) and note["quote"]
        # The passage is marked in the page text, from its first character to its fifth.
        assert '<span class="noted" data-o="0">' in page
    elif scope == "page":
        assert (note["page"], note["start"]) == (1, None)
    else:
        assert note["page"] is None


def test_tags_and_stars_filter_the_search(client: TestClient, web_case: Case) -> None:
    doc = doc_id(web_case, "trove/扫描件_学员情况周报.pdf")
    token = form_token(client, f"/doc/{doc}")
    origin = {"Origin": TEST_ORIGIN}
    client.post(f"/doc/{doc}/tags", data={"csrf": token, "tag": "weekly report"}, headers=origin)
    client.post(f"/doc/{doc}/star", data={"csrf": token, "starred": "1"}, headers=origin)
    tagged = client.get("/", params={"q": 'tag:"weekly report"'}).text
    assert "扫描件_学员情况周报.pdf" in tagged and "<strong>1</strong> matching page" in tagged
    starred = client.get("/", params={"q": "starred:yes"}).text
    assert "扫描件_学员情况周报.pdf" in starred
    facets = client.get("/", params={"q": "新疆"}).text
    assert "weekly report" in facets and "★ starred" in facets
    listed = CliRunner().invoke(cli, ["tags", "--case", str(web_case.root)])
    assert "weekly report" in listed.stdout and "扫描件_学员情况周报.pdf" in listed.stdout
    client.post(f"/doc/{doc}/star", data={"csrf": token, "starred": "0"}, headers=origin)
    assert "扫描件_学员情况周报.pdf" not in client.get("/", params={"q": "starred:yes"}).text


def test_the_safety_checker_catches_what_it_looks_for(outside: CountingServer) -> None:
    for bad in (
        f"<script>{PWN}</script>",
        '<img src=x onerror="x">',
        '<a href="javascript:x">a</a>',
        f'<img src="{outside.url}/x.png">',
        '<p style="background:url(x)">',
        "<iframe src=/x></iframe>",
    ):
        checker = SafetyChecker(outside.url)
        checker.feed(bad)
        assert checker.problems, bad


def test_even_a_crash_answers_with_the_security_headers(web_case: Case) -> None:
    from starlette.routing import Route

    def boom(request: object) -> None:
        raise RuntimeError("bug")

    app = create_app(web_case, port=TEST_PORT)
    app.router.routes.append(Route("/boom", boom))
    with TestClient(app, base_url=TEST_ORIGIN, raise_server_exceptions=False) as crashing:
        response = crashing.get("/boom")
    assert response.status_code == 500 and "RuntimeError" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_viewer_steps_to_the_next_and_previous_document_of_the_results(
    client: TestClient, web_case: Case
) -> None:
    import sqlite3
    from urllib.parse import urlencode

    from culpa.search.engine import search

    with sqlite3.connect(web_case.db_path) as conn:
        hits = search(SqliteCaseStore(conn), "新疆", limit=200)
    order = list(dict.fromkeys(hit.document_id for hit in hits))
    assert len(order) >= 3
    q = urlencode({"q": "新疆"})
    first = client.get(f"/doc/{order[0]}", params={"q": "新疆"}).text
    assert f'id="next-doc" href="/doc/{order[1]}?{q}"' in first
    assert 'id="prev-doc"' not in first  # the first result has none before it
    middle = client.get(f"/doc/{order[1]}", params={"q": "新疆"}).text
    assert f'id="prev-doc" href="/doc/{order[0]}?{q}"' in middle
    assert f'id="next-doc" href="/doc/{order[2]}?{q}"' in middle
