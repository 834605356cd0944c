"""The TypeScript runner: grammar choice, tolerant parsing, positions, one walk, suppressions."""

from __future__ import annotations

import pytest

from pathlib import Path

from isolint.core.config import Settings
from isolint.core.model import Language, Position, Range, Severity
from isolint.core.rule import ALL_ZONES, Rule
from isolint.engine.checker import check_source
from isolint.core.context import TypeScriptContext
from isolint.core.source import SourceFile
from isolint.engine.typescript_runner import (
    iter_nodes,
    parse_typescript,
    run_typescript_rules,
    typescript_suppressions,
    uses_tsx_grammar,
)

ROOT = Path("/isolint-ts-root")


def ts_source(text: str, name: str = "frontend/src/app.ts") -> SourceFile:
    return SourceFile.from_text(ROOT / name, text, Settings(root=ROOT))


def test_grammar_follows_the_file_name() -> None:
    assert uses_tsx_grammar("a/b/View.tsx") and uses_tsx_grammar("legacy.jsx") and uses_tsx_grammar("app.js")
    assert not uses_tsx_grammar("store.ts") and not uses_tsx_grammar("mod.mts")
    jsx = "export const View = () => <div className=\"x\">{items.map((i) => <b key={i}>{i}</b>)}</div>;\n"
    cast = "const n = <number>value;\n"
    assert not parse_typescript(ts_source(jsx, "frontend/src/View.tsx")).root_node.has_error
    assert not parse_typescript(ts_source(cast, "frontend/src/cast.ts")).root_node.has_error
    # the same cast is JSX to the tsx grammar: picking the wrong grammar would break real code
    assert parse_typescript(ts_source(cast, "frontend/src/cast.tsx")).root_node.has_error


def test_half_typed_code_still_yields_a_usable_tree() -> None:
    source = ts_source("switch (msg.type) {\n  case 'thread_created':\n    handle(\n}\nconst ok = 1;\n")
    tree = parse_typescript(source)
    assert tree.root_node.has_error
    kinds = {node.type for node in iter_nodes(tree.root_node)}
    assert {"switch_statement", "lexical_declaration"} <= kinds


def test_ranges_convert_byte_columns_to_code_points() -> None:
    text = "const s = 'é🎉中文'; const target = 'thread_updated';\n"
    source = ts_source(text)
    tree = parse_typescript(source)
    strings = [n for n in iter_nodes(tree.root_node, frozenset({"string"}))]
    ctx = TypeScriptContext(source, tree)
    found = ctx.range(strings[1])
    column = text.index("'thread_updated'")
    assert found == Range(Position(0, column), Position(0, column + len("'thread_updated'")))
    assert source.text_in(found) == "'thread_updated'"
    assert ctx.text_of(strings[1]) == "'thread_updated'"


class _FlagsStrings(Rule):
    code = "ISO990"
    name = "test-flags-strings"
    message = "string {text}"
    languages = frozenset({Language.TYPESCRIPT})
    zones = ALL_ZONES
    severity = Severity.INFO

    def __init__(self) -> None:
        self.events: list[str] = []

    def visit_string(self, node, ctx) -> None:
        self.events.append("visit")
        ctx.report(self, node, text=ctx.text_of(node))

    def leave_program(self, node, ctx) -> None:
        self.events.append("leave_program")

    def check_typescript(self, tree, ctx) -> None:
        self.events.append("check")


class _Crashes(Rule):
    code = "ISO991"
    name = "test-crashes"
    message = "never"
    languages = frozenset({Language.TYPESCRIPT})
    zones = ALL_ZONES

    def visit_string(self, node, ctx) -> None:
        raise RuntimeError("rule bug")


@pytest.mark.crashes
def test_one_walk_dispatches_visit_leave_and_check_and_isolates_crashes() -> None:
    source = ts_source("const a = 'one';\nconst b = \"two\";\n")
    tree = parse_typescript(source)
    good, bad = _FlagsStrings(), _Crashes()
    findings, crashed = run_typescript_rules(source, tree, [bad, good])
    assert crashed == ["ISO991"]
    assert [f.message for f in findings] == ["string 'one'", 'string "two"']
    assert good.events == ["visit", "visit", "leave_program", "check"]


def test_suppressions_come_from_real_comments_only() -> None:
    text = (
        "const a = 1; // isolint: ignore[ISO401]\n"
        "const b = '// isolint: ignore[ISO402]';\n"
        "/* first line\n   isolint: ignore[ISO403] */ const c = 2;\n"
        "// isolint: ignore-file[ISO404]\n"
    )
    source = ts_source(text)
    suppressions = typescript_suppressions(source, parse_typescript(source))
    assert suppressions.is_suppressed("ISO401", 0)
    assert not suppressions.is_suppressed("ISO402", 1)
    assert suppressions.is_suppressed("ISO403", 3) and not suppressions.is_suppressed("ISO403", 2)
    assert suppressions.is_suppressed("ISO404", 1)
    comment = suppressions.comment_at(0)
    assert comment is not None and text.splitlines()[0][comment.column:].startswith("isolint: ignore[ISO401]")


def test_checker_runs_typescript_indexers_rules_and_suppressions_together() -> None:
    from isolint.engine.project import ProjectIndex

    settings = Settings(root=ROOT)
    project = ProjectIndex(settings)
    backend = SourceFile.from_text(ROOT / "services/api/app/ws.py", (
        "async def push(websocket):\n"
        "    await websocket.send_json({'type': 'job_done', 'payload': {}})\n"
    ), settings)
    check_source(backend, project)
    frontend = ts_source(
        "export function listen(ws: WebSocket) {\n"
        "  ws.onmessage = (e) => {\n"
        "    const msg = JSON.parse(e.data);\n"
        "    if (msg.type === 'job_started') start(msg.payload);\n"
        "    if (msg.type === 'job_failed') fail(msg.payload); // isolint: ignore[ISO402]\n"
        "  };\n"
        "}\n", "frontend/src/socket.ts")
    result = check_source(frontend, project)
    assert [(f.code, f.range.start.line) for f in result.findings] == [("ISO402", 3)]
    assert result.facts and "ws_messages_typescript" in result.facts
