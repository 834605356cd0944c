"""The WebSocket message catalogue: per-file facts in, per-side view and mismatches out.

Each indexer (Python, TypeScript) stores one small JSON-able record per file under its fact kind:

    {"side": "backend" | "frontend" | "shared",
     "ws": bool,                                   # the file shows WebSocket traffic itself
     "entries": [Entry, ...],
     "enums": {"MessageType": {"THREAD_UPDATE": "thread_update", ...}},
     "models": {"ThreadUpdated": {"name": "thread_updated", "fields": [...]}},
     "aliases": [["agent_completed", "agentCompleted"], ...],   # mapping tables
     "wrappers": [["clear", "emit", false], ...]}  # functions that send their first argument:
                                                   # [name, callee it forwards to, strong send?]

An Entry is ``{"role": "send"|"handle"|"declare", "name": str|None, "ref": "Enum.MEMBER"|None,
"model": "ClassName"|None, "range": [l, c, l, c], "literal": bool, "strong": bool,
"fields": [..]|None, "reads": [[field, range], ...], "enum": "Enum"|None, "container": name|None,
"wrapper": name|None, "message_model": ClassName|None, "via": str}`` (``message_model``: the
class a model's discriminator declaration belongs to).
``strong`` entries come from files that show WebSocket traffic (or containers named after it);
weak ones only count as knowledge, so they can silence a finding but never anchor one. A weak
entry with a ``wrapper`` is a send through a function another file may define: it becomes strong
when that wrapper, followed through the wrappers it forwards to on the same side, reaches a
strong socket send (``clear`` → ``emit`` → ``emit_fn`` → ``sio.emit`` in WebSocket code).

The merged view and the list of mismatches are computed once per ProjectIndex generation and
shared by every rule and by the ``report`` metric, so one type edit in a ``.py`` file changes
the diagnostics of an open ``.ts`` file on the next analysis of it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterable

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Language, Range, Zone
from isolint.core.zones import matches_any
from isolint.rules.contract.channels import (
    ROUTE_PREFIX,
    claimed_routes,
    file_channels,
    folder_of,
    live_channels,
    module_names,
    one_way,
    paired_files,
    resolve_module,
    routes_match,
    shares_a_channel,
    STREAM_PREFIX,
)
from isolint.rules.contract.naming import (
    CONSTRUCTED_MODEL_RE,
    ENVELOPE_FIELDS,
    ROLE_KEYS,
    closest_peer_name,
    is_state_name,
    is_transport_event,
)

PYTHON_FACTS = "ws_messages_python"
TYPESCRIPT_FACTS = "ws_messages_typescript"
FACT_KINDS = (PYTHON_FACTS, TYPESCRIPT_FACTS)

BACKEND, FRONTEND, SHARED = "backend", "frontend", "shared"
CONTRACT_KEYS = (BACKEND, FRONTEND, SHARED)

SEND, HANDLE, DECLARE = "send", "handle", "declare"


# -- configuration -------------------------------------------------------------------------------

def contract_globs(settings, key: str) -> list[str]:
    value = (settings.message_contract or {}).get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def side_of(rel_path: str, language: Language, settings) -> str | None:
    """Which side of the contract a file is on: configured globs first, else Python is the
    backend and TypeScript the frontend (the audit's layout)."""
    if matches_any(rel_path, contract_globs(settings, SHARED)):
        return SHARED
    for side in (BACKEND, FRONTEND):
        if matches_any(rel_path, contract_globs(settings, side)):
            return side
    default = BACKEND if language is Language.PYTHON else FRONTEND if language is Language.TYPESCRIPT else None
    if default is not None and contract_globs(settings, default):
        return None  # that side is configured and this file is not part of it
    return default


def configured_side(source) -> bool:
    """A contract glob names the file: the user said which channel it is on."""
    return any(matches_any(source.rel_path, contract_globs(source.settings, key)) for key in CONTRACT_KEYS)


def indexes_file(source) -> bool:
    """Production code only (tests fake both sides), unless a contract glob names the file."""
    if source.zone is Zone.PRODUCTION:
        return True
    return any(matches_any(source.rel_path, contract_globs(source.settings, key)) for key in CONTRACT_KEYS)


# -- merged view ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Located:
    path: str
    entry: dict[str, Any]
    name: str
    fields: tuple[str, ...] | None
    #: the entry's index in its file's record (lets ``_moved`` follow an edit that moved lines)
    index: int = field(default=-1, compare=False)

    @property
    def role(self) -> str:
        return self.entry["role"]

    @property
    def strong(self) -> bool:
        return self.entry.get("strong", False)

    @property
    def range(self) -> Range:
        return Range.from_json(self.entry["range"])


@dataclass
class Side:
    name: str
    by_name: dict[str, list[Located]] = field(default_factory=dict)

    def add(self, item: Located) -> None:
        self.by_name.setdefault(item.name, []).append(item)

    @property
    def names(self) -> set[str]:
        return set(self.by_name)

    def has_strong(self) -> bool:
        return any(item.strong for items in self.by_name.values() for item in items)

    def roles(self, name: str) -> set[str]:
        return {item.role for item in self.by_name.get(name, ())}

    def anchors(self, name: str, role: str | None = None) -> list[Located]:
        """Where a finding about ``name`` belongs: its declarations (an enum member, a union
        member) when the side has any, else the sites of ``role`` (or every site)."""
        items = [item for item in self.by_name.get(name, ()) if item.strong and not item.entry.get("transport")]
        declared = [item for item in items if item.role == DECLARE]
        if declared:
            return declared
        return [item for item in items if role is None or item.role == role] or items


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between a side and its peer (the other side or the shared contract)."""

    kind: str  # "unknown" | "unsent" | "near-miss" | "payload" | "mirror"
    side: str
    peer: str
    name: str
    anchors: tuple[Located, ...]
    role: str = ""  # for "unknown": send or declare
    peer_name: str = ""  # for "near-miss"; for "mirror": the peer's enum
    reason: str = ""  # for "mirror": this side's enum
    field: str = ""  # for "payload"
    sent_fields: tuple[str, ...] = ()
    read_range: Range | None = None
    peer_path: str = ""  # the shared contract file, when the peer is one; for "mirror": the peer enum's file


@dataclass
class Catalogue:
    sides: dict[str, Side]
    aliases: dict[str, set[str]]
    shared_paths: tuple[str, ...]
    mismatches: list[Mismatch] = field(default_factory=list)
    #: files on a channel both sides use (``channels.paired_files``), and the message enums
    #: (side, name) that such files send or handle: only there can a finding be anchored
    paired: frozenset[str] = frozenset()
    paired_enums: frozenset[tuple[str, str]] = frozenset()
    #: likewise the message models (side, class name) such files construct and send
    paired_models: frozenset[tuple[str, str]] = frozenset()
    #: the enums and message models (side, name) some strong send or handle refers to
    used: frozenset[tuple[str, str]] = frozenset()
    #: each file's channels (``channels.file_channels``) and the WebSocket routes a spelled-out
    #: frontend URL reaches: a peer's mention counts only on a channel of the mentioning file
    channels: dict[str, frozenset[str]] = field(default_factory=dict)
    claimed: frozenset[str] = frozenset()
    #: the channels of either side that pair with one of the other side's (a file on none of
    #: them is knowledge of unknown place)
    live: frozenset[str] = frozenset()
    #: message kinds declared only by models nothing constructs (``_unproduced``): (key, kind) ->
    #: the models; key None holds every kind whatever its discriminator
    unproduced: dict[tuple[str | None, str], tuple[str, ...]] = field(default_factory=dict)
    #: files on a WebSocket channel between two Python services of the repository: a route one
    #: serves and a client another connects to its path with (``_service_pairs``)
    service_pairs: frozenset[str] = frozenset()

    def reportable(self, item: Located) -> bool:
        if item.path in self.paired:
            return True
        enum, model = item.entry.get("enum"), item.entry.get("message_model")
        return (enum is not None and (self._side_of(item), enum) in self.paired_enums) \
            or (model is not None and (self._side_of(item), model) in self.paired_models)

    def _side_of(self, item: Located) -> str:
        return next((name for name, side in self.sides.items() if item in side.by_name.get(item.name, ())), "")

    def peer_of(self, side: str) -> str | None:
        if side == SHARED:
            return None
        if self.shared_paths:
            return SHARED
        return FRONTEND if side == BACKEND else BACKEND

    def mismatches_in(self, path: str) -> list[Mismatch]:
        return [m for m in self.mismatches if any(a.path == path for a in m.anchors)]


_cache: "weakref.WeakKeyDictionary[Any, tuple[Any, Catalogue, dict[str, dict[str, Any]]]]" = \
    weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def catalogue_of(project) -> Catalogue:
    """The merged catalogue of ``project`` (a ProjectIndex), rebuilt only when its message facts
    changed — and not even then when the change only moved lines of some files (``_moved``):
    in the language server, every keystroke that adds or removes a line above a send does that."""
    generation = getattr(project, "generation", None)
    with _cache_lock:
        cached = _cache.get(project)
    if cached is not None and cached[0] == generation:
        return cached[1]
    facts = {kind: project.facts(kind) for kind in FACT_KINDS}
    catalogue = _moved(cached[1], cached[2], facts) if cached is not None else None
    if catalogue is None:
        catalogue = build_catalogue(facts)
    with _cache_lock:
        _cache[project] = (generation, catalogue, facts)
    return catalogue


def _position_free(record: dict[str, Any]) -> dict[str, Any]:
    entries = [{key: ([read[0] for read in value] if key == "reads" else value)
                for key, value in entry.items() if key != "range"} for entry in record.get("entries", ())]
    return {**record, "entries": entries}


def _moved(old: Catalogue, old_facts: dict[str, dict[str, Any]],
           new_facts: dict[str, dict[str, Any]]) -> Catalogue | None:
    """``build_catalogue(new_facts)`` from the catalogue of ``old_facts``, when every file whose
    record changed (the ProjectIndex keeps the object of an unchanged one) changed only in
    positions: same entries in the same order, other ranges. Everything but positions is then
    decided as before, so the anchors of that file are moved and nothing is recomputed. None
    when the change is more than that."""
    changed: dict[str, tuple[dict, dict]] = {}
    for kind in FACT_KINDS:
        before, after = old_facts.get(kind, {}), new_facts.get(kind, {})
        if before.keys() != after.keys():
            return None
        for path, record in after.items():
            if before[path] is not record:
                if path in changed or _position_free(before[path]) != _position_free(record):
                    return None
                changed[path] = (before[path], record)
    if not changed:
        return old
    replaced: dict[int, Located] = {}
    sides: dict[str, Side] = {}
    for side_name, side in old.sides.items():
        by_name = dict(side.by_name)
        for name, items in side.by_name.items():
            if any(item.path in changed for item in items):
                by_name[name] = [_moved_item(item, changed, replaced) for item in items]
        sides[side_name] = Side(side.name, by_name)
    mismatches = []
    for mismatch in old.mismatches:
        anchors = tuple(replaced.get(id(anchor), anchor) for anchor in mismatch.anchors)
        read_range = mismatch.read_range
        if read_range is not None and anchors != mismatch.anchors:
            read_range = next(Range.from_json(where) for field_name, where in anchors[0].entry.get("reads", ())
                              if field_name == mismatch.field)
        mismatches.append(dataclasses.replace(mismatch, anchors=anchors, read_range=read_range))
    return Catalogue(sides, old.aliases, old.shared_paths, mismatches, old.paired, old.paired_enums, old.paired_models,
                     old.used, old.channels, old.claimed, old.live, old.unproduced, old.service_pairs)


def _moved_item(item: Located, changed: dict[str, tuple[dict, dict]], replaced: dict[int, Located]) -> Located:
    if item.path not in changed:
        return item
    before, after = changed[item.path]
    old_entry, new_entry = before["entries"][item.index], after["entries"][item.index]
    if item.entry is not old_entry:  # a copy the merge promoted: the same promotion, moved
        new_entry = {**item.entry, **{key: new_entry[key] for key in ("range", "reads") if key in new_entry}}
    moved = dataclasses.replace(item, entry=new_entry)
    replaced[id(item)] = moved
    return moved


def _declarations(files: list[tuple[str, dict[str, Any]]]):
    """Per side: the message enums and models the files declare, and the wrappers; the aliases
    between names either side declares."""
    enums: dict[str, dict[str, dict[str, str]]] = {}
    models: dict[str, dict[str, dict[str, Any]]] = {}
    aliases: dict[str, set[str]] = {}
    wrappers: dict[str, list[tuple[str, str, bool]]] = {}
    for _, record in files:
        side = record["side"]
        wrappers.setdefault(side, []).extend(record.get("wrappers", ()))
        for enum, members in record.get("enums", {}).items():
            enums.setdefault(side, {}).setdefault(enum, {}).update(members)
        for model, shape in record.get("models", {}).items():
            models.setdefault(side, {})[model] = shape
        for left, right in record.get("aliases", ()):
            aliases.setdefault(left, set()).add(right)
            aliases.setdefault(right, set()).add(left)
    return enums, models, aliases, wrappers


def _strongly_used(files: list[tuple[str, dict[str, Any]]], paired: frozenset[str]):
    """The enums and message models strong sends or handles refer to, per side, and those of
    them referred to from a file paired with the other side."""
    # an enum that strong sends or handles refer to is a message enum, whatever its name; it is
    # on the channel of the files that refer to it
    used_enums: dict[str, set[str]] = {}
    paired_enums: set[tuple[str, str]] = set()
    # likewise a message model that strong sends construct: its declaration is the message's,
    # and on the channel of the files that send it
    used_models: dict[str, set[str]] = {}
    paired_models: set[tuple[str, str]] = set()
    for path, record in files:
        for entry in record.get("entries", ()):
            if entry.get("strong") and entry.get("ref") and entry["role"] != DECLARE \
                    and not is_state_name(entry["ref"].split(".")[0]):
                enum = entry["ref"].split(".")[0]
                used_enums.setdefault(record["side"], set()).add(enum)
                if path in paired:
                    paired_enums.add((record["side"], enum))
            if (entry.get("strong") or (entry.get("stream") and path in paired)) and entry.get("model") \
                    and entry["role"] == SEND:
                used_models.setdefault(record["side"], set()).add(entry["model"])
                if path in paired:
                    paired_models.add((record["side"], entry["model"]))
    return used_enums, paired_enums, used_models, paired_models


def build_catalogue(facts_by_kind: dict[str, dict[str, Any]]) -> Catalogue:
    files = [(path, record) for kind in FACT_KINDS for path, record in sorted(facts_by_kind.get(kind, {}).items())]
    enums, models, aliases, wrappers = _declarations(files)
    records = dict(files)
    channels = file_channels(records)
    files, published_fields = _through_publishers(files, channels, live_channels(records, channels, BACKEND, FRONTEND))
    records = dict(files)
    paired = frozenset(paired_files(records, channels, BACKEND, FRONTEND))
    used_enums, paired_enums, used_models, paired_models = _strongly_used(files, paired)
    # a family of backend classes tagged with the members of an enum the frontend mirrors is a
    # channel's messages: its tagged members are sent, whatever carries them
    tagged = _mirrored_kind_tags(files, enums)
    paired_enums.update((BACKEND, enum) for enum in tagged)

    strong_wrappers = {side: _strong_wrappers(definitions) for side, definitions in wrappers.items()}
    resolved_entries = []
    used_names: dict[str, set[str]] = {}
    containers: dict[tuple[str, str, str], list[str]] = {}
    shared_paths = []
    for path, record in files:
        side_name = record["side"]
        if side_name == SHARED:
            shared_paths.append(path)
        for index, entry in enumerate(record.get("entries", ())):
            if entry.get("field") and entry["field"] not in published_fields:
                continue  # a field no publisher fills: a comparison, not a message read back
            if entry.get("wrapper") in strong_wrappers.get(side_name, ()):
                entry = {**entry, "strong": True}
            resolved = _resolve(entry, enums.get(side_name, {}), models.get(side_name, {}))
            if resolved is None:
                continue
            if is_transport_event(resolved[0]) and not _names_a_model(entry):
                # the transport's own event name: knowledge that a peer's message model of
                # that name is handled, never a finding of its own
                entry = {**entry, "transport": True}
            resolved_entries.append((side_name, path, index, entry, *resolved))
            if entry.get("strong") and entry["role"] != DECLARE:
                used_names.setdefault(side_name, set()).add(resolved[0])
            if entry.get("container"):
                containers.setdefault((side_name, path, entry["container"]), []).append(resolved[0])
    # a container named like message types (``MessageType``, ``EventKind``) but not after the
    # socket itself counts once its own side really sends or handles a third of its members:
    # ``enum MessageType { USER = 'user', ASSISTANT = 'assistant' }`` holds chat roles
    promoted = {key for key, members in containers.items()
                if 3 * sum(1 for m in members if m in used_names.get(key[0], ())) >= len(members)}

    sides: dict[str, Side] = {}
    for side_name, path, index, entry, name, fields in resolved_entries:
        side = sides.setdefault(side_name, Side(side_name))
        if not entry.get("strong") and (
            (entry.get("stream") and path in paired)
            or (entry.get("enum") and entry["enum"] in used_enums.get(side_name, ()))
            or (entry.get("message_model") and entry["message_model"] in used_models.get(side_name, ()))
            or (entry.get("container") and (side_name, path, entry["container"]) in promoted)
            or (side_name == BACKEND and entry["role"] == DECLARE and name in tagged.get(entry.get("enum") or "", ()))
        ):
            entry = {**entry, "strong": True}
        side.add(Located(path, entry, name, fields, index))
    used = frozenset((side_name, name) for by_side in (used_enums, used_models)
                     for side_name, names in by_side.items() for name in names) | _referenced(files)
    catalogue = Catalogue(sides, aliases, tuple(shared_paths), paired=paired, paired_enums=frozenset(paired_enums),
                          paired_models=frozenset(paired_models), used=used, channels=channels,
                          claimed=claimed_routes(records, channels, BACKEND, FRONTEND),
                          live=frozenset().union(*live_channels(records, channels, BACKEND, FRONTEND)),
                          service_pairs=_service_pairs(records, channels))
    catalogue.unproduced = _unproduced(files, enums.get(BACKEND, {}), models.get(BACKEND, {}), sides)
    found = find_mismatches(catalogue)
    reported = {(anchor.path, anchor.range) for mismatch in found for anchor in mismatch.anchors}
    catalogue.mismatches = found + [mismatch for mismatch in _mirror_drift(catalogue, files)
                                    if (mismatch.anchors[0].path, mismatch.anchors[0].range) not in reported]
    return catalogue


#: a backend and a frontend enum mirror each other when their names agree (``ExecutionStatus``,
#: ``ExecutionStatusEnum``) and they share this many values, at least half of the smaller one's
MIRROR_MIN_VALUES = 2
ENUM_SUFFIX_RE = lazy_compile(r"_?enum$", re.IGNORECASE)


def _mirror_key(enum: str) -> str:
    return ENUM_SUFFIX_RE.sub("", enum).lower()


def _mirror_drift(catalogue: "Catalogue", files: list[tuple[str, dict[str, Any]]]) -> Iterable[Mismatch]:
    """The members one side's enum holds and the other side's mirror of it lacks — a status
    the backend streams that the frontend's copy never names, an event type only the frontend
    declares. Only for a pair of which one file is on a channel both sides use
    (``catalogue.paired``): enums named alike elsewhere (a UI's ``ItemType``, a model's
    ``ColumnType``) need not mirror anything."""
    declared: dict[str, list[tuple[str, str, dict[str, str]]]] = {BACKEND: [], FRONTEND: []}
    for path, record in files:
        if record["side"] in declared:
            declared[record["side"]].extend((path, enum, members) for enum, members in record.get("enums", {}).items())
    frontend_by_key: dict[str, list[tuple[str, str, dict[str, str]]]] = {}
    for path, enum, members in declared[FRONTEND]:
        frontend_by_key.setdefault(_mirror_key(enum), []).append((path, enum, members))
    for back_path, back_enum, back_members in declared[BACKEND]:
        for front_path, front_enum, front_members in frontend_by_key.get(_mirror_key(back_enum), ()):
            if back_path not in catalogue.paired and front_path not in catalogue.paired:
                continue
            back_values, front_values = set(back_members.values()), set(front_members.values())
            shared = back_values & front_values
            if len(shared) < MIRROR_MIN_VALUES or 2 * len(shared) < min(len(back_values), len(front_values)):
                continue
            for side, path, enum, values, peer, peer_path, peer_enum in (
                    (BACKEND, back_path, back_enum, back_values, FRONTEND, front_path, front_enum),
                    (FRONTEND, front_path, front_enum, front_values, BACKEND, back_path, back_enum)):
                for value in sorted(values - shared):
                    anchors = tuple(item for item in catalogue.sides.get(side, Side(side)).by_name.get(value, ())
                                    if item.path == path and item.role == DECLARE and item.entry.get("enum") == enum)
                    if anchors:
                        yield Mismatch("mirror", side, peer, value, anchors[:1], peer_name=peer_enum,
                                       reason=enum, peer_path=peer_path)


def _service_pairs(records: dict[str, dict[str, Any]], channels: dict[str, frozenset[str]]) -> frozenset[str]:
    """The Python files on a WebSocket channel whose both ends are this repository's Python
    code: a route one file serves (``@router.websocket("/work")``) and a client that connects to
    a URL ending with it (``create_connection(f"{base}/workers/work")``, ``client_channels``)."""
    served = {path: {c for c in channels.get(path, ()) if c.startswith(ROUTE_PREFIX)}
              for path in records if path.endswith(".py")}
    clients = {path: set(record.get("client_channels", ())) for path, record in records.items()}
    paired = set()
    for client_path, wanted in clients.items():
        for server_path, routes in served.items():
            if server_path != client_path and any(routes_match(r, w) for r in routes for w in wanted):
                paired.update((client_path, server_path))
    return frozenset(paired)


def _unproduced(files: list[tuple[str, dict[str, Any]]], enums: dict[str, dict[str, str]],
                models: dict[str, dict[str, Any]], sides: dict[str, Side]) -> dict[tuple[str | None, str], tuple[str, ...]]:
    """The message kinds the backend declares only through models that no production file
    builds and no send constructs (``class TerminateRequest: request_type: Literal["terminate"]``
    and not one ``TerminateRequest(…)``), while no send anywhere names the kind: a handler of
    such a kind waits for nothing. Keyed by (discriminator, kind) — a request and a response may
    share a name — and by (None, kind) for a handler that does not say which. Only models named
    like messages (``CONSTRUCTED_MODEL_RE``) can be judged: the indexer reads those constructions."""
    constructed: set[str] = set()
    for _, record in files:
        constructed.update(record.get("constructs", ()))
    sent: dict[str, set[str | None]] = {}
    for side in sides.values():
        for name, items in side.by_name.items():
            for item in items:
                if item.role != SEND:
                    continue
                model = item.entry.get("model")
                constructed.add(model or "")
                sent.setdefault(name, set()).add(item.entry.get("key") or models.get(model or "", {}).get("key"))
    kinds: dict[tuple[str | None, str], set[str]] = {}
    tagging: dict[tuple[str, str], set[str]] = {}  # (enum, value) -> the models it tags
    for path, record in files:
        if record["side"] != BACKEND or not path.endswith(".py"):
            continue
        for model, shape in record.get("models", {}).items():
            kind = shape.get("name") or _enum_value(shape.get("ref"), enums)
            if kind:
                kinds.setdefault((shape.get("key"), kind), set()).add(model)
            if kind and shape.get("ref"):
                tagging.setdefault((shape["ref"].partition(".")[0], kind), set()).add(model)
        for model, field_name, reference in record.get("tags", ()):
            kind = _enum_value(reference, enums)
            if kind:
                kinds.setdefault((field_name if field_name in ROLE_KEYS else None, kind), set()).add(model)
                tagging.setdefault((reference.partition(".")[0], kind), set()).add(model)
    backend = sides.get(BACKEND, Side(BACKEND))
    unproduced: dict[tuple[str | None, str], tuple[str, ...]] = {}
    by_kind: dict[str, list[tuple[str | None, set[str]]]] = {}
    for (key, kind), declared in kinds.items():
        by_kind.setdefault(kind, []).append((key, declared))
    for kind, keyed in by_kind.items():
        keys_sent = sent.get(kind, set())
        if None in keys_sent:
            continue  # a send that does not say its discriminator: any of them
        idle = {key: declared for key, declared in keyed if key not in keys_sent
                and all(CONSTRUCTED_MODEL_RE.match(model) and model not in constructed for model in declared)}
        for key, declared in idle.items():
            if key is not None:  # a handler that names its discriminator (``request_type``)
                unproduced[(key, kind)] = tuple(sorted(declared))
        models_of_kind = {m for declared in idle.values() for m in declared}
        if len(idle) == len(keyed) and not keys_sent \
                and all(_declares_only(item, models_of_kind, tagging) for item in backend.by_name.get(kind, ())):
            unproduced[(None, kind)] = tuple(sorted(models_of_kind))
    return unproduced


def _declares_only(item: Located, models: set[str], tagging: dict[tuple[str, str], set[str]]) -> bool:
    """Whether a backend mention of a kind is one of ``models``' own declarations: the model's
    discriminator, or a member of an enum that serves only to tag them. Any other mention (an
    enum member used elsewhere, a ``Literal`` alias, a send through a helper the indexer cannot
    see) may send it."""
    if item.role == HANDLE:
        return True
    if item.role != DECLARE:
        return False
    if item.entry.get("message_model"):
        return item.entry["message_model"] in models
    enum = item.entry.get("enum")
    return enum is not None and bool(tagging.get((enum, item.name))) and tagging[(enum, item.name)] <= models


def _enum_value(reference: str | None, enums: dict[str, dict[str, str]]) -> str | None:
    if not reference:
        return None
    enum, _, member = reference.partition(".")
    return enums.get(enum, {}).get(member)


def _through_publishers(files: list[tuple[str, dict[str, Any]]], channels: dict[str, frozenset[str]],
                        live: tuple[frozenset[str], frozenset[str]]):
    """Sends through another module's publisher (``eventstream_publish("benefit.revoked", …)``,
    imported from the module that defines ``publish(key, …)``), and registrations on an emitter
    another module's function returns (``useUserSSE().on("invoice.paid", …)``): the file joins
    that module's channels (``channels`` is updated), and each such entry is strong when the
    module is on a live channel. A backend stream endpoint's read-back of a field
    (``event.get("key") == "webhook.created"``) counts only where a publisher fills that field:
    returns the files (copied where an entry changes, never edited: the index's facts are
    shared) and the fields publishers fill."""
    defined: dict[str, tuple[str, str]] = {}  # "pkg.events.publish" -> (path, field)
    for path, record in files:
        for function, field_name in record.get("publishers", ()):
            for module in module_names(path):
                defined.setdefault(f"{module}.{function}", (path, field_name))
    fields = frozenset(field_name for _, field_name in defined.values())
    live_any = live[0] | live[1]
    frontend_paths = [path for path, record in files if record["side"] == FRONTEND]
    reached_from: dict[str, frozenset[str]] = {}  # publisher file -> the channels its events reach
    resolved: dict[tuple[str, str], str] = {}  # (specifier, importing folder) -> module file
    own = dict(channels)  # what each file is on before any joins another's channels
    result = []
    for path, record in files:
        entries = record.get("entries", ())
        if not any(entry.get("through") for entry in entries):
            result.append((path, record))
            continue
        changed = []
        for entry in entries:
            through = entry.get("through")
            if through is None:
                changed.append(entry)
                continue
            if path.endswith(".py"):
                target = defined.get(through, ("", ""))[0]
                if target and target not in reached_from:
                    reached_from[target] = _published_to(target, files, own)
                reached = reached_from.get(target, frozenset())
            else:
                key = (through, folder_of(path))
                if key not in resolved:
                    resolved[key] = resolve_module(through, path, frontend_paths) or ""
                target = resolved[key]
                reached = own.get(target, frozenset())
            if target:
                channels[path] = channels.get(path, frozenset()) | reached
                if reached & live_any:
                    entry = {**entry, "strong": True}
            changed.append(entry)
        result.append((path, {**record, "entries": changed}))
    return result, fields


def _published_to(publisher: str, files: list[tuple[str, dict[str, Any]]],
                  channels: dict[str, frozenset[str]]) -> frozenset[str]:
    """The channels a publisher's events reach: its file's, and the streaming endpoints of every
    file that imports from the publisher's package (each endpoint that subscribes to what it
    publishes: ``subscribe(redis, channels, request)`` from ``eventstream.endpoints``)."""
    packages = {name.rpartition(".")[0] for name in module_names(publisher) if "." in name}
    inside = tuple(package + "." for package in packages)
    reached = set(channels.get(publisher, frozenset()))
    for _, record in files:
        own = record.get("channels")
        if own and any(module in packages or module.startswith(inside) for module in record.get("imports", ())):
            reached.update(channel for channel in own if channel.startswith(STREAM_PREFIX))
    return frozenset(reached)


#: the least a frontend enum must share with a backend enum of the same name to mirror it
MIRROR_MIN_SHARED = 3


def _mirrored_kind_tags(files: list[tuple[str, dict[str, Any]]],
                        enums: dict[str, dict[str, dict[str, str]]]) -> dict[str, set[str]]:
    """The backend enums whose members tag a family of classes (two classes or more, each with
    its own member on one field: ``observation: str = ObservationType.RUN``), on a field the
    frontend's receivers switch on (``switch (message.observation)``), and that the frontend
    mirrors (an enum of the same name, not a state, sharing at least three values and half of
    its own): the hand-copied discriminator of the messages the backend serializes from those
    classes. Maps each such enum to the values its classes are tagged with."""
    frontend = enums.get(FRONTEND, {})
    backend = enums.get(BACKEND, {})
    switched = {key for _, record in files if record["side"] == FRONTEND for key in record.get("switched", ())}
    families: dict[tuple[str, str], dict[str, str]] = {}  # (enum, field) -> class -> member
    for _, record in files:
        if record["side"] != BACKEND:
            continue
        for class_name, field_name, reference in record.get("tags", ()):
            enum, _, member = reference.partition(".")
            families.setdefault((enum, field_name), {})[class_name] = member
    tagged: dict[str, set[str]] = {}
    for (enum, field_name), members_of in families.items():
        if field_name not in switched:
            continue
        values = backend.get(enum, {})
        mirror = set(frontend.get(enum, {}).values())
        shared = mirror & set(values.values())
        if len(set(members_of.values())) < 2 or is_state_name(enum) or len(shared) < MIRROR_MIN_SHARED \
                or 2 * len(shared) < len(mirror):
            continue
        tagged.setdefault(enum, set()).update(values[m] for m in members_of.values() if m in values)
    return tagged


def _relayed_by_itself(items: list[Located], unknown_paths: set[str]) -> bool:
    """A type this side only handles (where the peer does not know it) and also publishes to its
    own message broker: traffic between its own nodes or workers (a Redis pub/sub relay), which
    no peer is meant to send."""
    return any(item.entry.get("broker") and item.role == SEND for item in items) \
        and all(item.role == HANDLE for item in items if item.strong and item.path in unknown_paths)


def _read_back_by_itself(items: list[Located]) -> bool:
    """A type this side publishes and one of its own streaming endpoints reads back from the
    published field (``event.get("key") == "webhook.created"``, to sign or filter it): a message
    for a client that endpoint serves, outside the repository (a CLI), not one the frontend forgot."""
    return any(item.entry.get("field") and item.role == HANDLE for item in items)


def _transport_only(items: list[Located]) -> bool:
    return all(item.entry.get("transport") for item in items)


def _names_a_model(entry: dict[str, Any]) -> bool:
    """A message model's own discriminator (``MessageOutError``'s ``kind = "error"``, or a send
    of that model): an application message, even when the transport has an event of that name."""
    return bool(entry.get("model") or entry.get("message_model"))


def _strong_wrappers(definitions: list) -> set[str]:
    """Wrapper names that reach a strong socket send, directly or through other wrappers."""
    strong = {name for name, _, is_strong in definitions if is_strong}
    while True:
        more = {name for name, target, _ in definitions if name not in strong and target in strong}
        if not more:
            return strong
        strong |= more


def _resolve(entry, enums, models) -> tuple[str, tuple[str, ...] | None] | None:
    fields = tuple(entry["fields"]) if entry.get("fields") is not None else None
    if entry.get("name"):
        return entry["name"], fields
    if entry.get("ref"):
        enum, _, member = entry["ref"].partition(".")
        value = enums.get(enum, {}).get(member)
        return (value, fields) if value else None
    if entry.get("model"):
        shape = models.get(entry["model"])
        name = shape.get("name") if shape else None
        if shape and not name and shape.get("ref"):
            enum, _, member = shape["ref"].partition(".")
            name = enums.get(enum, {}).get(member)
        if name:
            return name, tuple(shape["fields"]) if shape.get("fields") is not None else None
    return None


# -- mismatches ----------------------------------------------------------------------------------

def _knows(catalogue: "Catalogue", side_name: str, items: list[Located], peer: Side, name: str) -> bool:
    """Whether ``peer`` mentions ``name`` (or an alias of it) on a channel of ``items`` (this
    side's mentions of it): one contract per channel, so the copilot stream's ``error`` says
    nothing about the control socket's. A mention in a file on no live channel (none, or only
    ones the other side never uses) is knowledge of unknown place and always counts; so does
    everything against a shared contract file."""
    if peer.name == BACKEND and (None, name) in catalogue.unproduced:
        return False  # declared by models nothing builds: the backend never sends it
    mentions = [item for spelling in (name, *catalogue.aliases.get(name, ())) for item in peer.by_name.get(spelling, ())
                if not _idle_declaration(catalogue, peer.name, item)]
    if not mentions:
        return False
    if not catalogue.channels or SHARED in (side_name, peer.name):
        return True
    live = catalogue.live
    own = {catalogue.channels.get(item.path, frozenset()) & live for item in items if item.strong} or {frozenset()}
    for mention in mentions:
        theirs = catalogue.channels.get(mention.path, frozenset()) & live
        for mine in own:
            backend, frontend = (mine, theirs) if side_name == BACKEND else (theirs, mine)
            if shares_a_channel(backend, frontend, catalogue.claimed):
                return True
    return False


def _referenced(files: list[tuple[str, dict[str, Any]]]) -> frozenset[tuple[str, str]]:
    """The enums (side, name) any send or handle refers to, and the models any send constructs,
    strong or weak."""
    found = set()
    for _, record in files:
        for entry in record.get("entries", ()):
            if entry["role"] != DECLARE and entry.get("ref"):
                found.add((record["side"], entry["ref"].split(".")[0]))
            if entry["role"] == SEND and entry.get("model"):
                found.add((record["side"], entry["model"]))
    return frozenset(found)


#: an enum, alias or model named after a channel that leaves the repository (outgoing webhooks,
#: e-mail, chat integrations, analytics): its event names often repeat the stream's
OTHER_CHANNEL_RE = lazy_compile(r"webhook|e?mail|sms|slack|discord|audit|analytics|telemetry|tracking", re.IGNORECASE)


def _idle_declaration(catalogue: "Catalogue", side_name: str, item: Located) -> bool:
    """A weak backend declaration (an enum member, a ``Literal`` alias member, a model's
    discriminator) of an enum, alias or model named after another channel, in a file on no live
    channel, that no send or handler anywhere refers to: that channel's vocabulary (a webhook
    event enum spelling ``organization.updated``), no knowledge of this one's. (A frontend enum is often the hand-kept
    mirror its `switch` reads through member names: always knowledge.)"""
    if side_name != BACKEND or item.role != DECLARE or item.strong \
            or catalogue.channels.get(item.path, frozenset()) & catalogue.live:
        return False
    owners = [owner for owner in (item.entry.get("enum"), item.entry.get("message_model"), item.entry.get("alias"))
              if owner]
    return bool(owners) and all(OTHER_CHANNEL_RE.search(owner) for owner in owners) \
        and not any((side_name, owner) in catalogue.used for owner in owners)


def _one_way_wrong_direction(catalogue: "Catalogue", side_name: str, anchor: Located) -> bool:
    """A backend's dispatch or a frontend's send in a file whose channels are all HTTP streams:
    messages flow only from the backend there, so neither is a side of the contract."""
    role = anchor.role
    wrong = (side_name == BACKEND and role == HANDLE) or (side_name == FRONTEND and role == SEND)
    return wrong and one_way(catalogue.channels.get(anchor.path, frozenset()))


def find_mismatches(catalogue: Catalogue) -> list[Mismatch]:
    """Every disagreement, each anchored where a human would fix it. A side is only checked
    against a peer that shows WebSocket traffic itself: a Python-only repository, or one whose
    frontend lives elsewhere, has no contract to break."""
    found: list[Mismatch] = []
    for side_name, side in sorted(catalogue.sides.items()):
        peer_name = catalogue.peer_of(side_name)
        peer = catalogue.sides.get(peer_name) if peer_name else None
        if peer is None or not peer.has_strong():
            continue
        peer_path = catalogue.shared_paths[0] if peer_name == SHARED else ""
        peer_only = {name for name in peer.names if not _knows(catalogue, peer_name, peer.by_name[name], side, name)
                     and not _transport_only(peer.by_name[name])}
        for name in sorted(side.names):
            items = side.by_name[name]
            if not any(item.strong for item in items) or _transport_only(items):
                continue
            # per channel: the files whose mentions of the type the peer knows on their channel,
            # and the others, where the type is this side's alone
            unknown_paths = {item.path for item in items if item.strong
                             and not _knows(catalogue, side_name, [item], peer, name)}
            if len(unknown_paths) < len({item.path for item in items if item.strong}):
                found.extend(_payload_mismatches(side, peer, name, peer_path))
            if not unknown_paths:
                continue
            roles = {item.role for item in items if item.path in unknown_paths}
            if _relayed_by_itself(items, unknown_paths) or _read_back_by_itself(items):
                continue

            def anchors(role: str | None = None) -> tuple[Located, ...]:
                return tuple(a for a in side.anchors(name, role) if a.path in unknown_paths) \
                    or tuple(i for i in items if i.strong and i.path in unknown_paths and (role is None or i.role == role))

            close = closest_peer_name(name, peer_only)
            if close is not None:
                found.append(Mismatch("near-miss", side_name, peer_name, name, anchors(),
                                      peer_name=close[0], reason=close[1], peer_path=peer_path))
                # renaming alone will not make the handler work if it reads what is never sent
                found.extend(_payload_mismatches(side, peer, name, peer_path, close[0]))
            elif SEND in roles or HANDLE not in roles:
                role = SEND if SEND in roles else DECLARE
                if role == DECLARE and side_name == BACKEND and (None, name) in catalogue.unproduced:
                    continue  # a kind nothing sends: a dead declaration, no drift of the contract
                found.append(Mismatch("unknown", side_name, peer_name, name, anchors(role),
                                      role=role, peer_path=peer_path))
            elif peer_name != SHARED:
                found.append(Mismatch("unsent", side_name, peer_name, name, anchors(HANDLE),
                                      role=HANDLE, peer_path=peer_path))
            else:
                found.append(Mismatch("unknown", side_name, peer_name, name, anchors(HANDLE),
                                      role=HANDLE, peer_path=peer_path))
    reportable = [dataclasses.replace(m, anchors=tuple(a for a in m.anchors if catalogue.reportable(a)
                                                       and not _one_way_wrong_direction(catalogue, m.side, a)))
                  for m in found]
    reportable = [m for m in reportable if m.anchors]
    return reportable + list(_unproduced_handled(catalogue, reportable))


def _unproduced_handled(catalogue: Catalogue, found: list[Mismatch]) -> Iterable[Mismatch]:
    """Handlers, on a channel between two Python services of the repository, of a kind whose
    models nothing builds (``Catalogue.unproduced``): the worker's ``case "terminate":`` when no
    ``TerminateRequest(…)`` exists. Each side of such a channel is Python, so the catalogue's
    backend and frontend cannot tell them apart; the kind's discriminator says which message it is."""
    taken = {(m.name, a.path, a.range) for m in found for a in m.anchors}
    for side_name, side in sorted(catalogue.sides.items()):
        for name in sorted(side.names):
            anchors: dict[str | None, list[Located]] = {}
            for item in side.by_name[name]:
                if item.role == HANDLE and item.path in catalogue.service_pairs \
                        and (name, item.path, item.range) not in taken \
                        and (item.entry.get("key"), name) in catalogue.unproduced:
                    anchors.setdefault(item.entry.get("key"), []).append(item)
            for key, items in sorted(anchors.items(), key=lambda pair: pair[0] or ""):
                models = catalogue.unproduced[(key, name)]
                yield Mismatch("unsent", side_name, side_name, name, tuple(items), role=HANDLE,
                               reason=", ".join(f"`{model}`" for model in models))


