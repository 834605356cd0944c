"""The CLI's result cache: a file whose bytes, settings, isolint build and cross-file facts are
unchanged is not parsed again.

One JSON file per (project root, settings fingerprint, isolint build) under
``<root>/.isolint_cache/`` (a ``.gitignore`` holding ``*`` keeps it out of git, as ruff does),
only when that is a real folder isolint created (``CacheFolder``): a symlink or a foreign
folder there — a cloned repository can ship either — is refused and the run has no cache.
An entry is keyed by the file's path relative to the root and holds the BLAKE2 digest of its
bytes, its findings, the facts it contributes to the ProjectIndex, and — because a rule that
reads cross-file facts can change its verdict when *another* file changes — a digest of every
fact kind its rules may read. A lookup is a hit only when the bytes match and, once the index
is complete, those fact digests still match too (correctness first).

An entry keeps each kind of its facts as the JSON text they were written as (``fact_text``):
a kind's merged digest is made of those texts (``merged_facts_digest``), so a warm run neither
decodes nor serialises the facts to compare digests, and decodes a file's facts only when
something reads them (``DecodedFacts``). The fact digests of all entries are written once per
distinct set (a run records the same few sets for thousands of files).

JSON rather than pickle: a cache directory can arrive inside a downloaded repository, and
isolint never executes anything that comes with the workspace.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any

from isolint import __version__
from isolint.core.config import Settings
from isolint.core.model import Finding, Zone
from isolint.core.test_tiers import may_be_marked_integration
from isolint.core.zones import has_unit_tier, unit_tier_split
from isolint.engine.selection import TokenScan, rules_for
from isolint.core.source import SourceFile

log = logging.getLogger(__name__)

CACHE_DIR_NAME = ".isolint_cache"
_FORMAT = 3


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


#: a file changed this recently may change again within the file system's timestamp granularity
#: without its stamp changing (git's "racily clean" entries): it is hashed on the next run too
RACY_NANOSECONDS = 2_000_000_000


def stat_stamp(info: os.stat_result) -> list[int] | None:
    """What the cache trusts instead of hashing a file: (mtime_ns, ctime_ns, size, inode) — like
    git's index and ruff's cache. An edit that keeps the size and restores the mtime
    (``os.utime``) still changes the ctime, which no user process can set; a file replaced by a
    rename changes the inode. None for a file modified in the last two seconds (racy)."""
    newest = max(info.st_mtime_ns, info.st_ctime_ns)
    if time.time_ns() - newest < RACY_NANOSECONDS:
        return None
    return [info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino]


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


def fact_text(value: Any) -> str:
    """One kind of one file's facts as the cache keeps them: their JSON, keys in the order the
    indexer wrote them (the order a decoded copy keeps: rules read it as extracted)."""
    return json.dumps(value, separators=(",", ":"))


def fact_texts(facts: Mapping[str, Any]) -> dict[str, str]:
    """``fact_text`` of each kind of one file's facts (kept as they are when they were read
    from an entry and never decoded)."""
    if isinstance(facts, DecodedFacts):
        return facts.texts
    return {kind: fact_text(value) for kind, value in facts.items() if value is not None}


def merged_facts_digest(texts_by_path: Iterable[tuple[str, str]]) -> str:
    """Digest of one fact kind's merged view, from each file's ``fact_text`` of that kind: a
    function of the facts every file holds (paths in order), so unchanged facts keep it."""
    digest = hashlib.blake2b(digest_size=12)
    for rel_path, text in sorted(texts_by_path):
        digest.update(f"{rel_path}\0{text}\0".encode())
    return digest.hexdigest()


class DecodedFacts(Mapping[str, Any]):
    """One file's facts by kind as a cache entry holds them (``fact_text`` per kind), each kind
    decoded when first read: a warm run hands most entries' facts on without reading them."""

    __slots__ = ("texts", "_decoded")

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self._decoded: dict[str, Any] = {}

    def __getitem__(self, kind: str) -> Any:
        value = self._decoded.get(kind, _MISSING)
        if value is _MISSING:
            value = self._decoded[kind] = json.loads(self.texts[kind])
        return value

    def __iter__(self):
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    def __getstate__(self) -> dict[str, str]:  # sent to the CLI's workers as text
        return self.texts

    def __setstate__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self._decoded = {}


