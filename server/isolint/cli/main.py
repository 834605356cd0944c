"""``isolint`` command line. Exit codes: 0 clean, 1 findings, 2 error (bad config, bad usage)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from isolint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="isolint", description="Keep the boundaries of a multi-service codebase intact.")
    parser.add_argument("--version", action="version", version=f"isolint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check files and folders (default: .)")
    check.add_argument("paths", nargs="*", default=["."], type=Path)
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument("--output", type=Path, help="write the report to a file instead of stdout")
    check.add_argument("--select", type=_codes, help="comma-separated rule codes or prefixes")
    check.add_argument("--ignore", type=_codes)
    check.add_argument("--extend-select", type=_codes)
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes (with --fix)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    check.add_argument("--no-cache", action="store_true")

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=["text", "json"], default="text")
    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code")

    # `isolint server` is dispatched to isolint.lsp by isolint.__main__; listed here for --help.
    commands.add_parser("server", help="start the language server (isolint server --help)")
    return parser


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "rules":
            return run_rules(args)
        if args.command == "rule":
            return run_rule(args)
    except BrokenPipeError:
        return EXIT_ERROR
    parser.print_help()
    return EXIT_ERROR


def _overrides(args: argparse.Namespace) -> dict:
    overrides = {}
    for key in ("select", "ignore", "extend_select"):
        value = getattr(args, key, None)
        if value is not None:
            overrides[key.replace("_", "-")] = value
    return overrides


def run_check(args: argparse.Namespace) -> int:
    from isolint.api import fix_source, lint_paths
    from isolint.cli.output import text as text_output

    for path in args.paths:
        if not path.exists():
            print(f"error: {path}: no such file or directory", file=sys.stderr)
            return EXIT_ERROR
    run = lint_paths(args.paths, overrides=_overrides(args), jobs=args.jobs)
    for error in run.config_errors:
        print(f"error: {error}", file=sys.stderr)
    if run.config_errors:
        return EXIT_ERROR
    if args.fix:
        fixed = 0
        for result in run.results:
            if not any(f.fix for f in result.findings):
                continue
            outcome = fix_source(result.source.text, result.source.path, result.source.settings,
                                 unsafe=args.unsafe_fixes, project=run.projects.get(result.source.settings.root))
            if outcome.applied:
                result.source.path.write_text(outcome.text, encoding="utf-8", newline="")
                fixed += len(outcome.applied)
                result.findings = outcome.remaining
        print(f"Fixed {fixed} finding(s).", file=sys.stderr)
    if args.format == "json":
        import json

        report = json.dumps([f.to_json() for f in run.findings], indent=2) + "\n"
    else:
        report = text_output.render(run)
        count = len(run.findings)
        report += f"Found {count} finding(s).\n" if count else "All checks passed!\n"
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    return EXIT_CLEAN if args.exit_zero or not run.findings else EXIT_FINDINGS


def run_rules(args: argparse.Namespace) -> int:
    from isolint.rules.registry import RULES

    if args.format == "json":
        import json

        print(json.dumps([{"code": r.code, "name": r.name, "summary": r.summary(), "fixable": r.fixable.value,
                           "severity": r.severity.value} for r in RULES], indent=2))
        return EXIT_CLEAN
    for rule in RULES:
        print(f"{rule.code}  {rule.name:<40} {rule.summary()}")
    return EXIT_CLEAN


def run_rule(args: argparse.Namespace) -> int:
    from isolint.rules.registry import get_rule

    rule = get_rule(args.code)
    if rule is None:
        print(f"error: unknown rule {args.code!r}", file=sys.stderr)
        return EXIT_ERROR
    print(f"# {rule.name} ({rule.code})\n")
    print(rule.doc())
    return EXIT_CLEAN
