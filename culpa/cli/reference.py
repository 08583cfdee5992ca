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
    """The ``--help`` text of ``culpa NAME`` (``culpa`` itself for an empty name).

    NAME may name a subcommand too: ``entities merge``.
    """
    context = click.Context(
        group,
        info_name="culpa",
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        **group.context_settings,
    )
    command: click.Command = group
    for part in name.split():
        assert isinstance(command, click.Group), name
        found = command.get_command(context, part)
        assert found is not None, name
        command = found
        context = click.Context(
            command,
            info_name=part,
            parent=context,
            terminal_width=WIDTH,
            max_content_width=WIDTH,
            **command.context_settings,
        )
    return command.get_help(context)


def _names(group: click.Group, prefix: str = "") -> list[str]:
    """Every command and subcommand of ``group``, alphabetically, each group before its own."""
    names: list[str] = []
    for name in sorted(group.list_commands(click.Context(group))):
        command = group.get_command(click.Context(group), name)
        names.append(prefix + name)
        if isinstance(command, click.Group):
            names += _names(command, f"{prefix}{name} ")
    return names


def cli_reference(group: click.Group) -> str:
    """The whole reference, one section per command (and subcommand) in alphabetical order."""
    sections = [HEADER, "## culpa\n", "```text", command_help(group, ""), "```\n"]
    for name in _names(group):
        sections += [f"## culpa {name}\n", "```text", command_help(group, name), "```\n"]
    return "\n".join(sections)


def main() -> None:
    from culpa.cli.main import cli

    click.echo(cli_reference(cli), nl=False)


if __name__ == "__main__":
    main()
