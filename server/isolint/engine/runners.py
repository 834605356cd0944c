"""The languages the engine analyses, in one table: how each is parsed, run and suppressed.

Each runner module (``python_runner``, ``dotenv_runner``, ``typescript_runner``) exposes a
:class:`LanguageRunner` named ``RUNNER``; the checker asks :func:`runner_for` and never
branches on the language. A module is imported on first use, and a language whose module
cannot be imported (tree-sitter missing) is simply not analysed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from isolint.core.model import Finding, Language
from isolint.core.rule import Rule
from isolint.core.source import SourceFile
from isolint.core.suppression import Suppressions

RUNNER_MODULES = {
    Language.PYTHON: "isolint.engine.python_runner",
    Language.DOTENV: "isolint.engine.dotenv_runner",
    Language.TYPESCRIPT: "isolint.engine.typescript_runner",
}


class ParseFailure(Exception):
    """A file that does not parse (Python only: the other parsers are tolerant). ``template``:
    the file is a template for code (Jinja tags), not code, so its failure is no finding."""

    def __init__(self, message: str, line: int, column: int, template: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 0-based
        self.column = column
        self.template = template


@dataclass(frozen=True)
class LanguageRunner:
    #: the one parse of a file, read by its indexers and rules; raises ParseFailure
    parse: Callable[[SourceFile], Any]
    #: (source, tree, rule instances, project) → (findings, codes of the rules that crashed)
    run: Callable[[SourceFile, Any, list[Rule], Any], tuple[list[Finding], list[str]]]
    #: the suppression comments of a file, read from its parse
    suppressions: Callable[[SourceFile, Any], Suppressions]
    #: content-based zone refinement after the parse; True when it moved the file to another zone
    refine_zone: Callable[[SourceFile, Any], bool] | None = None
    #: whether the CLI keeps the parse between its two phases (a tree worth not parsing twice)
    keeps_tree: bool = False


@lru_cache(maxsize=None)
def runner_for(language: Language) -> LanguageRunner | None:
    module = RUNNER_MODULES.get(language)
    if module is None:
        return None
    try:
        return importlib.import_module(module).RUNNER
    except ImportError:  # the TypeScript family is optional at this layer
        return None
