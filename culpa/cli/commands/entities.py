"""``culpa entities`` (people, organisations, places, dates and times, and the reporter's
edits to them) and ``culpa quotes`` (who said what).

Both read what the entities and quotes analyzers stored (``culpa analyze``) through
``store.entities``, with the reporter's merges, splits and aliases applied; the edits
are kept in the case apart from the findings, so they still apply after the analyzers
run again. Lists go to stdout as text, JSON lines (``--json``) or CSV (``--csv``);
messages go to stderr. Registered on the ``culpa`` group in culpa/cli/main.py.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from culpa.analysis.entities.mentions import LABELS
from culpa.cli.group import case_option, handle_errors
from culpa.cli.terminal import json_safe, printable
from culpa.errors import UsageError
from culpa.publish.export import (
    ENTITY_COLUMNS,
    MENTION_COLUMNS,
    QUOTATION_COLUMNS,
    csv_lines,
    json_line,
)
from culpa.store.api import CaseStore
from culpa.store.case import open_case
from culpa.store.entity_edits import folded
from culpa.store.records import StoredEntity

label_option = click.option(
    "--label",
    type=click.Choice(LABELS),
    default=None,
    help="Only entities of this label: PER people, ORG organisations, LOC places, DATE, TIME.",
)
jsonl_option = click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per line on stdout."
)
csv_option = click.option("--csv", "as_csv", is_flag=True, help="CSV with a header on stdout.")


@contextmanager
def case_store(case_dir: str | None) -> Iterator[CaseStore]:
    """The store of the case named by ``--case`` (or ``$CULPA_CASE``), closed after.

    A subcommand takes ``--case`` given before its name too (``culpa entities --case
    DIR merge A B``).
    """
    context = click.get_current_context(silent=True)
    if case_dir is None and context is not None and context.parent is not None:
        case_dir = context.parent.params.get("case_dir")
    store = open_case(case_dir).store()
    try:
        yield store
    finally:
        store.close()


def emit_records(
    records: Iterable[Mapping[str, Any]], columns: tuple[str, ...], as_json: bool, as_csv: bool
) -> int:
    """Write records as JSON lines or CSV to stdout; how many."""
    count = 0
    if as_json:
        for record in records:
            click.echo(json_safe(json_line(record)))
            count += 1
        return count
    terminal = sys.stdout.isatty()
    for line in csv_lines(records, columns):
        click.echo(printable(line, lines=True) if terminal else line, nl=False)
        count += 1
    return count - 1  # the header


def _hint(count: int) -> str:
    return "" if count else " (none stored yet? `culpa analyze` finds them)"


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")


def find_entity(store: CaseStore, name: str, label: str | None) -> StoredEntity | None:
    """The entity called ``name`` (folded: 陳全國 = 陈全国), or known by it as an alias.

    A usage error when the name is ambiguous (an entity of several labels): give the label.
    """
    entities = store.entities.entities(label)
    wanted = folded(name)
    for matches in (
        [e for e in entities if folded(e.name) == wanted],
        [e for e in entities if any(folded(a) == wanted for a in e.aliases)],
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            labels = ", ".join(sorted({e.label for e in matches}))
            found = "; ".join(f"{e.label} {e.name}" for e in matches)
            raise UsageError(
                f"{printable(name)} names several entities ({printable(found)}): "
                f"give --label ({labels})"
            )
    return None


def need_entity(store: CaseStore, name: str, label: str | None) -> StoredEntity:
    entity = find_entity(store, name, label)
    if entity is None:
        of = f" of label {label}" if label else ""
        raise UsageError(
            f"no entity{of} is called {printable(name)}: `culpa entities` lists them "
            "(run `culpa analyze` first if it lists none)"
        )
    return entity


@click.group(invoke_without_command=True)
@case_option
@label_option
@click.option(
    "--mentions",
    "list_mentions",
    is_flag=True,
    help="List every mention (document, page, span, text, label, entity) instead.",
)
@click.option(
    "--name",
    default=None,
    metavar="NAME",
    help="Only the entity NAME (canonical name or alias, either script), or its mentions.",
)
@jsonl_option
@csv_option
@click.pass_context
@handle_errors
def entities(
    ctx: click.Context,
    case_dir: str | None,
    label: str | None,
    list_mentions: bool,
    name: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List the people, organisations, places, dates and times the pages name.

    One line per entity: label, canonical name, mentions, documents and aliases
    (the forms its mentions are written in, and names added with `culpa entities
    alias`). With --mentions, one line per mention. Run `culpa analyze` first. The
    subcommands merge, split and alias entities; the edits are kept in the case
    and still apply when the analyzers run again (`culpa entities edits`, `undo`).
    """
    if ctx.invoked_subcommand is not None:
        if label or list_mentions or name or as_json or as_csv:
            raise UsageError(
                f"--label, --mentions, --name, --json and --csv list entities; give them to "
                f"`culpa entities`, not with `{ctx.invoked_subcommand}`"
            )
        return
    _one_format(as_json, as_csv)
    with case_store(case_dir) as store:
        one = need_entity(store, name, label) if name is not None else None
        if list_mentions:
            found = store.entities.mentions(one.label if one else label)
            if one is not None:
                found = (m for m in found if m.entity == one.name)
            if as_json or as_csv:
                count = emit_records((m.as_dict() for m in found), MENTION_COLUMNS, as_json, as_csv)
            else:
                count = 0
                for m in found:
                    count += 1
                    click.echo(
                        f"doc {m.document_id} {m.span.sha256[:12]} p.{m.span.page} "
                        f"[{m.span.start}:{m.span.end}]\t{m.label}\t{printable(m.entity)}\t"
                        f"{printable(m.text)}"
                    )
            click.echo(f"{count} mentions{_hint(count)}", err=True)
            return
        listed = [one] if one is not None else store.entities.entities(label)
    if as_json or as_csv:
        emit_records((e.as_dict() for e in listed), ENTITY_COLUMNS, as_json, as_csv)
    else:
        for e in listed:
            aliases = printable("; ".join(e.aliases))
            click.echo(
                f"{e.label}\t{printable(e.name)}\t{e.mentions} mentions\t{e.documents} documents"
                + (f"\t{aliases}" if aliases else "")
            )
    click.echo(f"{len(listed)} entities{_hint(len(listed))}", err=True)