_MISSING = object()


def zone_probe(root: Path, rel_path: str) -> list[Any] | None:
    """What on disk the zone ``classify`` gives ``rel_path`` depends on besides the path and the
    settings (``zones.unit_tier_split``), as the cache keeps it: [test folder, held a unit tier]."""
    split = unit_tier_split(rel_path)
    return None if split is None else [split[0], has_unit_tier(root, split[0])]


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


#: a zone by its value without ``Zone(value)``'s lookup machinery (a warm run asks per file)
_ZONES = {zone.value: zone for zone in Zone}


@dataclass
class CacheEntry:
    digest: str
    findings: list[dict[str, Any]]
    #: the file's facts: kind → ``fact_text``
    fact_texts: dict[str, str] = field(default_factory=dict)
    #: fact kind → digest of that kind's merged facts when the file was checked
    fact_digests: dict[str, str] = field(default_factory=dict)
    zone: str | None = None
    parse_error: dict[str, Any] | None = None
    #: the file's ``stat_stamp`` when its bytes had ``digest`` (None: not trusted, hash again)
    stamp: list[int] | None = None
    #: [test folder, held a unit tier] when the zone in ``digest`` depended on it (``zone_probe``)
    zone_probe: list[Any] | None = None

    def to_json(self) -> list[Any]:
        return [self.digest, self.findings, self.fact_texts, self.fact_digests, self.zone, self.parse_error, self.stamp,
                self.zone_probe]

    @classmethod
    def from_json(cls, data: list[Any]) -> "CacheEntry":
        entry = cls(*data)
        if not isinstance(entry.fact_texts, dict) or not all(isinstance(t, str) for t in entry.fact_texts.values()):
            raise ValueError("not an entry's facts")
        return entry

    @property
    def facts(self) -> DecodedFacts:
        """The file's facts by kind, decoded as they are read."""
        decoded = self.__dict__.get("_facts")
        if decoded is None:
            decoded = self.__dict__["_facts"] = DecodedFacts(self.fact_texts)
        return decoded

    def decoded_findings(self) -> list[Finding]:
        return [Finding.from_json(f) for f in self.findings]

    def decoded_zone(self) -> Zone | None:
        return _ZONES.get(self.zone) if self.zone else None


