"""CLI benchmark: ``isolint check`` (cold and warm) against ``ruff check --select S`` and
``bandit -r`` on a corpus of real Python projects, in the same run, on the same machine.

    .venv/bin/python bench/cli_bench.py                  # prepare the corpus if needed, measure
    .venv/bin/python bench/cli_bench.py --runs 7 --bandit-runs 1
    .venv/bin/python bench/cli_bench.py --write-docs     # also update "## CLI" in docs/performance.md
    .venv/bin/python bench/cli_bench.py --monorepo skyvern openhands phoenix --runs 1

``--monorepo NAME...`` measures the real monorepos pinned in ``bench/corpora.toml`` (materialise
them with ``bench/corpora.py fetch NAME``) instead: ruff and isolint alternate within every run,
each run is measured as a whole process tree (wall, CPU of the tree, peak summed PSS sampled
every 20 ms — ``bench/process_tree.py``), and the 1-minute load average is recorded beside
every number, since a shared machine's wall times are only comparable within one run.
``--compare-cmd`` adds another isolint (e.g. a snapshot before a change) to the same rotation.
``--warm FOLDER...`` measures only the warm re-run (nothing changed) of each folder — e.g. a
copy of a monorepo under ``/tmp`` made a git repository — each isolint primed once, then
``--runs`` runs alternating between them, wall and CPU of the process tree with the load.

The corpus is the source distributions of a few large projects (``pip download --no-binary
:all: --no-deps``), unpacked into ``bench/.corpus/src/`` (gitignored) with a ``pyproject.toml``
holding empty ``[tool.isolint]`` and ``[tool.ruff]`` tables, so both tools run with their
defaults — zero configuration — instead of picking up this repository's settings.

Timing is hyperfine-like: one warm-up run, then ``--runs`` timed runs; the median wall time is
reported with min/max. "cold" is ``--no-cache`` (every file read, prefiltered, parsed when a
rule wants it); "warm" re-runs with the cache after a priming run, nothing changed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPUS = BENCH / ".corpus"
SDISTS = CORPUS / "sdists"
SOURCE = CORPUS / "src"
RESULTS = BENCH / ".work" / "cli_bench.json"
PERFORMANCE_DOC = REPO / "docs" / "performance.md"

#: real projects with many Python files; pinned so numbers are comparable over time
PROJECTS = ("django==5.1.4", "sqlalchemy==2.0.36", "sympy==1.13.3", "ansible-core==2.17.7")

SECTION_START = "<!-- cli-bench:start -->"
SECTION_END = "<!-- cli-bench:end -->"


def venv_tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


# -- corpus ----------------------------------------------------------------------------------------

def prepare_corpus() -> None:
    SDISTS.mkdir(parents=True, exist_ok=True)
    have = {p.name.lower() for p in SDISTS.iterdir()}
    missing = [spec for spec in PROJECTS
               if not any(n.startswith(spec.split("==")[0].replace("-", "_").lower())
                          or n.startswith(spec.split("==")[0].lower()) for n in have)]
    if missing:
        print(f"downloading {', '.join(missing)} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                        "-q", "-d", str(SDISTS), *missing], check=True)
    SOURCE.mkdir(parents=True, exist_ok=True)
    for archive in sorted(SDISTS.glob("*.tar.gz")):
        target = SOURCE / archive.name[: -len(".tar.gz")]
        if target.exists():
            continue
        print(f"unpacking {archive.name} …", file=sys.stderr)
        with tarfile.open(archive) as tar:
            tar.extractall(SOURCE, filter="data")
    marker = SOURCE / "pyproject.toml"
    if not marker.exists():
        marker.write_text("# benchmark corpus: every tool with its defaults\n[tool.isolint]\n\n[tool.ruff]\n",
                          encoding="utf-8")


def corpus_stats() -> dict[str, int]:
    files = lines = 0
    for folder, _, names in os.walk(SOURCE):
        for name in names:
            if name.endswith(".py"):
                files += 1
                with open(os.path.join(folder, name), "rb") as handle:
                    lines += handle.read().count(b"\n")
    return {"python_files": files, "lines": lines}


# -- timing ----------------------------------------------------------------------------------------

def time_command(command: list[str], runs: int, warmup: int = 1, prepare=None) -> dict:
    for _ in range(warmup):
        if prepare:
            prepare()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    samples, cpu = [], []
    code = None
    for _ in range(runs):
        if prepare:
            prepare()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
        samples.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        code = completed.returncode
        if completed.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stderr.decode()[-2000:]}")
    return {"command": " ".join(command), "median": statistics.median(samples), "min": min(samples),
            "max": max(samples), "cpu": statistics.median(cpu), "runs": runs, "exit_code": code}


def clear_isolint_cache() -> None:
    shutil.rmtree(SOURCE / ".isolint_cache", ignore_errors=True)


def measure(runs: int, bandit_runs: int, jobs: int | None, isolint_cmd: list[str]) -> dict:
    ruff, bandit = venv_tool("ruff"), venv_tool("bandit")
    target = str(SOURCE)
    job_args = ["--jobs", str(jobs)] if jobs else []
    results = {}
    print("isolint cold …", file=sys.stderr)
    results["isolint_cold"] = time_command([*isolint_cmd, "check", target, "--no-cache", "--exit-zero", "-q", *job_args], runs)
    print("isolint warm …", file=sys.stderr)
    clear_isolint_cache()
    subprocess.run([*isolint_cmd, "check", target, "--exit-zero", "-q", *job_args], stdout=subprocess.DEVNULL, cwd=REPO)
    results["isolint_warm"] = time_command([*isolint_cmd, "check", target, "--exit-zero", "-q", *job_args], runs)
    print("ruff …", file=sys.stderr)
    results["ruff"] = time_command([ruff, "check", "--select", "S", "--no-cache", "--exit-zero", "-q", target], runs)
    if bandit_runs:
        print("bandit (slow) …", file=sys.stderr)
        results["bandit"] = time_command([bandit, "-r", "-q", target, "-f", "json", "-o", os.devnull],
                                         bandit_runs, warmup=0)
    return results


def findings_count(isolint_cmd: list[str]) -> int:
    completed = subprocess.run([*isolint_cmd, "check", str(SOURCE), "--no-cache", "--format", "json"],
                               capture_output=True, cwd=REPO)
    return len(json.loads(completed.stdout or b"[]"))


# -- reporting -------------------------------------------------------------------------------------

def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def versions() -> dict[str, str]:
    out = {}
    for tool in ("isolint", "ruff", "bandit"):
        completed = subprocess.run([venv_tool(tool), "--version"], capture_output=True, text=True)
        out[tool] = (completed.stdout or completed.stderr).strip().splitlines()[0] if completed.returncode == 0 else "?"
    return out


def markdown(data: dict) -> str:
    r = data["results"]
    ruff, cold, warm = r["ruff"]["median"], r["isolint_cold"]["median"], r["isolint_warm"]["median"]
    rows = [("isolint (cold, `--no-cache`)", r["isolint_cold"]), ("isolint (warm, nothing changed)", r["isolint_warm"]),
            ("ruff `--select S --no-cache`", r["ruff"])]
    if "bandit" in r:
        rows.append(("bandit `-r`", r["bandit"]))
    table = ["| tool | wall median | min | max | CPU (user+sys) median | runs |", "|---|---|---|---|---|---|"]
    table += [f"| {name} | {row['median']:.2f} s | {row['min']:.2f} s | {row['max']:.2f} s | {row['cpu']:.2f} s "
              f"| {row['runs']} |" for name, row in rows]
    ratios = [f"- isolint cold / ruff: **{cold / ruff:.1f}×** (target ≤ 5×)",
              f"- isolint warm: **{warm:.2f} s** for {data['corpus']['python_files']:,} Python files (target ≤ 1 s for 5,000)"]
    if "bandit" in r:
        ratios.append(f"- bandit / isolint cold: **{r['bandit']['median'] / cold:.0f}×** faster than bandit (target ≥ 20×)")
    corpus = data["corpus"]
    return "\n".join([
        SECTION_START,
        f"Measured {data['date']} on {data['machine']}; {', '.join(f'{k} {v}' for k, v in data['versions'].items())}.",
        "",
        f"Corpus: sdists of {', '.join(data['projects'])} — {corpus['python_files']:,} Python files, "
        f"{corpus['lines']:,} lines (plus their other files); zero configuration for every tool. "
        f"isolint reported {data['isolint_findings']} finding(s).",
        "",
        *table,
        "",
        *ratios,
        "",
        f"Command: `{data['command']}`",
        SECTION_END,
    ])


def write_docs(section: str) -> None:
    text = PERFORMANCE_DOC.read_text(encoding="utf-8") if PERFORMANCE_DOC.exists() else "# Performance\n"
    if SECTION_START in text and SECTION_END in text:
        before, rest = text.split(SECTION_START, 1)
        _, after = rest.split(SECTION_END, 1)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n## CLI\n\n" + section + "\n"
    PERFORMANCE_DOC.write_text(text, encoding="utf-8")


# -- real monorepos --------------------------------------------------------------------------------

def corpus_path(name: str) -> Path:
    completed = subprocess.run([sys.executable, str(BENCH / "corpora.py"), "path", name],
                               capture_output=True, text=True, check=True)
    return Path(completed.stdout.strip())


def monorepo_stats(root: Path) -> dict[str, int]:
    counts = {"files": 0, "python_files": 0, "typescript_files": 0}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules", ".isolint_cache")]
        for name in names:
            counts["files"] += 1
            counts["python_files"] += name.endswith(".py")
            counts["typescript_files"] += name.endswith((".ts", ".tsx"))
    return counts


def measure_monorepos(names: list[str], runs: int, isolints: dict[str, list[str]]) -> dict:
    """Per corpus and run: ruff, then every isolint cold, then every isolint warm (cache primed by
    its own cold run with the cache on), alternating so that load drifts hit them alike."""
    sys.path.insert(0, str(BENCH))
    from process_tree import run_tree

    ruff = venv_tool("ruff")
    results: dict = {}
    for name in names:
        root = corpus_path(name)
        rows: dict[str, list] = {}
        cache = root / ".isolint_cache"
        for run in range(runs):
            print(f"{name} run {run + 1}/{runs} …", file=sys.stderr)
            rows.setdefault("ruff", []).append(
                run_tree([ruff, "check", "--select", "S", "--no-cache", "--exit-zero", "-q", str(root)]))
            for label, command in isolints.items():
                shutil.rmtree(cache, ignore_errors=True)
                rows.setdefault(f"{label} cold", []).append(
                    run_tree([*command, "check", str(root), "--exit-zero", "-q"]))
                rows.setdefault(f"{label} warm", []).append(
                    run_tree([*command, "check", str(root), "--exit-zero", "-q"]))
            shutil.rmtree(cache, ignore_errors=True)
        results[name] = {"stats": monorepo_stats(root),
                         "rows": {label: [vars(r) for r in runs_] for label, runs_ in rows.items()}}
    return results


def measure_warm(folders: list[Path], runs: int, isolints: dict[str, list[str]]) -> dict:
    """Per folder: every isolint primed once (its own cache file: the build is part of the
    cache's key), then ``runs`` rounds of one warm run each, alternating."""
    sys.path.insert(0, str(BENCH))
    from process_tree import run_tree

    results: dict = {}
    for folder in folders:
        rows: dict[str, list] = {label: [] for label in isolints}
        for command in isolints.values():
            subprocess.run([*command, "check", str(folder), "--exit-zero", "-q"], cwd=folder,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for run in range(runs):
            print(f"{folder} warm run {run + 1}/{runs} …", file=sys.stderr)
            for label, command in isolints.items():
                rows[label].append(run_tree([*command, "check", ".", "--exit-zero", "-q"], cwd=folder))
        results[str(folder)] = {"stats": monorepo_stats(folder),
                                "rows": {label: [vars(r) for r in runs_] for label, runs_ in rows.items()}}
    return results


def warm_markdown(results: dict) -> str:
    lines = ["| folder | isolint | wall median (range) | CPU median (range) | load (1 min) |", "|---|---|---|---|---|"]
    for folder, data in results.items():
        for label, samples in data["rows"].items():
            walls, cpus = [r["wall"] for r in samples], [r["cpu"] for r in samples]
            loads = [r["load"] for r in samples]
            lines.append(f"| {Path(folder).name} ({data['stats']['files']:,} files) | {label} "
                         f"| {statistics.median(walls):.2f} s ({min(walls):.2f}–{max(walls):.2f}) "
                         f"| {statistics.median(cpus):.2f} s ({min(cpus):.2f}–{max(cpus):.2f}) "
                         f"| {min(loads):.1f}–{max(loads):.1f} |")
    return "\n".join(lines)


def monorepo_markdown(results: dict) -> str:
    lines = ["| corpus | tool | wall median | CPU median | CPU / ruff CPU | wall / ruff wall | peak tree PSS | processes | load (1 min) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, data in results.items():
        rows = data["rows"]
        ruff_wall = statistics.median(r["wall"] for r in rows["ruff"])
        ruff_cpu = statistics.median(r["cpu"] for r in rows["ruff"])
        for label, samples in rows.items():
            wall = statistics.median(r["wall"] for r in samples)
            cpu = statistics.median(r["cpu"] for r in samples)
            pss = max((r["peak_pss_mb"] or 0) for r in samples)
            load = "–".join(sorted({f"{r['load']:.0f}" for r in samples}))
            lines.append(f"| {name} ({data['stats']['files']:,} files, {data['stats']['python_files']:,} .py) | {label} "
                         f"| {wall:.2f} s | {cpu:.2f} s | {cpu / ruff_cpu:.1f}× | {wall / ruff_wall:.1f}× "
                         f"| {pss:.0f} MB | {max(r['peak_processes'] for r in samples)} | {load} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bandit-runs", type=int, default=1, help="bandit takes minutes; 0 skips it")
    parser.add_argument("--jobs", type=int, default=None, help="isolint --jobs (default: all cores)")
    parser.add_argument("--isolint-cmd", default=None,
                        help="how to run isolint (default: the venv's `isolint`), e.g. a frozen copy: "
                             "'env PYTHONPATH=/tmp/snapshot python -m isolint'")
    parser.add_argument("--write-docs", action="store_true", help='update the "## CLI" section of docs/performance.md')
    parser.add_argument("--monorepo", nargs="+", default=None, metavar="NAME",
                        help="measure these corpora of bench/corpora.toml instead of the sdists")
    parser.add_argument("--compare-cmd", default=None,
                        help="with --monorepo or --warm: a second isolint in the same rotation (labelled 'before')")
    parser.add_argument("--warm", nargs="+", type=Path, default=None, metavar="FOLDER",
                        help="measure only warm re-runs (nothing changed) of these folders")
    args = parser.parse_args(argv)
    if args.warm:
        isolints = {"isolint": args.isolint_cmd.split() if args.isolint_cmd else [venv_tool("isolint")]}
        if args.compare_cmd:
            isolints = {"before": args.compare_cmd.split(), **isolints}
        results = measure_warm([folder.resolve() for folder in args.warm], args.runs, isolints)
        out = BENCH / ".work" / "warm_bench.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(),
                                   "results": results}, indent=2), encoding="utf-8")
        print(warm_markdown(results))
        return 0
    if args.monorepo:
        isolints = {"isolint": args.isolint_cmd.split() if args.isolint_cmd else [venv_tool("isolint")]}
        if args.compare_cmd:
            isolints = {"before": args.compare_cmd.split(), **isolints}
        results = measure_monorepos(args.monorepo, args.runs, isolints)
        out = BENCH / ".work" / "monorepo_bench.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(),
                                   "results": results}, indent=2), encoding="utf-8")
        print(monorepo_markdown(results))
        return 0
    prepare_corpus()
    data = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "versions": versions(),
        "projects": list(PROJECTS),
        "corpus": corpus_stats(),
        "command": "python bench/cli_bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    print(f"corpus: {data['corpus']}", file=sys.stderr)
    isolint_cmd = args.isolint_cmd.split() if args.isolint_cmd else [venv_tool("isolint")]
    data["results"] = measure(args.runs, args.bandit_runs, args.jobs, isolint_cmd)
    data["isolint_findings"] = findings_count(isolint_cmd)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2), encoding="utf-8")
    section = markdown(data)
    print(section)
    if args.write_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
