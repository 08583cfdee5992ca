"""No worker ever reaches the network: an audit hook in every worker process.

A hostile file may ask a parser to fetch a URL (an XML external entity, a
remote image in HTML or Office, a PDF link). culpa's extractors are written
not to, but the guarantee should not rest on every library being configured
right, so each worker installs a Python audit hook that refuses any socket
connection other than a local (AF_UNIX) one and every host-name lookup with
``PermissionError``. When ``CULPA_AUDIT_NETWORK`` names a file, each refused
attempt is also written there (the tests read it). Converter programs run as
subprocesses are beyond the hook; the tests watch them with a real local HTTP
server that must see no request.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Environment variable naming a file that records refused network attempts.
AUDIT_ENV = "CULPA_AUDIT_NETWORK"

_CONNECTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_LOOKUPS = frozenset(
    {
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.gethostbyaddr",
    }
)
_installed = False
#: Whether the hook refuses now: always in a worker, only inside network_forbidden() in a
#: command run in-process (a test's CliRunner), since audit hooks cannot be removed.
_active = False
_log: Path | None = None


def _is_local(sock: Any) -> bool:
    return getattr(sock, "family", None) == socket.AF_UNIX


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event in _CONNECTS:
        if _is_local(args[0]):
            return
        target = args[1] if len(args) > 1 else None
    elif event in _LOOKUPS:
        target = args[0] if args else None
    else:
        return
    message = f"network access refused in a culpa worker: {event} {target!r}"
    if _log is not None:
        with open(_log, "a", encoding="utf-8") as handle:
            handle.write(message + "\n")
    raise PermissionError(message)


def forbid_network(log: Path | None = None) -> None:
    """Refuse the network in this process from now on (a worker's whole life)."""
    global _installed, _active, _log
    _log = log if log is not None else _log
    _active = True
    if not _installed:
        _installed = True
        sys.addaudithook(_hook)


@contextmanager
def network_forbidden(log: Path | None = None) -> Iterator[None]:
    """Refuse the network for the length of a command run in this process, then allow it.

    ``culpa analyze`` and ``culpa ocr`` work in the command's own process too; a
    test that runs them in-process must not leave every later test in that process
    without the network (a web test's HTTP client to 127.0.0.1 was refused).
    """
    global _active, _log
    before = (_active, _log)
    forbid_network(log)
    try:
        yield
    finally:
        _active, _log = before
