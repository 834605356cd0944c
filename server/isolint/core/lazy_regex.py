"""Regular expressions compiled the first time they are used, not when their module is imported.

A warm ``isolint check`` answers every file from the cache and runs no rule, yet importing the
rule registry used to compile every rule's patterns — a few of them (the secret scanners'
byte patterns, the contract's call patterns) cost milliseconds each, about a sixth of such a
run. A :class:`LazyPattern` stands where the compiled pattern stood: ``search``, ``finditer``
and every other attribute of ``re.Pattern`` work on it, and ``pattern``/``flags`` are there
without compiling, so a pattern built from another one's source still is.
"""

from __future__ import annotations

import re
import weakref
from typing import Any, AnyStr, Generic

#: every pattern made (``compile_pending``); only added to, at import (the patterns are module
#: constants), so another thread may iterate it
_MADE: "weakref.WeakSet[LazyPattern[Any]]" = weakref.WeakSet()


class LazyPattern(Generic[AnyStr]):
    """``re.compile(pattern, flags)``, compiled on first use.

    Only for calling its methods (``P.search(text)``): ``re.search(P, text)`` and
    ``isinstance(P, re.Pattern)`` want the compiled object — :meth:`compiled`. After the first
    use each method is the compiled pattern's own bound method, kept on the instance, so a
    call costs what it costs on ``re.Pattern``."""

    def __init__(self, pattern: AnyStr, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[AnyStr] | None = None
        _MADE.add(self)

    def compiled(self) -> re.Pattern[AnyStr]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        # only reached for names not on the instance yet: search, match, finditer, groups, …
        if name.startswith("_"):  # copy, pickle and a half-built instance ask for these
            raise AttributeError(name)
        value = getattr(self.compiled(), name)
        if callable(value):
            setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"


def lazy_compile(pattern: AnyStr, flags: int = 0) -> LazyPattern[AnyStr]:
    return LazyPattern(pattern, flags)


def compile_pending() -> int:
    """Compile every pattern made so far and not used yet; how many were. For a long-lived
    process (the language server) that would otherwise compile them during its first analyses
    — the first diagnostics of the first file opened. A pattern that does not compile stays
    pending: it fails where it is used, as it would have."""
    compiled = 0
    for pattern in list(_MADE):
        if pattern._compiled is not None:
            continue
        try:
            pattern.compiled()
        except re.error:
            continue
        compiled += 1
    return compiled
