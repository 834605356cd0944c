from __future__ import annotations

import ast
import fnmatch
from typing import TYPE_CHECKING

from isolint.core.model import Zone
from isolint.core.rule import Rule
from isolint.core.zones import matches_any
from isolint.rules.config_isolation.env_lookups import OS_ENVIRONMENT
from isolint.rules.config_isolation.usage import in_dev_entry_point

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

_GLOB_CHARS = frozenset("/*?[")


def in_config_modules(rel_path: str, module: str, patterns: list[str]) -> bool:
    """Whether a file belongs to the configured ``config-modules``.

    A pattern with a ``/`` or ending in ``.py`` is a path glob (gitignore syntax, and it also
    matches below any folder: ``app/config.py`` matches ``services/api/app/config.py``); any
    other is a dotted module name, matching the module, its submodules, and the same dotted
    path under any package (``app.config`` matches ``services.api.app.config.redis``);
    ``*`` works in both.
    """
    for pattern in patterns:
        if "/" in pattern or pattern.endswith(".py"):
            anchored = pattern.lstrip("/")
            candidates = [anchored] if pattern.startswith(("/", "**")) else [anchored, f"**/{anchored}"]
            if matches_any(rel_path, candidates):
                return True
            continue
        dotted = pattern.strip(".")
        for candidate in (module, *_suffixes(module)):
            if fnmatch.fnmatchcase(candidate, dotted) or candidate.startswith(dotted + ".") and not set(dotted) & _GLOB_CHARS:
                return True
            if fnmatch.fnmatchcase(candidate, dotted + ".*"):
                return True
    return False


def _suffixes(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[index:]) for index in range(1, len(parts))]


class EnvAccessOutsideConfig(Rule):
    """The process environment read or written outside the configured configuration modules.

    ## What it does
    Flags reads and writes of the process environment — `os.environ` (subscript, `.get`,
    membership, iteration), `os.getenv`, `os.putenv`, `os.unsetenv`, `from os import environ`
    — in production code outside the modules listed in `config-modules`. The rule is only
    active when `config-modules` is configured: without it, isolint cannot know where the
    project's configuration layer lives.

    ## Why is this bad?
    Environment variables read all over the codebase are configuration nobody validates: a
    typo or a missing variable surfaces deep inside a request, in production, instead of at
    start-up. One configuration module that reads, validates and types every variable (and
    that the rest of the code imports) makes the set of required settings visible and lets
    the application refuse to start when one is missing.

    ## Example
    ```python
    # isolint-example: settings={"config-modules": ["app.config"]}
    import os

    def cache_ttl() -> int:
        return int(os.environ["CACHE_TTL"])
    ```

    ## Use instead
    ```python
    from app.config import settings

    def cache_ttl() -> int:
        return settings.cache_ttl
    ```

    ## Known look-alikes
    - Any environment access inside a module that `config-modules` names.
    - Development and test code, and `if __name__ == "__main__":` blocks.

    ## Options
    - `config-modules`: globs (`services/*/app/config.py`, `**/settings/*.py`) or dotted module
      names (`app.config`, `app.settings.*`) where environment access is allowed. Empty (the
      default) disables the rule.
    """

    code = "ISO104"
    name = "env-access-outside-config"
    message = "Environment access `{access}` outside the configuration modules; read it through the config layer"
    tokens = (b"environ", b"getenv", b"putenv", b"unsetenv")
    options = ("config-modules",)

    @classmethod
    def applies_to(cls, source: SourceFile) -> bool:
        patterns = source.settings.config_modules
        return (bool(patterns) and source.zone is Zone.PRODUCTION
                and not in_config_modules(source.rel_path, source.module, patterns))

    def visit_Attribute(self, node: ast.Attribute, ctx: PythonContext) -> None:
        self._check(node, ctx)

    def visit_Name(self, node: ast.Name, ctx: PythonContext) -> None:
        if isinstance(node.ctx, ast.Load):
            self._check(node, ctx)

    def _check(self, node: ast.expr, ctx: PythonContext) -> None:
        qualified = ctx.qualified_name(node)
        if qualified not in OS_ENVIRONMENT or in_dev_entry_point(ctx):
            return
        ctx.report(self, node, access=ctx.text_of(node))