class ResultCache:
    """Entries of one project root under one settings fingerprint.

    The cache lives in ``<root>/.isolint_cache`` only when that is a real folder isolint
    created (``cache_folder``); otherwise ``refusal`` says why and the run goes on without it.
    """

    def __init__(self, settings: Settings, fact_kinds: Iterable[str] = (), layout: str = "") -> None:
        self.root = settings.root
        self.directory = settings.root / CACHE_DIR_NAME
        # entries hold facts: a run that extracts fewer kinds (``check --select``) keeps its own;
        # ``layout`` (the services, shared folders and source roots) decides where imports land,
        # and a Dockerfile's edit can change it without changing any checked file
        kinds = hashlib.blake2b(("+".join(sorted(fact_kinds)) + "|" + layout).encode(), digest_size=4).hexdigest()
        self.name = f"{settings.fingerprint()}-{build_fingerprint()}-{kinds}.json"
        self.path = self.directory / self.name
        self._entries: dict[str, list[Any]] = {}
        self._unit_tiers: dict[str, bool] = {}  # test folder → holds a unit tier (asked once a run)
        self._dirty = False
        self._written: set[str] = set()
        self._forgotten: set[str] = set()
        self.refusal: str | None = None
        self._load()

    def _load(self) -> None:
        try:
            with CacheFolder.open(self.root, create=False) as folder:
                if folder is not None:
                    self._entries = _entries_of(folder.read(self.name))
        except CacheRefused as exc:
            self.refusal = str(exc)
        except OSError:
            pass

    def get(self, rel_path: str, digest: str) -> CacheEntry | None:
        raw = self._entries.get(rel_path)
        if not isinstance(raw, list) or not raw or raw[0] != digest:
            return None
        try:
            return CacheEntry.from_json(raw)
        except (TypeError, ValueError):
            return None

    def digest_by_stamp(self, rel_path: str, stamp: list[int] | None) -> str | None:
        """The digest recorded for a file whose stat stamp is unchanged: its bytes need no
        hashing (see ``stat_stamp`` for what is trusted)."""
        raw = self._entries.get(rel_path)
        if stamp is None or not isinstance(raw, list) or len(raw) < 7 or raw[6] != stamp:
            return None
        return raw[0] if isinstance(raw[0], str) else None

    def unchanged(self, rel_path: str, stamp: list[int] | None) -> tuple[CacheEntry, Zone | None] | None:
        """The entry of a file whose stat stamp is the one it recorded (its bytes need no
        reading or hashing, see ``stat_stamp``), with the zone it was checked in when that zone
        still holds (``_kept_zone``; None: classify the path again and compare). One lookup per
        file: a warm run asks this of every file."""
        raw = self._entries.get(rel_path)
        if stamp is None or not isinstance(raw, list) or len(raw) != 8 or raw[6] != stamp:
            return None
        digest = raw[0]
        if not isinstance(digest, str) or not digest.partition("@")[0]:
            return None
        try:
            entry = CacheEntry.from_json(raw)
        except (TypeError, ValueError):
            return None
        return entry, self._kept_zone(raw, digest)

    def _kept_zone(self, raw: list[Any], digest: str) -> Zone | None:
        """The zone ``classify`` gave the file when its entry (``raw``, whose ``digest`` is
        content@zone) was made, when what that zone depends on still holds — the settings are
        part of the cache's key, the path of the entry's, and the entry's zone probe is checked
        once per test folder per run — so a warm run classifies nothing. None: classify again."""
        zone = digest.partition("@")[2]
        if not zone:
            return None
        probe = raw[7]
        if probe is not None:
            if not (isinstance(probe, list) and len(probe) == 2 and isinstance(probe[0], str)):
                return None
            held = self._unit_tiers.get(probe[0])
            if held is None:
                held = self._unit_tiers[probe[0]] = has_unit_tier(self.root, probe[0])
            if held != probe[1]:
                return None
        return _ZONES.get(zone)

    def restamp(self, rel_path: str, stamp: list[int] | None, probe: list[Any] | None) -> None:
        """Record the stamp of a file found unchanged by its digest, so the next run trusts it,
        and the zone probe taken before the zone in that digest was computed again."""
        raw = self._entries.get(rel_path)
        if stamp is not None and isinstance(raw, list) and len(raw) >= 8 and raw[6:8] != [stamp, probe]:
            self._entries[rel_path] = [*raw[:6], stamp, probe]
            self._written.add(rel_path)
            self._dirty = True

    def put(self, rel_path: str, entry: CacheEntry) -> None:
        self._entries[rel_path] = entry.to_json()
        self._written.add(rel_path)
        self._forgotten.discard(rel_path)
        self._dirty = True

    def retain(self, rel_paths: set[str]) -> None:
        """Forget files that no longer exist (only call after a run over the whole root)."""
        stale = [rel for rel in self._entries if rel not in rel_paths]
        for rel in stale:
            del self._entries[rel]
        self._forgotten.update(stale)
        self._dirty = self._dirty or bool(stale)

    def save(self) -> None:
        """Atomic write into isolint's own folder; a read-only or vanished root just means no
        cache next time, a folder isolint does not own is never written to."""
        if not self._dirty or self.refusal is not None:
            return
        try:
            with CacheFolder.open(self.root, create=True) as folder:
                assert folder is not None
                self._merge_concurrent(_entries_of(folder.read(self.name)))
                blob = json.dumps(_file_of(self._entries), separators=(",", ":")).encode()
                folder.write_atomically(self.name, blob)
                folder.prune(keep=8)
        except CacheRefused as exc:
            self.refusal = str(exc)
        except OSError as exc:
            log.debug("cannot write the cache at %s: %s", self.directory, exc)
        self._dirty = False


    def _merge_concurrent(self, on_disk: dict[str, list[Any]]) -> None:
        """Keep what another process (the CLI, pre-commit, an editor) wrote since this cache
        was read, except the entries this run wrote or forgot: every entry validates itself
        (bytes and fact digests), so a merged one can be out of date but never wrong."""
        for rel, raw in on_disk.items():
            if rel not in self._written and rel not in self._forgotten:
                self._entries[rel] = raw


