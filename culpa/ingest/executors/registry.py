"""Which executor a stage runs its tasks on, by name (``local`` is the only built-in one).

A built-in executor is named in :data:`EXECUTOR_FACTORIES` with the module and
function that build it, imported only when chosen, so that an executor's
dependencies (Dask's, later) are needed only by the runs that use it. Adding one
is one new module in this folder plus one line here; tests register toy ones
from the test folder with :func:`register` and remove them with :func:`unregister`.
"""

from __future__ import annotations

import importlib
import threading
from typing import cast

from culpa.errors import UsageError
from culpa.ingest.executors.base import ExecutorFactory

#: Built-in executors: name -> "module:factory", imported on first use.
EXECUTOR_FACTORIES: dict[str, str] = {
    "local": "culpa.ingest.executors.local:LocalExecutor",
}
#: The executor an ingest, ``culpa ocr`` and ``culpa analyze`` run on unless told otherwise.
DEFAULT_EXECUTOR = "local"

_registered: dict[str, ExecutorFactory] = {}
_lock = threading.Lock()


def register(name: str, factory: ExecutorFactory) -> ExecutorFactory:
    """Make ``factory`` the executor called ``name`` (replacing one of that name)."""
    with _lock:
        _registered[name] = factory
    return factory


def unregister(name: str) -> None:
    """Forget a registered executor (tests add and remove toy ones)."""
    with _lock:
        _registered.pop(name, None)


def names() -> tuple[str, ...]:
    """Every executor that can be chosen, built-ins first."""
    with _lock:
        return (*EXECUTOR_FACTORIES, *(n for n in _registered if n not in EXECUTOR_FACTORIES))


def factory_for(name: str) -> ExecutorFactory:
    """The factory of the executor called ``name``; a usage error naming the known ones."""
    with _lock:
        registered = _registered.get(name)
    if registered is not None:
        return registered
    target = EXECUTOR_FACTORIES.get(name)
    if target is None:
        raise UsageError(f"no executor called {name!r} (known: {', '.join(names())})")
    module, attribute = target.split(":")
    return cast(ExecutorFactory, getattr(importlib.import_module(module), attribute))
