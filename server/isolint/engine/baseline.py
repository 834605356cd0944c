"""Baselines: today's findings recorded so that only new ones are reported (a ratchet).

The file is JSON with a format version and one entry per (file, rule, fingerprint) with a
count. Paths are POSIX, relative to the baseline file's folder, so a baseline committed at the
repository root works from any working directory, for the CLI and the language server alike.
Fingerprints come from ``core/fingerprint.py`` (no line numbers, no message text).
A finding is baselined when its occurrence index among identical fingerprints of its file is
below the recorded count: two identical findings recorded, a third one added → one reported.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from isolint import __version__
from isolint.core.fingerprint import FINGERPRINT_VERSION, fingerprint_file
from isolint.core.model import Finding, Language

#: version of the file's layout; a baseline with another version is refused with a message
BASELINE_FORMAT = 1


class BaselineError(Exception):
    """A baseline file that cannot be used (missing, not JSON, other version)."""


@dataclass(frozen=True)
class FileFindings:
    """What a baseline needs of one checked file."""

    path: Path
    findings: Sequence[Finding]
    lines: Sequence[str]
    language: Language | None


def _key_path(path: Path, folder: Path) -> str:
    return os.path.relpath(os.path.abspath(path), folder).replace(os.sep, "/")


@dataclass
class Baseline:
    path: Path
    counts: Counter = field(default_factory=Counter)  # (path, code, fingerprint key) -> count

    @property
    def folder(self) -> Path:
        return Path(os.path.abspath(self.path)).parent

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{path}: baseline file not found (create it with `isolint check --write-baseline {path}`)") from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BaselineError(f"{path}: not a readable isolint baseline ({exc})") from None
        if not isinstance(data, dict) or data.get("isolint_baseline") != BASELINE_FORMAT \
                or data.get("fingerprint_version") != FINGERPRINT_VERSION:
            raise BaselineError(
                f"{path}: not an isolint baseline of format {BASELINE_FORMAT} (fingerprint version "
                f"{FINGERPRINT_VERSION}); rewrite it with `isolint check --write-baseline {path}`")
        baseline = cls(Path(path))
        try:
            for entry in data.get("findings", []):
                baseline.counts[(entry["path"], entry["code"], entry["fingerprint"])] += int(entry.get("count", 1))
        except (TypeError, KeyError, ValueError) as exc:
            raise BaselineError(f"{path}: malformed baseline entry ({exc!r})") from None
        return baseline

    def split(self, file: FileFindings) -> tuple[list[Finding], list[Finding]]:
        """(new findings, baselined findings) of one file, each in the input order."""
        if not file.findings:
            return [], []
        rel = _key_path(file.path, self.folder)
        new, known = [], []
        for finding, fingerprint in zip(file.findings, fingerprint_file(file.findings, file.lines, file.language)):
            recorded = self.counts.get((rel, finding.code, fingerprint.key), 0)
            (known if fingerprint.occurrence < recorded else new).append(finding)
        return new, known


def baseline_json(path: Path, files: Iterable[FileFindings], kept: Counter | None = None) -> str:
    folder = Path(os.path.abspath(path)).parent
    counts: Counter = Counter(kept or {})
    for file in files:
        rel = _key_path(file.path, folder)
        for finding, fingerprint in zip(file.findings, fingerprint_file(file.findings, file.lines, file.language)):
            counts[(rel, finding.code, fingerprint.key)] += 1
    entries = [{"path": p, "code": c, "fingerprint": k, "count": n} for (p, c, k), n in sorted(counts.items())]
    data = {"isolint_baseline": BASELINE_FORMAT, "fingerprint_version": FINGERPRINT_VERSION,
            "generated_by": f"isolint {__version__}", "total": sum(counts.values()), "findings": entries}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _kept_entries(path: Path, checked: set[str]) -> Counter:
    """Entries of an existing baseline for files this run did not check and that still exist
    (a partial run must not forget the rest of the codebase)."""
    try:
        old = Baseline.load(path)
    except BaselineError:
        return Counter()
    return Counter({key: count for key, count in old.counts.items()
                    if key[0] not in checked and (old.folder / key[0]).is_file()})


def write_baseline(path: Path, files: Iterable[FileFindings]) -> int:
    """Record ``files``' findings in ``path``. Entries of the checked files are replaced (fixed
    findings drop out); those of files not checked this time are kept while the file exists.
    Returns the number of findings recorded."""
    files = list(files)
    folder = Path(os.path.abspath(path)).parent
    kept = _kept_entries(Path(path), {_key_path(f.path, folder) for f in files})
    text = baseline_json(path, files, kept)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)  # the baseline stays as it was; the caller says why
        raise
    return json.loads(text)["total"]


_loaded: dict[str, tuple[tuple[int, int], Baseline]] = {}


def load_baseline(path: Path) -> Baseline:
    """:meth:`Baseline.load`, reused while the file's size and mtime are unchanged (the language
    server asks on every check)."""
    key = os.path.abspath(path)
    try:
        stat = os.stat(key)
    except OSError:
        return Baseline.load(Path(path))  # raises the right error
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _loaded.get(key)
    if cached is None or cached[0] != stamp:
        cached = _loaded[key] = (stamp, Baseline.load(Path(path)))
    return cached[1]
