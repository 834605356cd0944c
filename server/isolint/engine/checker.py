"""Check one source: choose rules, prefilter, parse once, run, index, suppress."""

from __future__ import annotations

import dataclasses
import gc
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from isolint.core.config import Settings
from isolint.core.files import FileRefused, read_regular
from isolint.core.model import Finding, Range, Zone
from isolint.core.rule import Rule
from isolint.core.suppression import Suppressions
from isolint.core.test_tiers import may_be_marked_integration
from isolint.engine.checkpoints import checkpoint
from isolint.engine.selection import prefilter, rules_for, token_scan
from isolint.core.source import MAX_FILE_BYTES, SourceFile, UnreadableSource, decode_source, language_of
from isolint.engine.runners import ParseFailure, runner_for
from isolint.rules.meta.parse_error import ParseError
from isolint.rules.meta.unreadable_file import UnreadableFile
from isolint.rules.meta.unused_ignore import UnusedIgnore

#: the engine's own findings (a file that does not parse, or cannot be read), never run as rules
META_RULES = (ParseError, UnreadableFile)

log = logging.getLogger(__name__)

#: the code of the unused-ignore rule, which no ignore comment is added for
UNUSED_IGNORE = UnusedIgnore.code


@dataclass
class CheckResult:
    source: SourceFile
    findings: list[Finding] = field(default_factory=list)
    #: set when the file did not parse; the LSP then keeps the last good findings
    parse_error: Finding | None = None
    #: facts this file contributes to the ProjectIndex, by kind
    facts: dict[str, Any] = field(default_factory=dict)
    crashed_rules: list[str] = field(default_factory=list)
    #: findings a baseline accepted (moved out of ``findings`` by ``api.apply_baseline``)
    baselined: list[Finding] = field(default_factory=list)


def load_source(path: Path, settings: Settings, service: str | None = None) -> SourceFile | CheckResult:
    """Read a file from disk; an unreadable one becomes a result with an ISO002 finding."""
    language = language_of(path)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
        text = decode_source(raw, language)
    except (UnreadableSource, OSError) as exc:
        source = SourceFile.from_text(path, "", settings, language, service)
        reason = str(exc) if isinstance(exc, (UnreadableSource, FileRefused)) else f"{type(exc).__name__}: {exc}"
        finding = _meta_finding(UnreadableFile, source, Range.of(0, 0, 0, 0), reason)
        return CheckResult(source, [finding] if _meta_enabled(UnreadableFile, source) else [])
    return SourceFile.from_text(path, text, settings, language, service)


def _meta_enabled(rule: type[Rule], source: SourceFile) -> bool:
    return rule in rules_for(source)


