"""What ISO001 and ISO002 share: the engine's own report of a file it could not analyse."""

from __future__ import annotations

from typing import ClassVar

from isolint.core.model import Language, Severity
from isolint.core.rule import ALL_ZONES, Rule


class FileNotChecked(Rule):
    """Not a rule of its own: the engine reports its subclasses (``engine/checker.py``) with
    the ``reason`` the file could not be analysed, wherever a file of any language is."""

    message: ClassVar[str]  # with a ``{reason}`` field
    severity = Severity.INFO
    languages = frozenset({Language.PYTHON, Language.TYPESCRIPT, Language.DOTENV})
    zones = ALL_ZONES
