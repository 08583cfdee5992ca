"""Analyzers run in workers that refuse the network, as the ingest's workers do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from culpa.analysis import registry
from culpa.ingest.analyze import AnalyzeOptions, analyze
from culpa.ingest.network_guard import AUDIT_ENV
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from tests.analysis.toy import NetworkProbe


@pytest.fixture
def probe() -> Iterator[None]:
    registry.register(NetworkProbe())
    yield
    registry.unregister(NetworkProbe.name)


def test_an_analyzer_reaching_for_the_network_is_refused_and_recorded(
    case: Case, tmp_path: Path, probe: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "trove").mkdir()
    (tmp_path / "trove" / "a.txt").write_text("hello", encoding="utf-8")
    ingest(case, [tmp_path / "trove"], IngestOptions(workers=1, ocr=False))
    log = tmp_path / "network.log"
    monkeypatch.setenv(AUDIT_ENV, str(log))
    summary = analyze(case, AnalyzeOptions(only=(NetworkProbe.name,)))
    assert summary.failed == 1
    assert "192.0.2.1" in log.read_text(encoding="utf-8")
    store = case.store()
    try:
        (error,) = store.errors.listed()
    finally:
        store.close()
    assert error["path"] == "trove/a.txt"
    assert "network access refused in a culpa worker" in error["message"]