def _entries_of(blob: bytes | None) -> dict[str, list[Any]]:
    """A cache file's entries, each with its fact digests (written as the index of their set
    in ``fact_digests``) in place."""
    try:
        data = json.loads(blob) if blob else None
    except ValueError:
        return {}
    if not (isinstance(data, dict) and data.get("format") == _FORMAT and isinstance(data.get("entries"), dict)
            and isinstance(data.get("fact_digests"), list)):
        return {}
    entries, digest_sets = data["entries"], data["fact_digests"]
    for rel, raw in list(entries.items()):
        index = raw[3] if isinstance(raw, list) and len(raw) > 3 else None
        if type(index) is int and 0 <= index < len(digest_sets) and isinstance(digest_sets[index], dict):
            raw[3] = digest_sets[index]
        else:
            del entries[rel]
    return entries


def _file_of(entries: dict[str, list[Any]]) -> dict[str, Any]:
    """What ``_entries_of`` reads back: each entry's fact digests replaced by the index of
    their set, each distinct set written once."""
    digest_sets: list[dict[str, str]] = []
    index_of: dict[Any, int] = {}
    written: dict[str, list[Any]] = {}
    for rel, raw in entries.items():
        key = tuple(raw[3].items())
        index = index_of.get(key)
        if index is None:
            index = index_of[key] = len(digest_sets)
            digest_sets.append(raw[3])
        written[rel] = [*raw[:3], index, *raw[4:]]
    return {"format": _FORMAT, "fact_digests": digest_sets, "entries": written}


class CacheRefused(Exception):
    """``.isolint_cache`` exists but is not a folder isolint created (a symlink, a file, a folder
    of someone else's): isolint neither reads, writes nor deletes anything through it."""


_TAG_NAME = "CACHEDIR.TAG"
_TAG_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
_TAG_TEXT = _TAG_SIGNATURE + b"\n# isolint's result cache\n"
_GITIGNORE_TEXT = b"# Automatically created by isolint.\n*\n"
_GENERATION_RE = re.compile(r"[0-9a-f]+(?:-[0-9a-f]+)*\.json")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class CacheFolder:
    """An open handle on ``<root>/.isolint_cache`` once it is known to be isolint's own.

    Every operation goes through a descriptor of the folder opened without following a
    symlink, and names inside it are opened with ``O_NOFOLLOW``: swapping the folder or a file
    for a symlink between the check and the write cannot redirect a write or a delete outside.
    The folder is isolint's when it holds isolint's ``CACHEDIR.TAG`` (written when it was
    created), or when it is an empty folder of this user (a creation cut short).
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    @classmethod
    def open(cls, root: Path, create: bool) -> "_FolderContext":
        return _FolderContext(Path(root) / CACHE_DIR_NAME, create)

    def read(self, name: str, limit: int = -1) -> bytes | None:
        """A regular file's bytes (None for anything else: a FIFO is not waited on)."""
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=self.fd)
        except OSError:  # missing, a symlink (ELOOP), unreadable
            return None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return handle.read(limit)

    def write_atomically(self, name: str, blob: bytes) -> None:
        """Write to a fresh temporary name, then rename: readers see the old or the new file."""
        temp = f".tmp-{os.getpid()}-{secrets.token_hex(6)}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=self.fd)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(temp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except BaseException:
            _unlink_quietly(temp, self.fd)
            raise

    def prune(self, keep: int) -> None:
        """Keep the most recent few cache files (one per settings/build), drop the rest."""
        generations = []
        with os.scandir(self.fd) as scan:
            for entry in scan:
                if _GENERATION_RE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    generations.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.name))
        for _, name in sorted(generations, reverse=True)[keep:]:
            _unlink_quietly(name, self.fd)

    def remove_contents(self) -> tuple[int, list[str]]:
        """Delete everything inside (``isolint clean``): (entries removed, names that resisted)."""
        import shutil

        removed, failed = 0, []
        for name in sorted(os.listdir(self.fd)):
            try:
                if stat.S_ISDIR(os.stat(name, dir_fd=self.fd, follow_symlinks=False).st_mode):
                    shutil.rmtree(name, dir_fd=self.fd)
                else:
                    os.unlink(name, dir_fd=self.fd)
                removed += 1
            except OSError:
                failed.append(name)
        return removed, failed


