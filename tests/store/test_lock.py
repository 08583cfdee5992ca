"""One writer per case: ingest, culpa ocr and culpa analyze refuse each other at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from culpa.errors import CaseError
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import init_case
from culpa.store.lock import CaseLock


def test_an_ingest_is_refused_while_another_writer_holds_the_case(tmp_path: Path) -> None:
    case = init_case(tmp_path / "case")
    trove = tmp_path / "a.txt"
    trove.write_text("新疆 report", encoding="utf-8")
    refused = pytest.raises(CaseError, match="run culpa ingest again when it has finished")
    with CaseLock(case, "analyze"), refused:
        ingest(case, [trove], IngestOptions(workers=1, ocr=False))
    summary = ingest(case, [trove], IngestOptions(workers=1, ocr=False))  # released: it runs
    assert summary.documents_added == 1


def test_the_lock_is_released_when_its_holder_fails(tmp_path: Path) -> None:
    case = init_case(tmp_path / "case")
    with pytest.raises(RuntimeError), CaseLock(case, "ocr"):
        raise RuntimeError("the run failed")
    with CaseLock(case, "ocr"):
        pass
