"""Fixtures for the web tests: one real case (the demo trove, OCR'd, plus hostile files),
a live server on a free port, and a counting "outside" server that must stay silent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from starlette.testclient import TestClient

from culpa.cli.commands.serve import bind
from culpa.cli.main import cli
from culpa.store.case import Case, open_case
from culpa.web.app import create_app
from tests.web.hostile import make_hostile_trove

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "trove"
#: The port the TestClient's app believes it is served on (nothing listens there).
TEST_PORT = 18765
TEST_ORIGIN = f"http://127.0.0.1:{TEST_PORT}"


@dataclass
class CountingServer:
    """An HTTP server standing for "the Internet": it counts every request it gets."""

    url: str
    paths: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def outside() -> Iterator[CountingServer]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    counting = CountingServer(f"http://127.0.0.1:{server.server_address[1]}", seen)
    yield counting
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def web_case(tmp_path_factory: pytest.TempPathFactory, outside: CountingServer) -> Case:
    """The demo trove (with OCR) and the hostile files, ingested into one case."""
    root = tmp_path_factory.mktemp("web")
    hostile = make_hostile_trove(root / "hostile", outside.url)
    case_dir = str(root / "case")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", case_dir]).exit_code == 0
    result = runner.invoke(cli, ["ingest", "--case", case_dir, str(DEMO), str(hostile)])
    assert result.exit_code == 0, result.output
    return open_case(case_dir)


@pytest.fixture(scope="session")
def client(web_case: Case) -> Iterator[TestClient]:
    app = create_app(web_case, port=TEST_PORT)
    with TestClient(app, base_url=TEST_ORIGIN) as test_client:
        yield test_client


@dataclass(frozen=True)
class LiveServer:
    url: str
    port: int


@pytest.fixture(scope="session")
def live_server(web_case: Case) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free port, in a thread of this process."""
    sock = bind(0)
    port = sock.getsockname()[1]
    app = create_app(web_case, port=port)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", port)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
