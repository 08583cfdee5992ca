"""The ``culpa`` command: a thin layer over the library (entry point ``culpa.cli.main:main``).

This module assembles the group (culpa/cli/group.py) and its commands
(culpa/cli/commands/): a new command is a function in a commands module and one
``cli.add_command`` line here.
"""

from __future__ import annotations

from culpa.cli.commands import (
    analyze,
    case,
    documents,
    entities,
    ingest,
    ocr,
    search,
    serve,
    verify,
)
from culpa.cli.group import cli

cli.add_command(case.init)
cli.add_command(ingest.ingest)
cli.add_command(analyze.analyze)
cli.add_command(entities.entities)
cli.add_command(entities.quotes)
cli.add_command(ocr.ocr)
cli.add_command(search.search)
cli.add_command(documents.show)
cli.add_command(documents.thread)
cli.add_command(documents.cite)
cli.add_command(case.status)
cli.add_command(case.errors)
cli.add_command(verify.verify)
cli.add_command(case.export)
cli.add_command(serve.serve)
cli.add_command(serve.notes)
cli.add_command(serve.tags)


__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="culpa")


if __name__ == "__main__":
    main()
