"""Proof of silence: ingesting documents that point at a server makes no request to it.

A real HTTP server on 127.0.0.1 counts every connection and request. HTML,
DOCX, SVG, XML, PDF and EML files reference it in every way their formats
allow (images, styles, scripts, external entities and DTDs, XInclude, link
actions, remote GoToR, JavaScript, XFA submits, external relationships). A
real ingest, in worker processes, must leave the count at zero.

Two more proofs. Every worker refuses and logs any Internet socket or name
lookup (culpa.ingest.network_guard; ``CULPA_AUDIT_NETWORK`` names the log): the
log of a real ingest stays empty, and a probe extractor run inside real
workers is refused. And the whole ``culpa ingest`` command, run in a network
namespace with no interfaces, gives the same case as a run with the network.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from culpa.formats.base import ExtractContext
from culpa.formats.documents.xml import extract_xml
from culpa.formats.email.eml import EmlExtractor
from culpa.ingest.network_guard import AUDIT_ENV
from culpa.store.case import Case, init_case
from culpa.store.sqlite.connection import connect
from tests.ingest import hostile
from tests.ingest.trove import assert_same_case

#: Seconds one CLI ingest of the small folder may take.
INGEST_TIMEOUT = 300
#: Errors the remote folder is expected to record, by provenance path.
EXPECTED_ERRORS = {"remote/xxe.docx": "unsafe"}  # Office never writes a DTD: refused


@dataclass
class CountingServer:
    """An HTTP server on 127.0.0.1 that records every connection and request."""

    connections: int = 0
    requests: list[str] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def parse_request(self) -> bool:
                parsed = super().parse_request()
                server.requests.append(self.requestline)
                return parsed

            def do_GET(self) -> None:
                body = b"<!ENTITY leaked 'FETCHED-FROM-SERVER'>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET
            do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request: Any, client_address: Any) -> bool:
                server.connections += 1
                return True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        assert self.httpd is not None
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.connections = 0
        self.requests.clear()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[CountingServer]:
    counting = CountingServer()
    counting.start()
    # The counter works: one real request is seen (http.client ignores proxy settings).
    connection = http.client.HTTPConnection("127.0.0.1", counting.port, timeout=10)
    connection.request("GET", "/sanity")
    assert connection.getresponse().status == 200
    connection.close()
    assert counting.connections == 1 and len(counting.requests) == 1
    counting.reset()
    yield counting
    counting.stop()


def _scan_png() -> bytes:
    """A small image of printed English text, for OCR."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=120)
    page.insert_text((20, 60), "OFFLINE SCAN 2024", fontsize=28)
    data: bytes = page.get_pixmap(dpi=150).tobytes("png")
    doc.close()
    return data


def _remote_folder(root: Path, url: str) -> Path:
    folder = root / "remote"
    hostile.write_remote_folder(folder, url)
    (folder / "scan.png").write_bytes(_scan_png())
    # Names for the entity recognisers (LAC through onnxruntime, spaCy) where analyzers run them.
    (folder / "names.txt").write_text(
        "自治区党委书记陈全国在乌鲁木齐市公安局讲话。\n"
        "Chen Quanguo told officials in Urumqi on June 30, 2017.\n",
        encoding="utf-8",
    )
    return folder


def _env(home: Path, audit_log: Path | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != AUDIT_ENV}
    env["HOME"] = str(home)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    if audit_log is not None:
        env[AUDIT_ENV] = str(audit_log)
    return env


def _ingest_command(case: Case, folder: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "culpa",
        "ingest",
        "--case",
        str(case.root),
        "--workers",
        "2",
        "--ocr-lang",
        "eng",
        "--json",
        str(folder),
    ]


@dataclass(frozen=True)
class RemoteRun:
    case: Case
    folder: Path
    done: subprocess.CompletedProcess[str]
    audit_log: Path
    connections: int
    requests: tuple[str, ...]


@pytest.fixture(scope="module")
def remote_run(server: CountingServer, tmp_path_factory: pytest.TempPathFactory) -> RemoteRun:
    """One real ``culpa ingest`` (fresh process, fresh fork server) of the remote folder."""
    root = tmp_path_factory.mktemp("silence")
    folder = _remote_folder(root, server.url)
    case = init_case(root / "case")
    audit_log = root / "network-audit.log"
    server.reset()
    done = subprocess.run(
        _ingest_command(case, folder),
        env=_env(root, audit_log),
        capture_output=True,
        text=True,
        timeout=INGEST_TIMEOUT,
    )
    return RemoteRun(case, folder, done, audit_log, server.connections, tuple(server.requests))


