"""Clean the ``/tmp/pymp-*`` folders that killed ingests left behind (issue 10).

``multiprocessing`` makes one ``pymp-*`` folder in the system's temp folder for
the fork server's socket (``listener-*``) and removes it at a normal exit. A run
stopped with ``kill -9`` cannot, so every such kill left one folder. Before a
pool starts, :func:`remove_stale_pool_dirs` removes each folder of this user
whose every entry is a socket that no process listens on any more (so the
process that made it is gone), and nothing else: a folder in use, another user's,
or one holding anything but dead sockets is left alone.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

#: The prefix ``multiprocessing.util.get_temp_dir`` gives its folders.
POOL_DIR_PREFIX = "pymp-"
#: The kernel's table of Unix sockets, with the path each listening socket is bound to.
UNIX_SOCKETS = Path("/proc/net/unix")


def _bound_socket_paths() -> set[str] | None:
    """Paths of the Unix sockets bound by a live process; None if the table is unreadable."""
    try:
        lines = UNIX_SOCKETS.read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    except OSError:
        return None
    # Columns: Num RefCount Protocol Flags Type St Inode [Path]
    return {fields[7] for line in lines if len(fields := line.split(maxsplit=7)) == 8}


def remove_stale_pool_dirs(temp_root: Path | None = None) -> list[Path]:
    """Remove the dead ``pymp-*`` folders of this user in ``temp_root``; return them."""
    root = Path(temp_root or tempfile.gettempdir())
    bound = _bound_socket_paths()
    if bound is None:
        return []
    removed: list[Path] = []
    try:
        candidates = sorted(root.glob(POOL_DIR_PREFIX + "*"))
    except OSError:
        return []
    for folder in candidates:
        if _is_dead_pool_dir(folder, bound):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _is_dead_pool_dir(folder: Path, bound: set[str]) -> bool:
    try:
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return False
        entries = list(folder.iterdir())
        if not entries:
            return False  # a run between making the folder and binding its socket
        for entry in entries:
            if not stat.S_ISSOCK(entry.lstat().st_mode) or str(entry) in bound:
                return False
    except OSError:
        return False
    return True
