"""Detection quality on real monorepos: recall on hand-labelled lines, and a precision sampler.

Labels live in ``bench/labels/NAME.tsv`` (columns ``path line family kind reason``; ``family`` is
``ISO1`` … ``ISO6``, ``kind`` is ``must-flag`` or ``look-alike``). A labelled line counts as
*flagged* when a finding of its family has it in its location or in one of its related locations
(the scorer runs ``--format sarif`` and reads ``relatedLocations``; a saved JSON report is read
with a finding's ``related`` list, as ``isolint check --format json`` writes it, if it has one).

    python bench/quality.py score [NAME ...] [--json]             # isolint runs, zero configuration
    python bench/quality.py score NAME --findings run.json        # score a saved report instead
    python bench/quality.py score --path DIR --labels FILE        # any folder with any labels
    python bench/quality.py sample NAME --per-rule 20 --seed 1 -o bench/labels/NAME.sample.tsv
    python bench/quality.py judged bench/labels/NAME.sample.tsv [--json]

``sample`` draws up to N random findings per rule (every severity, hints included) into a TSV with
an empty ``verdict`` column; fill it with ``tp`` (a maintainer would act on it), ``fp`` (wrong) or
``noise`` (right but not worth acting on: a duplicate, a legacy folder, …) and ``judged`` reports
the share of ``tp`` per rule, and over all rules weighted by each rule's number of findings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import corpora  # a sibling script, not a package

LABELS = BENCH / "labels"
FAMILIES = ("ISO1", "ISO2", "ISO3", "ISO4", "ISO5", "ISO6")
KINDS = ("must-flag", "look-alike")
LABEL_COLUMNS = ("path", "line", "family", "kind", "reason")
SAMPLE_COLUMNS = ("rule", "path", "line", "severity", "zone", "service", "message", "source", "rule_total",
                  "verdict", "note")
VERDICTS = ("tp", "fp", "noise")


class QualityError(Exception):
    """Bad labels, a bad report or a failed run; the message says which and where."""


@dataclass(frozen=True)
class Span:
    """Lines ``start``..``end`` (1-based, inclusive) of ``path`` (relative to the corpus, POSIX)."""

    path: str
    start: int
    end: int

    def covers(self, path: str, line: int) -> bool:
        return self.path == path and self.start <= line <= self.end


@dataclass(frozen=True)
class Finding:
    code: str
    location: Span
    related: tuple[Span, ...] = ()
    message: str = ""
    severity: str = ""
    zone: str = ""
    service: str = ""
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def family(self) -> str:
        return self.code[:4]

    def touches(self, path: str, line: int) -> bool:
        return any(span.covers(path, line) for span in (self.location, *self.related))


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    family: str
    kind: str
    reason: str


# ---------------------------------------------------------------------------------------------
# labels


def read_labels(path: Path, corpus_root: Path | None = None) -> list[Label]:
    """Labels from a TSV, checked: known family and kind, a reason, no duplicate, and (given the
    corpus) a line that exists in its file."""
    if not path.is_file():
        raise QualityError(f"no labels at {path}")
    labels: list[Label] = []
    seen: set[tuple[str, int, str]] = set()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != LABEL_COLUMNS:
            raise QualityError(f"{path}: header must be {' '.join(LABEL_COLUMNS)} (tab-separated)")
        for row_number, row in enumerate(reader, start=2):
            where = f"{path}:{row_number}"
            try:
                line = int(row["line"])
            except (TypeError, ValueError):
                raise QualityError(f"{where}: line {row['line']!r} is not a number") from None
            label = Label(row["path"], line, row["family"], row["kind"], (row["reason"] or "").strip())
            if label.family not in FAMILIES:
                raise QualityError(f"{where}: family {label.family!r} is not one of {', '.join(FAMILIES)}")
            if label.kind not in KINDS:
                raise QualityError(f"{where}: kind {label.kind!r} is not one of {', '.join(KINDS)}")
            if not label.reason:
                raise QualityError(f"{where}: a label needs a reason")
            key = (label.path, label.line, label.family)
            if key in seen:
                raise QualityError(f"{where}: {label.path}:{label.line} is labelled twice for {label.family}")
            seen.add(key)
            if corpus_root is not None:
                _check_line_exists(corpus_root, label, where)
            labels.append(label)
    return labels


def _check_line_exists(corpus_root: Path, label: Label, where: str) -> None:
    file = corpus_root / label.path
    if not file.is_file():
        raise QualityError(f"{where}: {label.path} is not a file of {corpus_root}")
    with file.open(encoding="utf-8", errors="replace") as handle:
        count = sum(1 for _ in handle)
    if not 1 <= label.line <= count:
        raise QualityError(f"{where}: {label.path} has {count} lines, not line {label.line}")


# ---------------------------------------------------------------------------------------------
# findings


def run_isolint(corpus_root: Path, out: Path | None = None, report_format: str = "json") -> list[Finding]:
    """isolint on the corpus with zero configuration (no cache, every rule's default).

    Scoring reads ``sarif``: related locations are part of that format. Sampling reads ``json``,
    which also carries each finding's zone, service and masked-secret range."""
    with tempfile.TemporaryDirectory() as scratch:
        report = out or Path(scratch) / f"findings.{report_format}"
        command = [sys.executable, "-m", "isolint", "check", "--format", report_format, "--exit-zero",
                   "--no-cache", "--quiet", "-o", str(report.resolve()), "."]
        done = subprocess.run(command, cwd=corpus_root, capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        if done.returncode != 0 or not report.is_file():
            raise QualityError(f"isolint failed on {corpus_root} (exit {done.returncode}): "
                               f"{done.stderr.strip()[-2000:]}")
        return read_findings(report, corpus_root)


def _relative(path_text: str, corpus_root: Path) -> str:
    if path_text.startswith("file://"):
        from urllib.parse import unquote, urlparse

        path_text = unquote(urlparse(path_text).path)
    path = Path(path_text)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(corpus_root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix().removeprefix("./")


def _json_span(entry: dict[str, Any], corpus_root: Path, fallback_path: str) -> Span:
    start = entry["location"]["row"]
    end = entry.get("end_location", entry["location"])["row"]
    path = entry.get("filename") or entry.get("path") or fallback_path
    return Span(_relative(path, corpus_root), start, max(start, end))


def _sarif_span(location: dict[str, Any], corpus_root: Path) -> Span:
    physical = location["physicalLocation"]
    region = physical.get("region", {})
    start = region.get("startLine", 1)
    return Span(_relative(physical["artifactLocation"]["uri"], corpus_root), start,
                max(start, region.get("endLine", start)))


def read_findings(report: Path, corpus_root: Path) -> list[Finding]:
    """Findings of an ``isolint check --format json`` or ``--format sarif`` report."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise QualityError(f"cannot read the report {report}: {error}") from None
    findings = []
    if isinstance(data, dict) and "runs" in data:
        for run in data["runs"]:
            for result in run.get("results", []):
                findings.append(Finding(
                    code=result["ruleId"],
                    location=_sarif_span(result["locations"][0], corpus_root),
                    related=tuple(_sarif_span(item, corpus_root) for item in result.get("relatedLocations", [])
                                  if "physicalLocation" in item),
                    message=result.get("message", {}).get("text", ""),
                    severity=result.get("level", ""),
                ))
        return findings
    if not isinstance(data, list):
        raise QualityError(f"{report} is neither an isolint JSON list nor a SARIF log")
    for entry in data:
        location = _json_span(entry, corpus_root, "")
        related = entry.get("related") or entry.get("related_locations") or entry.get("relatedLocations") or []
        findings.append(Finding(
            code=entry["code"],
            location=location,
            related=tuple(_json_span(item, corpus_root, location.path) for item in related
                          if isinstance(item, dict) and "location" in item),
            message=entry.get("message", ""),
            severity=entry.get("severity", ""),
            zone=entry.get("zone") or "",
            service=entry.get("service") or "",
            data=entry.get("data") or {},
        ))
    return findings


# ---------------------------------------------------------------------------------------------
# recall and look-alikes


def score(labels: Iterable[Label], findings: list[Finding]) -> dict[str, Any]:
    """Per family: must-flag lines found, look-alikes flagged (each with the lines behind the
    number, and per rule how many labelled lines its findings touch), and the findings per rule."""
    by_family: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_family[finding.family].append(finding)
    families: dict[str, dict[str, Any]] = {
        family: {"must_flag": {"found": 0, "total": 0, "missed": [], "by_rule": Counter()},
                 "look_alike": {"flagged": 0, "total": 0, "flagged_lines": [], "by_rule": Counter()}}
        for family in FAMILIES
    }
    for label in labels:
        codes = sorted({finding.code for finding in by_family[label.family]
                        if finding.touches(label.path, label.line)})
        where = f"{label.path}:{label.line}"
        must = label.kind == "must-flag"
        bucket = families[label.family]["must_flag" if must else "look_alike"]
        bucket["total"] += 1
        bucket["by_rule"].update(codes)
        if codes:
            bucket["found" if must else "flagged"] += 1
            if not must:
                bucket["flagged_lines"].append(where)
        elif must:
            bucket["missed"].append(where)
    for numbers in families.values():
        for bucket in numbers.values():
            bucket["by_rule"] = dict(sorted(bucket["by_rule"].items()))
    rules = Counter(finding.code for finding in findings)
    return {"families": families, "rules": dict(sorted(rules.items())), "findings": len(findings)}


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def render_score(name: str, result: dict[str, Any]) -> str:
    lines = [f"## {name}: {result['findings']} findings", "",
             "| family | must-flag found | look-alikes flagged |", "|---|---|---|"]
    for family, numbers in result["families"].items():
        must, look = numbers["must_flag"], numbers["look_alike"]
        lines.append(f"| {family} | {must['found']}/{must['total']} ({_percent(must['found'], must['total'])}) "
                     f"| {look['flagged']}/{look['total']} ({_percent(look['flagged'], look['total'])}) |")
    lines += ["", "findings per rule: " + ", ".join(f"{code} {count}" for code, count in result["rules"].items())]
    for family, numbers in result["families"].items():
        if numbers["must_flag"]["missed"]:
            lines.append(f"{family} missed: {' '.join(numbers['must_flag']['missed'])}")
        if numbers["look_alike"]["flagged_lines"]:
            by_rule = ", ".join(f"{code} {count}" for code, count in numbers["look_alike"]["by_rule"].items())
            lines.append(f"{family} look-alikes flagged ({by_rule}): {' '.join(numbers['look_alike']['flagged_lines'])}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# precision sample


def _source_line(corpus_root: Path, finding: Finding) -> str:
    """The finding's first line, secrets masked the way isolint masks them, one line of TSV."""
    try:
        text = (corpus_root / finding.location.path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = text.splitlines()
    index = finding.location.start - 1
    if not 0 <= index < len(lines):
        return ""
    line = lines[index]
    if finding.data.get("secret_range"):
        from isolint.core.masking import mask_line
        from isolint.core.model import Finding as IsolintFinding
        from isolint.core.model import Range, Severity

        masked = IsolintFinding(finding.code, "", Range.of(index, 0, index, 0), Severity.ERROR,
                                data=finding.data)
        line = mask_line(line, index, (masked,))
    elif finding.family == "ISO2":
        line = "(secret finding without a range: line withheld)"
    return " ".join(line.split())[:240]


def _tsv_cell(text: str) -> str:
    return " ".join(str(text).split())


def sample(findings: list[Finding], per_rule: int, seed: int, corpus_root: Path) -> list[dict[str, str]]:
    """Up to ``per_rule`` random findings of every rule, in a reproducible order."""
    rng = random.Random(seed)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.code].append(finding)
    rows = []
    for code in sorted(by_rule):
        ordered = sorted(by_rule[code], key=lambda f: (f.location.path, f.location.start, f.message))
        chosen = rng.sample(ordered, min(per_rule, len(ordered)))
        for finding in sorted(chosen, key=lambda f: (f.location.path, f.location.start)):
            rows.append({
                "rule": code, "path": finding.location.path, "line": str(finding.location.start),
                "severity": finding.severity, "zone": finding.zone, "service": finding.service,
                "message": _tsv_cell(finding.message), "source": _source_line(corpus_root, finding),
                "rule_total": str(len(ordered)), "verdict": "", "note": "",
            })
    return rows


def write_tsv(rows: list[dict[str, str]], columns: tuple[str, ...], out: Path | None) -> None:
    handle = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter="\t", quoting=csv.QUOTE_NONE,
                                escapechar="\\", lineterminator="\n")
        writer.writeheader()
        writer.writerows({column: _tsv_cell(row.get(column, "")) for column in columns} for row in rows)
    finally:
        if out:
            handle.close()


def score_judged(path: Path) -> dict[str, Any]:
    """Per rule: tp / fp / noise among the judged findings, the share of tp, and that share
    weighted by each rule's volume (``rule_total``) over all rules."""
    per_rule: dict[str, Counter] = defaultdict(Counter)
    totals: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        missing = {"rule", "verdict", "rule_total"} - set(reader.fieldnames or ())
        if missing:
            raise QualityError(f"{path}: no column {', '.join(sorted(missing))}")
        for row_number, row in enumerate(reader, start=2):
            verdict = (row["verdict"] or "").strip()
            if verdict and verdict not in VERDICTS:
                raise QualityError(f"{path}:{row_number}: verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
            per_rule[row["rule"]][verdict or "unjudged"] += 1
            totals[row["rule"]] = int(row["rule_total"])
    rules = {}
    weighted_tp = weight = 0.0
    for code in sorted(per_rule):
        counts = per_rule[code]
        judged = sum(counts[v] for v in VERDICTS)
        share = counts["tp"] / judged if judged else None
        rules[code] = {**{v: counts[v] for v in VERDICTS}, "unjudged": counts["unjudged"], "judged": judged,
                       "tp_share": share, "rule_total": totals[code]}
        if share is not None:
            weighted_tp += share * totals[code]
            weight += totals[code]
    judged_all = sum(rule["judged"] for rule in rules.values())
    tp_all = sum(rule["tp"] for rule in rules.values())
    return {"rules": rules, "judged": judged_all, "tp_share": tp_all / judged_all if judged_all else None,
            "tp_share_weighted_by_volume": weighted_tp / weight if weight else None}


def render_judged(result: dict[str, Any]) -> str:
    def share(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.0f} %"

    lines = ["| rule | findings | judged | tp | fp | noise | tp share |", "|---|---|---|---|---|---|---|"]
    for code, rule in result["rules"].items():
        lines.append(f"| {code} | {rule['rule_total']} | {rule['judged']} | {rule['tp']} | {rule['fp']} "
                     f"| {rule['noise']} | {share(rule['tp_share'])} |")
    lines.append(f"\nall judged: {result['judged']}, tp {share(result['tp_share'])}; weighted by each rule's "
                 f"volume: {share(result['tp_share_weighted_by_volume'])}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# command line


def _corpus_root(args: argparse.Namespace, name: str) -> Path:
    catalogue = corpora.load_catalogue()
    return corpora.materialised_path(corpora.corpus_named(name, catalogue), args.root or corpora.default_root())


def _findings_for(args: argparse.Namespace, root: Path, report_format: str) -> list[Finding]:
    if args.findings:
        return read_findings(args.findings, root)
    return run_isolint(root, args.save_findings, report_format)


def cmd_score(args: argparse.Namespace) -> int:
    if args.path:
        if not args.labels:
            raise QualityError("--path needs --labels")
        targets = [(args.path.name, args.path.resolve(), args.labels)]
    else:
        names = args.names or corpora.development_corpora(corpora.load_catalogue())
        targets = [(name, _corpus_root(args, name), args.labels or LABELS / f"{name}.tsv") for name in names]
    if args.findings and len(targets) != 1:
        raise QualityError("--findings scores one corpus")
    results = {}
    for name, root, labels_path in targets:
        labels = read_labels(labels_path, root)
        results[name] = score(labels, _findings_for(args, root, "sarif"))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print("\n".join(render_score(name, result) for name, result in results.items()))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    root = args.path.resolve() if args.path else _corpus_root(args, args.name)
    rows = sample(_findings_for(args, root, "json"), args.per_rule, args.seed, root)
    write_tsv(rows, SAMPLE_COLUMNS, args.output)
    if args.output:
        print(f"{len(rows)} findings of {len({row['rule'] for row in rows})} rules -> {args.output}")
    return 0


def cmd_judged(args: argparse.Namespace) -> int:
    result = score_judged(args.sample)
    print(json.dumps(result, indent=2) if args.json else render_judged(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None, help="where corpora are materialised")
    sub = parser.add_subparsers(dest="command", required=True)

    def run_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--path", type=Path, help="a folder to check instead of a catalogued corpus")
        command.add_argument("--findings", type=Path, help="score a saved isolint JSON/SARIF report, run nothing")
        command.add_argument("--save-findings", type=Path, help="keep isolint's report here (SARIF for score, JSON for sample)")

    score_cmd = sub.add_parser("score", help="must-flag found / look-alikes flagged per family")
    score_cmd.add_argument("names", nargs="*", help="corpora (default: all in bench/corpora.toml)")
    score_cmd.add_argument("--labels", type=Path, help="labels TSV (default: bench/labels/NAME.tsv)")
    score_cmd.add_argument("--json", action="store_true")
    run_options(score_cmd)
    score_cmd.set_defaults(handler=cmd_score)

    sample_cmd = sub.add_parser("sample", help="random findings per rule to judge by hand")
    sample_cmd.add_argument("name", nargs="?", default=None)
    sample_cmd.add_argument("--per-rule", type=int, default=20)
    sample_cmd.add_argument("--seed", type=int, default=0)
    sample_cmd.add_argument("-o", "--output", type=Path)
    run_options(sample_cmd)
    sample_cmd.set_defaults(handler=cmd_sample)

    judged_cmd = sub.add_parser("judged", help="precision of a judged sample")
    judged_cmd.add_argument("sample", type=Path)
    judged_cmd.add_argument("--json", action="store_true")
    judged_cmd.set_defaults(handler=cmd_judged)

    args = parser.parse_args(argv)
    if args.command == "sample" and not (args.name or args.path):
        parser.error("sample needs a corpus NAME or --path")
    try:
        return args.handler(args)
    except (QualityError, corpora.CorpusError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
