"""The ``culpa`` command: a thin layer over the library.

Results go to stdout (``--json`` for machines), progress and messages to
stderr. Exit status: 0 success, 3 finished with recorded per-file errors,
4 the disk holding the case is full or failing, 2 usage error, 1 internal failure.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from culpa import __version__
from culpa.analysis.ocr.choices import DEFAULT_OCR_LANG, ENGINE_CHOICES
from culpa.cli.terminal import json_safe, printable
from culpa.errors import (
    CaseDamagedError,
    CulpaError,
    ErrorKind,
    ExitCode,
    storage_errno,
    storage_message,
)
from culpa.store.case import CASE_ENV, Case, damaged_database, init_case, open_case

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])

case_option = click.option(
    "--case",
    "case_dir",
    envvar=CASE_ENV,
    metavar="DIR",
    help=f"Case folder (default: ${CASE_ENV}).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout."
)


def ocr_lang_option(name: str) -> Callable[[F], F]:
    """The OCR languages option of ``culpa ingest`` and ``culpa ocr``."""
    return click.option(
        name,
        default=DEFAULT_OCR_LANG,
        show_default=True,
        help="OCR languages (Tesseract's names), '+'-separated, e.g. chi_sim, chi_tra+eng, uig; "
        "a page is read in those of its script.",
    )


def ocr_engine_option(name: str) -> Callable[[F], F]:
    """The OCR engine option of ``culpa ingest`` and ``culpa ocr``."""
    return click.option(
        name,
        type=click.Choice(ENGINE_CHOICES),
        default="auto",
        show_default=True,
        help="OCR engine: auto (the best for each page), tesseract or ppocr.",
    )


def _emit_json(data: Any) -> None:
    click.echo(json_safe(json.dumps(data, ensure_ascii=False, indent=2)))


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn culpa's errors into a message and the right exit status."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CulpaError as exc:
            click.echo(f"culpa: {exc}{_hint(exc)}", err=True)
            sys.exit(int(exc.exit_code))
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("culpa: interrupted; committed work is kept, re-run to finish", err=True)
            sys.exit(130)
        except Exception as exc:
            if (code := storage_errno(exc)) is not None:  # the disk, not a bug (issue 10)
                click.echo(f"culpa: {storage_message(code)} ({exc})", err=True)
                sys.exit(int(ExitCode.STORAGE))
            if (damage := damaged_database(exc)) is not None:  # the file, not a bug
                click.echo(f"culpa: {damage}{_hint(damage)}", err=True)
                sys.exit(int(damage.exit_code))
            click.echo("culpa: internal error (a bug; please report it):", err=True)
            click.echo(traceback.format_exc(), err=True)
            sys.exit(int(ExitCode.INTERNAL))

    return wrapper


def _hint(exc: BaseException) -> str:
    """What to run next, for errors that have a command to look further."""
    ctx = click.get_current_context(silent=True)
    running = ctx.info_name if ctx is not None else None
    if isinstance(exc, CaseDamagedError) and "verify" in cli.commands and running != "verify":
        return "; `culpa verify` lists what is damaged"
    return ""


@contextmanager
def _opened(case_dir: str | None) -> Iterator[tuple[Case, Any]]:
    case = open_case(case_dir)
    conn = case.connect()
    try:
        yield case, conn
    finally:
        conn.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="culpa")
def cli() -> None:
    """culpa: make a leaked trove searchable, cross-checked and citable, offline."""


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@json_option
@handle_errors
def init(directory: Path, as_json: bool) -> None:
    """Create a case in DIRECTORY (an empty or new folder)."""
    case = init_case(directory)
    if as_json:
        _emit_json({"case": str(case.root)})
    else:
        click.echo(f"case ready: {case.root}", err=True)


@cli.command()
@case_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per core).",
)
@click.option("--no-ocr", is_flag=True, help="Do not OCR scans and images (much faster).")
@ocr_lang_option("--ocr-lang")
@ocr_engine_option("--ocr-engine")
@click.option(
    "--password",
    "passwords",
    multiple=True,
    help="A password to try on encrypted archives, PDFs and Office files (repeatable).",
)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file of passwords to try, one per line.",
)
@click.option(
    "--retry-errors",
    is_flag=True,
    help="Read again the files under PATHS that failed in an earlier run (any kind). "
    "Encrypted files are always tried again when passwords are given.",
)
@click.option(
    "--file-timeout",
    type=click.FloatRange(1, None),
    default=300.0,
    show_default=True,
    help="Seconds a file may go without progress (a page, a member) before it is stopped.",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(256, None),
    default=4096,
    show_default=True,
    help="MiB of memory one worker may use on a file before the file is stopped.",
)
@click.option(
    "--max-ocr-pages",
    type=click.IntRange(0, None),
    default=5000,
    show_default=True,
    help="Pages OCR'd per document; the rest are kept without text, the document partial "
    "(read them later with `culpa ocr DOC --pages A-B`). 0: no limit.",
)
@click.option(
    "--max-blank-ocr-pages",
    type=click.IntRange(0, None),
    default=50,
    show_default=True,
    help="Stop OCR of a document after this many pages in a row read without text. 0: never.",
)
@click.option(
    "--max-ocr-minutes",
    type=click.FloatRange(0, None),
    default=60.0,
    show_default=True,
    help="Minutes of OCR per document before the rest of it is left for later. 0: no limit.",
)
@click.option(
    "--max-archive-members",
    type=click.IntRange(0, None),
    default=100_000,
    show_default=True,
    help="Members unpacked per archive; past it the archive is kept as partial. 0: no budget.",
)
@click.option(
    "--max-unpack-gb",
    type=click.FloatRange(0, None),
    default=100.0,
    show_default=True,
    help="GiB all archives of the run may unpack; past it archives are kept as partial. "
    "0: no budget.",
)
@click.option(
    "--analyze",
    "analyze_speed",
    type=click.Choice(["none", "fast", "all"]),
    default="fast",
    show_default=True,
    help="Analyzers to run after the ingest (mail threads are fast); the rest: culpa analyze.",
)
@json_option
@handle_errors
def ingest(
    case_dir: str | None,
    paths: tuple[Path, ...],
    workers: int | None,
    no_ocr: bool,
    ocr_lang: str,
    ocr_engine: str,
    passwords: tuple[str, ...],
    password_file: Path | None,
    retry_errors: bool,
    file_timeout: float,
    memory_limit: int,
    max_ocr_pages: int,
    max_blank_ocr_pages: int,
    max_ocr_minutes: float,
    max_archive_members: int,
    max_unpack_gb: float,
    analyze_speed: str,
    as_json: bool,
) -> None:
    """Add files, folders and archives at PATHS to the case.

    Safe to re-run (what is done is skipped) and to interrupt (a re-run
    finishes the job). Then runs the fast analyzers (``--analyze``). Exits 3
    when some files could not be read, or an analyzer failed; see `culpa errors`.
    """
    from culpa.cli.progress import ProgressBar
    from culpa.ingest.executors.base import FileLimits
    from culpa.ingest.ocr_stage import OcrBudget
    from culpa.ingest.runner import IngestOptions
    from culpa.ingest.runner import ingest as run_ingest

    # A link named here is followed (sources/walk.py); one that leads nowhere is refused.
    broken = [str(p) for p in paths if p.is_symlink() and not p.exists()]
    if broken:
        raise click.UsageError(
            f"symbolic link that cannot be followed (dangling, or a loop): {', '.join(broken)}"
        )
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    case = open_case(case_dir)
    tried = list(passwords)
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        tried.extend(line for line in lines if line)
    options = IngestOptions(
        workers=workers or IngestOptions().workers,
        ocr=not no_ocr,
        ocr_languages=tuple(ocr_lang.split("+")),
        ocr_engine=ocr_engine,
        passwords=tuple(dict.fromkeys(tried)),
        limits=FileLimits(timeout=file_timeout, memory_bytes=memory_limit * 1024**2),
        retry_kinds=frozenset(str(kind) for kind in ErrorKind) if retry_errors else frozenset(),
        ocr_budget=OcrBudget(max_ocr_pages, max_blank_ocr_pages, max_ocr_minutes * 60),
        member_budget=max_archive_members,
        max_unpack_bytes=int(max_unpack_gb * 1024**3),
    )
    with ProgressBar(enabled=sys.stderr.isatty()) as bar:
        summary = run_ingest(case, list(paths), options, progress=bar.update)
    analysis = None
    if analyze_speed != "none" and summary.storage_fault is None:
        from culpa.cli.analyze import analyze_after_ingest

        analysis = analyze_after_ingest(case, analyze_speed, quiet=as_json)
    if as_json:
        _emit_json({**summary.as_dict(), **({"analysis": analysis} if analysis else {})})
    else:
        click.echo(
            f"{summary.files_seen} files: {summary.documents_added} new documents, "
            f"{summary.pages_added} pages ({summary.ocr_pages_added} OCR'd), "
            f"{summary.files_unchanged} unchanged, {summary.duplicates} duplicates, "
            f"{summary.error_count} errors in {summary.seconds:.1f}s",
            err=True,
        )
        for kind, count in sorted(summary.errors.items()):
            click.echo(f"  {kind}: {count}  (culpa errors --kind {kind})", err=True)
    if summary.earlier_ocr is not None:
        # Unchanged files are not read again, so new OCR settings do not reach them.
        earlier = summary.earlier_ocr.as_dict()
        click.echo(
            f"culpa: the {summary.files_unchanged} unchanged files keep the OCR they were "
            f"ingested with ({earlier['languages']}, engine {earlier['engine']}); to read "
            f"them again with these settings: culpa ocr --all --lang {ocr_lang} "
            f"--engine {ocr_engine}",
            err=True,
        )
    if summary.storage_fault is not None:
        click.echo(f"culpa: {summary.storage_fault}", err=True)
        sys.exit(int(ExitCode.STORAGE))
    if summary.error_count or (analysis and analysis["failed"]):
        sys.exit(int(ExitCode.FILE_ERRORS))


#: ANSI styles on a terminal: the match bold red, a doubtful OCR word underlined magenta.
_HIT_STYLE, _DOUBT_STYLE = "\x1b[1;31m", "\x1b[4;35m"


def _render_snippet(snippet: str, color: bool) -> str:
    """The snippet with its marks as colours on a terminal; plain ``[[…]]``/``[?…?]`` otherwise."""
    if not color:
        return snippet
    from culpa.search.doubt import DOUBT_CLOSE, DOUBT_OPEN

    out: list[str] = []
    in_hit = False
    for piece in re.split(
        f"({re.escape(DOUBT_OPEN)}|{re.escape(DOUBT_CLOSE)}|\\[\\[|\\]\\])", snippet
    ):
        if piece == "[[":
            in_hit = True
            out.append(_HIT_STYLE)
        elif piece == "]]":
            in_hit = False
            out.append("\x1b[0m")
        elif piece == DOUBT_OPEN:
            out.append(_DOUBT_STYLE)
        elif piece == DOUBT_CLOSE:
            out.append("\x1b[0m" + (_HIT_STYLE if in_hit else ""))
        else:
            out.append(piece)
    return "".join(out)


@cli.command()
@case_option
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 100000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--type", "types", multiple=True, help="Only this file type (pdf, image, docx, ...).")
@click.option(
    "--lang", "languages", multiple=True, help="Only pages in this language (zh, en, ...)."
)
@click.option(
    "--path", "path_prefix", default=None, help="Only files found under this provenance path."
)
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")
@json_option
@handle_errors
def search(
    case_dir: str | None,
    query: tuple[str, ...],
    limit: int,
    offset: int,
    types: tuple[str, ...],
    languages: tuple[str, ...],
    path_prefix: str | None,
    as_csv: bool,
    as_json: bool,
) -> None:
    """Search every page: words, "phrases", Chinese of any length, AND/OR/NOT.

    Simplified and traditional Chinese match each other. surveil* finds words
    that begin so; "mass surveillance"~3 or NEAR(新疆 棉花, 5) finds words at
    most 3 (5) apart (characters in Chinese). Filters can also be written in
    the query: type:pdf lang:zh path:leak.zip!/2017 ocr:low year:1992. On
    OCR'd pages a hit says "OCR 71%" ("low" when doubtful), and words the OCR
    was unsure of are marked [?like this?] in the snippet. How many pages and
    documents match goes to stderr; when none do, it says which filter values
    match nothing and which exist.
    """
    from culpa.search.engine import search as run_search
    from culpa.search.engine import totals
    from culpa.search.explain import explain_empty

    text = " ".join(query)
    with _opened(case_dir) as (_case, conn):
        hits = run_search(
            conn,
            text,
            limit=limit,
            offset=offset,
            types=types,
            languages=languages,
            path_prefix=path_prefix,
        )
        pages, documents = totals(
            conn, text, types=types, languages=languages, path_prefix=path_prefix
        )
        why = (
            explain_empty(conn, text, types=types, languages=languages, path_prefix=path_prefix)
            if not pages
            else []
        )
    # How many match, on stderr whatever the output (issue 10: the CLI never said).
    summary = f"{pages} page{'s' * (pages != 1)} in {documents} document{'s' * (documents != 1)}"
    if hits:
        summary += f" match; showing {offset + 1}-{offset + len(hits)}"
    else:
        summary += f" match; no hits past {offset}" if pages else " match: no hits"
    click.echo(summary + "".join(f"\n  {reason}" for reason in why), err=True)
    fields = [
        "document_id",
        "sha256",
        "path",
        "page",
        "start",
        "end",
        "score",
        "type",
        "language",
        "method",
        "ocr_engine",
        "ocr_confidence",
        "snippet",
        "table",
        "row",
    ]

    def doubtful(hit: Any) -> list[dict[str, Any]]:
        return [{"start": s, "end": e, "confidence": c} for s, e, c in hit.doubtful]

    def value(hit: Any, name: str) -> Any:
        # A hit of filters alone matched no passage: no span, rather than 0:0.
        return None if name in ("start", "end") and hit.start == hit.end else getattr(hit, name)

    if as_json:
        _emit_json(
            {
                "pages": pages,
                "documents": documents,
                "hits": [
                    {**{name: value(hit, name) for name in fields}, "doubtful": doubtful(hit)}
                    for hit in hits
                ],
                "no_hits_because": why,
            }
        )
    elif as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow([*fields, "doubtful"])
        for hit in hits:
            spans = " ".join(f"{s}:{e}@{c:.0f}" for s, e, c in hit.doubtful)
            writer.writerow([*(value(hit, name) for name in fields), spans])
    else:
        from culpa.search.doubt import ocr_label

        color = sys.stdout.isatty()
        for rank, hit in enumerate(hits, start=offset + 1):
            label = ocr_label(hit.method, hit.ocr_engine, hit.ocr_confidence)
            span = f"  [{hit.start}:{hit.end}]" if hit.end > hit.start else ""
            if hit.row is not None:  # a table's row: cite it as doc N row R
                span += f"  row {hit.row} of {printable(hit.table or '')}"
            click.echo(
                f"{rank}. {printable(hit.path)}  page {hit.page}{span}  "
                f"doc {hit.document_id} {hit.sha256[:12]}  score {hit.score:.3g}"
                + (f"  {label}" if label else "")
            )
            click.echo(f"   {_render_snippet(printable(hit.snippet), color)}")


@cli.command()
@case_option
@click.argument("doc")
@click.option("--page", type=click.IntRange(1), default=None, help="Page number (from 1).")
@json_option
@handle_errors
def show(case_dir: str | None, doc: str, page: int | None, as_json: bool) -> None:
    """Print a document's details, or one page's text (--page; JSON adds word boxes)."""
    from culpa.formats.mail_record import MAIL_VIEW_KEY
    from culpa.store.queries import document_info, page_info, resolve_document

    with _opened(case_dir) as (_case, conn):
        doc_id = resolve_document(conn, doc)
        info = document_info(conn, doc_id)
        page_data = page_info(conn, doc_id, page) if page is not None else None
    if as_json:
        data = info.as_dict()
        if page_data is not None:
            data["page"] = page_data.as_dict()
        _emit_json(data)
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
    from culpa.formats.mail_record import parse_record

    record = parse_record(value, 0, 0)
    if record is None:
        return "(not readable by this version)"
    body = "no HTML body" if record.body is None else "where its HTML body is"
    count = record.attachment_count
    return (
        f"what the e-mail view needs: {count} attachment{'' if count == 1 else 's'}, {body} "
        "(the whole record: --json)"
    )


@cli.command()
@case_option
@click.argument("doc")
@json_option
@handle_errors
def thread(case_dir: str | None, doc: str, as_json: bool) -> None:
    """List the e-mail conversation DOC belongs to, replies indented under what they answer."""
    from culpa.store.queries import email_thread, resolve_document

    with _opened(case_dir) as (_case, conn):
        messages = email_thread(conn, resolve_document(conn, doc))
    if as_json:
        _emit_json([message.as_dict() for message in messages])
        return
    for message in messages:
        click.echo(
            f"{'  ' * message.depth}{message.id}\t{printable(message.date or '-')}\t"
            f"{printable(message.sender or '-')}\t"
            f"{printable(message.subject or '(no subject)')}\t{printable(message.path)}"
        )


@cli.command()
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
    from culpa.store.queries import resolve_document

    if row is not None:
        if page is not None or span is not None:
            raise UsageError("give --row, or --page and --span, not both")
        with _opened(case_dir) as (_case, conn):
            cited = cite_row(conn, resolve_document(conn, doc), row, table)
        if as_json:
            _emit_json(cited.as_dict())
        else:
            click.echo(printable(cited.as_text(), lines=True))
        return
    if page is None or span is None:
        raise UsageError("give --page and --span for a passage, or --row for a table row")
    start, end = parse_span(span)
    with _opened(case_dir) as (_case, conn):
        citation = make_citation(conn, resolve_document(conn, doc), page, start, end)
    if as_json:
        _emit_json(citation.as_dict())
    else:
        click.echo(printable(citation.as_text(), lines=True))


@cli.command()
@case_option
@json_option
@handle_errors
def status(case_dir: str | None, as_json: bool) -> None:
    """Counts: files, documents, pages, OCR'd pages, documents per type, errors and warnings."""
    from culpa.store.queries import status_counts

    with _opened(case_dir) as (case, conn):
        counts = status_counts(conn)
    if as_json:
        _emit_json({"case": str(case.root), **counts})
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


@cli.command()
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
    from culpa.store.queries import list_errors

    with _opened(case_dir) as (_case, conn):
        rows = list_errors(conn, kind)
    if as_json:
        _emit_json(rows)
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


@cli.command()
@case_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
)
@handle_errors
def export(case_dir: str | None, output: Path | None) -> None:
    """Write every document and its pages as JSON lines, for other tools."""
    from culpa.store.queries import export_documents

    with _opened(case_dir) as (_case, conn):
        stream = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            count = 0
            for record in export_documents(conn):
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if output:
                stream.close()
    click.echo(f"{count} documents exported", err=True)


def main() -> None:
    cli(prog_name="culpa")


if __name__ == "__main__":
    main()


from culpa.cli import analyze as _analyze  # noqa: E402,F401
from culpa.cli import ocr as _ocr  # noqa: E402,F401
from culpa.cli import verify as _verify  # noqa: E402,F401
from culpa.cli import web as _web  # noqa: E402,F401
