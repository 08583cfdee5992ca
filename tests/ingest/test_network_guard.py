"""The audit hook every worker installs refuses Internet sockets and name lookups."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

PROBE = textwrap.dedent(
    """
    import socket, sys
    from pathlib import Path
    from culpa.ingest.network_guard import forbid_network

    forbid_network(Path(sys.argv[1]))
    port = int(sys.argv[2])
    outcomes = []
    for attempt in (
        lambda: socket.socket().connect(("127.0.0.1", port)),
        lambda: socket.getaddrinfo("example.org", 80),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port)),
    ):
        try:
            attempt()
            outcomes.append("allowed")
        except PermissionError:
            outcomes.append("refused")
    left, right = socket.socketpair()  # local pipes (multiprocessing) still work
    left.sendall(b"ok")
    outcomes.append(right.recv(2).decode())
    print(" ".join(outcomes))
    """
)


def test_worker_guard_refuses_internet_sockets_and_logs_them(tmp_path: Path) -> None:
    log = tmp_path / "network.log"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        probe = subprocess.run(
            [sys.executable, "-c", PROBE, str(log), str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        try:
            connection, _ = server.accept()
            connection.close()
            reached = True
        except TimeoutError:
            reached = False
    assert probe.stdout.split() == ["refused", "refused", "refused", "ok"]
    assert not reached  # the server never saw the connection
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split(": ", 1)[1].split()[0] for line in lines] == [
        "socket.connect",
        "socket.getaddrinfo",
        "socket.sendto",
    ]


SCOPED = textwrap.dedent(
    """
    import socket, sys
    from culpa.ingest.network_guard import network_forbidden

    port = int(sys.argv[1])
    outcomes = []
    def attempt():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            outcomes.append("allowed")
        except PermissionError:
            outcomes.append("refused")
    attempt()
    with network_forbidden():
        attempt()
    attempt()  # a command run in-process (a test's CliRunner) gives the network back
    print(" ".join(outcomes))
    """
)


def test_a_command_run_in_process_refuses_the_network_only_while_it_runs() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        probe = subprocess.run(
            [sys.executable, "-c", SCOPED, str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    assert probe.stdout.split() == ["allowed", "refused", "allowed"]
