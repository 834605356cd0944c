"""Rule selectors (``ISO1``, ``ISO101``, ``hardcoded-local-host``, ``ALL``) as the user writes
them: is a selector well formed, does it select any rule, and what did a typo mean.

The core configures rules it cannot import (the rules sit above it), so the rule registry
registers every rule's code and name here when it is imported; before that — the core used on
its own — only the shape of a selector is checked.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable

_SELECTOR_RE = re.compile(r"ISO\d{0,3}|ALL|[a-z][a-z0-9-]*")
#: more candidates than this under the longest matching prefix: suggest the families instead
_MAX_SUGGESTIONS = 6

_vocabulary: list[tuple[str, str]] = []


def register_rules(rules: Iterable[tuple[str, str]]) -> None:
    """Every rule's (code, name); called by the rule registry."""
    _vocabulary[:] = sorted(rules)


def selects_any(selector: str) -> bool:
    """Whether ``selector`` selects at least one rule (True while no rule is registered)."""
    if selector == "ALL" or not _vocabulary:
        return True
    return any(code.startswith(selector) or name == selector for code, name in _vocabulary)


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` is not a usable selector (with a suggestion), or None when it is."""
    if not _SELECTOR_RE.fullmatch(selector):
        hint = _suggestion(selector.strip().upper()) if selector.strip().upper().startswith("ISO") else ""
        return f"{selector!r} is not a rule code, prefix or name{hint}"
    if selects_any(selector):
        return None
    return f"`{selector}` matches no rule{_suggestion(selector)} (`isolint rules` lists them)"


def _suggestion(selector: str) -> str:
    codes = [code for code, _ in _vocabulary]
    if not codes:
        return ""
    if selector.startswith("ISO"):
        candidates = _codes_under_longest_prefix(selector, codes)
    elif selector.upper().startswith("ISO") and selects_any(selector.upper()):
        candidates = [selector.upper()]  # codes are upper case: iso101 → ISO101
    else:
        names = [name for _, name in _vocabulary]
        candidates = difflib.get_close_matches(selector, names, n=3, cutoff=0.6)
    if not candidates:
        return ""
    listed = ", ".join(candidates[:-1]) + " or " + candidates[-1] if len(candidates) > 1 else candidates[0]
    return f"; did you mean {listed}?"


def _codes_under_longest_prefix(selector: str, codes: list[str]) -> list[str]:
    """``ISO108`` → ISO101…ISO105 (the codes sharing its longest known prefix); ``ISO9`` or
    ``ISO999`` → the families ISO0…ISO6."""
    for end in range(len(selector), 3, -1):
        under = [code for code in codes if code.startswith(selector[:end])]
        if under:
            return under if len(under) <= _MAX_SUGGESTIONS else sorted({code[:4] for code in under})
    return sorted({code[:4] for code in codes})
