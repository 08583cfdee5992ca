"""``culpa verify``: check that a case is intact (culpa/store/sqlite/verify.py).

Registered on the ``culpa`` group in culpa/cli/main.py.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click

from culpa.cli.group import case_option, emit_json, handle_errors, json_option
from culpa.errors import CaseDamagedError, ExitCode


@click.command()
@case_option
@json_option
@handle_errors
def verify(case_dir: str | None, as_json: bool) -> None:
    """Check that every original still matches its SHA-256, and the database is sound.

    Hashes every blob again, runs SQLite's integrity check on case.db and FTS5's on
    the search index, and lists missing and damaged originals (with the documents and
    paths they affect) and blobs no document refers to. Changes nothing. Exits 0
    when the case is intact, 5 when it is not.
    """
    from tqdm import tqdm

    from culpa.store.case import CASE_ENV, Case, open_case
    from culpa.store.sqlite.verify import verify_case

    try:
        case = open_case(case_dir)
    except (CaseDamagedError, sqlite3.DatabaseError):
        # case.db is there but damaged: that is what verify is for, so it reports it.
        case = Case(Path(case_dir or os.environ.get(CASE_ENV, "")).resolve())
    with tqdm(
        total=0,
        unit="blob",
        desc="verify",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,
    ) as bar:

        def progress(done: int, total: int, hashed: int) -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(f"{hashed / 2**20:.0f} MiB", refresh=False)
            bar.refresh()

        report = verify_case(case, progress=progress)
    if as_json:
        emit_json(report.as_dict())
    else:
        for problem in report.problems:
            click.echo(f"{problem.kind}\t{problem.message}")
            for doc in problem.documents:
                more = doc.path_count - len(doc.paths)
                paths = "; ".join(doc.paths) + (f" (and {more} more)" if more > 0 else "")
                click.echo(f"  doc {doc.id}: {paths}")
    for check in report.not_checked:
        click.echo(f"culpa: not checked: {check}", err=True)
    state = "intact" if report.intact else f"NOT intact: {len(report.problems)} problems"
    click.echo(
        f"{report.documents} documents, {report.blobs_checked} blobs "
        f"({report.bytes_hashed / 2**20:.1f} MiB) hashed in {report.seconds:.1f}s; "
        f"database and search index checked; case {state}",
        err=True,
    )
    if not report.intact:
        sys.exit(int(ExitCode.NOT_INTACT))
