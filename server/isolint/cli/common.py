"""What the subcommands share: exit codes, usage errors, running the engine, writing output."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad input the user can fix (unknown path, unknown rule); exit 2."""


def overrides(args: argparse.Namespace) -> dict:
    """``--select``/``--ignore``/``--extend-select`` as configuration overrides."""
    values = {}
    for key in ("select", "ignore", "extend_select"):
        value = getattr(args, key, None)
        if value is not None:
            values[key.replace("_", "-")] = value
    return values


def check_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")


def read_stdin(args: argparse.Namespace) -> tuple[Path, str] | None:
    """``--stdin-filename PATH``: the text piped in, to be checked as the file at PATH."""
    from isolint.core.source import UnreadableSource, decode_source, language_of

    path = getattr(args, "stdin_filename", None)
    if path is None:
        return None
    if getattr(args, "fix", False) or getattr(args, "add_ignore", False) or getattr(args, "write_baseline", None):
        raise UsageError("--stdin-filename checks text that is not a file: --fix, --add-ignore and "
                         "--write-baseline cannot write it back (--diff shows the fixes)")
    if args.paths not in ([Path(".")], [Path("-")]):
        raise UsageError("--stdin-filename checks the text piped in; give no PATH with it")
    if language_of(path.name) is None:
        raise UsageError(f"--stdin-filename {path}: isolint does not check files of this kind")
    try:
        return path, decode_source(sys.stdin.buffer.read(), language_of(path.name))
    except UnreadableSource as exc:
        raise UsageError(f"--stdin-filename {path}: {exc}") from None


def check_jobs(args: argparse.Namespace) -> None:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")


def lint(args: argparse.Namespace):
    """Run the engine for ``check``/``report``; None after printing config errors (exit 2)."""
    from isolint.api import lint_paths
    from isolint.core.config import ConfigError

    stdin = read_stdin(args)
    if stdin is None:
        check_paths(args.paths)
    try:
        run = lint_paths(args.paths, overrides=overrides(args), jobs=args.jobs, cache=not args.no_cache,
                         all_facts=args.command == "report", stdin=stdin)
    except ConfigError as exc:  # invalid --select/--ignore values
        print(f"error: {exc}", file=sys.stderr)
        return None
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for error in run.config_errors:
        print(f"error: {error}", file=sys.stderr)
    if run.config_errors:
        return None
    warn_unmatched_selectors(args)
    if not run.results:
        print("warning: no files to check under the given path(s)", file=sys.stderr)
    return run


def warn_unmatched_selectors(args: argparse.Namespace) -> None:
    """`--select ISO9` selecting nothing is almost always a typo; say so (ruff errors)."""
    from isolint.core.rule import RuleRef
    from isolint.rules.registry import RULES

    for option in ("select", "extend_select", "ignore"):
        for selector in getattr(args, option, None) or ():
            if not any(RuleRef(selector).matches(rule) for rule in RULES):
                flag = "--" + option.replace("_", "-")
                print(f"warning: `{flag} {selector}` matches no rule (`isolint rules` lists them)", file=sys.stderr)


def emit(report: str, output: Path | None) -> None:
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
        sys.stdout.flush()


def use_color(args: argparse.Namespace) -> bool:
    if args.output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def codes(value: str) -> list[str]:
    """A comma-separated list of rule codes, prefixes or names."""
    return [code.strip() for code in value.split(",") if code.strip()]
