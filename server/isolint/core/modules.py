"""Dotted module names of project files, shared by the engine and the rules."""

from __future__ import annotations

from pathlib import PurePosixPath


def module_of_rel(rel: str) -> str:
    """``services/api/app/db.py`` → ``services.api.app.db`` (packages drop ``__init__``)."""
    path = PurePosixPath(rel)
    parts = list(path.with_suffix("").parts if path.suffix in (".py", ".pyi") else path.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p not in ("", ".", ".."))


def resolve_relative_module(current: str, module: str | None, level: int, is_package: bool = False) -> str:
    """Absolute module named by ``from <level dots><module> import ...`` inside ``current``."""
    if not level:
        return module or ""
    parts = current.split(".") if current else []
    keep = len(parts) - level + (1 if is_package else 0)
    base = parts[: max(keep, 0)]
    if module:
        base.append(module)
    return ".".join(base)
