"""The work done off the event loop: check one text, keep the project's facts current.

Everything here runs in a worker thread on an immutable snapshot (text, version, settings), so
a newer edit never races with it; the scheduler decides whether the result is still wanted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isolint.api import findings_for_editor
from isolint.core.config import Settings
from isolint.core.model import Finding, Language, Range
from isolint.core.source import BINARY_REASON, BINARY_SNIFF_BYTES, MAX_FILE_BYTES, SourceFile, has_binary_nuls
from isolint.engine.checker import check_source, extract_facts, load_source
from isolint.engine.checkpoints import Superseded, checkpoints
from isolint.engine.project import ProjectIndex
from isolint.engine.selection import rules_for
from isolint.rules.meta.unreadable_file import UnreadableFile


@dataclass(frozen=True)
class Snapshot:
    uri: str
    path: Path
    text: str
    version: int | None
    language: Language
    settings: Settings
    project: ProjectIndex | None
    #: what to do with findings the project's baseline accepts (``api.BASELINED_MODES``)
    baselined_findings: str = "hint"
    #: True once a newer text (or the document's close) makes this analysis worthless: it is
    #: then abandoned at the engine's next checkpoint instead of finishing for nobody
    superseded: Callable[[], bool] | None = field(default=None, compare=False)
    #: the document's parse of its successive texts (Python), re-using the previous text's tree
    parse: Callable[[SourceFile], Any] | None = field(default=None, compare=False)


@dataclass
class Outcome:
    """A checked snapshot."""

    snapshot: Snapshot
    findings: list[Finding] = field(default_factory=list)
    #: None when the text parsed; else the ISO001 finding (the caller keeps older findings)
    parse_error: Finding | None = None
    #: fact kinds this file changed in the project index (other documents may need a re-check)
    changed_facts: set[str] = field(default_factory=set)
    #: fact kinds the rules checking this file read
    reads_facts: frozenset[str] = frozenset()
    #: CPU time of the analysis thread (what one check costs, whatever the machine's load)
    cpu_ms: float = 0.0
    #: abandoned because a newer version was wanted (no findings; facts may have changed)
    superseded: bool = False


def source_of(snapshot: Snapshot) -> SourceFile:
    settings = snapshot.settings
    service = None
    if snapshot.project is not None:
        from isolint.core.source import relative_path

        service = snapshot.project.services.service_of(relative_path(snapshot.path, settings.root))
    return SourceFile.from_text(snapshot.path, snapshot.text, settings, snapshot.language, service)


def unreadable_reason(text: str) -> str | None:
    """The CLI refuses binary and huge files (ISO002); an editor buffer gets the same answer
    rather than a multi-second analysis."""
    if has_binary_nuls(text[:BINARY_SNIFF_BYTES]):
        return BINARY_REASON
    if len(text) * 4 > MAX_FILE_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; skipped"
    return None


def analyse(snapshot: Snapshot) -> Outcome:
    started = time.thread_time()
    superseded = snapshot.superseded

    def stop_if_superseded() -> None:
        if superseded is not None and superseded():
            raise Superseded

    with checkpoints(stop_if_superseded):
        outcome = _analyse(snapshot)
    outcome.cpu_ms = (time.thread_time() - started) * 1000
    return outcome


def _analyse(snapshot: Snapshot) -> Outcome:
    source = source_of(snapshot)
    outcome = Outcome(snapshot)
    rules = rules_for(source)
    outcome.reads_facts = frozenset(kind for rule in rules for kind in rule.uses_facts)
    reason = unreadable_reason(snapshot.text)
    if reason is not None:
        if UnreadableFile in rules:
            outcome.findings = [Finding(UnreadableFile.code, UnreadableFile.message.format(reason=reason),
                                        Range.of(0, 0, 0, 0),
                                        source.settings.severity_for(UnreadableFile.code, UnreadableFile.severity),
                                        path=source.rel_path)]
        return outcome
    project = snapshot.project
    before = project.file_facts(source.rel_path) if project is not None else {}
    try:
        result = check_source(source, project, parse=snapshot.parse)
    except Superseded:
        # check_source may have written this text's facts before it was abandoned: whoever
        # reads them must still hear of the change (the scheduler announces it with the next
        # accepted result)
        outcome.superseded = True
        if project is not None:
            outcome.changed_facts = _changed_kinds(before, project.file_facts(source.rel_path))
        return outcome
    outcome.findings = findings_for_editor(result, snapshot.baselined_findings)
    outcome.parse_error = result.parse_error
    if project is not None and result.parse_error is None:
        # check_source skips a file no rule and no indexer wants; its old facts must go too
        project.update(source.rel_path, result.facts)
        outcome.changed_facts = _changed_kinds(before, result.facts)
    return outcome


def _changed_kinds(before: dict, after: dict) -> set[str]:
    return {kind for kind in set(before) | set(after) if before.get(kind) != after.get(kind)}


def facts_on_disk(path: Path, settings: Settings, project: ProjectIndex) -> dict | None:
    """An on-disk file's facts by kind (background indexing, files changed outside the editor,
    a document closed with unsaved edits), ``{}`` when it has none (gone, unreadable, wanted by no
    indexer), None when it does not parse (its last good facts stay); ``project`` is only read
    (its services and indexers), so another process's copy of it answers the same."""
    from isolint.core.source import relative_path

    if not path.is_file():
        return {}
    loaded = load_source(path, settings, project.services.service_of(relative_path(path, settings.root)))
    if not isinstance(loaded, SourceFile):
        return {}
    return extract_facts(loaded, project)


def check_file(path: Path, settings: Settings, project: ProjectIndex | None,
               baselined_findings: str = "hint") -> tuple[list[Finding], list[str]]:
    """Findings of a file on disk as the CLI computes them (workspace diagnostics), with the
    lines they refer to (for position conversion)."""
    service = None
    if project is not None:
        from isolint.core.source import relative_path

        service = project.services.service_of(relative_path(path, settings.root))
    loaded = load_source(path, settings, service)
    if not isinstance(loaded, SourceFile):
        return loaded.findings, [""]
    result = check_source(loaded, project, update_project=False)
    return findings_for_editor(result, baselined_findings), loaded.lines
