"""The ``culpa`` command group and what its commands share: options, JSON output, exit status.

The commands live in culpa/cli/commands/, one module per topic, and are registered on the
group in culpa/cli/main.py, one line each; they import this module, never main.py.

Results go to stdout (``--json`` for machines), progress and messages to
stderr. Exit status: 0 success, 3 finished with recorded per-file errors,
4 the disk holding the case is full or failing, 2 usage error, 1 internal failure.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from culpa import __version__
from culpa.analysis.ocr.choices import DEFAULT_OCR_LANG, ENGINE_CHOICES
from culpa.cli.terminal import json_safe
from culpa.errors import CaseDamagedError, CulpaError, ExitCode, storage_errno, storage_message
from culpa.store.api import CaseStore
from culpa.store.case import CASE_ENV, Case, open_case

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


def emit_json(data: Any) -> None:
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
            # Imported here: the SQLite store loads with it, and only a failed command asks.
            from culpa.store.sqlite.connection import damaged_database

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
def opened(case_dir: str | None) -> Iterator[tuple[Case, CaseStore]]:
    """The case named by ``--case`` (or ``$CULPA_CASE``) and its store, closed after."""
    case = open_case(case_dir)
    store = case.store()
    try:
        yield case, store
    finally:
        store.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="culpa")
def cli() -> None:
    """culpa: make a leaked trove searchable, cross-checked and citable, offline."""