@entities.command()
@case_option
@click.argument("name")
@click.argument("into")
@click.option("--label", type=click.Choice(LABELS), default=None, help="NAME's label.")
@click.option(
    "--into-label",
    type=click.Choice(LABELS),
    default=None,
    help="INTO's label (default: as NAME's when INTO is not an entity yet).",
)
@handle_errors
def merge(
    case_dir: str | None, name: str, into: str, label: str | None, into_label: str | None
) -> None:
    """Merge entity NAME into entity INTO: its mentions become INTO's.

    INTO that is no entity yet renames NAME. Names match in either script
    (陳全國 = 陈全国) and by alias. NAME that is only an alias of an entity (a
    spelling folded into it, or the way some mentions are written) moves just
    the mentions called or written so: the way to take "Chen Quanguo" out of
    陈全国 when that pinyin names someone else.
    """
    with case_store(case_dir) as store:
        entity = need_entity(store, name, label)
        whole = folded(name) == folded(entity.name)
        source = (entity.label, entity.name if whole else name)
        target = find_entity(store, into, into_label)
        target_key = (target.label, target.name) if target else (into_label or entity.label, into)
        if whole and target_key == (entity.label, entity.name):
            raise UsageError(f"{printable(name)} and {printable(into)} are one entity already")
        edit = store.entities.add_edit("merge", *source, target=target_key)
    if target:
        said = "merged into"
    else:
        said = "renamed to (no entity of that name yet)" if whole else "moved to a new entity"
    what = "" if whole else f" (mentions so called, from {printable(entity.name)})"
    click.echo(
        f"edit {edit.id}: {source[0]} {printable(source[1])}{what} {said} "
        f"{target_key[0]} {printable(target_key[1])}",
        err=True,
    )


def _span(text: str) -> tuple[int, int]:
    start, sep, end = text.partition(":")
    try:
        first, last = int(start), int(end)
    except ValueError:
        first, last = -1, -1
    if not sep or first < 0 or last < first:
        raise UsageError(f"--span wants START:END (characters of the page), not {text!r}")
    return first, last


@entities.command()
@case_option
@click.argument("name")
@click.option("--into", "into", required=True, help="The entity the mentions go to (new or not).")
@click.option(
    "--document",
    "doc",
    required=True,
    metavar="DOC",
    help="The document whose mentions of NAME move (an id or SHA-256 prefix).",
)
@click.option("--page", type=click.IntRange(min=1), default=None, help="Only on this page.")
@click.option(
    "--span", default=None, help="Only mentions inside START:END of the page (needs --page)."
)
@click.option("--label", type=click.Choice(LABELS), default=None, help="NAME's label.")
@click.option(
    "--into-label",
    type=click.Choice(LABELS),
    default=None,
    help="The new entity's label (default: NAME's).",
)
@handle_errors
def split(
    case_dir: str | None,
    name: str,
    into: str,
    doc: str,
    page: int | None,
    span: str | None,
    label: str | None,
    into_label: str | None,
) -> None:
    """Move NAME's mentions in one document (page, span) to another entity, INTO.

    For two people under one name: `culpa entities --mentions` shows where each
    mention is. The mentions are kept by document SHA-256, page and span, so the
    split holds when the analyzers run again.
    """
    if span is not None and page is None:
        raise UsageError("--span needs --page")
    bounds = _span(span) if span is not None else None
    with case_store(case_dir) as store:
        source = need_entity(store, name, label)
        document_id = store.documents.resolve(doc)
        chosen = [
            m
            for m in store.entities.mentions(document_id=document_id)
            if (m.label, m.entity) == (source.label, source.name)
            and (page is None or m.span.page == page)
            and (bounds is None or (bounds[0] <= m.span.start and m.span.end <= bounds[1]))
        ]
        if not chosen:
            raise UsageError(
                f"no mention of {source.label} {printable(source.name)} in document {doc}"
                + (f" on page {page}" if page else "")
                + (f" inside {span}" if span else "")
            )
        target = (into_label or source.label, into)
        if target == (source.label, source.name):
            raise UsageError("--into names the entity the mentions are in already")
        edit = store.entities.add_edit(
            "split",
            source.label,
            source.name,
            target=target,
            mentions=[(m.span.sha256, m.span.page, m.span.start, m.span.end) for m in chosen],
        )
    click.echo(
        f"edit {edit.id}: {len(edit.mentions)} mentions of {source.label} "
        f"{printable(source.name)} moved to {target[0]} {printable(target[1])}",
        err=True,
    )


