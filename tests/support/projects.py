"""Multi-file scenarios: every finding in a folder must be marked, every marker found, as many
times as it is marked."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from isolint.api import LintRun, lint_paths
from isolint.core.source import language_of
from tests.support.markers import parse_markers


def expected_markers(folder: Path) -> Counter[tuple[str, int, str]]:
    expected: Counter[tuple[str, int, str]] = Counter()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or language_of(path.name) is None or "node_modules" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = path.relative_to(folder).as_posix()
        expected.update({(rel, line, code): count for (line, code), count in parse_markers(text).counts.items()})
    return expected


def assert_findings_match_markers(folder: Path, run: LintRun | None = None) -> LintRun:
    run = run or lint_paths([folder], jobs=1)
    assert not run.config_errors, run.config_errors
    found: Counter[tuple[str, int, str]] = Counter()
    for result in run.results:
        rel = result.source.path.resolve().relative_to(folder.resolve()).as_posix()
        found.update((rel, f.range.start.line, f.code) for f in result.findings)
    expected = expected_markers(folder)
    missing, unexpected = sorted((expected - found).elements()), sorted((found - expected).elements())
    messages = {(r.source.path.resolve().relative_to(folder.resolve()).as_posix(), f.range.start.line, f.code): f.message
                for r in run.results for f in r.findings}
    assert not missing and not unexpected, (
        "\nmissed (false negatives):\n" + "\n".join(f"  {p}:{l + 1}: {c}" for p, l, c in missing)
        + "\nunexpected (false positives):\n"
        + "\n".join(f"  {p}:{l + 1}: {c} {messages.get((p, l, c), '')}" for p, l, c in unexpected)
    )
    return run
