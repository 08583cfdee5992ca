"""``culpa search``: ranked hits with their snippets, as text, CSV or JSON (culpa/search/)."""

from __future__ import annotations

import csv
import re
import sys
from typing import Any

import click

from culpa.cli.group import case_option, emit_json, handle_errors, json_option, opened
from culpa.cli.terminal import printable

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


@click.command()
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
    the query: type:pdf lang:zh path:leak.zip!/2017 ocr:low year:1992, and
    who is named (after culpa analyze): person:陈全国 org:公安厅 place:喀什
    speaker:习近平 keep the pages naming them or quoting the speaker. On
    OCR'd pages a hit says "OCR 71%" ("low" when doubtful), and words the OCR
    was unsure of are marked [?like this?] in the snippet. How many pages and
    documents match goes to stderr; when none do, it says which filter values
    match nothing and which exist.
    """
    from culpa.search.engine import search as run_search
    from culpa.search.engine import totals
    from culpa.search.explain import explain_empty

    text = " ".join(query)
    with opened(case_dir) as (_case, store):
        hits = run_search(
            store,
            text,
            limit=limit,
            offset=offset,
            types=types,
            languages=languages,
            path_prefix=path_prefix,
        )
        pages, documents = totals(
            store, text, types=types, languages=languages, path_prefix=path_prefix
        )
        why = (
            explain_empty(store, text, types=types, languages=languages, path_prefix=path_prefix)
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
        emit_json(
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
