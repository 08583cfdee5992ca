"""The documentation keeps up with the code."""

from __future__ import annotations

import re
from pathlib import Path

from culpa.cli.main import cli
from culpa.cli.reference import cli_reference
from culpa.errors import ErrorKind, ExitCode
from culpa.store.sqlite.migrations import step_files

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme_and_has_help() -> None:
    for name, command in cli.commands.items():
        assert f"culpa {name}" in README, name
        assert command.help and len(command.help) > 20, name


def test_readme_gives_the_two_commands_and_ci_runs_the_second() -> None:
    assert "bash scripts/setup.sh --demo" in README
    assert "bash scripts/test.sh" in README
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_every_error_kind_is_documented() -> None:
    errors = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for kind in ErrorKind:
        assert f"`{kind.value}`" in errors, kind


def test_every_exit_status_is_documented() -> None:
    errors = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"\n| {int(code)} |" in errors, code
        assert f"\n| {int(code)} |" in README, code


def test_every_table_is_documented() -> None:
    schema = "\n".join(path.read_text(encoding="utf-8") for path in step_files())
    layout = (ROOT / "docs" / "case-layout.md").read_text(encoding="utf-8")
    tables = re.findall(r"CREATE (?:VIRTUAL )?TABLE IF NOT EXISTS (\w+)", schema)
    assert tables
    for table in tables:
        assert f"`{table}`" in layout, table


def test_the_cli_reference_is_generated_from_today_s_help() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert reference == cli_reference(cli), (
        "docs/cli.md is out of date: .venv/bin/python -m culpa.cli.reference > docs/cli.md"
    )
    for name in cli.commands:
        assert f"\n## culpa {name}\n" in reference, name
