"""A file with thousands of findings (a minified bundle's one line, a generated module): every
output masks each line once and fingerprints each (code, line) once, with the results a
per-finding computation gives."""

from __future__ import annotations

import isolint.cli.output as output
from isolint.cli.output import MaskedLines
from isolint.core.fingerprint import Fingerprint, enclosing_scope, fingerprint_file, fingerprint_key
from isolint.core.masking import mask_line, mask_secret_shapes
from isolint.core.model import SECRET_RANGE, Finding, Language, Range, Severity

LINE = 'const a = "ws://localhost:1"; const key = "sk_live_0123456789abcdefABCDEF"; ' * 3


def _findings(lines: list[str]) -> list[Finding]:
    findings = []
    for index, line in enumerate(lines):
        column = line.index("sk_live")
        findings.append(Finding("ISO201", "secret", Range.of(index, column, index, column + 30), Severity.ERROR,
                                data={SECRET_RANGE: (index, column, index, column + 30)}))
        findings.extend(Finding("ISO101", "host", Range.of(index, c, index, c + 9), Severity.WARNING)
                        for c in range(0, len(line), 40))
    return findings


def test_fingerprints_are_those_of_a_per_finding_computation() -> None:
    lines = [LINE, "  " + LINE, LINE]
    findings = _findings(lines)
    expected, seen = {}, {}
    for finding in sorted(findings, key=Finding.sort_key):
        index = finding.range.start.line
        masked = " ".join(mask_line(lines[index], index, findings).split())
        key = fingerprint_key(finding.code, enclosing_scope(lines, index, Language.TYPESCRIPT), masked)
        expected[id(finding)] = Fingerprint(key, seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
    got = fingerprint_file(findings, lines, Language.TYPESCRIPT)
    assert [expected[id(f)] for f in findings] == got
    assert "sk_live_0123456789abcdefABCDEF" not in str(got)


def test_each_shown_line_is_masked_once_and_every_secret_on_it(monkeypatch) -> None:
    class Source:
        lines = [LINE, LINE]

        def line(self, index: int) -> str:
            return self.lines[index]

    findings = _findings(Source.lines)
    masked: list[int] = []
    monkeypatch.setattr(output, "mask_secret_shapes", lambda line: masked.append(1) or mask_secret_shapes(line))
    lines = MaskedLines(Source(), findings)
    shown = {lines.line(f.range.start.line) for f in findings}
    assert len(masked) == 2
    assert len(shown) == 1 and "sk_live_0123456789abcdefABCDEF" not in shown.pop()
