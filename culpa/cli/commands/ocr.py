"""``culpa ocr``: read pages of documents already in the case again (culpa/ingest/reocr.py).

Registered on the ``culpa`` group in culpa/cli/main.py.
"""

from __future__ import annotations

import sys

import click

from culpa.cli.group import (
    case_option,
    emit_json,
    handle_errors,
    json_option,
    ocr_engine_option,
    ocr_lang_option,
    opened,
)
from culpa.errors import ExitCode, UsageError


@click.command()
@case_option
@click.argument("docs", nargs=-1, metavar="[DOC]...")
@click.option(
    "--all", "every", is_flag=True, help="Every document that has OCR'd pages (instead of DOCs)."
)
@click.option(
    "--pages",
    metavar="A-B",
    default=None,
    help="Only these pages (N or A-B); may name text-layer pages of a PDF to force OCR on them. "
    "Default: the document's OCR'd pages.",
)
@ocr_lang_option("--lang")
@ocr_engine_option("--engine")
@click.option(
    "--password",
    "passwords",
    multiple=True,
    help="A password for encrypted PDFs (repeatable; never stored).",
)
@click.option(
    "--force", is_flag=True, help="Read again pages already re-read with these same settings."
)
@json_option
@handle_errors
def ocr(
    case_dir: str | None,
    docs: tuple[str, ...],
    every: bool,
    pages: str | None,
    lang: str,
    engine: str,
    passwords: tuple[str, ...],
    force: bool,
    as_json: bool,
) -> None:
    """OCR pages of documents already in the case again, with other languages or engine.

    Replaces each page's text, word boxes, search-index entry and language;
    tags, stars and notes stay (a note whose passage changed is marked). Safe
    to interrupt: re-run the same command to do the pages not done yet. Exits
    3 when some pages could not be read.
    """
    from culpa.cli.progress import ProgressBar
    from culpa.ingest.network_guard import network_forbidden
    from culpa.ingest.reocr import ReocrOptions, parse_page_range, reocr

    if every == bool(docs):
        raise click.UsageError("give DOC ids or SHA-256 prefixes, or --all (not both)")
    languages = tuple(part for part in lang.split("+") if part)
    if not languages:
        raise UsageError("--lang needs at least one language")
    options = ReocrOptions(
        languages=languages,
        engine=engine,
        pages=parse_page_range(pages) if pages else None,
        passwords=tuple(dict.fromkeys(passwords)),
        force=force,
    )
    with opened(case_dir) as (case, store):
        doc_ids = None if every else [store.documents.resolve(doc) for doc in docs]
    # The originals are leaked files: nothing they make the renderer do may reach out.
    with network_forbidden(), ProgressBar(enabled=sys.stderr.isatty(), unit="document") as bar:
        summary = reocr(case, doc_ids, options, progress=bar.update)
    if as_json:
        emit_json(summary.as_dict())
    else:
        click.echo(
            f"{summary.documents} documents: {summary.pages_read} pages read again, "
            f"{summary.pages_skipped} already done with these settings, "
            f"{len(summary.errors)} failed; notes: {summary.notes_moved} moved, "
            f"{summary.notes_changed} passage changed, in {summary.seconds:.1f}s",
            err=True,
        )
        for error in summary.errors:
            click.echo(f"  doc {error.document_id} page {error.page}: {error.message}", err=True)
    if summary.errors:
        sys.exit(int(ExitCode.FILE_ERRORS))
