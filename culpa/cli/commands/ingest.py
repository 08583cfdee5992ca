"""``culpa ingest``: add files, folders and archives to the case (culpa/ingest/runner.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from culpa.cli.group import (
    case_option,
    emit_json,
    handle_errors,
    json_option,
    ocr_engine_option,
    ocr_lang_option,
)
from culpa.errors import ErrorKind, ExitCode
from culpa.store.case import open_case


@click.command()
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
    Files read in part (a broken page, a locked member) are stored, and their
    warnings counted in the summary; warnings alone do not change the exit status.
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
        from culpa.cli.commands.analyze import analyze_after_ingest

        analysis = analyze_after_ingest(case, analyze_speed, quiet=as_json)
    if as_json:
        emit_json({**summary.as_dict(), **({"analysis": analysis} if analysis else {})})
    else:
        click.echo(
            f"{summary.files_seen} files: {summary.documents_added} new documents, "
            f"{summary.pages_added} pages ({summary.ocr_pages_added} OCR'd), "
            f"{summary.files_unchanged} unchanged, {summary.duplicates} duplicates, "
            f"{summary.error_count} errors"
            + (f", {summary.warning_count} warnings" if summary.warning_count else "")
            + f" in {summary.seconds:.1f}s",
            err=True,
        )
        for kind, count in sorted(summary.errors.items()):
            click.echo(f"  {kind}: {count}  (culpa errors --kind {kind})", err=True)
        for kind, count in sorted(summary.warnings.items()):
            said = "warning" if count == 1 else "warnings"
            click.echo(f"  {kind}: {count} {said}  (culpa errors --kind {kind})", err=True)
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
