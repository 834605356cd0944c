"""Where a cold check spends its time, per rule and per indexer (CPU seconds, one core).

    .venv/bin/python bench/rule_costs.py bench/.corpus/src [--limit N]

For every Python file: which rules and indexers its prefilter admits, the parse, the bare
traversal, each indexer's ``extract`` and each rule's run (measured alone, minus the bare
traversal). Use it to find a rule whose ``tokens`` admit too much or whose visitor is slow.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from isolint.api import collect_files
from isolint.core.model import Language
from isolint.engine.project import ProjectIndex
from isolint.engine.python_runner import ParseFailure, parse_python, run_python_rules
from isolint.engine.selection import prefilter, rules_for
from isolint.core.source import SourceFile, UnreadableSource, decode_source, language_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    args = parser.parse_args(argv)
    entries, _ = collect_files([args.path])
    entries = entries[: args.limit]
    projects: dict[Path, ProjectIndex] = {}
    admitted, indexer_admitted = Counter(), Counter()
    rule_cost, indexer_cost = Counter(), Counter()
    parse_cost = walk_cost = 0.0
    python_files = parsed = 0
    for entry in entries:
        project = projects.setdefault(entry.settings.root, ProjectIndex(entry.settings))
        language = language_of(entry.path.name)
        if language is not Language.PYTHON:
            continue
        python_files += 1
        try:
            text = decode_source(entry.path.read_bytes(), language)
        except (OSError, UnreadableSource):
            continue
        source = SourceFile.from_text(entry.path, text, entry.settings, language, rel_path=entry.rel_path)
        rules = [r for r in prefilter(rules_for(source), source.raw, source, project) if r.code not in ("ISO001", "ISO002")]
        indexers = project.indexers_for(source)
        admitted.update(r.code for r in rules)
        indexer_admitted.update(i.name for i in indexers)
        if not rules and not indexers:
            continue
        start = time.process_time()
        try:
            tree = parse_python(source)
        except ParseFailure:
            continue
        parse_cost += time.process_time() - start
        parsed += 1
        for indexer in indexers:
            start = time.process_time()
            indexer.extract(source, tree)
            indexer_cost[indexer.name] += time.process_time() - start
        start = time.process_time()
        run_python_rules(source, tree, [], project)
        walk = time.process_time() - start
        walk_cost += walk
        for rule in rules:
            start = time.process_time()
            run_python_rules(source, tree, [rule()], project)
            rule_cost[rule.code] += max(time.process_time() - start - walk, 0.0)
    print(f"{python_files} Python files, {parsed} parsed ({100 * parsed / max(python_files, 1):.0f} %)")
    print(f"parse {parse_cost:.2f} s, bare traversal {walk_cost:.2f} s")
    print("indexers (files admitted, CPU s):")
    for name, cost in indexer_cost.most_common():
        print(f"  {name:<28} {indexer_admitted[name]:>6} {cost:8.2f}")
    print("rules (files admitted, CPU s beyond the traversal):")
    for code, cost in rule_cost.most_common():
        print(f"  {code:<28} {admitted[code]:>6} {cost:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
