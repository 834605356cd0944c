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
from isolint.cli import check as check_command
from isolint.cli import contract as contract_command
from isolint.cli import explain as explain_command
from isolint.cli import report as report_command
from isolint.cli.common import EXIT_CLEAN, EXIT_ERROR, UsageError, check_paths, prepare_engine


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
    check_command.add_arguments(check)
    fix = commands.add_parser("fix", help="apply fixes (same as `check --fix`)",
                              description="Apply fixes; same as `isolint check --fix`.")
    check_command.add_arguments(fix)

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=["text", "json"], default="text")
    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code", help="a rule code (ISO101) or name")
    rule.add_argument("--format", choices=["text", "json"], default="text")

    report_command.add_parser(commands)

    clean = commands.add_parser("clean", help="delete the result cache (.isolint_cache) of a project")
    clean.add_argument("paths", nargs="*", default=[Path(".")], type=Path, metavar="PATH")

    contract_command.add_parser(commands)
    explain_command.add_parser(commands)

    # `isolint server` is dispatched to isolint.lsp by isolint.__main__; listed here for --help.
    commands.add_parser("server", help="start the language server (isolint server --help)")
    return parser


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
    handlers = {"check": check_command.run, "fix": check_command.run, "rules": run_rules, "rule": run_rule,
                "report": report_command.run, "clean": run_clean, "contract": contract_command.run,
                "explain": explain_command.run}
    handler = handlers.get(args.command)
    if handler is None:
        parser.print_help()
        return EXIT_ERROR
    if argv is None and handler in (check_command.run, report_command.run):
        prepare_engine(args.paths)  # the process is the command line: see prepare_engine
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
    except OSError as exc:
        # the system refused a path the user gave (a folder where a file goes, a full disk…):
        # one line naming it, not a traceback (ISOLINT_DEBUG=1 shows it)
        if os.environ.get("ISOLINT_DEBUG"):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR


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


def run_clean(args: argparse.Namespace) -> int:
    """Delete each project's cache folder — only isolint's own — and say what was removed."""
    from isolint.core.config import find_config_file, find_project_root
    from isolint.engine.cache import clear_cache

    check_paths(args.paths)
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
