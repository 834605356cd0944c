"""What the two dotenv secrets rules (ISO201, ISO202) share: where a secret sits inside an
entry's value, whether the file is committed at all, and how a finding is reported."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from isolint.core.gitignore import is_committed as committed
from isolint.core.gitview import is_tracked
from isolint.core.model import SECRET_RANGE, Fix, Position, Range, RelatedLocation, Severity
from isolint.core.rule import Rule
from isolint.core.source import is_compose_name, is_shell_name
from isolint.rules.common.secret_detection import SecretHit

if TYPE_CHECKING:
    from isolint.core.context import DotenvContext, DotenvEntry


def is_committed(ctx: "DotenvContext") -> bool:
    """A file git tracks is committed whatever ``.gitignore`` says; an untracked one that a
    ``.gitignore`` (or ``.git/info/exclude``) excludes is a developer's local copy."""
    return committed(ctx.source.path, ctx.settings.root)


def secret_range(ctx: "DotenvContext", entry: "DotenvEntry", hit: SecretHit) -> Range:
    """The range of the secret itself when it sits on one line of the value (the password of a
    URL), else the whole value."""
    raw = ctx.source.text_in(entry.value_range)
    offset = raw.find(hit.value) if "\n" not in hit.value else -1
    if offset < 0 or "\n" in raw[:offset]:
        return entry.value_range
    start = entry.value_range.start
    return Range(Position(start.line, start.column + offset), Position(start.line, start.column + offset + len(hit.value)))


def report_secret(
    rule: type[Rule] | Rule,
    ctx: "DotenvContext",
    entry: "DotenvEntry",
    hit: SecretHit,
    *,
    committed: bool,
    fix: Fix | None,
    related_elsewhere: tuple[RelatedLocation, ...] = (),
    **fields: Any,
) -> None:
    """Report ``hit`` on ``entry``; in a gitignored file only as a hint, without a fix."""
    masked_range = secret_range(ctx, entry, hit)
    name = ctx.source.name.lower()
    kind = "compose file" if is_compose_name(name) else "shell script" if is_shell_name(name) else "env file"
    finding = ctx.report(
        rule,
        ctx.range(entry),
        fix=fix if committed else None,
        data={SECRET_RANGE: masked_range.to_json()},
        key=entry.key,
        what=hit.description,
        masked=hit.masked,
        place=f"a committed {kind}" if committed else _ignored_place(ctx, kind),
        **fields,
    )
    changed = dataclasses.replace(finding, related=finding.related + related_elsewhere)
    if not committed:
        changed = dataclasses.replace(changed, severity=Severity.HINT)
    ctx.findings[ctx.findings.index(finding)] = changed


def _ignored_place(ctx: "DotenvContext", kind: str) -> str:
    """A gitignored file git says it does not track is a local copy; where no repository (or no
    git) can tell, the file may still be committed (added before the pattern, or with
    ``--force``), so the message claims only what ``.gitignore`` says."""
    if is_tracked(str(ctx.source.path)) is None:
        return f"a gitignored {kind} (no git repository here to tell whether it is committed)"
    return f"a gitignored {kind} (not committed; keep it that way)"