def _payload_mismatches(side: Side, peer: Side, name: str, peer_path: str,
                        peer_spelling: str | None = None) -> Iterable[Mismatch]:
    """A field this side's handler reads from ``name`` messages that no send site of the peer
    (which may spell the type ``peer_spelling``) sets — only when every peer send of it is a
    literal whose keys are all visible."""
    reads = [(item, read) for item in side.by_name.get(name, ()) if item.role == HANDLE and item.strong
             for read in item.entry.get("reads", ())]
    if not reads:
        return
    sends = [item for item in peer.by_name.get(peer_spelling or name, ()) if item.role == SEND]
    if not sends or any(item.fields is None for item in sends):
        return
    sent = tuple(sorted({f for item in sends for f in item.fields}))
    if not sent:
        return
    reported: set[tuple[str, str]] = set()
    for item, (field_name, read_range) in reads:
        if field_name in sent or field_name in ENVELOPE_FIELDS or (item.path, field_name) in reported:
            continue
        reported.add((item.path, field_name))
        yield Mismatch("payload", side.name, peer.name, name, (item,), field=field_name, sent_fields=sent,
                       read_range=Range.from_json(read_range), peer_path=peer_path)


def in_source_order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries an indexer collected, in the order of their places in the file. An indexer
    meets some mentions through sets of names, whose order follows the interpreter's hash seed;
    facts written in that order would change from run to run (and with them the cache)."""
    return sorted(entries, key=lambda entry: (entry["range"], entry["role"], json.dumps(entry, sort_keys=True)))


def with_details(entry: dict[str, Any], *, fields: list[str] | None, reads: Any, enum: str | None,
                 container: str | None, wrapper: str | None) -> dict[str, Any]:
    """A catalogue entry (``role``, ``range``, ``strong``, ``via``…) with its optional parts,
    written the same way by the Python and the TypeScript indexer."""
    if fields is not None:
        entry["fields"] = fields
    if reads:
        entry["reads"] = reads
    if enum:
        entry["enum"] = enum
    if container and not entry["strong"]:
        entry["container"] = container  # promoted when the catalogue is merged (see there)
    if wrapper and not entry["strong"]:
        entry["wrapper"] = wrapper  # strong once the catalogue resolves that wrapper
    return entry
