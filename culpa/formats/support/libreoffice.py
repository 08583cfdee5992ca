"""LibreOffice, run headless as a converter that cannot reach the network or the user's files.

Legacy Word and PowerPoint files (:mod:`culpa.formats.documents.legacy_office`)
are laid out by LibreOffice rather than by a reader of their binary formats, so
that their pages are LibreOffice's real page (or slide) layout. A leaked
document is hostile, and LibreOffice is a whole office suite, so every
conversion is fenced in:

- each conversion gets a fresh private profile (``-env:UserInstallation``)
  whose settings (:data:`PROFILE_SETTINGS`) block linked content from the
  document (``BlockUntrustedRefererLinks``: a remote image is not fetched),
  never update links and never run macros;
- it runs under :func:`culpa.formats.support.tools.run_tool` (private HOME and
  temporary folder, time limit, process group killed on timeout), with the
  desktop's XDG folders and session bus pointed into its scratch folder or
  dropped, and on a read-only copy of the file, never the original;
- where the kernel allows it, it runs in a network namespace of its own with
  no interfaces up (:func:`network_isolation`).

Two conversions at once (two worker processes) share nothing.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from culpa.errors import ErrorKind, ExtractionError
from culpa.formats.support.tools import find_tool, require_tool, run_tool

#: Seconds LibreOffice may take to convert one file (the ingest's own no-progress
#: limit is longer, so a slow conversion is stopped here, with a clear message).
CONVERSION_TIMEOUT = 120.0
#: Seconds the one-off check that a network namespace can be made may take.
NAMESPACE_PROBE_TIMEOUT = 10.0
#: Settings written into every conversion's fresh LibreOffice profile. Values are
#: from LibreOffice's Common.xcs, Writer.xcs and Calc.xcs: Writer's link update
#: mode 0 is "never", Calc's 1 is "never"; BlockUntrustedRefererLinks stops
#: linked images and other linked content from being fetched.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">\
<prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">\
<prop oor:name="Field" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update">\
<prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">\
<prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""

#: Desktop folders pointed into each conversion's scratch folder.
_XDG_FOLDERS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
#: Variables that would connect LibreOffice to the user's desktop session.
_DROPPED_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "DISPLAY", "WAYLAND_DISPLAY")


@functools.cache
def network_isolation() -> tuple[str, ...]:
    """A command prefix that runs a program with no network at all, if this kernel allows.

    ``unshare --net --map-root-user`` gives the program a network namespace with
    only a loopback interface that is down. Where user namespaces are disabled the
    prefix is empty and the profile settings alone keep LibreOffice offline.
    """
    unshare = find_tool("unshare")
    if unshare is None:
        return ()
    prefix = (unshare, "--net", "--map-root-user")
    try:
        result = run_tool([*prefix, "true"], timeout=NAMESPACE_PROBE_TIMEOUT, what="unshare")
    except ExtractionError:
        return ()
    return prefix if result.returncode == 0 else ()


def _private_environment(scratch: Path) -> tuple[str, ...]:
    """An ``env`` prefix that keeps LibreOffice's desktop libraries inside ``scratch``.

    run_tool gives a private HOME, but a user's XDG_* folders and session bus would
    still be inherited: GLib's dconf writes ``$XDG_CACHE_HOME/dconf/user`` even in
    headless mode. Each is pointed into the scratch folder or dropped.
    """
    env = find_tool("env")
    if env is None:
        return ()
    folders = {name: scratch / "xdg" / name.lower() for name in _XDG_FOLDERS}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    unset = [argument for name in _DROPPED_VARIABLES for argument in ("-u", name)]
    return (env, *unset, *(f"{name}={folder}" for name, folder in folders.items()))


def write_profile(profile: Path) -> None:
    """A fresh LibreOffice user profile holding only :data:`PROFILE_SETTINGS`."""
    user = profile / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")


@contextlib.contextmanager
def libreoffice_converted(
    source: Path,
    target: str,
    *,
    suffix: str,
    timeout: float = CONVERSION_TIMEOUT,
    isolate_network: bool = True,
) -> Iterator[Path]:
    """Convert ``source`` with LibreOffice; yield the converted file (deleted afterwards).

    ``target`` is a ``--convert-to`` argument (``pdf``, ``pdf:writer_pdf_Export:{...}``).
    ``suffix`` is the extension the input is given (its stored name has none, and
    LibreOffice's type detection uses it as a hint).
    """
    soffice = require_tool("soffice", "libreoffice")
    with tempfile.TemporaryDirectory(prefix="culpa-office-") as scratch_name:
        scratch = Path(scratch_name)
        profile = scratch / "profile"
        write_profile(profile)
        # A read-only copy, not a link: nothing LibreOffice does can reach the original.
        document = scratch / f"document{suffix}"
        shutil.copyfile(source, document)
        document.chmod(0o400)
        outdir = scratch / "out"
        outdir.mkdir()
        prefix = network_isolation() if isolate_network else ()
        args = [
            *prefix,
            *_private_environment(scratch),
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(document),
        ]
        result = run_tool(args, timeout=timeout, what="LibreOffice")
        extension = target.split(":", 1)[0]
        converted = outdir / f"document.{extension}"
        if not converted.is_file() or converted.stat().st_size == 0:
            detail = result.stderr or result.stdout.decode("utf-8", "replace").strip()
            raise ExtractionError(
                ErrorKind.CORRUPT,
                f"LibreOffice could not convert the file (exit {result.returncode}): "
                f"{detail[-300:] or 'no output'}",
            )
        yield converted
