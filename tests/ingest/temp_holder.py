"""A plain-text extractor that holds a temp file open in a worker, for test_temp_root.

Imported in the workers through ``IngestOptions(extractor_modules=...)``. A text
file reading ``TEMP hold <gate>`` makes a temp file where the worker's tools
would (``tempfile``), writes its path to ``<gate>.ready`` and waits for the file
``<gate>``: the run stays mid-file until the test opens the gate. The temp file
must still be there then. The first worker to pass the gate kills itself
(SIGKILL, as a crash would), so the pool must start a fresh worker through its
fork server to read the file again. Any other text is read by the text extractor.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from culpa.formats.base import ExtractContext
from culpa.formats.documents.text import TextExtractor
from culpa.formats.registry import register
from culpa.models import Extracted

HOLD = b"TEMP hold "
#: Seconds a worker waits for its gate before it gives up (the test failed meanwhile).
GATE_SECONDS = 300


class TempHoldingTextExtractor:
    type: ClassVar[str] = "text"
    mime_types: ClassVar[tuple[str, ...]] = ("text/plain",)
    extensions: ClassVar[tuple[str, ...]] = (".txt",)
    score: ClassVar[int] = 1000

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        content = path.read_bytes()
        if content.startswith(HOLD):
            gate = Path(content[len(HOLD) :].decode().strip())
            with tempfile.NamedTemporaryFile(prefix="held-") as held:
                Path(f"{gate}.ready").write_text(held.name)
                deadline = time.monotonic() + GATE_SECONDS
                while not gate.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                    context.progress()
                if not os.path.exists(held.name):
                    raise RuntimeError(f"{held.name} was removed under a live run")
                crashed = Path(f"{gate}.crashed")
                if not crashed.exists():
                    crashed.touch()
                    os.kill(os.getpid(), signal.SIGKILL)
        return TextExtractor().extract(path, context)


register(TempHoldingTextExtractor)
