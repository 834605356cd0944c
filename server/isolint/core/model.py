"""The value types every layer shares.

Positions are 0-based lines and 0-based columns counted in *code points* (Python ``str``
indices). ``ast`` byte offsets are converted once in ``core.source``; LSP encodings
(UTF-8/16/32) are converted only at the LSP boundary.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True, slots=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True, order=True)
class Range:
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, column: int, end_line: int, end_column: int) -> "Range":
        return cls(Position(line, column), Position(end_line, end_column))

    def contains(self, position: Position) -> bool:
        return self.start <= position <= self.end

    def overlaps(self, other: "Range") -> bool:
        return self.start < other.end and other.start < self.end

    def to_json(self) -> list[int]:
        return [self.start.line, self.start.column, self.end.line, self.end.column]

    @classmethod
    def from_json(cls, data: list[int]) -> "Range":
        return cls.of(*data)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``range`` with ``new_text`` (an insertion when the range is empty)."""

    range: Range
    new_text: str

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json(), "new_text": self.new_text}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Edit":
        return cls(Range.from_json(data["range"]), data["new_text"])


class Applicability(str, enum.Enum):
    """ruff's semantics: safe fixes keep behaviour, unsafe ones may change it."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class Fixability(str, enum.Enum):
    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


class Zone(str, enum.Enum):
    """Where a file's code runs decides which rules apply to it."""

    PRODUCTION = "production"
    DEVELOPMENT = "development"
    TEST = "test"
    INTEGRATION_TEST = "integration-test"
    GENERATED = "generated"


class Language(str, enum.Enum):
    PYTHON = "python"
    DOTENV = "dotenv"
    TYPESCRIPT = "typescript"
    TOML = "toml"


@dataclass(frozen=True, slots=True)
class Fix:
    """A fix *descriptor*.

    Cheap fixes carry their ``edits`` directly. Fixes that restructure code name a lazy
    ``builder`` (a key of ``isolint.fixers.BUILDERS``) plus JSON-able ``params``; the edits
    are materialized only when a code action is resolved or ``--fix`` runs, so detection
    never pays for libcst.
    """

    title: str
    applicability: Applicability
    edits: tuple[Edit, ...] = ()
    builder: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": self.title,
            "applicability": self.applicability.value,
            "edits": [edit.to_json() for edit in self.edits],
        }
        if self.builder:
            data["builder"] = self.builder
            data["params"] = dict(self.params)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Fix":
        return cls(
            title=data["title"],
            applicability=Applicability(data["applicability"]),
            edits=tuple(Edit.from_json(edit) for edit in data.get("edits", ())),
            builder=data.get("builder"),
            params=data.get("params", {}),
        )


@dataclass(frozen=True, slots=True)
class RelatedLocation:
    """Another place that is part of the same problem (the other assignments to one fake
    object, the mock a patch returns). Reported once with the finding instead of as findings
    of their own, so a count of findings counts problems. ``path`` empty means the finding's
    own file."""

    range: Range
    message: str
    path: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"range": self.range.to_json(), "message": self.message}
        if self.path:
            out["path"] = self.path
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RelatedLocation":
        return cls(Range.from_json(data["range"]), data["message"], data.get("path", ""))


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    range: Range
    severity: Severity
    fix: Fix | None = None
    path: str = ""
    # Extra facts for front ends (e.g. the masked secret, the peer's spelling). JSON-able.
    data: Mapping[str, Any] = field(default_factory=dict)
    #: other lines of the same problem, in position order; not part of the fingerprint
    related: tuple[RelatedLocation, ...] = ()

    def sort_key(self) -> tuple:
        return (self.path, self.range.start, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "range": self.range.to_json(),
            "severity": self.severity.value,
            "path": self.path,
        }
        if self.fix is not None:
            out["fix"] = self.fix.to_json()
        if self.data:
            out["data"] = dict(self.data)
        if self.related:
            out["related"] = [location.to_json() for location in self.related]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Finding":
        return cls(
            code=data["code"],
            message=data["message"],
            range=Range.from_json(data["range"]),
            severity=Severity(data["severity"]),
            fix=Fix.from_json(data["fix"]) if data.get("fix") else None,
            path=data.get("path", ""),
            data=data.get("data", {}),
            related=tuple(RelatedLocation.from_json(location) for location in data.get("related", ())),
        )


def mask_secret(value: str) -> str:
    """Show just enough of a secret to recognise it, never the whole value."""
    if len(value) < 12:
        return "*" * len(value)
    return f"{value[:2]}{'*' * min(len(value) - 4, 12)}{value[-2:]}"


SECRET_RANGE = "secret_range"


def masked_line(line: str, line_index: int, finding: Finding) -> str:
    """``line`` with the secret one finding points at masked (``core.masking`` masks them all)."""
    from isolint.core.masking import mask_line

    return mask_line(line, line_index, (finding,))
