"""Multi-file scenarios: every finding in a folder must be marked, every marker found, as many
times as it is marked, and at the column it is marked with (``# error: ISO101@12``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from isolint.api import LintRun, lint_paths
from isolint.core.source import language_of
from tests.support.markers import parse_markers


def expected_markers(folder: Path) -> Counter[tuple[str, int, str]]:
    return marker_specs(folder)[0]


def marker_specs(folder: Path) -> tuple[Counter[tuple[str, int, str]], Counter[tuple[str, int, str, int]]]:
    """The (file, line, code) counts and the (file, line, code, column) marks of a folder."""
    expected: Counter[tuple[str, int, str]] = Counter()
    columns: Counter[tuple[str, int, str, int]] = Counter()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or language_of(path.name) is None or "node_modules" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = path.relative_to(folder).as_posix()
        spec = parse_markers(text)
        expected.update({(rel, line, code): count for (line, code), count in spec.counts.items()})
        columns.update({(rel, *key): count for key, count in spec.columns.items()})
    return expected, columns


def related_markers(folder: Path) -> set[tuple[str, int, str]]:
    """(file, 0-based line, code) marked ``# related: CODE``."""
    marked: set[tuple[str, int, str]] = set()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or language_of(path.name) is None or "node_modules" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = path.relative_to(folder).as_posix()
        marked.update((rel, line, code) for line, code in parse_markers(text).related)
    return marked


def assert_findings_match_markers(folder: Path, run: LintRun | None = None) -> LintRun:
    run = run or lint_paths([folder], jobs=1)
    assert not run.config_errors, run.config_errors
    found: Counter[tuple[str, int, str]] = Counter()
    found_columns: Counter[tuple[str, int, str, int]] = Counter()
    for result in run.results:
        rel = result.source.path.resolve().relative_to(folder.resolve()).as_posix()
        found.update((rel, f.range.start.line, f.code) for f in result.findings)
        found_columns.update((rel, f.range.start.line, f.code, f.range.start.column + 1) for f in result.findings)
    expected, columns = marker_specs(folder)
    missing, unexpected = sorted((expected - found).elements()), sorted((found - expected).elements())
    messages = {(r.source.path.resolve().relative_to(folder.resolve()).as_posix(), f.range.start.line, f.code): f.message
                for r in run.results for f in r.findings}
    assert not missing and not unexpected, (
        "\nmissed (false negatives):\n" + "\n".join(f"  {p}:{l + 1}: {c}" for p, l, c in missing)
        + "\nunexpected (false positives):\n"
        + "\n".join(f"  {p}:{l + 1}: {c} {messages.get((p, l, c), '')}" for p, l, c in unexpected)
    )
    related = {(r.source.path.resolve().relative_to(folder.resolve()).as_posix(), place.range.start.line, f.code)
               for r in run.results for f in r.findings for place in f.related}
    unrelated = sorted(related_markers(folder) - related)
    assert not unrelated, "\nmarked `related:` but no finding has it as a related location:\n" + "\n".join(
        f"  {p}:{l + 1}: {c}" for p, l, c in unrelated)
    wrong = sorted((columns - found_columns).elements())
    assert not wrong, "\nmarked at a column no finding starts at:\n" + "\n".join(
        f"  {p}:{l + 1}:{col}: {c}" for p, l, c, col in wrong)
    return run
