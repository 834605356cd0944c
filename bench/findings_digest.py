"""Everything a check produces for a corpus, in one canonical JSON: the guard of a speed-up.

A performance change must not change a finding. Run this before the change (``--out before.json``)
and after it (``--out after.json --compare before.json``): every finding (code, message, range,
severity, fix edits and builder parameters, data), every file's parse error, refined zone and
cross-file facts, per project root, in both ways the engine is driven:

* ``cli``: ``lint_paths`` (two phases, like ``isolint check``);
* ``lsp``: the language server's path — every file indexed first, then each file checked with
  ``check_source(source, project)``, which re-extracts and writes back its facts — as an editor
  opening the files one by one would.

    .venv/bin/python bench/findings_digest.py ROOT... --out before.json
    .venv/bin/python bench/findings_digest.py ROOT... --out after.json --compare before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from isolint.api import collect_files, lint_paths
from isolint.engine.checker import check_source, index_source, load_source
from isolint.engine.project import ProjectIndex
from isolint.core.source import SourceFile


def cli_view(root: Path, jobs: int) -> dict[str, Any]:
    run = lint_paths([root], jobs=jobs)
    files = {
        result.source.rel_path: {
            "zone": result.source.zone.value,
            "findings": [finding.to_json() for finding in result.findings],
            "parse_error": result.parse_error.to_json() if result.parse_error else None,
        }
        for result in run.results
    }
    facts = {str(path.relative_to(root) if path.is_relative_to(root) else path): project.to_json()
             for path, project in run.projects.items()}
    return {"files": files, "facts": facts}


def lsp_view(root: Path) -> dict[str, Any]:
    entries, _ = collect_files([root])
    projects: dict[Path, ProjectIndex] = {}
    sources = []
    for entry in entries:
        project = projects.setdefault(entry.settings.root, ProjectIndex(entry.settings))
        loaded = load_source(entry.path, entry.settings, project.services.service_of(entry.rel_path))
        if isinstance(loaded, SourceFile):
            index_source(loaded, project)
            sources.append((loaded, project))
    files = {}
    for source, project in sources:
        fresh = SourceFile.from_text(source.path, source.text, source.settings, source.language,
                                     source.service, rel_path=source.rel_path)
        result = check_source(fresh, project)
        files[source.rel_path] = {
            "zone": fresh.zone.value,
            "findings": [finding.to_json() for finding in result.findings],
            "facts": result.facts,
        }
    return {"files": files}


def _without(digest: dict[str, Any], prefixes: tuple[str, ...]) -> dict[str, Any]:
    if prefixes:
        for view in digest.values():
            for file in view.get("files", {}).values():
                file["findings"] = [f for f in file["findings"] if not str(f.get("code", "")).startswith(prefixes)]
    return digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, default=None, help="an earlier --out to compare with")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-lsp", action="store_true", help="only the CLI view (faster)")
    parser.add_argument("--ignore-codes", nargs="*", default=(), metavar="PREFIX",
                        help="leave findings whose code starts with PREFIX out of the comparison "
                             "(another change is meant to alter them)")
    args = parser.parse_args(argv)
    digest: dict[str, Any] = {}
    for root in args.roots:
        root = root.resolve()
        digest[f"cli:{root}"] = cli_view(root, args.jobs)
        if not args.no_lsp:
            digest[f"lsp:{root}"] = lsp_view(root)
        count = sum(len(f["findings"]) for f in digest[f"cli:{root}"]["files"].values())
        print(f"{root}: {len(digest[f'cli:{root}']['files'])} files, {count} findings", flush=True)
    args.out.write_text(json.dumps(digest, indent=1, sort_keys=True, default=str))
    if args.compare is None:
        return 0
    before = _without(json.loads(args.compare.read_text()), tuple(args.ignore_codes))
    after = _without(json.loads(args.out.read_text()), tuple(args.ignore_codes))
    differences = 0
    for view in sorted(set(before) | set(after)):
        old, new = before.get(view, {}), after.get(view, {})
        for section in ("files", "facts"):
            old_part, new_part = old.get(section, {}), new.get(section, {})
            for key in sorted(set(old_part) | set(new_part)):
                if old_part.get(key) != new_part.get(key):
                    differences += 1
                    if differences <= 20:
                        print(f"DIFFERENT {view} {section} {key}")
    print("identical" if not differences else f"{differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
