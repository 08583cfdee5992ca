"""onnxruntime, loaded so that it writes nothing outside the case.

Importing onnxruntime (1.20 and later) writes a device id and a telemetry
database under ``$XDG_CACHE_HOME`` or ``~/.cache/Microsoft/DeveloperTools/.onnxruntime``
at once, from its compiled module. Only ``ORT_DISABLE_TELEMETRY=1`` in the
environment *before* the import stops it (measured with an empty HOME:
``ORT_TELEMETRY_DISABLED``, the variable set after the import, or
``disable_telemetry_events()`` do not). Every culpa module that runs an ONNX
model (PP-OCR through RapidOCR, LAC for Chinese names) gets onnxruntime here.
"""

from __future__ import annotations

import os
from typing import Any

#: onnxruntime's switch for its device-id file and telemetry (read at import).
TELEMETRY_ENV = "ORT_DISABLE_TELEMETRY"


def silence_onnxruntime() -> None:
    """Turn onnxruntime's device-id file off; call before anything imports onnxruntime."""
    os.environ[TELEMETRY_ENV] = "1"


def import_onnxruntime() -> Any:
    """The onnxruntime module, imported silently."""
    silence_onnxruntime()
    import onnxruntime

    return onnxruntime


def single_thread_options() -> Any:
    """Session options for one thread: culpa already runs one worker per core."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: nothing on stderr for a working run
    return options
