"""``culpa serve`` (the web workbench) and the commands that list what was added in it:
``culpa notes`` and ``culpa tags``.

Registered on the ``culpa`` group in culpa/cli/main.py.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

import click

from culpa.cli.group import case_option, emit_json, handle_errors, json_option, opened
from culpa.errors import UsageError
from culpa.store.case import open_case

#: The only address the server listens on: this machine.
HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (0 picks a free port)."""
    # proto=IPPROTO_TCP: asyncio turns Nagle off only on sockets that say they are TCP, and
    # Nagle plus delayed ACKs adds 40 ms to every keep-alive response sent in two writes.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} is in use: choose another with --port") from exc
        raise UsageError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@click.command()
@case_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@handle_errors
def serve(case_dir: str | None, port: int) -> None:
    """Search, read, tag and annotate the case in a web browser, on this machine only.

    Listens on 127.0.0.1 and prints the address to open. Works offline:
    nothing is loaded from the network. Stop it with Ctrl+C.
    """
    import uvicorn

    from culpa.web.app import create_app

    case = open_case(case_dir)
    sock = bind(port)
    port = sock.getsockname()[1]
    app = create_app(case, port=port)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
    )
    click.echo(f"http://{HOST}:{port}/", nl=True)
    click.echo(f"culpa: serving {case.root} (Ctrl+C to stop)", err=True)
    uvicorn.Server(config).run(sockets=[sock])


@click.command()
@case_option
@json_option
@handle_errors
def notes(case_dir: str | None, as_json: bool) -> None:
    """List every note made in `culpa serve`: document, page, passage, quote and text."""
    with opened(case_dir) as (_case, store):
        found = store.annotations.all_notes()
    if as_json:
        emit_json([note.as_dict() for note in found])
        return
    for note in found:
        where = f"page {note.page}" if note.page is not None else "whole document"
        if note.span is not None:
            where += f"  [{note.span.start}:{note.span.end}]"
        if note.passage_changed:
            where += "  (passage changed: the page was OCR'd again; check the page image)"
        click.echo(f"{note.path}  {where}  doc {note.document_id} {note.sha256[:12]}")
        if note.quote:
            click.echo(f"   “{' '.join(note.quote.split())}”")
        for line in note.body.splitlines():
            click.echo(f"   {line}")
    click.echo(f"{len(found)} notes", err=True)


@click.command()
@case_option
@json_option
@handle_errors
def tags(case_dir: str | None, as_json: bool) -> None:
    """List every tag added in `culpa serve`, with the documents that carry it."""
    with opened(case_dir) as (_case, store):
        pairs = store.annotations.tagged_documents()
    grouped: dict[str, list[dict[str, Any]]] = {}
    for pair in pairs:
        grouped.setdefault(pair.tag, []).append(
            {"id": pair.document_id, "sha256": pair.sha256, "path": pair.path}
        )
    if as_json:
        emit_json(
            [{"tag": tag, "count": len(docs), "documents": docs} for tag, docs in grouped.items()]
        )
        return
    for tag, docs in grouped.items():
        click.echo(f"{tag}  ({len(docs)} documents)")
        for doc in docs:
            click.echo(f"   {doc['id']}\t{doc['sha256'][:12]}\t{doc['path']}")
    click.echo(f"{len(grouped)} tags", err=True)
