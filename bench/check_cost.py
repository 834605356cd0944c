"""CPU of one language-server check, in-process: the engine's share of a keystroke.

Builds the same workspace as ``bench/lsp_latency.py``, indexes it into a ``ProjectIndex`` the
way the server's background indexing does, then replays the same edit script on the same
generated production files, calling ``check_source`` as the server's ``analyse`` does after
every ``didChange``. No LSP, no threads, no I/O: the numbers isolate the rules, indexers and
the catalogue from transport and scheduling (compare with ``lsp_latency.py``'s "server CPU per
edit" to see the LSP layer's share).

    .venv/bin/python bench/check_cost.py                      # 5,000 files, 240 edits per size
    .venv/bin/python bench/check_cost.py --files 500 --edits 60 --profile 1000

``--profile N`` prints a cProfile of the edits on the N-line file (sorted by cumulative time).

``--corpus NAME`` replays ``lsp_latency.py --corpus``'s keystrokes instead, in-process, on the real
files of a development corpus (``bench/corpora.toml``, the whole corpus indexed first): the
production files closest to ``--sizes`` lines, or ``--file REL`` (repeatable). With ``--profile``
the cProfile covers every file's keystrokes (``--sort`` picks the order).

    ISOLINT_CORPORA_ROOT=/work/corpora .venv/bin/python bench/check_cost.py --corpus openhands \\
        --file enterprise/server/saas_nested_conversation_manager.py --edits 120 --profile 0
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsp_latency import (SIZES, corpus_root, edit_script, generate_workspace, keystrokes, pick_file,  # noqa: E402
                         production_module, production_python_files)

from isolint.api import collect_files  # noqa: E402
from isolint.engine.checker import check_source, index_source, load_source  # noqa: E402
from isolint.engine.incremental_parse import EditedParse  # noqa: E402
from isolint.engine.project import ProjectIndex  # noqa: E402
from isolint.core.source import SourceFile  # noqa: E402


def apply_edit(text: str, edit: tuple[int, int, int, int, str]) -> str:
    """An LSP range edit on ASCII text (the generated files are ASCII: columns are offsets)."""
    line1, col1, line2, col2, new = edit
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[:line1]) + col1
    end = sum(len(line) + 1 for line in lines[:line2]) + col2
    return text[:start] + new + text[end:]


def index_workspace(workspace: Path) -> tuple[ProjectIndex, int]:
    projects, files = index_projects(workspace)
    return next(iter(projects.values())), files


def index_projects(workspace: Path) -> tuple[dict[Path, ProjectIndex], int]:
    """Every file indexed into the index of its project root, as the server's indexing does."""
    entries, _ = collect_files([workspace])
    projects: dict[Path, ProjectIndex] = {}
    for entry in entries:
        project = projects.setdefault(entry.settings.root, ProjectIndex(entry.settings))
        loaded = load_source(entry.path, entry.settings, project.services.service_of(entry.rel_path))
        if isinstance(loaded, SourceFile):
            index_source(loaded, project)
    return projects, len(entries)


def replay(project: ProjectIndex, workspace: Path, lines: int, edits: int) -> tuple[float, int, float]:
    """(CPU ms per edit, findings of the opened file, CPU ms of the first check)."""
    path = workspace / "services" / "backend" / "app" / "orders" / f"fulfilment_{lines}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = production_module(lines, "order", seed=10_000)
    path.write_text(text)
    service = project.services.service_of(path.relative_to(workspace).as_posix())
    start = time.process_time()
    opened = check_source(SourceFile.from_text(path, text, project.settings, service=service), project)
    open_ms = (time.process_time() - start) * 1000
    script = edit_script(text, edits, seed=lines)
    start = time.process_time()
    for edit in script:
        text = apply_edit(text, edit)
        check_source(SourceFile.from_text(path, text, project.settings, service=service), project)
    return (time.process_time() - start) * 1000 / len(script), len(opened.findings), open_ms


