"""The packages' import directions: each stage imports only the ones below it.

sources (walking folders, unpacking) knows nothing of the formats that use it;
analysis works on stored pages and never on files, so it imports nothing from
formats; and extractors are pure, so they call no analysis (the ingest tags
the languages of their pages). Imports under ``if TYPE_CHECKING:`` count too:
they are the same dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "culpa"


def _imports(package: str) -> set[tuple[str, str]]:
    """(module file, imported culpa module) for every module of ``culpa.<package>``."""
    found: set[tuple[str, str]] = set()
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            rel = str(path.relative_to(PACKAGE.parent))
            found.update((rel, name) for name in names if name.startswith("culpa."))
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("sources", "culpa.formats"), ("analysis", "culpa.formats"), ("formats", "culpa.analysis")],
)
def test_package_imports_nothing_from(package: str, forbidden: str) -> None:
    wrong = sorted(
        (path, name)
        for path, name in _imports(package)
        if name == forbidden or name.startswith(forbidden + ".")
    )
    assert wrong == []
