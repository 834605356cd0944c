"""``isolint`` command line. Exit codes: 0 clean, 1 findings, 2 error (bad config, bad usage).

Commands: ``check`` (``fix`` = ``check --fix``), ``rules``, ``rule CODE``, ``report``,
``clean``; ``server`` is dispatched to the language server by ``isolint.__main__``.
Heavy modules (the engine, the rules) are imported inside the command that needs them, so
``isolint --help`` and ``isolint rule`` start fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from isolint import __version__
from isolint.cli import contract as contract_command

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad input the user can fix (unknown path, unknown rule); exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isolint",
        description="Keep the boundaries of a multi-service codebase intact.",
        epilog="Exit codes: 0 no findings, 1 findings, 2 error (invalid configuration, unknown path, bad usage).",
    )
    parser.add_argument("--version", action="version", version=f"isolint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check files and folders (default: .)",
                                description="Check files and folders (default: the current folder).")
    _add_check_arguments(check)
    fix = commands.add_parser("fix", help="apply fixes (same as `check --fix`)",
                              description="Apply fixes; same as `isolint check --fix`.")
    _add_check_arguments(fix)

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=["text", "json"], default="text")
    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code", help="a rule code (ISO101) or name")
    rule.add_argument("--format", choices=["text", "json"], default="text")

    report = commands.add_parser("report", help="the audit's success metrics, per service",
                                 description="Compute the audit's success metrics (per service where possible); "
                                             "exit 1 when one misses its target.")
    report.add_argument("paths", nargs="*", default=[Path(".")], type=Path, metavar="PATH")
    report.add_argument("--format", choices=["text", "json"], default="text")
    report.add_argument("--output", type=Path, metavar="FILE")
    report.add_argument("--jobs", type=int, default=None, metavar="N")
    report.add_argument("--no-cache", action="store_true")
    report.add_argument("--exit-zero", action="store_true", help="exit 0 even when a metric misses its target")

    clean = commands.add_parser("clean", help="delete the result cache (.isolint_cache) of a project")
    clean.add_argument("paths", nargs="*", default=[Path(".")], type=Path, metavar="PATH")

    contract_command.add_parser(commands)

    # `isolint server` is dispatched to isolint.lsp by isolint.__main__; listed here for --help.
    commands.add_parser("server", help="start the language server (isolint server --help)")
    return parser


def _add_check_arguments(check: argparse.ArgumentParser) -> None:
    from isolint.cli.output import FORMATS

    check.add_argument("paths", nargs="*", default=[Path(".")], type=Path, metavar="PATH")
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default, ruff-like), grouped, json, sarif (2.1.0) or github (Actions annotations)")
    check.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--select", type=_codes, metavar="CODES", help="comma-separated rule codes, prefixes or names")
    check.add_argument("--extend-select", type=_codes, metavar="CODES", help="rules to enable on top of the selection")
    check.add_argument("--ignore", type=_codes, metavar="CODES", help="rules to disable")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply (with --fix/--diff) and count unsafe fixes")
    check.add_argument("--diff", action="store_true",
                       help="print the diff fixes would make, change nothing; exit 1 when there is one")
    check.add_argument("--statistics", action="store_true", help="count findings per rule instead of listing them")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="worker processes (default: all cores; 1 = in-process)")
    check.add_argument("--no-cache", action="store_true", help="ignore and do not write .isolint_cache")
    check.add_argument("--show-source", action=argparse.BooleanOptionalAction, default=True,
                       help="show the source line under each finding (text format)")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


class _OneLineErrors(logging.Formatter):
    """A crashing rule or indexer is logged as one line (the file and the rule still get
    checked by the others); ``ISOLINT_DEBUG=1`` shows the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = f"isolint: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            if os.environ.get("ISOLINT_DEBUG"):
                return message + "\n" + self.formatException(record.exc_info)
            message += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]}; ISOLINT_DEBUG=1 for the traceback)"
        return message


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests swap it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _configure_logging() -> None:
    logger = logging.getLogger("isolint")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_OneLineErrors())
        handler.setLevel(logging.DEBUG if os.environ.get("ISOLINT_DEBUG") else logging.WARNING)
        logger.addHandler(handler)


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    handlers = {"check": run_check, "fix": run_check, "rules": run_rules, "rule": run_rule,
                "report": run_report, "clean": run_clean, "contract": contract_command.run}
    handler = handlers.get(args.command)
    if handler is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return handler(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # stdout closed early (`isolint check | head`): not an error of the code under check
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def _overrides(args: argparse.Namespace) -> dict:
    overrides = {}
    for key in ("select", "ignore", "extend_select"):
        value = getattr(args, key, None)
        if value is not None:
            overrides[key.replace("_", "-")] = value
    return overrides


def _check_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")


def _lint(args: argparse.Namespace):
    """Run the engine for ``check``/``report``; None after printing config errors (exit 2)."""
    from isolint.api import lint_paths
    from isolint.core.config import ConfigError

    _check_paths(args.paths)
    try:
        run = lint_paths(args.paths, overrides=_overrides(args), jobs=args.jobs, cache=not args.no_cache,
                         all_facts=args.command == "report")
    except ConfigError as exc:  # invalid --select/--ignore values
        print(f"error: {exc}", file=sys.stderr)
        return None
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for error in run.config_errors:
        print(f"error: {error}", file=sys.stderr)
    if run.config_errors:
        return None
    _warn_unmatched_selectors(args)
    if not run.results:
        print("warning: no files to check under the given path(s)", file=sys.stderr)
    return run


def _warn_unmatched_selectors(args: argparse.Namespace) -> None:
    """`--select ISO9` selecting nothing is almost always a typo; say so (ruff errors)."""
    from isolint.core.rule import RuleRef
    from isolint.rules.registry import RULES

    for option in ("select", "extend_select", "ignore"):
        for selector in getattr(args, option, None) or ():
            if not any(RuleRef(selector).matches(rule) for rule in RULES):
                flag = "--" + option.replace("_", "-")
                print(f"warning: `{flag} {selector}` matches no rule (`isolint rules` lists them)", file=sys.stderr)


def _emit(report: str, output: Path | None) -> None:
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
        sys.stdout.flush()


def _use_color(args: argparse.Namespace) -> bool:
    if args.output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def run_check(args: argparse.Namespace) -> int:
    from isolint.cli import fixes, statistics
    from isolint.cli.output import RenderOptions, render, report_items

    if args.command == "fix":
        args.fix = True
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    run = _lint(args)
    if run is None:
        return EXIT_ERROR

    if args.diff:
        diff, count = fixes.diff_fixes(run, unsafe=args.unsafe_fixes)
        _emit(diff, args.output)
        if not args.quiet:
            noun = "fix" if count == 1 else "fixes"
            print(f"Would apply {count} {noun}." if count else "No fixes available.", file=sys.stderr)
        return EXIT_FINDINGS if count else EXIT_CLEAN

    fixed = fixes.apply_fixes(run, unsafe=args.unsafe_fixes) if args.fix else 0
    items = report_items(run)
    options = RenderOptions(show_source=args.show_source, unsafe_fixes=args.unsafe_fixes,
                            color=_use_color(args), quiet=args.quiet, fixed=fixed)
    if args.statistics:
        report = statistics.render(items, args.format, options)
    else:
        report = render(args.format, items, options)
    _emit(report, args.output)
    return EXIT_CLEAN if args.exit_zero or not items else EXIT_FINDINGS


def run_rules(args: argparse.Namespace) -> int:
    import json

    from isolint.cli.rules_info import rule_json
    from isolint.rules.registry import RULES

    if args.format == "json":
        print(json.dumps([rule_json(rule) for rule in RULES], indent=2))
        return EXIT_CLEAN
    width = max((len(rule.name) for rule in RULES), default=10)
    for rule in RULES:
        fix = "[*]" if rule.fixable.value != "none" else "   "
        print(f"{rule.code}  {fix} {rule.name:<{width}}  {_first_sentence(rule.summary())}")
    return EXIT_CLEAN


def _first_sentence(text: str, limit: int = 90) -> str:
    sentence = text.split(". ")[0].rstrip(".:")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def run_rule(args: argparse.Namespace) -> int:
    import json

    from isolint.cli.rules_info import rule_json
    from isolint.rules.registry import get_rule

    rule = get_rule(args.code)
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r} (`isolint rules` lists them)")
    if args.format == "json":
        print(json.dumps(rule_json(rule, with_doc=True), indent=2))
        return EXIT_CLEAN
    from isolint.cli.docs import rule_page

    sys.stdout.write(rule_page(rule))
    return EXIT_CLEAN