class _FolderContext:
    """``with CacheFolder.open(root, create) as folder``: None when there is no folder and
    ``create`` is false; raises CacheRefused for a folder that is not isolint's."""

    def __init__(self, path: Path, create: bool) -> None:
        self.path = path
        self.create = create
        self.folder: CacheFolder | None = None

    def __enter__(self) -> CacheFolder | None:
        created = False
        if self.create:
            try:
                os.mkdir(self.path, 0o755)  # never follows a symlink: an existing name fails
                created = True
            except FileExistsError:
                pass
        try:
            fd = os.open(self.path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheRefused(_refusal(self.path, exc)) from None
        self.folder = CacheFolder(self.path, fd)
        try:
            _claim(self.folder, created)
        except BaseException:
            os.close(fd)
            self.folder = None
            raise
        return self.folder

    def __exit__(self, *exc_info: object) -> None:
        if self.folder is not None:
            os.close(self.folder.fd)


def _claim(folder: CacheFolder, created: bool) -> None:
    """Make sure the open folder is isolint's (writing the tag into a folder it just made)."""
    if _is_tagged(folder):
        return
    empty = not os.listdir(folder.fd)
    if empty and (created or os.fstat(folder.fd).st_uid == os.geteuid()):
        for name, text in ((_TAG_NAME, _TAG_TEXT), (".gitignore", _GITIGNORE_TEXT)):
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=folder.fd)
            except FileExistsError:  # another isolint process is claiming it at the same moment
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(text)
        if _is_tagged(folder):
            return
    raise CacheRefused(f"{folder.path} was not created by isolint (it has no isolint CACHEDIR.TAG); "
                       "isolint leaves it alone and runs without a cache")


def _is_tagged(folder: CacheFolder) -> bool:
    tag = folder.read(_TAG_NAME, 512)
    return tag is not None and tag.startswith(_TAG_SIGNATURE) and b"isolint" in tag


def _refusal(path: Path, error: OSError) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISLNK(mode):
        return f"{path} is a symbolic link; isolint does not read or write a cache through it and runs without one"
    if mode and not stat.S_ISDIR(mode):
        return f"{path} is not a folder; isolint runs without a cache"
    return f"cannot open {path} ({error.strerror}); isolint runs without a cache"


def _unlink_quietly(name: str, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


@dataclass
class CleanOutcome:
    """What ``isolint clean`` did to one project's cache folder."""

    path: Path
    removed: int = 0  # entries deleted inside the folder
    folder_removed: bool = False
    failed: list[str] = field(default_factory=list)
    refusal: str | None = None


def clear_cache(root: Path) -> CleanOutcome:
    """Delete ``<root>/.isolint_cache`` when it is isolint's own folder (``isolint clean``)."""
    outcome = CleanOutcome(Path(root) / CACHE_DIR_NAME)
    try:
        with CacheFolder.open(root, create=False) as folder:
            if folder is None:
                return outcome
            outcome.removed, outcome.failed = folder.remove_contents()
    except CacheRefused as exc:
        outcome.refusal = str(exc)
        return outcome
    try:
        os.rmdir(outcome.path)  # a folder, never a symlink's target: rmdir does not follow
        outcome.folder_removed = True
    except OSError:
        pass
    return outcome