def _meta_finding(rule: type[Rule], source: SourceFile, range_: Range, reason: str) -> Finding:
    return Finding(rule.code, rule.message.format(reason=reason), range_,
                   source.settings.severity_for(rule.code, rule.severity), path=source.rel_path)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one file is analysed (nested and concurrent checks
    share the pause; a collector the host switched off stays off).

    A check allocates some 100,000 short-lived objects (the tree, contexts, findings) that
    reference counting frees; the collector would still run a hundred times per check, and its
    full collections traverse every live object of the process — in the language server, the
    whole workspace's facts — on every keystroke. Whatever cycles a check leaves are collected
    when the collector resumes."""
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


def check_source(source: SourceFile, project: Any = None, update_project: bool = True,
                 known_facts: dict[str, Any] | None = None, parsed: Any = None, parses: bool = False,
                 parse: Callable[[SourceFile], Any] | None = None) -> CheckResult:
    """All findings for one file. ``project`` (a ProjectIndex) feeds cross-file rules; when
    ``update_project`` the file's facts are written into it first. ``known_facts``: the file's
    facts were already extracted (the CLI's index phase) — reuse them instead of re-extracting.
    ``parsed``: the file's Python tree from an earlier parse of the same text (the CLI keeps the
    index phase's tree), used instead of parsing again. ``parses``: an earlier parse of the same
    text succeeded. Without ``update_project``, ``known_facts`` are the facts the project already
    holds for the file (the CLI's check phase); for a text known to parse whose zone its content
    cannot move, the rules' ``admits_given_facts`` are then asked before the parse (a file they
    rule out entirely would not be parsed, and so could not have been reported as unparseable
    nor moved to another zone). ``parse``: parses the text in place of the language's own parse
    when a parse is needed (the language server's ``incremental_parse.EditedParse``: the same
    tree, re-using the previous keystroke's)."""
    with collector_paused():
        try:
            return _check_source(source, project, update_project, known_facts, parsed, parses or parsed is not None,
                                 parse)
        finally:
            source.scratch.end_check()  # a shared parse model, per-node memos: not kept with the result


def _check_source(source: SourceFile, project: Any, update_project: bool,
                  known_facts: dict[str, Any] | None, parsed: Any, parses: bool,
                  parse: Callable[[SourceFile], Any] | None) -> CheckResult:
    result = CheckResult(source)
    candidate_rules = rules_for(source)
    scan = token_scan(source)
    facts_final = (project is not None and known_facts is not None and not update_project and parses
                   and not (source.zone is Zone.TEST and may_be_marked_integration(source)))
    rules = _admitted(candidate_rules, scan, source, project, facts_final)
    if known_facts is not None:
        result.facts = known_facts
        indexers = []
    else:
        indexers = project.indexers_for(source, scan) if project is not None else []
    runner = runner_for(source.language)
    if (not rules and not indexers) or runner is None:
        return result
    try:
        tree = parsed if parsed is not None else (parse or runner.parse)(source)
    except ParseFailure as failure:
        position = Range.of(failure.line, failure.column, failure.line, failure.column)
        result.parse_error = _meta_finding(ParseError, source, position, failure.message)
        if ParseError in candidate_rules and not failure.template:
            result.findings.append(result.parse_error)
        return result
    checkpoint()
    if runner.refine_zone is not None and runner.refine_zone(source, tree):
        rules = _admitted(rules_for(source), scan, source, project, facts_final)
    if indexers:
        result.facts = _extract_facts(indexers, source, tree)
    if project is not None and update_project:
        project.update(source.rel_path, result.facts)
    if not rules:  # parsed for its facts only: nothing to run
        return result
    checkpoint()
    findings, result.crashed_rules = runner.run(source, tree, [rule() for rule in rules], project)
    result.findings = _finalize(findings, runner.suppressions(source, tree), source, candidate_rules)
    return result


def _admitted(candidates: Iterable[type[Rule]], scan: Any, source: SourceFile, project: Any,
              facts_final: bool) -> list[type[Rule]]:
    """The rules the prefilter lets run on ``source`` (and, where the project holds the final
    facts, that the facts do not rule out)."""
    rules = prefilter([r for r in candidates if r not in META_RULES], scan, source, project)
    if facts_final:
        rules = [rule for rule in rules if not rule.uses_facts or rule.admits_given_facts(source, project)]
    return rules


def _extract_facts(indexers, source: SourceFile, tree) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for indexer in indexers:
        checkpoint()
        try:
            value = indexer.extract(source, tree)
        except Exception:
            log.exception("indexer %s crashed on %s", indexer.name, source.rel_path)
            continue
        if value is not None:
            facts[indexer.name] = value
    return facts


def _finalize(findings: list[Finding], suppressions: Suppressions, source: SourceFile,
              enabled: tuple[type[Rule], ...]) -> list[Finding]:
    """Suppress, report unused ignore comments (ISO003), dedupe, apply severities, sort."""
    settings = source.settings
    kept = []
    seen = set()
    used: set[tuple[int, str]] = set()
    for finding in findings:
        silencers = suppressions.silencers(finding.code, finding.range.start.line)
        if silencers:
            used.update(silencers)
            continue
        key = (finding.code, finding.range, finding.message)
        if key in seen:
            continue
        seen.add(key)
        severity = settings.severity_for(finding.code, finding.severity)
        if severity is not finding.severity:
            finding = dataclasses.replace(finding, severity=severity)
        kept.append(finding)
    if UnusedIgnore in enabled and suppressions.comments:
        from isolint.rules.registry import RULE_BY_CODE

        kept.extend(UnusedIgnore.findings_for(source, suppressions, used, RULE_BY_CODE,
                                              {rule.code for rule in enabled}))
    kept.sort(key=Finding.sort_key)
    return kept


def parse_for_indexing(source: SourceFile) -> Any:
    """The parse indexers read, or None when the file does not parse."""
    runner = runner_for(source.language)
    if runner is None:
        return None
    try:
        return runner.parse(source)
    except ParseFailure:
        return None


def index_source(source: SourceFile, project: Any, keep: list | None = None) -> set[str]:
    """Update ``project`` with this file's facts without running rules; returns changed kinds.
    ``keep`` receives the tree when the text parsed, for a caller that checks the same text
    later (``LanguageRunner.keeps_tree``: only a Python tree can be handed back to a check)."""
    facts = extract_facts(source, project, keep)
    return set() if facts is None else project.update(source.rel_path, facts)


def extract_facts(source: SourceFile, project: Any, keep: list | None = None) -> dict[str, Any] | None:
    """This file's facts by kind, as ``project``'s indexers extract them (``{}`` when none wants
    the file), without running rules or writing them anywhere; None when the file does not
    parse (its last good facts stay). ``keep``: as for ``index_source``."""
    indexers = project.indexers_for(source)
    if not indexers:
        return {}
    with collector_paused():
        tree = parse_for_indexing(source)
        if tree is None:
            return None
        if keep is not None:
            keep.append(tree)
        try:
            return _extract_facts(indexers, source, tree)
        finally:
            source.scratch.end_check()
