"""``isolint explain PATH``: a file's project, zone, service, test tier and rules, and why."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from isolint.cli.common import EXIT_CLEAN, UsageError, check_paths


def add_parser(commands) -> None:
    explain = commands.add_parser(
        "explain", help="why a file counts as production, test or dev code, its service and rules",
        description="Show the zone, service, test tier, configuration file and enabled rules of files, "
                    "and which setting or heuristic decided each.")
    explain.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    explain.add_argument("--format", choices=["text", "json"], default="text")
    explain.add_argument("--all-rules", action="store_true", help="also list the rules that do not run, with why")


def run(args: argparse.Namespace) -> int:
    from isolint.api import explain_file

    check_paths(args.paths)
    for path in args.paths:
        if path.is_dir():
            raise UsageError(f"{path}: a folder; `isolint explain` takes files")
    explanations = [explain_file(path) for path in args.paths]
    if args.format == "json":
        print(json.dumps([e.to_json() for e in explanations], indent=2))
        return EXIT_CLEAN
    print("\n\n".join(render(e, args.all_rules) for e in explanations))
    return EXIT_CLEAN


def render(explanation, all_rules: bool = False) -> str:
    e = explanation
    lines = [
        f"{e.path}",
        f"  project root   {e.root}",
        f"  configuration  {e.config or '(none: defaults)'}",
        f"  language       {e.language or '(not checked)'}",
        f"  zone           {e.zone} — {e.zone_reason}",
        f"  service        {e.service or '(none)'} — {e.service_reason}",
        f"  test tier      {e.test_tier or '(not a test)'} — {e.test_tier_reason}",
    ]
    running = [rule for rule in e.rules if rule.runs]
    lines.append(f"  rules          {len(running)} of {len(e.rules)} run on this file: "
                 + (", ".join(rule.code for rule in running) or "none"))
    if all_rules:
        lines += [f"    {rule.code} {rule.name:<34} {'runs' if rule.runs else 'off'}: {rule.reason}"
                  for rule in e.rules if not rule.runs]
    return "\n".join(lines)
