"""Folders a module puts on ``sys.path`` before it imports — ``sys.path.insert(0, str(Path(
__file__).resolve().parents[2] / "auth_service"))`` — so that ``from auth_core import x`` after
it is resolved where Python would find it: in another service's folder.

Only what the module does when it is imported is read (``import_time_statements``: its top
level, ``if``/``try``/``with`` blocks), and only paths built from ``__file__``: ``Path`` and
``os.path`` arithmetic (``parent``, ``parents[n]``, ``/``, ``joinpath``, ``dirname``, ``join``,
``abspath``/``realpath``/``resolve``, ``str``), through module-level names bound to them. A
path from the working directory or the environment is not known and is left alone.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from isolint.core.modules import import_time_statements

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: a path relative to the project root, as parts (".." climbs)
Parts = tuple[str, ...]

_SAME_PATH = frozenset({"str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath",
                        "os.path.expanduser"})
_PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"})
_SAME_PATH_METHODS = frozenset({"resolve", "absolute", "expanduser"})
_ADDERS = frozenset({"sys.path.insert", "sys.path.append"})


def sys_path_roots(tree: ast.Module, ctx: "PythonContext") -> tuple[str, ...]:
    """Project folders (relative, POSIX) the module adds to ``sys.path`` at import time, in the
    order Python searches them: inserted ones first."""
    names: dict[str, Parts] = {}
    first: list[str] = []
    last: list[str] = []
    file_parts = tuple(PurePosixPath(ctx.source.rel_path).parts)
    for statement in import_time_statements(tree.body):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            value = _path_of(statement.value, file_parts, names, ctx)
            if value is not None:
                names[statement.targets[0].id] = value
            else:
                names.pop(statement.targets[0].id, None)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            adder = ctx.qualified_name(call.func)
            if adder not in _ADDERS or not call.args:
                continue
            folder = _folder(_path_of(call.args[-1], file_parts, names, ctx))
            if folder is not None:
                (first if adder == "sys.path.insert" else last).append(folder)
    return tuple(reversed(first)) + tuple(last)


def _folder(parts: Parts | None) -> str | None:
    if parts is None:
        return None
    resolved: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not resolved:
                return None  # above the project root
            resolved.pop()
        else:
            resolved.append(part)
    return "/".join(resolved)


def _path_of(node: ast.AST, file_parts: Parts, names: dict[str, Parts], ctx: "PythonContext") -> Parts | None:
    if isinstance(node, ast.Name):
        return file_parts if node.id == "__file__" else names.get(node.id)
    if isinstance(node, ast.Attribute):
        if node.attr == "parent":
            base = _path_of(node.value, file_parts, names, ctx)
            return base + ("..",) if base is not None else None
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
        base = _path_of(node.value.value, file_parts, names, ctx)
        index = node.slice
        if base is None or not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
            return None
        return base + ("..",) * (index.value + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        base = _path_of(node.left, file_parts, names, ctx)
        return _joined(base, [node.right])
    if isinstance(node, ast.Call):
        return _call_path(node, file_parts, names, ctx)
    return None


def _call_path(node: ast.Call, file_parts: Parts, names: dict[str, Parts], ctx: "PythonContext") -> Parts | None:
    if isinstance(node.func, ast.Attribute) and node.func.attr in _SAME_PATH_METHODS | {"joinpath"}:
        base = _path_of(node.func.value, file_parts, names, ctx)
        if base is not None and ctx.qualified_name(node.func) not in _SAME_PATH:
            return _joined(base, node.args) if node.func.attr == "joinpath" else base
    function = ctx.qualified_name(node.func)
    if not node.args:
        return None
    if function in _SAME_PATH:
        return _path_of(node.args[0], file_parts, names, ctx)
    if function == "os.path.dirname":
        base = _path_of(node.args[0], file_parts, names, ctx)
        return base + ("..",) if base is not None else None
    if function in _PATH_TYPES or function == "os.path.join":
        return _joined(_path_of(node.args[0], file_parts, names, ctx), node.args[1:])
    return None


def _joined(base: Parts | None, pieces: list[ast.expr]) -> Parts | None:
    if base is None:
        return None
    for piece in pieces:
        if not (isinstance(piece, ast.Constant) and isinstance(piece.value, str)) or piece.value.startswith("/"):
            return None
        base = base + tuple(PurePosixPath(piece.value).parts)
    return base
