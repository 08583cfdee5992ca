"""``culpa show``, ``culpa thread`` and ``culpa cite``: a document, its thread, a citation."""

from __future__ import annotations

import click

from culpa.cli.group import case_option, emit_json, handle_errors, json_option, opened
from culpa.cli.terminal import printable


@click.command()
@case_option
@click.argument("doc")
@click.option("--page", type=click.IntRange(1), default=None, help="Page number (from 1).")
@json_option
@handle_errors
def show(case_dir: str | None, doc: str, page: int | None, as_json: bool) -> None:
    """Print a document's details, or one page's text (--page; JSON adds word boxes)."""
    from culpa.formats.email.mail_record import MAIL_VIEW_KEY

    with opened(case_dir) as (_case, store):
        doc_id = store.documents.resolve(doc)
        info = store.catalog.document_info(doc_id)
        page_data = store.catalog.page_info(doc_id, page) if page is not None else None
    if as_json:
        data = info.as_dict()
        if page_data is not None:
            data["page"] = page_data.as_dict()
        emit_json(data)
        return
    if page_data is not None:
        click.echo(
            f"# {printable(info.file_name)}  page {page_data.number}/{info.page_count}  "
            f"{page_data.language or 'und'}  {page_data.method}",
            err=True,
        )
        click.echo(printable(page_data.text, lines=True))
        return
    click.echo(f"document {info.id}: {printable(info.file_name)}")
    click.echo(f"  sha256: {info.sha256}")
    click.echo(f"  type:   {info.type} ({info.mime}), {info.size} bytes, {info.page_count} pages")
    click.echo(
        f"  status: {info.status}"
        + (
            f" ({info.error_kind}: {printable(info.error_message or '')})"
            if info.error_kind
            else ""
        )
    )
    for path in info.paths:
        click.echo(f"  path:   {printable(path)}")
    for key, value in sorted(info.metadata.items()):
        if key == MAIL_VIEW_KEY:
            value = _mail_view_summary(value)
        click.echo(f"  {printable(str(key))}: {printable(str(value))}")


def _mail_view_summary(value: str) -> str:
    """One line for the e-mail view's record, whose JSON lists every attachment (issue 10)."""
    from culpa.formats.email.mail_record import parse_record

    record = parse_record(value, 0, 0)
    if record is None:
        return "(not readable by this version)"
    body = "no HTML body" if record.body is None else "where its HTML body is"
    count = record.attachment_count
    return (
        f"what the e-mail view needs: {count} attachment{'' if count == 1 else 's'}, {body} "
        "(the whole record: --json)"
    )


@click.command()
@case_option
@click.argument("doc")
@json_option
@handle_errors
def thread(case_dir: str | None, doc: str, as_json: bool) -> None:
    """List the e-mail conversation DOC belongs to, replies indented under what they answer."""
    with opened(case_dir) as (_case, store):
        messages = store.catalog.email_thread(store.documents.resolve(doc))
    if as_json:
        emit_json([message.as_dict() for message in messages])
        return
    for message in messages:
        click.echo(
            f"{'  ' * message.depth}{message.id}\t{printable(message.date or '-')}\t"
            f"{printable(message.sender or '-')}\t"
            f"{printable(message.subject or '(no subject)')}\t{printable(message.path)}"
        )


@click.command()
@case_option
@click.argument("doc")
@click.option("--page", type=click.IntRange(1), default=None, help="Page number (from 1).")
@click.option("--span", default=None, help="Character span START:END in the page text.")
@click.option(
    "--row",
    type=click.IntRange(1),
    default=None,
    help="Row of a table (CSV, sheet, JSON records), numbered as its own program shows it.",
)
@click.option("--table", default=None, help="With --row: which table of the document (its name).")
@json_option
@handle_errors
def cite(
    case_dir: str | None,
    doc: str,
    page: int | None,
    span: str | None,
    row: int | None,
    table: str | None,
    as_json: bool,
) -> None:
    """Print a checkable citation of a passage (--page and --span) or of a table row (--row).

    Either cites with the file, its paths and its SHA-256; a row is printed as
    "column: value" lines (doc 12 row 4031: culpa cite 12 --row 4031).
    """
    from culpa.errors import UsageError
    from culpa.publish.citation import cite as make_citation
    from culpa.publish.citation import cite_row, parse_span

    if row is not None:
        if page is not None or span is not None:
            raise UsageError("give --row, or --page and --span, not both")
        with opened(case_dir) as (_case, store):
            cited = cite_row(store, store.documents.resolve(doc), row, table)
        if as_json:
            emit_json(cited.as_dict())
        else:
            click.echo(printable(cited.as_text(), lines=True))
        return
    if page is None or span is None:
        raise UsageError("give --page and --span for a passage, or --row for a table row")
    start, end = parse_span(span)
    with opened(case_dir) as (_case, store):
        citation = make_citation(store, store.documents.resolve(doc), page, start, end)
    if as_json:
        emit_json(citation.as_dict())
    else:
        click.echo(printable(citation.as_text(), lines=True))
