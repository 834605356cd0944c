"""The catalogue follows edits without a rebuild when they only move lines, and is always what
a rebuild from the same facts gives: every keystroke above a send in the language server moves
that file's entries."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from isolint.api import collect_files
from isolint.engine.checker import index_source, load_source
from isolint.engine.project import ProjectIndex
from isolint.core.source import SourceFile
from isolint.rules.contract.catalogue import FACT_KINDS, build_catalogue, catalogue_of

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
SCENARIOS = ("iso4_zero_config", "iso4_shared_contract", "iso4_socketio_chat", "iso4_configured_sides")


def _indexed(root: Path) -> tuple[ProjectIndex, dict[str, SourceFile]]:
    entries, _ = collect_files([root])
    project = ProjectIndex(entries[0].settings)
    sources = {}
    for entry in entries:
        loaded = load_source(entry.path, entry.settings, project.services.service_of(entry.rel_path))
        if isinstance(loaded, SourceFile):
            index_source(loaded, project)
            sources[loaded.rel_path] = loaded
    return project, sources


def _view(catalogue) -> tuple:
    sides = {name: {key: [(item.path, item.entry, item.name, item.fields) for item in items]
                    for key, items in side.by_name.items()} for name, side in catalogue.sides.items()}
    return sides, catalogue.mismatches, catalogue.aliases, catalogue.shared_paths


def _edit(source: SourceFile, rng: random.Random) -> str:
    """Lines added (or a comment typed) somewhere: positions move, nothing else changes — or,
    now and then, a message type renamed (the catalogue must be rebuilt)."""
    lines = source.text.split("\n")
    row = rng.randrange(len(lines))
    comment = "#" if source.language.value == "python" else "//"
    if rng.random() < 0.15:
        return source.text.replace("thread_updated", "thread_update", 1).replace("run_done", "run_finished", 1)
    indent = lines[row][: len(lines[row]) - len(lines[row].lstrip())]
    return "\n".join(lines[:row] + [f"{indent}{comment} note"] * rng.randint(1, 3) + lines[row:])


def test_edits_that_move_lines_update_the_catalogue_as_a_rebuild_would(tmp_path: Path) -> None:
    rng = random.Random(5)
    for scenario in SCENARIOS:
        root = tmp_path / scenario
        shutil.copytree(PROJECTS / scenario, root)
        project, sources = _indexed(root)
        facts = {kind: project.facts(kind) for kind in FACT_KINDS}
        paths = sorted(path for kind in FACT_KINDS for path in facts[kind])
        assert paths, scenario
        assert _view(catalogue_of(project)) == _view(build_catalogue(facts))
        moved = 0
        for _ in range(25):
            source = sources[rng.choice(paths)]
            before = catalogue_of(project)
            edited = SourceFile.from_text(source.path, _edit(source, rng), source.settings, source.language,
                                          source.service, rel_path=source.rel_path)
            sources[source.rel_path] = edited
            index_source(edited, project)
            incremental = catalogue_of(project)
            rebuilt = build_catalogue({kind: project.facts(kind) for kind in FACT_KINDS})
            assert _view(incremental) == _view(rebuilt), (scenario, source.rel_path)
            moved += incremental is not before and incremental.sides.keys() == before.sides.keys()
            for mismatch in incremental.mismatches:  # anchors point at the moved text
                for anchor in mismatch.anchors:
                    text = sources[anchor.path].text_in(anchor.range)
                    assert anchor.name in text or anchor.entry.get("ref", "").split(".")[-1] in text \
                        or anchor.entry.get("model", "") in text, (anchor, text)
        assert moved, scenario


def test_a_change_of_other_facts_keeps_the_catalogue(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "iso4_zero_config", root)
    project, _ = _indexed(root)
    catalogue = catalogue_of(project)
    project.update("services/api/app/db.py", {"session-factories": {"module": "app.db", "definitions": {}}})
    assert catalogue_of(project) is catalogue


def test_the_client_connect_words_guard_every_alternative_of_the_regex() -> None:
    from isolint.rules.contract.python_indexer import CLIENT_CONNECT

    assert len(CLIENT_CONNECT.alternatives) == 9
    assert all(word in pattern.replace(b"\\", b"") for word, pattern in CLIENT_CONNECT.alternatives)
