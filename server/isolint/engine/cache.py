"""The CLI's result cache: a file whose bytes, settings, isolint build and cross-file facts are
unchanged is not parsed again.

One JSON file per (project root, settings fingerprint, isolint build) under
``<root>/.isolint_cache/`` (a ``.gitignore`` holding ``*`` keeps it out of git, as ruff does).
An entry is keyed by the file's path relative to the root and holds the BLAKE2 digest of its
bytes, its findings, the facts it contributes to the ProjectIndex, and — because a rule that
reads cross-file facts can change its verdict when *another* file changes — a digest of every
fact kind its rules may read. A lookup is a hit only when the bytes match and, once the index
is complete, those fact digests still match too (correctness first).

JSON rather than pickle: a cache directory can arrive inside a downloaded repository, and
isolint never executes anything that comes with the workspace.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from isolint import __version__
from isolint.core.config import Settings
from isolint.core.model import Finding, Zone
from isolint.core.test_tiers import may_be_marked_integration
from isolint.engine.selection import TokenScan, rules_for
from isolint.core.source import SourceFile

log = logging.getLogger(__name__)

CACHE_DIR_NAME = ".isolint_cache"
_FORMAT = 1


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@lru_cache(maxsize=1)
def build_fingerprint() -> str:
    """isolint's version plus the size and mtime of every module of the installed package, so
    an editable install that changes a rule invalidates the cache without a version bump."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(f"{__version__}/{_FORMAT}".encode(), digest_size=8)
    for folder, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def facts_digest(facts: Mapping[str, Any]) -> str:
    """Digest of one fact kind's merged view (``{rel_path: facts}``)."""
    blob = json.dumps(facts, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.blake2b(blob, digest_size=12).hexdigest()


def fact_kinds_read(source: SourceFile, scan: TokenScan, project: Any = None) -> tuple[str, ...]:
    """Fact kinds the rules that may run on a file read: its zone's rules, plus the
    integration-test rules for a test file whose bytes can carry an integration marker (the
    only zone change content can cause: pytest markers, ``checker._refine_zone``).

    This runs before any fact is known, so a rule's ``admits`` — which may read the facts
    (ISO3xx's project definitions) — is not asked. A rule whose admission needs no facts says
    so with ``Rule.admits_before_facts(source, project)``; with the ``project``, a file
    it turns away is not kept for the check phase for that rule."""
    candidates = [(rule, source) for rule in rules_for(source)]
    if source.zone is Zone.TEST and may_be_marked_integration(source):
        integration = dataclasses.replace(source, zone=Zone.INTEGRATION_TEST)
        candidates += [(rule, integration) for rule in rules_for(integration)]
    kinds: set[str] = set()
    for rule, candidate in candidates:
        if not rule.uses_facts or kinds.issuperset(rule.uses_facts) or not scan.admits(rule.tokens):
            continue
        if project is not None and not rule.admits_before_facts(candidate, project):
            continue
        kinds.update(rule.uses_facts)
    return tuple(sorted(kinds))


@dataclass
class CacheEntry:
    digest: str
    findings: list[dict[str, Any]]
    facts: dict[str, Any] = field(default_factory=dict)
    #: fact kind → digest of that kind's merged facts when the file was checked
    fact_digests: dict[str, str] = field(default_factory=dict)
    zone: str | None = None
    parse_error: dict[str, Any] | None = None

    def to_json(self) -> list[Any]:
        return [self.digest, self.findings, self.facts, self.fact_digests, self.zone, self.parse_error]

    @classmethod
    def from_json(cls, data: list[Any]) -> "CacheEntry":
        return cls(*data)

    def decoded_findings(self) -> list[Finding]:
        return [Finding.from_json(f) for f in self.findings]

    def decoded_zone(self) -> Zone | None:
        return Zone(self.zone) if self.zone else None


class ResultCache:
    """Entries of one project root under one settings fingerprint."""

    def __init__(self, settings: Settings, fact_kinds: Iterable[str] = ()) -> None:
        self.root = settings.root
        self.directory = settings.root / CACHE_DIR_NAME
        # entries hold facts: a run that extracts fewer kinds (``check --select``) keeps its own
        kinds = hashlib.blake2b("+".join(sorted(fact_kinds)).encode(), digest_size=4).hexdigest()
        key = f"{settings.fingerprint()}-{build_fingerprint()}-{kinds}"
        self.path = self.directory / f"{key}.json"
        self._entries: dict[str, list[Any]] = {}
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("format") == _FORMAT and isinstance(data.get("entries"), dict):
            self._entries = data["entries"]

    def get(self, rel_path: str, digest: str) -> CacheEntry | None:
        raw = self._entries.get(rel_path)
        if raw is None or raw[0] != digest:
            return None
        try:
            return CacheEntry.from_json(raw)
        except (TypeError, ValueError):
            return None

    def put(self, rel_path: str, entry: CacheEntry) -> None:
        self._entries[rel_path] = entry.to_json()
        self._dirty = True

    def retain(self, rel_paths: set[str]) -> None:
        """Forget files that no longer exist (only call after a run over the whole root)."""
        stale = [rel for rel in self._entries if rel not in rel_paths]
        for rel in stale:
            del self._entries[rel]
        self._dirty = self._dirty or bool(stale)

    def save(self) -> None:
        """Atomic write; a read-only or vanished root just means no cache next time."""
        if not self._dirty:
            return
        try:
            self.directory.mkdir(exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Automatically created by isolint.\n*\n", encoding="utf-8")
                (self.directory / "CACHEDIR.TAG").write_text(
                    "Signature: 8a477f597d28d172789f06886806bc55\n# isolint's result cache\n", encoding="utf-8")
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": _FORMAT, "entries": self._entries}, handle, separators=(",", ":"))
            os.replace(temp, self.path)
            self._prune_old_generations()
        except OSError as exc:
            log.debug("cannot write the cache at %s: %s", self.directory, exc)
        self._dirty = False

    def _prune_old_generations(self, keep: int = 8) -> None:
        """Keep the most recent few cache files (one per settings/build), drop the rest."""
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            try:
                old.unlink()
            except OSError:
                pass


def clear_cache(root: Path) -> bool:
    """Delete ``<root>/.isolint_cache`` (``isolint clean``); True when something was removed."""
    import shutil

    directory = root / CACHE_DIR_NAME
    if not directory.is_dir():
        return False
    shutil.rmtree(directory, ignore_errors=True)
    return True
