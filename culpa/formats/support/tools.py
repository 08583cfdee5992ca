"""Running a converter program (LibreOffice, pffexport, ...) safely from an extractor.

A leak's file can make a converter hang or balloon, so every run has a time
limit after which its whole process group is killed, its output is bounded,
and it gets a private, empty HOME and temporary folder (LibreOffice writes a
profile; nothing may land in the user's home) with proxies unset.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from culpa.errors import ErrorKind, ExtractionError

#: Default seconds a converter may run on one file.
DEFAULT_TIMEOUT = 120.0
#: Bytes of a converter's stderr kept for the error message.
MAX_STDERR_CHARS = 500
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy")


@dataclass(frozen=True, slots=True)
class ToolResult:
    returncode: int
    stdout: bytes
    stderr: str


def find_tool(*names: str) -> str | None:
    """Absolute path of the first of ``names`` on PATH, or None."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_tool(*names: str) -> str:
    """Like :func:`find_tool`, but a missing program is an ``unsupported`` file error."""
    found = find_tool(*names)
    if found is None:
        raise ExtractionError(
            ErrorKind.UNSUPPORTED, f"{names[0]} is not installed (run scripts/setup.sh)"
        )
    return found


def _environment(home: Path) -> dict[str, str]:
    # No proxies, no desktop session (D-Bus, X, XDG folders in the user's home: GLib
    # programs such as LibreOffice write caches there), no LibreOffice overrides.
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in _PROXY_VARIABLES
        and not key.startswith(("SAL_", "UNO_", "XDG_", "DBUS_"))
        and key not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env.update(HOME=str(home), TMPDIR=str(home), LC_ALL="C.UTF-8", LANG="C.UTF-8")
    return env


def run_tool(
    args: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: Path | None = None,
    what: str = "",
) -> ToolResult:
    """Run ``args``; raise ``timeout`` (process group killed) if it takes too long.

    A non-zero exit status is returned, not raised: converters differ in what it means.
    """
    label = what or Path(args[0]).name
    with tempfile.TemporaryDirectory(prefix="culpa-tool-") as home:
        try:
            process = subprocess.Popen(
                list(args),
                cwd=str(cwd) if cwd else home,
                env=_environment(Path(home)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, killed as a whole
            )
        except OSError as exc:
            raise ExtractionError(ErrorKind.UNSUPPORTED, f"cannot run {label}: {exc}") from exc
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(process)
            raise ExtractionError(
                ErrorKind.TIMEOUT, f"{label} did not finish within {timeout:.0f} s"
            ) from exc
        finally:
            if process.poll() is None:
                _kill_group(process)
    message = stderr.decode("utf-8", "replace").strip()[-MAX_STDERR_CHARS:]
    return ToolResult(process.returncode, stdout, message)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
