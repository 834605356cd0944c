"""What the prefilter lets through on a corpus: for every rule and indexer, the Python files
(and bytes) it admits, and how many files are parsed *only* because of it — the files a
narrower ``tokens``/``admits`` would save from ``ast.parse`` and the traversal.

    .venv/bin/python bench/admission.py bench/.corpus/src [--by family]

"admit ms" is what deciding costs: each rule's token scan plus its ``admits`` on every file,
measured alone (CPU). Admission runs on every file, so a slow one is paid where nothing is
reported — a plain ``in`` test of a literal before a regular expression keeps it cheap.

A cold ``isolint check`` parses a Python file when any rule or indexer admits it, so the parse
count is decided by the widest admission; "alone" is the column to shrink.
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
from isolint.engine.selection import TokenScan, prefilter, rules_for
from isolint.core.source import SourceFile, UnreadableSource, decode_source, language_of

META = ("ISO001", "ISO002")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--by", choices=("rule", "family"), default="rule",
                        help="count rules one by one or by family (ISO3xx's seven rules as one)")
    args = parser.parse_args(argv)
    entries, _ = collect_files(args.paths)
    projects: dict[Path, ProjectIndex] = {}
    admitted, admitted_bytes, alone, alone_bytes = Counter(), Counter(), Counter(), Counter()
    deciding: Counter[str] = Counter()
    python_files = parsed = total_bytes = parsed_bytes = 0
    for entry in entries:
        if language_of(entry.path.name) is not Language.PYTHON:
            continue
        project = projects.setdefault(entry.settings.root, ProjectIndex(entry.settings))
        try:
            text = decode_source(entry.path.read_bytes(), Language.PYTHON)
        except (OSError, UnreadableSource):
            continue
        source = SourceFile.from_text(entry.path, text, entry.settings, Language.PYTHON, rel_path=entry.rel_path)
        python_files += 1
        total_bytes += len(source.raw)
        for rule in rules_for(source):
            start = time.process_time()
            TokenScan(source.raw).admits(rule.tokens) and rule.admits(source, project)
            deciding[rule.code if args.by == "rule" else rule.family()] += time.process_time() - start
        for indexer in project.indexers:
            if Language.PYTHON in indexer.languages:
                start = time.process_time()
                TokenScan(source.raw).admits(indexer.tokens) and indexer.admits(source, project)
                deciding[f"indexer:{indexer.name}"] += time.process_time() - start
        scan = TokenScan(source.raw)
        names = {r.code if args.by == "rule" else r.family()
                 for r in prefilter(rules_for(source), scan, source, project) if r.code not in META}
        names |= {f"indexer:{i.name}" for i in project.indexers_for(source, scan)}
        if not names:
            continue
        parsed += 1
        parsed_bytes += len(source.raw)
        for name in names:
            admitted[name] += 1
            admitted_bytes[name] += len(source.raw)
        if len(names) == 1:
            (name,) = names
            alone[name] += 1
            alone_bytes[name] += len(source.raw)
    print(f"{python_files} Python files ({total_bytes / 1e6:.1f} MB); parsed {parsed} "
          f"({100 * parsed / max(python_files, 1):.0f} %, {parsed_bytes / 1e6:.1f} MB = "
          f"{100 * parsed_bytes / max(total_bytes, 1):.0f} % of the bytes)")
    print(f"{'rule / indexer':<32} {'admits':>7} {'MB':>7} {'alone':>7} {'MB':>7} {'admit ms':>9}")
    for name in sorted(set(admitted) | set(deciding), key=lambda n: (-admitted[n], n)):
        print(f"{name:<32} {admitted[name]:>7} {admitted_bytes[name] / 1e6:>7.1f} {alone[name]:>7} "
              f"{alone_bytes[name] / 1e6:>7.1f} {1000 * deciding[name]:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
