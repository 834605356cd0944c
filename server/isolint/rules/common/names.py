"""Names read off Python expressions, shared by every rule that matches code by what it is called.

Rules compare what code names, not how it is spelled: ``settings.db.url``, ``self.session`` and
``os.environ["X"]`` are matched by their dotted path, their last name or the key they assign.
"""

from __future__ import annotations

import ast

from isolint.core.python_names import dotted_name

__all__ = ["LOG_METHODS", "assigned_name", "dotted_name", "last_name"]

#: a logger's methods (``logger.info``, ``logging.warning``, structlog's ``log.msg``, loguru's ``success``)
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log",
                         "msg", "trace", "success", "notice"})


def last_name(node: ast.AST) -> str | None:
    """``c`` for ``a.b.c`` or ``c``: what a callee or base class is called, wherever it comes from."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def assigned_name(target: ast.AST) -> str | None:
    """The name a value is stored under: ``x``, ``obj.x`` or ``mapping["x"]`` all give ``x``."""
    if isinstance(target, ast.Subscript):
        key = target.slice
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
    return last_name(target)
