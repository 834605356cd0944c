"""Run ``isolint check --fix`` (then ``--fix --unsafe-fixes``) on a copy of each corpus, zero
configuration, and check what a demanding ruff user expects of it:

- every changed Python file still parses (``ast.parse``; the code is never run), every changed
  TypeScript / JavaScript file has no more syntax errors than before (the ``typescript``
  package's parser, run by node, when one is installed; otherwise skipped and said so);
- ``--diff`` shows exactly what ``--fix`` writes;
- a second ``--fix`` applies nothing and the fixed findings are gone;
- the bytes outside the fixed lines are untouched (line endings, BOM, encoding).

It also writes each mode's diff to ``OUT/NAME.MODE.diff`` with every hunk attributed to the rule
whose fix made it, to sample and judge by hand.

    python bench/fix_sweep.py skyvern openhands ... [--out /tmp/fix-sweep] [--json summary.json]

Corpora come from ``$ISOLINT_CORPORA_ROOT`` (see ``bench/corpora.py``); each is copied to
``/tmp/fix-NAME`` and the copy is the only thing written.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TS_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_TS_CHECKER = r"""
const ts = require(process.argv[2]);
const fs = require("fs");
const out = {};
for (const file of JSON.parse(fs.readFileSync(0, "utf8"))) {
  const text = fs.readFileSync(file, "utf8");
  const kind = /\.tsx$|\.jsx$/.test(file) ? ts.ScriptKind.TSX
    : /\.ts$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  out[file] = sf.parseDiagnostics.length;
}
process.stdout.write(JSON.stringify(out));
"""


def typescript_module() -> Path | None:
    """The ``typescript`` package to parse with: ``$ISOLINT_TYPESCRIPT``, else the extension's
    ``node_modules`` in this checkout or the main checkout next to it."""
    candidates = [os.environ.get("ISOLINT_TYPESCRIPT", ""), REPO / "vscode-client/node_modules/typescript",
                  REPO.parent.parent / "main/vscode-client/node_modules/typescript"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "lib/typescript.js").is_file() and shutil.which("node"):
            return Path(candidate)
    return None


def python_parses(raw: bytes) -> str | None:
    """None when ``raw`` parses as Python, else the error (never runs the code)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(raw)
    except (SyntaxError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def typescript_errors(files: list[Path], module: Path | None) -> dict[str, int] | None:
    """Syntax errors per file (the ``typescript`` parser), or None when no parser is installed."""
    if module is None or not files:
        return {} if module is not None else None
    completed = subprocess.run(["node", "-e", _TS_CHECKER, str(module / "lib/typescript.js")],
                               input=json.dumps([str(f) for f in files]), capture_output=True, text=True,
                               check=True)
    return json.loads(completed.stdout)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file below ``root``, by relative path."""
    state = {}
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in {".git", ".isolint_cache", "node_modules"}]
        for name in files:
            path = Path(directory, name)
            try:
                st = path.lstat()
            except OSError:
                continue
            state[str(path.relative_to(root))] = (st.st_mtime_ns, st.st_size)
    return state


def changed_files(before: dict, after: dict) -> list[str]:
    return sorted(p for p, stamp in after.items() if before.get(p) != stamp)


def isolint(root: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "isolint", "check", "--exit-zero", *args, "."]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, env={**os.environ})


def findings(root: Path) -> list[dict]:
    completed = isolint(root, "--format", "json", "--no-baseline")
    return json.loads(completed.stdout or "[]")


def split_hunks(diff: str) -> dict[str, list[tuple[int, int, str]]]:
    """path -> [(first old line, old line count, hunk text)] of a unified diff."""
    hunks: dict[str, list[tuple[int, int, str]]] = {}
    path, current = None, None
    for line in diff.splitlines(keepends=True):
        if line.startswith("--- "):
            continue
        if line.startswith("+++ "):
            path = line[4:].strip().removeprefix("b/")
            hunks.setdefault(path, [])
            continue
        match = HUNK_RE.match(line)
        if match and path is not None:
            current = [int(match.group(1)), int(match.group(2) or 1), line]
            hunks[path].append(current)  # type: ignore[arg-type]
        elif current is not None:
            current[2] += line
    return {p: [tuple(h) for h in hs] for p, hs in hunks.items()}  # type: ignore[misc]


def attribute(hunks: dict, before: list[dict], unsafe: bool) -> list[tuple[str, str, str]]:
    """(rule, path, hunk) for every hunk: the rule of a fix whose edits (or whose finding's
    related locations) start in its old lines (several rules joined by ``+``; ``?`` when none
    does, e.g. a later round's fix)."""
    fixes: dict[str, list[tuple[int, str]]] = {}
    for finding in before:
        fix = finding.get("fix")
        if not fix or fix["applicability"] == "display-only" or (fix["applicability"] == "unsafe" and not unsafe):
            continue
        for edit in fix["edits"]:
            fixes.setdefault(finding["path"], []).append((edit["location"]["row"], finding["code"]))
        for related in finding.get("related_locations", ()):  # the same problem's other places, fixed too
            fixes.setdefault(related.get("path") or finding["path"], []).append(
                (related["location"]["row"], finding["code"]))
    out = []
    for path, items in hunks.items():
        for start, count, text in items:
            codes = sorted({code for row, code in fixes.get(path, ()) if start <= row < start + max(count, 1)})
            out.append(("+".join(codes) or "?", path, text))
    return out


def outside_changes(old: bytes, new: bytes) -> str | None:
    """Damage outside the fixed lines: a BOM or line-ending style lost or changed."""
    if old.startswith(b"\xef\xbb\xbf") != new.startswith(b"\xef\xbb\xbf"):
        return "BOM changed"
    for ending in (b"\r\n",):
        if (ending in old) and new.count(ending) < new.count(b"\n") * (old.count(ending) == old.count(b"\n")):
            return "CRLF line endings mixed with LF"
    if old.endswith(b"\n") != new.endswith(b"\n"):
        return "final newline changed"
    return None


@dataclass
class ModeResult:
    mode: str
    files_fixed: int = 0
    fixes_reported: int = 0
    hunks: Counter = field(default_factory=Counter)
    parse_failures: list[str] = field(default_factory=list)
    ts_failures: list[str] = field(default_factory=list)
    ts_checked: int | None = 0
    diff_mismatches: list[str] = field(default_factory=list)
    idempotence_failures: list[str] = field(default_factory=list)
    not_gone: list[str] = field(default_factory=list)
    damage: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def run_mode(copy: Path, original: Path, unsafe: bool, out: Path, name: str, ts: Path | None) -> ModeResult:
    mode = "unsafe" if unsafe else "safe"
    flags = ["--unsafe-fixes"] if unsafe else []
    result = ModeResult(mode)
    before = findings(copy)
    diff = isolint(copy, "--diff", "--no-baseline", *flags).stdout
    state = snapshot(copy)
    old_bytes = {}
    fix_run = isolint(copy, "--fix", "--no-baseline", *flags)
    result.warnings = [line for line in fix_run.stderr.splitlines() if line.startswith(("warning:", "error:"))]
    changed = changed_files(state, snapshot(copy))
    result.files_fixed = len(changed)
    result.fixes_reported = sum(1 for f in before if f.get("fix") and
                                (f["fix"]["applicability"] == "safe" or
                                 (unsafe and f["fix"]["applicability"] == "unsafe")))
    # what `--fix` wrote, as a diff against the text before this mode
    reference = out / f"{name}.{mode}.before"
    written: list[str] = []
    for rel in changed:
        old = (reference / rel).read_bytes() if (reference / rel).exists() else (original / rel).read_bytes()
        new = (copy / rel).read_bytes()
        old_bytes[rel] = old
        damage = outside_changes(old, new)
        if damage:
            result.damage.append(f"{rel}: {damage}")
        if rel.endswith(".py") and python_parses(old) is None:
            error = python_parses(new)
            if error:
                result.parse_failures.append(f"{rel}: {error}")
        written.extend(difflib.unified_diff(old.decode("utf-8", "replace").splitlines(keepends=True),
                                            new.decode("utf-8", "replace").splitlines(keepends=True),
                                            fromfile=f"a/{rel}", tofile=f"b/{rel}"))
        if written and not written[-1].endswith("\n"):
            written[-1] += "\n\\ No newline at end of file\n"
    ts_files = [rel for rel in changed if rel.endswith(TS_SUFFIXES)]
    if ts_files:
        scratch = out / f"{name}.{mode}.ts-before"
        for rel in ts_files:
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            (scratch / rel).write_bytes(old_bytes[rel])
        after = typescript_errors([copy / rel for rel in ts_files], ts)
        prior = typescript_errors([scratch / rel for rel in ts_files], ts)
        if after is None or prior is None:
            result.ts_checked = None
        else:
            result.ts_checked = len(ts_files)
            for rel in ts_files:
                if after[str(copy / rel)] > prior[str(scratch / rel)]:
                    result.ts_failures.append(rel)
    if not same_diff(diff, "".join(written)):
        result.diff_mismatches = [path for path in sorted(set(split_hunks(diff)) ^ set(split_hunks("".join(written))))] \
            or ["(same files, different hunks)"]
        (out / f"{name}.{mode}.diff-shown").write_text(diff)
        (out / f"{name}.{mode}.diff-written").write_text("".join(written))
    attributed = attribute(split_hunks("".join(written)), before, unsafe)
    result.hunks = Counter(code for code, _, _ in attributed)
    with open(out / f"{name}.{mode}.diff", "w") as handle:
        for code, path, text in attributed:
            handle.write(f"### {code} {path}\n{text}")
    # a second run applies nothing, and no fixable finding of this mode is left
    state = snapshot(copy)
    isolint(copy, "--fix", "--no-baseline", *flags)
    again = changed_files(state, snapshot(copy))
    result.idempotence_failures = again
    remaining = findings(copy)
    fixed_before = {(f["path"], f["code"], f["fingerprint"]) for f in before if f.get("fix") and
                    (f["fix"]["applicability"] == "safe" or (unsafe and f["fix"]["applicability"] == "unsafe"))}
    failed_at = {line.split(" at ")[1].rsplit(":", 2)[0] for line in result.warnings if " fix not applied at " in line}
    result.not_gone = sorted(f"{p} {c}" for p, c, fp in fixed_before & {(f["path"], f["code"], f["fingerprint"])
                                                                         for f in remaining}
                             if p not in failed_at)
    return result


def _normalise(diff: str) -> list[str]:
    """A diff without its file header lines (``--diff`` names files as the CLI shows them)."""
    return [line for line in diff.splitlines() if not line.startswith(("--- ", "+++ "))]


_MASK_RE = re.compile(r"\*{4,}")


def same_diff(shown: str, written: str) -> bool:
    """Whether ``--diff`` showed exactly what ``--fix`` wrote: line for line, a masked secret
    (``ab************yz``, ``--diff`` never prints one) standing for any text."""
    shown_lines, written_lines = _normalise(shown), _normalise(written)
    if len(shown_lines) != len(written_lines):
        return False
    for a, b in zip(shown_lines, written_lines):
        if a == b:
            continue
        pattern = ".*".join(re.escape(piece) for piece in _MASK_RE.split(a))
        if not _MASK_RE.search(a) or not re.fullmatch(pattern, b):
            return False
    return True


def sweep(name: str, corpora_root: Path, out: Path, copies: Path = Path("/tmp")) -> list[ModeResult]:
    original = corpora_root / name
    copy = copies / f"fix-{name}"
    out.mkdir(parents=True, exist_ok=True)
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(original, copy, symlinks=True)
    ts = typescript_module()
    results = []
    for unsafe in (False, True):
        # the unsafe mode starts from what the safe mode left
        reference = out / f"{name}.{'unsafe' if unsafe else 'safe'}.before"
        if reference.exists():
            shutil.rmtree(reference)
        if unsafe:
            for rel in changed_files(snapshot(original), snapshot(copy)):
                (reference / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(copy / rel, reference / rel)
        results.append(run_mode(copy, original, unsafe, out, name, ts))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+")
    parser.add_argument("--out", type=Path, default=Path("/tmp/fix-sweep"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--copies", type=Path, default=Path("/tmp"), help="where the copies go (COPIES/fix-NAME)")
    args = parser.parse_args(argv)
    root = Path(os.environ.get("ISOLINT_CORPORA_ROOT", "/work/corpora"))
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name in args.corpora:
        args.copies.mkdir(parents=True, exist_ok=True)
        results = sweep(name, root, args.out, args.copies)
        summary[name] = [{**r.__dict__, "hunks": dict(r.hunks)} for r in results]
        for r in results:
            ts = "no parser" if r.ts_checked is None else f"{len(r.ts_failures)}/{r.ts_checked}"
            print(f"{name:16} {r.mode:6} files {r.files_fixed:3}  hunks {sum(r.hunks.values()):3} "
                  f"{dict(sorted(r.hunks.items()))}  py-parse-fail {len(r.parse_failures)}  ts-fail {ts}  "
                  f"diff!=fix {len(r.diff_mismatches)}  2nd-run {len(r.idempotence_failures)}  "
                  f"not-gone {len(r.not_gone)}  damage {len(r.damage)}  warnings {len(r.warnings)}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