def _errors(case: Case) -> dict[str, str]:
    conn = connect(case.db_path)
    try:
        return dict(conn.execute("SELECT path, kind FROM errors"))
    finally:
        conn.close()


def _page_text(case: Case) -> str:
    conn = connect(case.db_path)
    try:
        return "\n".join(text for (text,) in conn.execute("SELECT text FROM pages"))
    finally:
        conn.close()


@pytest.mark.slow
def test_ingest_makes_no_request(remote_run: RemoteRun) -> None:
    done = remote_run.done
    assert done.returncode == (3 if EXPECTED_ERRORS else 0), done.stderr
    summary = json.loads(done.stdout)
    assert summary["files_seen"] == len(list(remote_run.folder.iterdir()))
    assert _errors(remote_run.case) == EXPECTED_ERRORS
    assert remote_run.connections == 0, remote_run.requests
    assert remote_run.requests == ()
    text = _page_text(remote_run.case)
    for phrase in (
        "html visible text",
        "docx remote text",
        "svg remote text",
        "xml remote text",
        "pdf remote page text",
        "OFFLINE SCAN",
    ):
        assert phrase in text, phrase
    assert "FETCHED-FROM-SERVER" not in text


@pytest.mark.slow
def test_ingest_writes_nothing_in_home(remote_run: RemoteRun) -> None:
    """HOME is the run's temporary folder: nothing but what the test put there (no ~/.cache)."""
    home = remote_run.case.root.parent
    assert {path.name for path in home.iterdir()} - {remote_run.audit_log.name} == {
        "case",
        "remote",
    }


@pytest.mark.slow
def test_workers_attempt_no_network_io(remote_run: RemoteRun) -> None:
    """The workers' network guard refused nothing: nothing was even attempted."""
    log = remote_run.audit_log
    assert not log.exists() or log.read_text(encoding="utf-8") == ""


