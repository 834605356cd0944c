"""Give a session an owner: wrap its uses in ``with`` / ``async with``, or put its cleanup in a
``finally`` (libcst; imported only when a fix is materialized).

Both builders receive the 0-based line of the statement that creates the session
(``name = <creation>``) and the line of the last statement the fix covers — the existing
``close()`` (``close_line``, removed or moved into ``finally``) or the last use
(``last_line``). Everything between them moves into the new block unchanged: libcst re-indents
it and keeps comments and formatting; nothing before or after the block moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from isolint.core.model import Edit
from isolint.fixers import FixNotApplicable
from isolint.core.libcst_bound import TooLongForLibcst, refuse_if_too_long_for_libcst
from isolint.fixers.text_edits import minimal_edit


@dataclass
class _Target:
    params: Mapping
    block: cst.CSTNode | None = None  # the IndentedBlock or Module holding the creation
    start: int = -1
    end: int = -1


def _line_of(positions, node: cst.CSTNode) -> int:
    return positions[node].start.line - 1


def _find(module: cst.Module, params: Mapping) -> tuple[cst.Module, _Target]:
    wrapper = MetadataWrapper(module)
    positions = wrapper.resolve(PositionProvider)
    target = _Target(params)
    line, last = int(params["line"]), int(params["close_line"] if params.get("close_line") is not None
                                           else params["last_line"])

    class Finder(cst.CSTVisitor):
        def _scan(self, node: cst.CSTNode, body: Sequence[cst.CSTNode]) -> None:
            if target.block is not None:
                return
            lines = [_line_of(positions, statement) for statement in body]
            if line in lines and last in lines:
                target.block, target.start, target.end = node, lines.index(line), lines.index(last)

        def visit_Module(self, node: cst.Module) -> None:
            self._scan(node, node.body)

        def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
            self._scan(node, node.body)

    wrapper.module.visit(Finder())
    if target.block is None or target.end <= target.start:
        raise FixNotApplicable("the session's statements are no longer in one block")
    return wrapper.module, target


def _creation(statement: cst.CSTNode, name: str) -> cst.BaseExpression:
    """The creating expression of ``name = <creation>`` (its ``await`` dropped only where the
    awaited call's result is itself the context manager)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        raise FixNotApplicable("the creation is not a statement of its own")
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        raise FixNotApplicable("the creation is no longer an assignment")
    if not isinstance(target, cst.Name) or target.value != name:
        raise FixNotApplicable(f"the statement no longer binds `{name}`")
    if isinstance(value, cst.Await) and _enters_without_await(value.expression):
        return value.expression
    return value


#: calls whose result is both awaitable and an async context manager: ``conn = await
#: engine.connect()`` becomes ``async with engine.connect() as conn:`` (SQLAlchemy, asyncpg's
#: ``pool.acquire()``); any other awaited creation keeps its ``await`` — ``async with await
#: get_client() as client:`` — as the coroutine of an ``async def`` is no context manager
_AWAITABLE_CONTEXT_CALLS = frozenset({"acquire", "connect", "begin", "begin_nested"})


def _enters_without_await(expression: cst.BaseExpression) -> bool:
    if not isinstance(expression, cst.Call):
        return False
    func = expression.func
    last = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return last in _AWAITABLE_CONTEXT_CALLS


def _check_cleanup(statement: cst.CSTNode, name: str) -> None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1 \
            or not isinstance(statement.body[0], cst.Expr):
        raise FixNotApplicable("the cleanup is not a statement of its own")
    code = cst.Module(body=[]).code_for_node(statement.body[0])
    if name not in code:
        raise FixNotApplicable(f"the cleanup no longer names `{name}`")


def _block_indent(target: _Target) -> str | None:
    """The indentation a new block inside the target block uses: the block's own, so that a
    fix in a space-indented function of a file whose first indent is a tab adds spaces
    (``None``, the module's default, at the top level or where the block uses the default)."""
    return target.block.indent if isinstance(target.block, cst.IndentedBlock) else None


def _comments(statement: cst.CSTNode) -> list[cst.EmptyLine]:
    return [line for line in getattr(statement, "leading_lines", ()) if line.comment is not None]


def _replace_body(module: cst.Module, target: _Target, new_body: list) -> str:
    block = target.block

    class Replacer(cst.CSTTransformer):
        def on_leave(self, original, updated):
            if original is block:
                return updated.with_changes(body=new_body)
            return updated

    return module.visit(Replacer()).code


def _build(text: str, params: Mapping, make) -> tuple[Edit, ...]:
    try:
        refuse_if_too_long_for_libcst(text)
        module = cst.parse_module(text)
    except TooLongForLibcst as exc:
        raise FixNotApplicable(str(exc)) from None
    except cst.ParserSyntaxError as exc:
        raise FixNotApplicable(f"libcst cannot parse the file: {exc}") from None
    module, target = _find(module, params)
    body = list(target.block.body)  # type: ignore[union-attr]
    replacement = make(body, target)
    new_body = body[: target.start] + replacement + body[target.end + 1:]
    edit = minimal_edit(text, _replace_body(module, target, new_body))
    return (edit,) if edit else ()


def wrap_in_with(text: str, params: Mapping) -> tuple[Edit, ...]:
    """``s = SessionLocal()`` … ``s.close()`` → ``with SessionLocal() as s:`` … (close removed)."""
    name, keyword = params["name"], params["keyword"]

    def make(body: list, target: _Target) -> list:
        creation_statement = body[target.start]
        creation = _creation(creation_statement, name)
        removes_close = params.get("close_line") is not None
        inner = body[target.start + 1: target.end] if removes_close else body[target.start + 1: target.end + 1]
        footer: list[cst.EmptyLine] = []
        if removes_close:
            _check_cleanup(body[target.end], name)
            footer = [line.with_changes(indent=True) for line in _comments(body[target.end])]
        if not inner:
            inner = [cst.SimpleStatementLine(body=[cst.Pass()])]
        with_statement = cst.With(
            items=[cst.WithItem(item=creation, asname=cst.AsName(name=cst.Name(name)))],
            body=cst.IndentedBlock(body=inner, header=creation_statement.trailing_whitespace, footer=footer,
                                   indent=_block_indent(target)),
            asynchronous=cst.Asynchronous() if keyword == "async with" else None,
            leading_lines=creation_statement.leading_lines,
        )
        return [with_statement]

    return _build(text, params, make)


def close_in_finally(text: str, params: Mapping) -> tuple[Edit, ...]:
    """``conn = connect()`` … ``conn.close()`` → ``try:`` … ``finally: conn.close()``; when the
    code never closed it, ``params["cleanup"]`` is the statement added to ``finally``."""
    name = params["name"]

    def make(body: list, target: _Target) -> list:
        _creation(body[target.start], name)
        moves_close = params.get("close_line") is not None
        spacing: list[cst.EmptyLine] = []
        if moves_close:
            _check_cleanup(body[target.end], name)
            inner = body[target.start + 1: target.end]
            # the blank lines above the close stay above `finally:`, its comments stay on it
            leading = list(body[target.end].leading_lines)
            spacing = [line for line in leading if line.comment is None]
            cleanup = body[target.end].with_changes(leading_lines=[line for line in leading
                                                                    if line.comment is not None])
        else:
            inner = body[target.start + 1: target.end + 1]
            cleanup = cst.parse_statement(params["cleanup"])
        if not inner:
            raise FixNotApplicable("nothing happens between the creation and the cleanup")
        first = inner[0]
        leading = list(getattr(first, "leading_lines", ()))
        inner = [first.with_changes(leading_lines=[])] + list(inner[1:])
        indent = _block_indent(target)
        try_statement = cst.Try(
            body=cst.IndentedBlock(body=inner, indent=indent),
            finalbody=cst.Finally(body=cst.IndentedBlock(body=[cleanup], indent=indent), leading_lines=spacing),
            leading_lines=leading,
        )
        return [body[target.start], try_statement]

    return _build(text, params, make)
