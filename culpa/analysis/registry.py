"""Which analyzers ``culpa analyze`` runs: a list in registration order, built-ins first.

An analyzer module calls :func:`register` on a module-level instance when
imported; the modules in :data:`ANALYZER_MODULES` are imported on first use,
so importing the registry stays cheap and free of cycles. Adding an analyzer
is one new module plus one line here (tests register toy analyzers from the
test folder the same way, and remove them with :func:`unregister`).
"""

from __future__ import annotations

import importlib
import threading

from culpa.analysis.base import AnyAnalyzer
from culpa.errors import UsageError

#: Built-in analyzer modules, imported on first use; each registers its analyzers.
ANALYZER_MODULES: tuple[str, ...] = (
    "culpa.analysis.language",
    "culpa.analysis.threads",
    "culpa.analysis.entities.analyzer",
    "culpa.analysis.entities.quotations.analyzer",
)

_registered: list[AnyAnalyzer] = []
_lock = threading.RLock()
_loaded = False


def register(analyzer: AnyAnalyzer) -> AnyAnalyzer:
    """Add an analyzer, replacing one of the same name; returns it."""
    with _lock:
        for index, known in enumerate(_registered):
            if known.name == analyzer.name:
                _registered[index] = analyzer
                break
        else:
            _registered.append(analyzer)
    return analyzer


def unregister(name: str) -> None:
    """Remove the analyzer called ``name`` (tests add and remove toy ones)."""
    with _lock:
        _registered[:] = [known for known in _registered if known.name != name]


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for module in ANALYZER_MODULES:
            importlib.import_module(module)
        _loaded = True


def registered() -> tuple[AnyAnalyzer, ...]:
    """Every registered analyzer: built-ins first in ANALYZER_MODULES order, then the others.

    Ordered here rather than by registration: a test (or a plugin) that imports a
    built-in's module before the registry loads would otherwise move it first.
    """
    _load()
    with _lock:
        return tuple(sorted(_registered, key=_builtin_rank))


def _builtin_rank(analyzer: AnyAnalyzer) -> int:
    module = type(analyzer).__module__
    return ANALYZER_MODULES.index(module) if module in ANALYZER_MODULES else len(ANALYZER_MODULES)


def by_name(name: str) -> AnyAnalyzer:
    """The analyzer called ``name``; a usage error naming the known ones otherwise."""
    for analyzer in registered():
        if analyzer.name == name:
            return analyzer
    known = ", ".join(analyzer.name for analyzer in registered())
    raise UsageError(f"no analyzer called {name!r} (known: {known})")