#: An extractor for the probe run: a text file starting "NETWORK-PROBE <port>" makes the worker
#: reading it try a name lookup and a connection, and report what happened as its text.
PROBE_MODULE = textwrap.dedent(
    """
    import socket
    from typing import ClassVar

    from culpa.formats.registry import register
    from culpa.formats.documents.text import TextExtractor
    from culpa.models import Extracted, Page

    MAGIC = b"NETWORK-PROBE "


    @register
    class NetworkProbeExtractor:
        type: ClassVar[str] = "text"
        mime_types: ClassVar[tuple[str, ...]] = ("text/plain",)
        extensions: ClassVar[tuple[str, ...]] = (".txt",)
        score: ClassVar[int] = 1000

        def extract(self, path, context):
            data = path.read_bytes()
            if not data.startswith(MAGIC):
                return TextExtractor().extract(path, context)
            port = int(data[len(MAGIC):].split()[0])
            outcomes = []
            for name, attempt in (
                ("lookup", lambda: socket.getaddrinfo("localhost", port)),
                ("connect", lambda: socket.create_connection(("127.0.0.1", port), 5).close()),
            ):
                try:
                    attempt()
                    outcomes.append(f"{name} allowed")
                except PermissionError:
                    outcomes.append(f"{name} refused")
                except OSError as exc:
                    outcomes.append(f"{name} failed: {exc}")
            return Extracted(pages=(Page(number=1, text="\\n".join(outcomes)),))
    """
)
#: Runs a real ingest (worker processes) with the XML extractor and the probe loaded.
PROBE_INGEST = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from culpa.ingest.runner import IngestOptions, ingest
    from culpa.store.case import open_case

    options = IngestOptions(
        workers=2,
        ocr=False,
        extractor_modules=("culpa.formats.documents.xml", "culpa_network_probe"),
    )
    if __name__ == "__main__":
        summary = ingest(open_case(sys.argv[1]), [Path(sys.argv[2])], options)
        print(json.dumps(summary.as_dict()))
    """
)


@pytest.mark.slow
def test_network_is_refused_inside_real_workers(server: CountingServer, tmp_path: Path) -> None:
    """A probe in the workers is refused and logged; with the XML extractor loaded too."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "culpa_network_probe.py").write_text(PROBE_MODULE, encoding="utf-8")
    script = modules / "probe_ingest.py"
    script.write_text(PROBE_INGEST, encoding="utf-8")
    folder = _remote_folder(tmp_path, server.url)
    (folder / "probe.txt").write_text(f"NETWORK-PROBE {server.port}\n", encoding="utf-8")
    case = init_case(tmp_path / "case")
    log = tmp_path / "network.log"
    env = _env(tmp_path, log)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(modules), env.get("PYTHONPATH")]))
    server.reset()
    done = subprocess.run(
        [sys.executable, str(script), str(case.root), str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=INGEST_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert server.connections == 0, server.requests
    assert _errors(case) == EXPECTED_ERRORS
    conn = connect(case.db_path)
    try:
        probe_text = conn.execute(
            "SELECT text FROM pages JOIN provenance p USING (document_id) WHERE p.path = ?",
            ("remote/probe.txt",),
        ).fetchone()[0]
        types = dict(
            conn.execute(
                "SELECT p.path, d.type FROM provenance p JOIN documents d ON d.id = p.document_id"
            )
        )
    finally:
        conn.close()
    assert probe_text == "lookup refused\nconnect refused"
    assert types["remote/remote.svg"] == "svg" and types["remote/remote.xml"] == "xml"
    logged = log.read_text(encoding="utf-8").splitlines()
    assert len(logged) >= 2 and all("refused" in line for line in logged)
    assert any("'localhost'" in line for line in logged)


def test_xml_extractor_fetches_nothing(server: CountingServer, tmp_path: Path) -> None:
    """In-process, whether or not the ingest's registry lists the XML module yet."""
    server.reset()
    for path in (
        hostile.write_svg_remote(tmp_path, server.url),
        hostile.write_xml_remote(tmp_path, server.url),
        hostile.write_svg_xxe(tmp_path, (f"{server.url}/svg-xxe",)),
        hostile.write_xml_xxe(tmp_path, (f"{server.url}/xml-xxe",)),
    ):
        result = extract_xml(path)
        assert "FETCHED-FROM-SERVER" not in repr(result)
        assert result.pages and result.pages[0].text
    assert server.connections == 0, server.requests


def _netns_prefix() -> list[str] | None:
    """``unshare`` arguments that give a command a network namespace of its own, if allowed."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    prefix = [unshare, "-n"] if os.geteuid() == 0 else [unshare, "-r", "-n"]
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return prefix if probe.returncode == 0 else None


@pytest.mark.slow
def test_ingest_needs_no_network(
    remote_run: RemoteRun, server: CountingServer, tmp_path: Path
) -> None:
    """The same ingest in a namespace without network gives the same case."""
    prefix = _netns_prefix()
    if prefix is None:
        pytest.skip("cannot make a network namespace here (unshare -n not permitted)")
    # Inside, there is no network: even the server on this machine's loopback is unreachable.
    reach = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {server.port}), timeout=5)\n"
        "except OSError:\n"
        "    raise SystemExit(0)\n"
        "raise SystemExit(1)\n"
    )
    assert subprocess.run([*prefix, sys.executable, "-c", reach], timeout=60).returncode == 0
    # Same folder (its files still point at the server), a new case, no network.
    case = init_case(tmp_path / "case")
    done = subprocess.run(
        [*prefix, *_ingest_command(case, remote_run.folder)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=INGEST_TIMEOUT,
    )
    assert done.returncode == (3 if EXPECTED_ERRORS else 0), done.stderr
    assert _errors(case) == EXPECTED_ERRORS
    assert "OFFLINE SCAN" in _page_text(case)  # OCR ran, offline
    assert_same_case(case, remote_run.case)


def test_eml_html_body_survives_an_external_body_part(tmp_path: Path) -> None:
    # The message/external-body part holds an empty text/plain "phantom" body; eml.py
    # prefers any text/plain part, even an empty one, over the HTML body.
    path = hostile.write_eml_remote(tmp_path, "http://127.0.0.1:9")
    result = EmlExtractor().extract(path, ExtractContext(workdir=tmp_path / "work"))
    assert "eml html body" in result.pages[0].text
