"""A temp folder per case, emptied by the next run of that case (issue 10).

A run's worker pool and the tools its extractors start (LibreOffice, unar,
Tesseract ...) make temp files, and ``multiprocessing`` makes a ``pymp-*``
folder for the fork server's socket. A clean exit removes them; a ``kill -9``
cannot, so every killed run left them in the shared ``/tmp``. Whether another
process's temp folder is still in use cannot be judged safely from outside
(the first attempt read ``/proc/net/unix``, which lists only the sockets of the
caller's network namespace, and removed the live folders of other runs).

So each case gets its own temp root, ``<system temp>/culpa-<uid>/<hash of the
case's real path>``, and only a run of that case holding its ingest lock
(``culpa ingest``, ``culpa ocr``) uses it: :func:`case_temp` empties it when
the run starts, while the lock is held (anything in it belongs to a run of
this case that is over), points ``TMPDIR`` and :data:`tempfile.tempdir` at it
for the run (the fork server, its workers and their tools inherit both), and
removes it at the end. The root sits in the system temp folder, not in
the case folder, because a Unix socket's path must stay under 108 bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from culpa.errors import CaseError
from culpa.store.case import Case

#: Bytes a temp root's path may take: the fork server's socket goes in it as
#: ``/pymp-XXXXXXXX/listener-XXXXXXXX`` (32 bytes), within the 107 a Unix socket
#: path may have. A longer system temp folder gives way to ``/tmp``.
MAX_ROOT_BYTES = 107 - 32
#: Hex digits of the case path's SHA-256 naming its root (64 bits: no two cases meet).
HASH_DIGITS = 16
#: Where the roots go when the system temp folder's path is too long for a socket.
FALLBACK_BASE = Path("/tmp")


def case_temp_root(case: Case, base: Path | None = None) -> Path:
    """The temp root of ``case`` under ``base`` (default: the system temp folder)."""
    digest = hashlib.sha256(os.fsencode(os.path.realpath(case.root))).hexdigest()
    tail = Path(f"culpa-{os.getuid()}", digest[:HASH_DIGITS])
    root = Path(base or tempfile.gettempdir()) / tail
    if len(os.fsencode(root)) > MAX_ROOT_BYTES:
        root = FALLBACK_BASE / tail
    return root


@contextlib.contextmanager
def case_temp(case: Case) -> Iterator[Path]:
    """Use the case's own emptied temp root for the run; call with the ingest lock held."""
    root = case_temp_root(case)
    _make_private(root.parent)
    _make_private(root)
    empty(root)
    saved_env, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(root)
    tempfile.tempdir = str(root)
    try:
        yield root
    finally:
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        tempfile.tempdir = saved_tempdir
        empty(root)
        with contextlib.suppress(OSError):  # left by a tool still running: next run
            root.rmdir()


def empty(root: Path) -> None:
    """Remove everything in ``root`` (a folder of ours, checked by ``_make_private``)."""
    with os.scandir(root) as entries:
        for entry in list(entries):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _make_private(folder: Path) -> None:
    """Create ``folder`` (0700) or check that it is ours: /tmp is shared with other users.

    A folder someone else made, or a symbolic link, could hand our temp files
    (text of the trove) to them, or make us empty a folder of their choosing.
    """
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    try:
        info = folder.lstat()
    except OSError as exc:
        raise CaseError(f"cannot use the temp folder {folder}: {exc.strerror}") from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise CaseError(
            f"cannot use the temp folder {folder}: it is not a folder of this user "
            "(set TMPDIR to a private folder)"
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        folder.chmod(0o700)
