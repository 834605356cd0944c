"""What the subcommands share: exit codes, usage errors, running the engine, writing output."""

from __future__ import annotations

import argparse
import os
import stat
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
    """Every path named on the command line is a file or folder isolint can read."""
    from isolint.core.files import kind_of

    for path in paths:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            missing = "a symbolic link to nothing" if path.is_symlink() else "no such file or directory"
            raise UsageError(f"{path}: {missing}") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise UsageError(f"{path}: {kind_of(mode)}, not a regular file or folder")
        try:
            if stat.S_ISDIR(mode):
                with os.scandir(path):
                    pass
            else:
                with open(path, "rb"):
                    pass
        except OSError as exc:
            raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def check_selector_flags(args: argparse.Namespace) -> None:
    """``--select``/``--extend-select``/``--ignore``: each names rules that exist (``--select
    ISO9`` selecting nothing is a typo, said with a suggestion) and ``--select`` names one."""
    import isolint.rules.registry  # noqa: F401  (registers the rules selectors are checked against)
    from isolint.core.config import EMPTY_SELECT, ConfigError, Settings

    for key, value in overrides(args).items():
        if key == "select" and not value:
            raise UsageError(f"--select: {EMPTY_SELECT}")
        try:
            Settings().with_overrides({key: value})
        except ConfigError as exc:
            raise UsageError(f"--{key}: {exc.message}") from None


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
    """Run the engine for ``check``/``report``, config errors printed (they make the run exit 2,
    see ``exit_code``); None when there are some and the command would write what depends on
    the settings (fixes, ignore comments, a baseline, a history): those wait for a valid config."""
    from isolint.core.gitview import discard_prefetched

    _prefetch_git_listings(args.paths)
    try:
        return _lint(args)
    finally:
        discard_prefetched()


def prepare_engine(paths: list[Path]) -> None:
    """For a process that is the command line (not a caller of ``main``): start git's listings,
    import the engine, then freeze the heap built so far (``gc.freeze``) — the collector then
    stops walking the imported modules' objects on every full collection: a warm run
    allocates an object or five per file and spent a third of its checking time in those
    collections. Forked workers share those pages instead of copying them."""
    import gc

    _prefetch_git_listings(paths)
    collecting = gc.isenabled()
    gc.disable()  # the imports make only what lives as long as the process: nothing to collect
    try:
        import isolint.api  # noqa: F401
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _prefetch_git_listings(paths: list[Path]) -> None:
    """Have git list the files of the given folders and of their repositories (a partial run
    indexes the whole project) while the engine is imported: on a warm run that listing is
    the slowest step of discovery, and it needs no Python."""
    from isolint.core.gitview import prefetch_listing, repository_of

    for given in paths:
        folder = os.path.realpath(given)
        if os.path.isdir(folder):
            prefetch_listing(folder)
        top = repository_of(folder if os.path.isdir(folder) else os.path.dirname(folder))
        if top is not None:
            prefetch_listing(top)


def _lint(args: argparse.Namespace):
    from isolint.api import lint_paths
    from isolint.core.config import ConfigError

    stdin = read_stdin(args)
    if stdin is None:
        check_paths(args.paths)
    check_selector_flags(args)
    try:
        run = lint_paths(args.paths, overrides=overrides(args), jobs=args.jobs, cache=not args.no_cache,
                         all_facts=args.command == "report", stdin=stdin)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for error in run.config_errors:
        print(f"error: {error}", file=sys.stderr)
    if run.config_errors and _writes(args):
        print("error: nothing written while a configuration is invalid (the rest was checked with the "
              "configuration above it)", file=sys.stderr)
        return None
    if not run.results:
        print("warning: no files to check under the given path(s)", file=sys.stderr)
    return run


def _writes(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) for name in ("fix", "add_ignore", "write_baseline", "history"))


def exit_code(run, code: int) -> int:
    """A run with a broken configuration exits 2 (``EXIT_ERROR``) although everything else was
    checked and reported: a CI job must not pass on settings the user did not write."""
    return EXIT_ERROR if run.config_errors else code


def emit(report: str, output: Path | None) -> None:
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(report, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{output}: cannot write the report ({exc.strerror or exc})") from None
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
