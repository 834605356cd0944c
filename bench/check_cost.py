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
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsp_latency import SIZES, edit_script, generate_workspace, production_module  # noqa: E402

from isolint.api import collect_files  # noqa: E402
from isolint.engine.checker import check_source, index_source, load_source  # noqa: E402
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
    entries, _ = collect_files([workspace])
    project = ProjectIndex(entries[0].settings)
    for entry in entries:
        loaded = load_source(entry.path, entry.settings, project.services.service_of(entry.rel_path))
        if isinstance(loaded, SourceFile):
            index_source(loaded, project)
    return project, len(entries)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--edits", type=int, default=240)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--profile", type=int, default=None, metavar="LINES",
                        help="print a cProfile of the edits on this file size")
    parser.add_argument("--workdir", type=Path, default=None, help="reuse or create the workspace here")
    args = parser.parse_args(argv)

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
