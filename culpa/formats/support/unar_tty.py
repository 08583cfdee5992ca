"""One encrypted archive member out of ``unar``, its password typed on a pseudo-terminal.

``unar -p PASSWORD`` would put the password on unar's command line, which every
local user can read (``ps``, ``/proc/PID/cmdline``) while unar runs, and a
trove's password protects a source. unar 1.10 reads no password from stdin or
the environment; it asks for a missing one (``getpass``) only when it runs
interactively: on a terminal, without ``-q``, and not writing to stdout
(``-o -``). So unar runs on a fresh pseudo-terminal in a session of its own
(it can never reach the user's terminal), writes the member into a private
folder, and the password is written to the terminal once unar's prompt
appears. The terminal is raw and getpass turns echo off, so the password never
comes back in unar's output; that output is read only to find the prompt.

A folder rather than a pipe means the archive limits cannot be counted while
unar writes. ``prlimit --fsize`` (util-linux) caps the file at ``max_bytes``:
past that the kernel stops unar (SIGXFSZ), and the caller's limit check on the
truncated file reports the limit as usual.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import tty
from pathlib import Path

#: What unar 1.10 prints when it asks for the password (unar.m, then getpass).
PROMPT = b"This archive requires a password to unpack.\nPassword (will not be shown): "


class UnarError(Exception):
    """unar did not extract the member: a wrong password, or damaged data."""


def extract_member(
    unar: str, prlimit: str, archive: Path, member: str, password: str, folder: Path, max_bytes: int
) -> Path:
    """Extract ``member`` (a name as unar matches it) of ``archive`` into the empty ``folder``.

    Returns the file written. It holds at most ``max_bytes`` bytes: a member
    larger than that is cut there, for the caller's limits to refuse.
    """
    typed = _typed(password)
    command = [prlimit, f"--fsize={max_bytes}", "--", unar]
    # -nr: a member that is itself an archive stays one; -r: never ask about a name
    # taken; -D: no folder named after the archive.
    command += ["-nr", "-r", "-D", "-o", str(folder), "--", str(archive), member]
    terminal, unar_side = os.openpty()
    try:
        try:
            tty.setraw(unar_side)  # no echo, bytes unchanged
            process = subprocess.Popen(
                command,
                stdin=unar_side,
                stdout=unar_side,
                stderr=unar_side,
                cwd=folder,
                start_new_session=True,  # no controlling terminal: never the user's
            )
        finally:
            os.close(unar_side)
        try:
            _answer(terminal, typed)
            returncode = process.wait()
        finally:
            if process.poll() is None:  # stopped early: end unar now
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    finally:
        os.close(terminal)
    if returncode not in (0, -signal.SIGXFSZ):
        raise UnarError(f"unar failed (exit status {returncode})")
    written = [
        Path(top, name)
        for top, _dirs, names in os.walk(folder)
        for name in names
        if not os.path.islink(os.path.join(top, name))
    ]
    if len(written) != 1:
        raise UnarError(f"unar wrote {len(written)} files for one member")
    return written[0]


def _typed(password: str) -> bytes:
    """The password as typed on the terminal; getpass reads one line of UTF-8."""
    if "\n" in password or "\0" in password:
        raise UnarError("a password with a newline or NUL cannot be typed to unar")
    try:
        return password.encode("utf-8") + b"\n"
    except UnicodeEncodeError as exc:
        raise UnarError("the password is not valid Unicode") from exc


def _answer(terminal: int, typed: bytes) -> None:
    """Read unar's terminal until it ends, typing the password at its one prompt."""
    tail = b""
    answered = False
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError as exc:
            if exc.errno == errno.EIO:  # unar closed its terminal: it has ended
                return
            raise
        if not chunk:
            return
        tail = (tail + chunk)[-len(PROMPT) :]
        if tail == PROMPT:
            if answered:  # asked again: the password was refused
                raise UnarError("unar asked for the password again")
            os.write(terminal, typed)
            answered = True
            tail = b""
