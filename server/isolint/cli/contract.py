"""``isolint contract export --to typescript``: write (or ``--check``) the shared TypeScript
definition of the backend's WebSocket message types."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

EXIT_CLEAN, EXIT_STALE, EXIT_ERROR = 0, 1, 2


def add_parser(commands) -> None:
    contract = commands.add_parser("contract", help="the frontend-backend WebSocket message contract (ISO4xx)",
                                   description="Work with the WebSocket message contract between backend and frontend.")
    actions = contract.add_subparsers(dest="contract_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write the backend's message types as a TypeScript module",
                                description="Write the backend's WebSocket message types as a TypeScript module "
                                            "(default output: the configured `shared` contract when it is a .ts "
                                            "file, else stdout).")
    export.add_argument("paths", nargs="*", default=[Path(".")], type=Path, metavar="PATH",
                        help="the project to read (default: .)")
    export.add_argument("--to", choices=["typescript"], default="typescript", help="output language")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="file to write (or to verify with --check)")
    export.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 (with a diff) when FILE is missing or out of date")


def run(args: argparse.Namespace) -> int:
    from isolint.api import lint_paths
    from isolint.rules.contract.catalogue import SHARED, catalogue_of
    from isolint.rules.contract.export import backend_message_types, render_typescript

    for path in args.paths:
        if not path.exists():
            print(f"error: {path}: no such file or directory", file=sys.stderr)
            return EXIT_ERROR
    run_ = lint_paths(args.paths, overrides={"select": ["ISO4"]})
    for error in run_.config_errors:
        print(f"error: {error}", file=sys.stderr)
    if run_.config_errors:
        return EXIT_ERROR
    if len(run_.projects) != 1:
        print("error: give the paths of exactly one project", file=sys.stderr)
        return EXIT_ERROR
    project = next(iter(run_.projects.values()))
    catalogue = catalogue_of(project)
    if not backend_message_types(catalogue):
        print("error: no backend WebSocket message types found", file=sys.stderr)
        return EXIT_ERROR
    text = render_typescript(catalogue)
    output = args.output
    shared = project.settings.message_contract.get(SHARED)
    if output is None and isinstance(shared, str) and shared.endswith((".ts", ".tsx", ".mts", ".cts")):
        output = project.settings.root / shared
    if args.check:
        if output is None:
            print("error: --check needs --output FILE (or a `shared` .ts contract in [tool.isolint.message-contract])",
                  file=sys.stderr)
            return EXIT_ERROR
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current == text:
            print(f"{output} is up to date.", file=sys.stderr)
            return EXIT_CLEAN
        sys.stdout.writelines(difflib.unified_diff(current.splitlines(keepends=True), text.splitlines(keepends=True),
                                                   f"{output} (committed)", f"{output} (expected)"))
        print(f"{output} is out of date: run `isolint contract export --to typescript -o {output}`.",
              file=sys.stderr)
        return EXIT_STALE
    if output is None:
        sys.stdout.write(text)
        return EXIT_CLEAN
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8", newline="\n")
    print(f"Wrote {output}.", file=sys.stderr)
    return EXIT_CLEAN