@entities.command()
@case_option
@click.argument("name")
@click.argument("alias")
@click.option("--label", type=click.Choice(LABELS), default=None, help="NAME's label.")
@handle_errors
def alias(case_dir: str | None, name: str, alias: str, label: str | None) -> None:
    """Give entity NAME another name, ALIAS.

    Mentions whose canonical name or written form is ALIAS join NAME (a
    spelling the analyzer did not link), and `culpa quotes --speaker ALIAS`
    finds NAME's quotations.
    """
    with case_store(case_dir) as store:
        entity = need_entity(store, name, label)
        if folded(alias) == folded(entity.name):
            raise UsageError(f"{printable(alias)} is {printable(entity.name)}'s name already")
        edit = store.entities.add_edit("alias", entity.label, entity.name, alias=alias)
    click.echo(
        f"edit {edit.id}: {entity.label} {printable(entity.name)} is also {printable(alias)}",
        err=True,
    )


@entities.command()
@case_option
@jsonl_option
@handle_errors
def edits(case_dir: str | None, as_json: bool) -> None:
    """List the edits made to the entities, in the order they apply, with their ids."""
    with case_store(case_dir) as store:
        made = store.entities.edits()
    for edit in made:
        if as_json:
            click.echo(json_safe(json_line(edit.as_dict())))
            continue
        what = f"{edit.id}\t{edit.kind}\t{edit.label} {printable(edit.name)}"
        if edit.kind == "alias":
            what += f"\talso {printable(edit.alias or '')}"
        else:
            what += f"\t→ {edit.target_label} {printable(edit.target_name or '')}"
        if edit.kind == "split":
            what += f"\t{len(edit.mentions)} mentions"
        click.echo(f"{what}\t{edit.made_at}")
    click.echo(f"{len(made)} edits", err=True)


@entities.command()
@case_option
@click.argument("edit_id", metavar="ID", type=int)
@handle_errors
def undo(case_dir: str | None, edit_id: int) -> None:
    """Remove edit ID (as `culpa entities edits` numbers it); the later edits still apply."""
    with case_store(case_dir) as store:
        if not store.entities.remove_edit(edit_id):
            raise UsageError(f"no edit {edit_id}: `culpa entities edits` lists them")
    click.echo(f"edit {edit_id} removed", err=True)


@click.command()
@case_option
@click.option(
    "--speaker",
    default=None,
    metavar="NAME",
    help="Only quotations by this person (canonical name or alias, either script).",
)
@jsonl_option
@csv_option
@handle_errors
def quotes(case_dir: str | None, speaker: str | None, as_json: bool, as_csv: bool) -> None:
    """List every quotation with its speaker: document, page, span and the words.

    The speaker as written, where the page names them (speaker_start, speaker_end),
    and the entity they are after `culpa entities` edits. --speaker matches the
    entity's canonical name and aliases, in traditional or simplified script
    (陳全國 finds 陈全国), or the speaker as written. Run `culpa analyze` first.
    """
    _one_format(as_json, as_csv)
    with case_store(case_dir) as store:
        found = store.entities.quotations(speaker)
        if as_json or as_csv:
            count = emit_records((q.as_dict() for q in found), QUOTATION_COLUMNS, as_json, as_csv)
        else:
            count = 0
            for q in found:
                count += 1
                who = printable(q.entity or q.speaker or "(unknown)")
                if q.speaker and q.entity and q.speaker != q.entity:
                    who += f" (as {printable(q.speaker)})"
                click.echo(
                    f"doc {q.document_id} {q.span.sha256[:12]} p.{q.span.page} "
                    f"[{q.span.start}:{q.span.end}]\t{who}\t“{printable(q.text)}”"
                )
    click.echo(f"{count} quotations{_hint(count)}", err=True)
