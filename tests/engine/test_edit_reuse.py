"""A keystroke's check in the language server re-uses work of the previous text: the tree of
every definition the edit is not in (``engine/incremental_parse``) and, kept with those nodes,
the answers that depend on one subtree alone (``core/scratch.SubtreeMemo``: a coroutine's
unawaited calls, a function's message-contract scope). None of it may change an answer: each
text typed into a real module of a project is checked with the document's parse and compared
with a check of the same text parsed from scratch — findings (messages, ranges, related
locations, fixes) and the facts the file gives the project."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from isolint.api import collect_files
from isolint.core.source import SourceFile
from isolint.engine.checker import check_source, index_source, load_source
from isolint.engine.incremental_parse import EditedParse
from isolint.engine.project import ProjectIndex

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = [ROOT / "examples" / "monorepo", ROOT / "tests" / "fixtures" / "projects" / "iso3_carriers",
            ROOT / "tests" / "fixtures" / "projects" / "iso4_socketio_chat",
            ROOT / "tests" / "fixtures" / "projects" / "iso4_event_classes"]
#: what a user types into a line: names, calls, attribute access, strings, a half-typed ``await``
TYPED = "abcxyz_.()[]'\" ,:=0"


def indexed(workspace: Path) -> tuple[ProjectIndex, list]:
    entries, _ = collect_files([workspace])
    project = ProjectIndex(entries[0].settings)
    for entry in entries:
        loaded = load_source(entry.path, entry.settings, project.services.service_of(entry.rel_path))
        if isinstance(loaded, SourceFile):
            index_source(loaded, project)
    return project, [entry for entry in entries if entry.path.suffix == ".py"]


def keystroke(rng: random.Random, text: str) -> str:
    """One character typed or deleted on an indented code line (inside a definition, where the
    document's parse re-uses the rest of the tree), the line count unchanged."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    line = lines[index]
    column = rng.randrange(len(line) - len(line.lstrip()), len(line) + 1)
    if rng.random() < 0.6 or column == len(line):
        line = line[:column] + rng.choice(TYPED) + line[column:]
    else:
        line = line[:column] + line[column + 1:]
    lines[index] = line
    return "\n".join(lines)


def outcome(result) -> tuple:
    return ([finding.to_json() for finding in result.findings], result.facts,
            None if result.parse_error is None else result.parse_error.to_json())


@pytest.mark.parametrize("workspace", PROJECTS, ids=lambda path: path.name)
def test_checks_of_typed_texts_reusing_the_previous_tree_equal_fresh_checks(workspace: Path) -> None:
    project, entries = indexed(workspace)
    rng = random.Random(workspace.name)
    codes: set[str] = set()
    fact_kinds: set[str] = set()
    reused = checks = 0
    for entry in entries:
        base = entry.path.read_text(encoding="utf-8")
        service = project.services.service_of(entry.rel_path)
        parser = EditedParse()
        text = base
        for step in range(25):
            if step:
                text = keystroke(rng, base if rng.random() < 0.15 else text)

            def source() -> SourceFile:
                return SourceFile.from_text(entry.path, text, entry.settings, service=service)

            with_reuse = check_source(source(), project, update_project=False, parse=parser.parse)
            fresh = check_source(source(), project, update_project=False)
            assert outcome(with_reuse) == outcome(fresh), (entry.rel_path, step)
            codes.update(finding.code for finding in fresh.findings)
            fact_kinds.update(fresh.facts)
            checks += 1
        reused += parser.reused
    assert checks >= 50 and reused >= checks // 10, (checks, reused)  # many typed texts do not parse
    # the typing went through the work the memos keep: coroutines of ISO3xx, message scopes of ISO4xx
    assert codes & {"ISO301", "ISO305", "ISO308", "ISO401", "ISO402", "ISO403", "ISO404"}, codes
    assert fact_kinds, fact_kinds
