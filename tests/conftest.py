"""Shared fixtures: real case folders in temporary directories."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from culpa.store.case import Case, init_case, schema_sql

#: The shared real-world corpus beside the repository, when present.
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    """An in-memory database with the case schema, for index and search tests."""
    db = sqlite3.connect(":memory:")
    db.executescript(schema_sql())
    yield db
    db.close()


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return init_case(tmp_path / "case")


@pytest.fixture(autouse=True)
def _quiet_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests from writing into the real home folder (caches, telemetry ids)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CULPA_CASE", raising=False)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
