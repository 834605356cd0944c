"""The real monorepos detection quality is measured on: materialise one pinned commit, find it again.

Corpora are listed in ``bench/corpora.toml`` (name, repository, commit, mirror). Their code never
enters this repository; ``fetch`` writes the pinned commit's files from a local bare mirror into
``ROOT/NAME`` (no network: a missing mirror or commit is a clear error). Snapshot mirrors may
lack their largest blobs; those files are skipped and counted, never half-written.

    python bench/corpora.py list
    python bench/corpora.py fetch skyvern [--mirror-root DIR] [--root DIR]
    python bench/corpora.py path skyvern          # prints ROOT/NAME, exit 1 if not materialised
    python bench/corpora.py combine phoenix openhands --dest /work/corpora-big/monorepo
                                                  # one git repository of ~9,800 real files

``--root`` defaults to ``$ISOLINT_CORPORA_ROOT``, else ``bench/.corpus`` (gitignored);
``--mirror-root`` to ``$ISOLINT_MIRROR_ROOT`` (the folder holding the bare mirrors; required).
A corpus marked ``held_out`` is left out of runs that name no corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

BENCH = Path(__file__).resolve().parent
CATALOGUE = BENCH / "corpora.toml"
MARKER = ".isolint-corpus.json"   # written last: its presence means the extraction completed


class CorpusError(Exception):
    """A corpus cannot be found, fetched or used; the message says what to do."""


@dataclass(frozen=True)
class Corpus:
    name: str
    repository: str
    commit: str
    mirror: str
    held_out: bool = False


def load_catalogue(path: Path = CATALOGUE) -> dict[str, Corpus]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {entry["name"]: Corpus(entry["name"], entry["repository"], entry["commit"], entry["mirror"],
                                  bool(entry.get("held_out", False)))
            for entry in data.get("corpus", [])}


def development_corpora(catalogue: dict[str, Corpus]) -> list[str]:
    """The corpora rules may be tuned on: every one but those held out for evaluation."""
    return [name for name, corpus in catalogue.items() if not corpus.held_out]


def corpus_named(name: str, catalogue: dict[str, Corpus]) -> Corpus:
    if name not in catalogue:
        raise CorpusError(f"unknown corpus {name!r}; known: {', '.join(sorted(catalogue)) or 'none'}")
    return catalogue[name]


def default_root() -> Path:
    return Path(os.environ.get("ISOLINT_CORPORA_ROOT", Path(__file__).resolve().parent / ".corpus"))


def default_mirror_root() -> Path:
    mirror_root = os.environ.get("ISOLINT_MIRROR_ROOT")
    if not mirror_root:
        raise CorpusError("no mirror root: pass --mirror-root DIR or set $ISOLINT_MIRROR_ROOT "
                          "(the folder holding the bare mirrors named in bench/corpora.toml)")
    return Path(mirror_root)


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["git", "--git-dir", str(git_dir), *args], input=stdin,
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise CorpusError(f"git {' '.join(args[:2])} in {git_dir} failed: "
                          f"{done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _tree_entries(git_dir: Path, commit: str) -> list[tuple[str, str, str]]:
    """(mode, blob sha, path) of every file at ``commit``; submodules are not files."""
    listing = _git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit)
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, path = record.split(b"\t", 1)
        mode, kind, sha = meta.decode().split()
        if kind == "blob":
            entries.append((mode, sha, path.decode("utf-8", errors="surrogateescape")))
    return entries


def _read_blobs(git_dir: Path, shas: list[str]) -> dict[str, bytes | None]:
    """Contents per sha, None where the mirror lacks the object."""
    out = _git(git_dir, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in shas).encode())
    blobs: dict[str, bytes | None] = {}
    pos = 0
    for sha in shas:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode()
        pos = end + 1
        if header.endswith(" missing"):
            blobs[sha] = None
            continue
        size = int(header.split()[2])
        blobs[sha] = out[pos:pos + size]
        pos += size + 1
    return blobs


def fetch(corpus: Corpus, mirror_root: Path, root: Path) -> dict[str, object]:
    git_dir = mirror_root / corpus.mirror
    if not (git_dir / "HEAD").is_file():
        raise CorpusError(f"no bare mirror of {corpus.repository} at {git_dir} "
                          f"(clone it there with `git clone --bare`, or pass --mirror-root)")
    _git(git_dir, "cat-file", "-e", f"{corpus.commit}^{{commit}}")
    entries = _tree_entries(git_dir, corpus.commit)
    blobs = _read_blobs(git_dir, sorted({sha for _, sha, _ in entries}))
    dest = root / corpus.name
    staging = root / f".{corpus.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    skipped = []
    for mode, sha, rel in entries:
        content = blobs[sha]
        if content is None:
            skipped.append(rel)
            continue
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":   # a symlink: kept as a link, as `git archive` would
            target.symlink_to(os.fsdecode(content))
            continue
        target.write_bytes(content)
        if mode == "100755":
            target.chmod(0o755)
    record = {"name": corpus.name, "repository": corpus.repository, "commit": corpus.commit,
              "files": len(entries) - len(skipped), "skipped_missing_blobs": skipped}
    (staging / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return record


def materialised_path(corpus: Corpus, root: Path) -> Path:
    """The corpus's folder, checked to hold the pinned commit."""
    dest = root / corpus.name
    marker = dest / MARKER
    if not marker.is_file():
        raise CorpusError(f"corpus {corpus.name!r} is not materialised under {root}; "
                          f"run: python bench/corpora.py fetch {corpus.name}")
    pinned = json.loads(marker.read_text(encoding="utf-8")).get("commit")
    if pinned != corpus.commit:
        raise CorpusError(f"{dest} holds commit {pinned}, the catalogue pins {corpus.commit}; "
                          f"run: python bench/corpora.py fetch {corpus.name}")
    return dest


