"""Shared fixtures: real case folders in temporary directories."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from culpa.formats import registry as formats
from culpa.store.case import Case, init_case
from culpa.store.sqlite.migrations import schema_sql

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


@pytest.fixture(autouse=True)
def _test_extractors_only_where_declared(request: pytest.FixtureRequest) -> None:
    """A test's extractor is registered only for the test modules that name it.

    Helper modules (``tests/ingest/faulty.py``, ``temp_holder.py``) register a
    fault-injecting text extractor when imported, so an ingest's workers that
    import them by name get it too. Imported at collection, they would stay
    registered for every later test in the process, and an ingest sends the
    modules of every registered extractor to its workers: a ``.txt`` or toy
    file elsewhere would be read by the faulty extractor. A test module lists
    the ones it uses in ``TEST_EXTRACTORS``; every other one is removed first.
    """
    wanted = tuple(getattr(request.module, "TEST_EXTRACTORS", ()))
    for cls in formats.registered():
        if cls.__module__.startswith("tests.") and cls not in wanted:
            formats.unregister(cls)
    for cls in wanted:
        formats.register(cls)
