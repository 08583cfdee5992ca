"""A plain-text extractor that misbehaves on request, for the pool's tests.

Imported in the workers through ``IngestOptions(extractor_modules=...)``. A text
file whose content starts with one of the commands below triggers it; any other
text is read by the real text extractor.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

from culpa.formats.base import ExtractContext
from culpa.formats.documents.text import TextExtractor
from culpa.formats.registry import register
from culpa.models import Extracted

HANG = b"FAULT hang"
CRASH = b"FAULT crash"
BALLOON = b"FAULT balloon"
SLOW_BUT_ALIVE = b"FAULT slow"
#: ``FAULT orphan <pid file>``: start a converter-like child in its own session, then hang.
ORPHAN = b"FAULT orphan "
#: ``FAULT killed-if <marker file>``: the worker is killed (SIGKILL, as by the kernel's
#: out-of-memory killer) while the marker file exists; read as text once it is gone.
KILLED_IF = b"FAULT killed-if "
#: ``FAULT starved-if <marker file>``: while the marker file exists, the worker starts CPU
#: hogs on its own CPU, lowers its priority and computes without progress, so it spends
#: its stall waiting for a CPU, as on an overloaded machine; read as text once it is gone.
STARVED_IF = b"FAULT starved-if "
#: Busy processes STARVED_IF starts beside the worker (on its CPU, at normal priority).
STARVING_HOGS = 3
#: Bytes allocated by BALLOON (touched, so they are resident).
BALLOON_BYTES = 1024**3
CHUNK_BYTES = 32 * 1024**2


class FaultyTextExtractor:
    type: ClassVar[str] = "text"
    mime_types: ClassVar[tuple[str, ...]] = ("text/plain",)
    extensions: ClassVar[tuple[str, ...]] = (".txt",)
    score: ClassVar[int] = 1000

    def extract(self, path: Path, context: ExtractContext) -> Extracted:
        content = path.read_bytes()
        head = content[:20]
        if head.startswith(HANG):
            time.sleep(3600)
        elif head.startswith(CRASH):
            os.kill(os.getpid(), signal.SIGSEGV)
        elif head.startswith(BALLOON):
            hog = []
            for _ in range(BALLOON_BYTES // CHUNK_BYTES):
                hog.append(bytearray(CHUNK_BYTES))  # zero-filled, so resident
                context.progress()  # a slow machine must not make this a timeout
            while True:  # alive and making "progress": only the memory limit can stop it
                time.sleep(0.25)
                context.progress()
        elif head.startswith(ORPHAN):
            child = subprocess.Popen(["sleep", "3600"], start_new_session=True)
            Path(content[len(ORPHAN) :].decode().strip()).write_text(str(child.pid))
            time.sleep(3600)
        elif content.startswith(KILLED_IF):
            if Path(content[len(KILLED_IF) :].decode().strip()).exists():
                os.kill(os.getpid(), signal.SIGKILL)
        elif content.startswith(STARVED_IF):
            if Path(content[len(STARVED_IF) :].decode().strip()).exists():
                _starve()
        elif head.startswith(SLOW_BUT_ALIVE):
            for _ in range(12):  # 3 s in all, progress every 0.25 s
                time.sleep(0.25)
                context.progress()
        return TextExtractor().extract(path, context)


def _starve() -> None:
    """Compute forever at the lowest priority beside hogs on the same CPU (never returns).

    The hogs are this worker's children, so the pool kills them with it.
    """
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # the hogs inherit it
    for _ in range(STARVING_HOGS):
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
    os.nice(19)
    while True:
        pass


register(FaultyTextExtractor)