def combine(names: list[str], catalogue: dict[str, Corpus], root: Path, dest: Path) -> int:
    """One git repository at ``dest`` holding each materialised corpus under its own folder
    (``dest/phoenix/…``, ``dest/openhands/…``): a monorepo of real code as large as the ones
    issue 13 is judged on, with git's view for discovery. Returns the number of files."""
    sources = [materialised_path(corpus_named(name, catalogue), root) for name in names]
    if dest.exists():
        raise CorpusError(f"{dest} exists; remove it first")
    staging = dest.with_name(f".{dest.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    for name, source in zip(names, sources):
        shutil.copytree(source, staging / name, symlinks=True,
                        ignore=shutil.ignore_patterns(MARKER, ".isolint_cache"))
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", f"combined corpora: {', '.join(names)}"]):
        subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=staging, env=env, check=True)
    staging.rename(dest)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=dest, capture_output=True, check=True).stdout
    return listed.count(b"\0")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE)
    parser.add_argument("--root", type=Path, default=None, help="where corpora are materialised")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    fetch_cmd = sub.add_parser("fetch")
    fetch_cmd.add_argument("names", nargs="+")
    fetch_cmd.add_argument("--mirror-root", type=Path, default=None)
    path_cmd = sub.add_parser("path")
    path_cmd.add_argument("name")
    combine_cmd = sub.add_parser("combine", help="one git repository holding several materialised corpora")
    combine_cmd.add_argument("names", nargs="+")
    combine_cmd.add_argument("--dest", type=Path, required=True)
    args = parser.parse_args(argv)
    catalogue = load_catalogue(args.catalogue)
    root = args.root or default_root()
    try:
        if args.command == "list":
            for corpus in catalogue.values():
                print(f"{corpus.name}\t{corpus.repository}\t{corpus.commit}")
        elif args.command == "fetch":
            for name in args.names:
                record = fetch(corpus_named(name, catalogue), args.mirror_root or default_mirror_root(), root)
                print(f"{name}: {record['files']} files at {record['commit'][:12]} -> {root / name}"
                      f" ({len(record['skipped_missing_blobs'])} skipped: blob not in the mirror)")
        elif args.command == "combine":
            files = combine(args.names, catalogue, root, args.dest)
            print(f"{args.dest}: {files} files of {', '.join(args.names)} in one git repository")
        else:
            print(materialised_path(corpus_named(args.name, catalogue), root))
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
