"""``culpa analyze``: run the analyses a case has not had yet (culpa/ingest/analyze.py).

Registered on the ``culpa`` group in culpa/cli/main.py.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from culpa.cli.group import case_option, emit_json, handle_errors, json_option
from culpa.errors import ExitCode
from culpa.store.case import Case


@click.command()
@case_option
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="NAME",
    help="Run only this analyzer (repeatable). Default: every analyzer.",
)
@click.option(
    "--redo",
    "redo",
    multiple=True,
    metavar="NAME",
    help="Forget this analyzer's findings and run it again on every document (repeatable).",
)
@json_option
@handle_errors
def analyze(
    case_dir: str | None, only: tuple[str, ...], redo: tuple[str, ...], as_json: bool
) -> None:
    """Run every analyzer on the documents it has not analysed yet (e.g. mail threads).

    A new or upgraded analyzer runs on exactly what it has not seen, so a case
    ingested before it existed gets it without a new ingest; a second run does
    nothing. Safe to interrupt: run it again to finish. Exits 3 when an
    analyzer failed on some documents (culpa errors lists them).
    """
    from culpa.cli.progress import ProgressBar
    from culpa.ingest.analyze import AnalyzeOptions
    from culpa.ingest.analyze import analyze as run_analysis
    from culpa.ingest.network_guard import network_forbidden
    from culpa.store.case import open_case

    case = open_case(case_dir)
    options = AnalyzeOptions(only=only, redo=redo)
    with network_forbidden(), ProgressBar(enabled=sys.stderr.isatty(), unit="analysis") as bar:
        summary = run_analysis(case, options, bar.update)
    if as_json:
        emit_json({"case": str(case.root), **summary.as_dict()})
    else:
        for name, count in summary.analyzers.items():
            click.echo(
                f"{name} (version {count.version}): {count.documents} documents, "
                f"{count.findings} findings, {count.failed} failed",
                err=True,
            )
        click.echo(
            f"{summary.documents} analyses, {summary.failed} failed "
            f"in {summary.seconds:.1f}s" + ("  (culpa errors)" if summary.failed else ""),
            err=True,
        )
    if summary.failed:
        sys.exit(int(ExitCode.FILE_ERRORS))


def analyze_after_ingest(case: Case, speed: str, *, quiet: bool) -> dict[str, Any]:
    """Run the ``fast`` (or ``all``) analyzers after ``culpa ingest``; its summary as a dict.

    The case is searchable before this starts; analyzers left out are named with
    the command that runs them.
    """
    from culpa.analysis import registry
    from culpa.cli.progress import ProgressBar
    from culpa.ingest.analyze import AnalyzeOptions
    from culpa.ingest.analyze import analyze as run_analysis

    speeds = frozenset({"fast"}) if speed == "fast" else frozenset({"fast", "slow"})
    with ProgressBar(enabled=sys.stderr.isatty() and not quiet, unit="analysis") as bar:
        summary = run_analysis(case, AnalyzeOptions(speeds=speeds), bar.update)
    left = sorted(a.name for a in registry.registered() if a.speed not in speeds)
    if not quiet:
        if summary.documents:
            click.echo(
                f"analysis: {summary.documents} analyses, {summary.failed} failed"
                + ("  (culpa errors)" if summary.failed else ""),
                err=True,
            )
        if left:
            click.echo(
                f"culpa: slow analyzers not run ({', '.join(left)}): culpa analyze", err=True
            )
    return {**summary.as_dict(), "not_run": left}
