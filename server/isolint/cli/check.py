"""``isolint check`` (and ``fix``): report, fix, baseline, add ignore comments."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from isolint.cli.common import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    UsageError,
    check_jobs,
    codes,
    emit,
    exit_code,
    lint,
    use_color,
)

#: ``--fail-on`` levels, most severe first; a finding fails the run when it is at least as severe
FAIL_LEVELS = ("error", "warning", "info", "hint")


def add_arguments(check: argparse.ArgumentParser) -> None:
    from isolint.cli.output import FORMATS

    check.add_argument("paths", nargs="*", default=[Path(".")], type=Path, metavar="PATH")
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default, ruff-like), grouped, json, sarif (2.1.0), github (Actions annotations) "
                            "or gitlab (Code Quality)")
    check.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--select", type=codes, metavar="CODES", help="comma-separated rule codes, prefixes or names")
    check.add_argument("--extend-select", type=codes, metavar="CODES", help="rules to enable on top of the selection")
    check.add_argument("--ignore", type=codes, metavar="CODES", help="rules to disable")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply (with --fix/--diff) and count unsafe fixes")
    check.add_argument("--diff", action="store_true",
                       help="print the diff fixes would make, change nothing; exit 1 when there is one")
    check.add_argument("--statistics", action="store_true", help="count findings per rule instead of listing them")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--fail-on", choices=FAIL_LEVELS, default="info",
                       help="the least severe finding that makes the run exit 1 (default: info; hints never fail "
                            "unless --fail-on hint)")
    accepted = check.add_mutually_exclusive_group()
    accepted.add_argument("--baseline", type=Path, metavar="FILE",
                          help="report only findings not recorded in FILE (default: the `baseline` setting)")
    accepted.add_argument("--no-baseline", action="store_true",
                          help="report (and --fix) every finding, whatever the `baseline` setting accepts")
    check.add_argument("--write-baseline", type=Path, metavar="FILE",
                       help="record every current finding in FILE (replaces what it held for the files checked) "
                            "and exit 0")
    check.add_argument("--add-ignore", action="store_true",
                       help="write an `isolint: ignore[CODE]` comment on the line of every reported finding "
                            "(except unused ignores, ISO003, which --fix removes)")
    check.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="worker processes (default: all cores; 1 = in-process)")
    check.add_argument("--no-cache", action="store_true", help="ignore and do not write .isolint_cache")
    check.add_argument("--stdin-filename", type=Path, metavar="PATH",
                       help="check the text piped on stdin as the file at PATH (editors, pre-commit on staged text)")
    check.add_argument("--show-source", action=argparse.BooleanOptionalAction, default=True,
                       help="show the source line under each finding (text format)")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")


def fails(severity: str, fail_on: str) -> bool:
    """Whether a finding of ``severity`` fails a run with ``--fail-on fail_on``."""
    return FAIL_LEVELS.index(severity) <= FAIL_LEVELS.index(fail_on)


def run(args: argparse.Namespace) -> int:
    from isolint.api import apply_baseline, write_run_baseline
    from isolint.cli import fixes
    from isolint.engine.baseline import BaselineError

    if args.command == "fix":
        args.fix = True
    check_jobs(args)
    run_ = lint(args)
    if run_ is None:
        return EXIT_ERROR
    if args.write_baseline is not None:
        try:
            count = write_run_baseline(run_, args.write_baseline)
        except OSError as exc:
            raise UsageError(f"{args.write_baseline}: cannot write the baseline ({exc.strerror or exc})") from None
        if not args.quiet:
            print(f"Recorded {count} finding(s) in the baseline {args.write_baseline}.", file=sys.stderr)
        return EXIT_CLEAN
    # a finding the baseline accepts is left alone like one an ignore comment silences:
    # `--fix` and `--diff` fix only the findings reported; the baseline then sorts what remains
    writes = fixes.FileWrites()
    try:
        if args.diff:
            return exit_code(run_, _diff(args, run_))
        fixed = fixes.apply_fixes(run_, args.unsafe_fixes, writes, _baseline(args)) if args.fix else 0
        baselined = 0 if args.no_baseline else apply_baseline(run_, args.baseline)
    except BaselineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    code = _add_ignore(args, run_, writes) if args.add_ignore else _report(args, run_, fixed, baselined)
    writes.print_refusals()
    return EXIT_ERROR if writes.refused else exit_code(run_, code)


def _baseline(args: argparse.Namespace) -> Path | bool:
    """What fixes leave alone: the findings of ``--baseline FILE``, else of the setting (True),
    or nothing (False, ``--no-baseline``)."""
    return False if args.no_baseline else args.baseline or True


def _diff(args: argparse.Namespace, run_) -> int:
    from isolint.cli import fixes

    diff, count = fixes.diff_fixes(run_, args.unsafe_fixes, _baseline(args))
    emit(diff, args.output)
    if not args.quiet:
        noun = "fix" if count == 1 else "fixes"
        print(f"Would apply {count} {noun}." if count else "No fixes available.", file=sys.stderr)
    return EXIT_FINDINGS if count else EXIT_CLEAN


def _add_ignore(args: argparse.Namespace, run_, writes) -> int:
    from isolint.api import add_ignore_comments

    outcome = add_ignore_comments(run_)
    written = sum(writes.write_back(result.source, text) for result, text in outcome.rewrites)
    for path, line in outcome.refused:
        print(f"warning: {path}:{line + 1}: no comment can go on this line (it ends inside a string or "
              "after a line continuation); finding left as is", file=sys.stderr)
    if not args.quiet and written == len(outcome.rewrites):
        print(f"Added {outcome.added} ignore comment(s) to {written} file(s).", file=sys.stderr)
    elif not args.quiet:
        print(f"Added ignore comments to {written} of {len(outcome.rewrites)} file(s).", file=sys.stderr)
    return EXIT_CLEAN


def _report(args: argparse.Namespace, run_, fixed: int, baselined: int) -> int:
    from isolint.cli import statistics
    from isolint.cli.output import RenderOptions, render, report_items

    items = report_items(run_)
    options = RenderOptions(show_source=args.show_source, unsafe_fixes=args.unsafe_fixes,
                            color=use_color(args), quiet=args.quiet, fixed=fixed, baselined=baselined)
    if args.statistics:
        report = statistics.render(items, args.format, options)
    else:
        report = render(args.format, items, options)
    emit(report, args.output)
    if args.exit_zero or not any(fails(item.finding.severity.value, args.fail_on) for item in items):
        return EXIT_CLEAN
    return EXIT_FINDINGS