def run_report(args: argparse.Namespace) -> int:
    from isolint.cli import report

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    run = _lint(args)
    if run is None:
        return EXIT_ERROR
    metrics = report.compute(run)
    _emit(report.render(metrics, args.format), args.output)
    return EXIT_CLEAN if args.exit_zero or all(m.passed for m in metrics) else EXIT_FINDINGS


def run_clean(args: argparse.Namespace) -> int:
    """Delete each project's cache folder — only isolint's own — and say what was removed."""
    from isolint.core.config import find_config_file, find_project_root
    from isolint.engine.cache import clear_cache

    _check_paths(args.paths)
    status = EXIT_CLEAN
    for path in args.paths:
        config = find_config_file(path)
        root = config.parent if config is not None else find_project_root(path)
        outcome = clear_cache(root)
        if outcome.refusal is not None:
            print(f"error: not removed: {outcome.refusal}", file=sys.stderr)
            status = EXIT_ERROR
        elif outcome.failed:
            print(f"error: {outcome.path}: could not remove {', '.join(outcome.failed)} "
                  f"({outcome.removed} entries removed)", file=sys.stderr)
            status = EXIT_ERROR
        elif outcome.folder_removed:
            print(f"Removed {outcome.path} ({outcome.removed} entries)", file=sys.stderr)
        else:
            print(f"No cache at {outcome.path}", file=sys.stderr)
    return status
