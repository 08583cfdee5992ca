"""``culpa init``, ``culpa status``, ``culpa errors`` and ``culpa export``: the case as a whole."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from culpa.cli.group import case_option, emit_json, handle_errors, json_option, opened
from culpa.cli.terminal import printable
from culpa.errors import UsageError
from culpa.publish.export import RECORD_COLUMNS, write_records
from culpa.store.case import init_case


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@json_option
@handle_errors
def init(directory: Path, as_json: bool) -> None:
    """Create a case in DIRECTORY (an empty or new folder)."""
    case = init_case(directory)
    if as_json:
        emit_json({"case": str(case.root)})
    else:
        click.echo(f"case ready: {case.root}", err=True)


@click.command()
@case_option
@json_option
@handle_errors
def status(case_dir: str | None, as_json: bool) -> None:
    """Counts: files, documents, pages, OCR'd pages, documents per type, errors and warnings."""
    with opened(case_dir) as (case, store):
        counts = store.documents.counts()
    if as_json:
        emit_json({"case": str(case.root), **counts})
        return
    click.echo(f"case {printable(str(case.root))}")
    click.echo(
        f"  {counts['files']} files, {counts['documents']} documents, {counts['pages']} pages "
        f"({counts['ocr_pages']} OCR'd), {counts['errors']} errors"
        + (f", {counts['warnings']} warnings" if counts["warnings"] else "")
    )
    for title, key in (
        ("documents by type", "documents_by_type"),
        ("pages by language", "pages_by_language"),
        ("errors by kind", "errors_by_kind"),
        ("analysis errors by analyzer", "analysis_errors_by_analyzer"),
        ("warnings by kind", "warnings_by_kind"),
    ):
        if counts[key]:
            click.echo(
                f"  {title}: "
                + ", ".join(f"{printable(str(k))} {v}" for k, v in counts[key].items())
            )


@click.command()
@case_option
@click.option(
    "--kind", default=None, help="Only errors and warnings of this kind (encrypted, corrupt, ...)."
)
@json_option
@handle_errors
def errors(case_dir: str | None, kind: str | None, as_json: bool) -> None:
    """List every file that failed, with its path, kind and message.

    Then the warnings: parts of stored files that could not be read (a broken
    page, a member locked by a password), the rest of the file being read.
    """
    from culpa.models import child_provenance

    with opened(case_dir) as (_case, store):
        rows = store.errors.listed(kind)
    if as_json:
        emit_json(rows)
        return
    warnings = 0
    for row in rows:
        path, message = str(row["path"]), str(row["message"])
        if row.get("warning"):
            warnings += 1
            path = child_provenance(path, row["member"]) if row["member"] else path
            message = "warning: " + (f"page {row['page']}: " if row["page"] else "") + message
        click.echo(f"{printable(str(row['kind']))}\t{printable(path)}\t{printable(message)}")
    said = f"{len(rows) - warnings} errors"
    click.echo(said + (f", {warnings} warnings" if warnings else ""), err=True)


@click.command()
@case_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
)
@click.option(
    "--records",
    "kind",
    type=click.Choice(["documents", *RECORD_COLUMNS]),
    default="documents",
    show_default=True,
    help="What to write: documents with their pages' text, or the entities, mentions or "
    "quotations (as `culpa entities` and `culpa quotes` list them).",
)
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="CSV with a header instead of JSON lines (entities, mentions, quotes).",
)
@handle_errors
def export(case_dir: str | None, output: Path | None, kind: str, as_csv: bool) -> None:
    """Write every document and its pages as JSON lines, for other tools.

    With --records, the entities, mentions or quotations instead, as JSON lines or CSV.
    """
    if as_csv and kind == "documents":
        raise UsageError(
            "documents are written as JSON lines; --csv is for --records entities, "
            "mentions or quotes"
        )
    with opened(case_dir) as (_case, store):
        stream = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            count = write_records(stream, store, kind, as_csv)
        finally:
            if output:
                stream.close()
    click.echo(f"{count} {kind} exported", err=True)
