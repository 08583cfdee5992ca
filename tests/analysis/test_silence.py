"""Analyzers run in workers that refuse the network, and the entity models stay silent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from culpa.analysis import registry
from culpa.analysis.entities.mentions import ENTITIES_ANALYZER
from culpa.analysis.onnx import TELEMETRY_ENV
from culpa.ingest.analyze import AnalyzeOptions, analyze
from culpa.ingest.network_guard import AUDIT_ENV
from culpa.ingest.runner import IngestOptions, ingest
from culpa.store.case import Case
from tests.analysis.toy import NetworkProbe

#: The repository, put on the fresh process's path.
ROOT = Path(__file__).resolve().parents[2]


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


#: Recognises names in a fresh process (so onnxruntime and spaCy are imported there) with
#: the workers' network guard on and every file opened for writing recorded.
RECOGNISE = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path

    from culpa.ingest.network_guard import forbid_network

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
    written = []

    def watch(event, args):
        if event != "open" or len(args) < 3:
            return
        path, mode, flags = args[0], args[1], args[2]
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        ):
            written.append(os.fsdecode(path) if not isinstance(path, int) else str(path))

    forbid_network(Path(sys.argv[1]))
    sys.addaudithook(watch)
    from culpa.analysis.entities.recognize import recognize

    found = []
    for text, language in json.loads(sys.argv[2]):
        found += [[m.text, m.label] for m in recognize(text, language)]
    print(json.dumps({"found": found, "written": written}))
    """
)


def test_recognising_entities_is_silent(tmp_path: Path) -> None:
    """LAC (onnxruntime) and spaCy load and run without the network and write nothing.

    A fresh process with an empty HOME: onnxruntime writes its device id under
    ~/.cache at import unless culpa stops it, so HOME must stay empty; no socket
    is attempted (the workers' guard logs any); no file is opened for writing.
    """
    home, work, scratch = tmp_path / "home", tmp_path / "case", tmp_path / "tmp"
    for folder in (home, work, scratch):
        folder.mkdir()
    log = tmp_path / "network.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ORT_", "XDG_"))}
    env.update(HOME=str(home), TMPDIR=str(scratch), PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    pages = [
        ["自治区党委书记陈全国在乌鲁木齐市公安局讲话", "zh-Hans"],
        ["自治區黨委書記陳全國在烏魯木齊市公安局講話", "zh-Hant"],
        ["Chen Quanguo told officials in Urumqi on June 30, 2017.", "en"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", RECOGNISE, str(log), json.dumps(pages)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert ["陈全国", "PER"] in result["found"] and ["陳全國", "PER"] in result["found"]
    assert ["Chen Quanguo", "PER"] in result["found"]
    assert not log.exists() or log.read_text(encoding="utf-8") == ""
    assert result["written"] == []
    assert [str(path) for path in home.rglob("*")] == []  # no ~/.cache/Microsoft/...
    assert list(work.iterdir()) == [] and list(scratch.iterdir()) == []


def test_culpa_analyze_recognises_entities_in_silence(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entities analyzer in real workers: names found, nothing refused, HOME untouched."""
    trove = tmp_path / "trove"
    trove.mkdir()
    (trove / "names.txt").write_text(
        "自治区党委书记陈全国在乌鲁木齐市公安局讲话。\n"
        "Chen Quanguo told officials in Urumqi on June 30, 2017.\n",
        encoding="utf-8",
    )
    ingest(case, [trove], IngestOptions(workers=1, ocr=False))
    home = Path(os.environ["HOME"])  # an empty folder of the test's own (tests/conftest.py)
    before = sorted(home.rglob("*"))
    log = tmp_path / "network.log"
    monkeypatch.setenv(AUDIT_ENV, str(log))
    monkeypatch.delenv(TELEMETRY_ENV, raising=False)  # culpa must set it in the worker itself
    summary = analyze(case, AnalyzeOptions(only=(ENTITIES_ANALYZER,), workers=1))
    assert summary.failed == 0
    assert summary.analyzers[ENTITIES_ANALYZER].findings >= 3
    assert not log.exists() or log.read_text(encoding="utf-8") == ""
    assert sorted(home.rglob("*")) == before  # no ~/.cache/Microsoft/DeveloperTools
