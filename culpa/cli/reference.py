"""docs/cli.md: the reference of every command, generated from its own ``--help``.

Written by hand, a reference drifts from the code; generated, it cannot (sqlite-utils
does the same with cog). ``tests/test_docs.py`` fails when docs/cli.md is not what
this module writes today. Regenerate it with::

    .venv/bin/python -m culpa.cli.reference > docs/cli.md
"""

from __future__ import annotations

import click

#: Help is wrapped at this width whatever the terminal, so the file is the same everywhere.
WIDTH = 88

HEADER = """# Command reference

Generated from each command's `--help` by `python -m culpa.cli.reference`; do not edit
by hand. The README walks through the commands; this page lists every option.
"""


def command_help(group: click.Group, name: str) -> str:
    """The ``--help`` text of ``culpa NAME`` (or of ``culpa`` itself for an empty name)."""
    command = group.get_command(click.Context(group), name) if name else group
    assert command is not None, name
    parent = click.Context(
        group,
        info_name="culpa",
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        **group.context_settings,
    )
    if not name:
        return command.get_help(parent)
    context = click.Context(
        command,
        info_name=name,
        parent=parent,
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        **command.context_settings,
    )
    return command.get_help(context)


def cli_reference(group: click.Group) -> str:
    """The whole reference, one section per command in alphabetical order."""
    sections = [HEADER, "## culpa\n", "```text", command_help(group, ""), "```\n"]
    for name in sorted(group.list_commands(click.Context(group))):
        sections += [f"## culpa {name}\n", "```text", command_help(group, name), "```\n"]
    return "\n".join(sections)


def main() -> None:
    from culpa.cli.main import cli

    click.echo(cli_reference(cli), nl=False)


if __name__ == "__main__":
    main()