class PhaseTimer:
    """CPU per phase of the checks run while it is on: the parse, the rules' prefilter (their
    ``admits``), each indexer's ``extract`` and the rules' walk — the engine's functions
    wrapped for the run (bench only)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}

    def _timed(self, name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - start
        return timed

    def __enter__(self) -> "PhaseTimer":
        import dataclasses

        from isolint.engine import checker, python_runner

        self._saved = (checker.prefilter, checker._extract_facts, checker.runner_for, EditedParse.parse)
        checker.prefilter = self._timed("prefilter", checker.prefilter)
        # the server's parse of a document's texts (its full parse does not go through the runner's)
        EditedParse.parse = self._timed("parse", EditedParse.parse)

        def extract(indexers: list, source: Any, tree: Any) -> dict[str, Any]:
            facts = {}
            for indexer in indexers:
                value = self._timed(f"indexer {indexer.name}", indexer.extract)(source, tree)
                if value is not None:
                    facts[indexer.name] = value
            return facts

        checker._extract_facts = extract
        runner = python_runner.RUNNER
        patched = dataclasses.replace(runner, parse=self._timed("parse", runner.parse),
                                      run=self._timed("rules' walk", runner.run))
        original = checker.runner_for
        checker.runner_for = lambda language: patched if original(language) is runner else original(language)
        return self

    def __exit__(self, *exc: Any) -> None:
        from isolint.engine import checker

        checker.prefilter, checker._extract_facts, checker.runner_for, EditedParse.parse = self._saved


@dataclass
class Replay:
    """CPU per keystroke of typing into one real file: each keystroke's text checked as the
    server's ``analyse`` checks it, then its findings converted to diagnostics as the server
    publishes them."""

    median: float
    p95: float
    findings: int
    open_ms: float
    #: median CPU of the keystrokes whose text parses, and of those whose text does not (``os.``)
    parsing_median: float
    unparseable_median: float | None
    unparseable: int
    #: CPU per keystroke of converting its findings to the published JSON
    conversion_ms: float


def replay_file(projects: dict[Path, ProjectIndex], path: Path, edits: int) -> Replay:
    """Typing ``lsp_latency.keystrokes`` into the real file at ``path``, one check per keystroke."""
    from isolint.lsp.convert import PositionCodec, diagnostic_json, split_lines

    project = max((p for root, p in projects.items() if path.is_relative_to(root)), key=lambda p: len(p.settings.root.parts))
    text = path.read_text(encoding="utf-8")
    service = project.services.service_of(path.relative_to(project.settings.root).as_posix())
    parse = EditedParse().parse  # the server's parse of a document's successive texts
    start = time.process_time()
    opened = check_source(SourceFile.from_text(path, text, project.settings, service=service), project, parse=parse)
    open_ms = (time.process_time() - start) * 1000
    codec, uri = PositionCodec("utf-16"), path.as_uri()
    costs, parsing, unparseable, conversion = [], [], [], 0.0
    for version, edit in enumerate(keystrokes(text, edits, seed=1), start=2):
        text = apply_edit(text, edit)
        start = time.process_time()
        result = check_source(SourceFile.from_text(path, text, project.settings, service=service), project, parse=parse)
        checked = time.process_time()
        lines = split_lines(text)
        json.dumps({"uri": uri, "version": version,
                    "diagnostics": [diagnostic_json(f, lines, codec, uri, version) for f in result.findings]})
        conversion += time.process_time() - checked
        cost = (checked - start) * 1000
        costs.append(cost)
        (parsing if result.parse_error is None else unparseable).append(cost)
    return Replay(_median(costs), _quantile(costs, 0.95), len(opened.findings), open_ms, _median(parsing),
                  _median(unparseable) if unparseable else None, len(unparseable), conversion * 1000 / len(costs))


def _median(values: list[float]) -> float:
    return _quantile(values, 0.5)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run_corpus(args: argparse.Namespace) -> int:
    root = corpus_root(args.corpus).resolve()
    chosen = args.file or [pick_file(root, production_python_files(root), lines) for lines in args.sizes]
    load = os.getloadavg()[0]
    start = time.process_time()
    projects, files = index_projects(root)
    print(f"{args.corpus}: {files} files indexed in {time.process_time() - start:.1f} s CPU (load {load:.1f})")
    print("| file | lines | findings | first check | CPU per keystroke, median / p95 | load |")
    print("|---|---|---|---|---|---|")
    profiler = cProfile.Profile() if args.profile is not None else None
    for rel in chosen:
        lines = (root / rel).read_text(encoding="utf-8").count("\n")
        if profiler:
            profiler.enable()
        if args.phases:
            with PhaseTimer() as phases:
                replay = replay_file(projects, root / rel, args.edits)
        else:
            replay = replay_file(projects, root / rel, args.edits)
        if profiler:
            profiler.disable()
        print(f"| `{rel}` | {lines:,} | {replay.findings} | {replay.open_ms:.1f} ms | {replay.median:.1f} / {replay.p95:.1f} ms "
              f"| {os.getloadavg()[0]:.1f} |", flush=True)
        print(f"  text parses: median {replay.parsing_median:.1f} ms; does not ({replay.unparseable} keystrokes): "
              + (f"median {replay.unparseable_median:.1f} ms" if replay.unparseable_median is not None else "—")
              + f"; conversion to diagnostics {replay.conversion_ms:.2f} ms per keystroke")
        if args.phases:  # the opened file's first check included: one more than the keystrokes
            checks = len(keystrokes((root / rel).read_text(encoding="utf-8"), args.edits, seed=1)) + 1
            print("  " + ", ".join(f"{name} {cpu * 1000 / checks:.1f} ms"
                                   for name, cpu in sorted(phases.cpu.items(), key=lambda item: -item[1])))
    if profiler:
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--edits", type=int, default=240)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--profile", type=int, default=None, metavar="LINES",
                        help="print a cProfile of the edits on this file size")
    parser.add_argument("--workdir", type=Path, default=None, help="reuse or create the workspace here")
    parser.add_argument("--corpus", default=None, help="type into real files of this development corpus")
    parser.add_argument("--file", action="append", default=None, metavar="REL",
                        help="with --corpus: this file (relative to the corpus) instead; repeatable")
    parser.add_argument("--sort", default="cumulative", help="pstats order of --profile")
    parser.add_argument("--top", type=int, default=45, help="rows of --profile")
    parser.add_argument("--phases", action="store_true",
                        help="with --corpus: CPU per check of each phase (parse, prefilter, each indexer, rules)")
    parser.add_argument("--profile-out", type=Path, default=None, help="with --corpus: also save --profile's stats here")
    args = parser.parse_args(argv)
    if args.corpus:
        return run_corpus(args)

    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="isolint-check-cost-"))
    workspace = scratch / "workspace"
    if not (workspace / "pyproject.toml").exists():
        generate_workspace(workspace, args.files)
    start = time.process_time()
    project, files = index_workspace(workspace)
    print(f"{files} files indexed in {time.process_time() - start:.1f} s CPU")
    print("| file | findings | first check | CPU per edit |")
    print("|---|---|---|---|")
    for lines in args.sizes:
        if args.profile == lines:
            profiler = cProfile.Profile()
            profiler.enable()
        per_edit, findings, open_ms = replay(project, workspace, lines, args.edits)
        if args.profile == lines:
            profiler.disable()
        print(f"| {lines:,} lines | {findings} | {open_ms:.0f} ms | {per_edit:.1f} ms |", flush=True)
        if args.profile == lines:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
