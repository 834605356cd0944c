"""SARIF 2.1.0 for code-scanning dashboards (GitHub, Azure DevOps, VS Code's SARIF viewer).

``tool.driver.rules`` carries every rule's metadata (id = the code); results point at files
relative to ``%SRCROOT%`` (the working directory) with 1-based regions whose end column is
exclusive; ``run.columnKind`` says columns count Unicode code points, as isolint does.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from isolint import __version__
from isolint.cli.output import SARIF_LEVELS, RenderOptions, ReportItem, fingerprints, fix_edits
from isolint.core.fingerprint import FINGERPRINT_VERSION, Fingerprint
from isolint.core.model import Range
from isolint.core.rule import HOME_URL, rule_doc_url

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"


def region(range_: Range) -> dict[str, int]:
    return {
        "startLine": range_.start.line + 1,
        "startColumn": range_.start.column + 1,
        "endLine": range_.end.line + 1,
        "endColumn": range_.end.column + 1,
    }


def rule_descriptor(rule) -> dict[str, Any]:
    sections = rule.doc_sections()
    full = "\n\n".join(
        " ".join(sections[name].split()) for name in ("What it does", "Why is this bad?") if sections.get(name)
    )
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary() or rule.name},
        "fullDescription": {"text": full or rule.summary() or rule.name},
        "help": {"text": rule.doc(), "markdown": rule.doc()},
        "helpUri": rule_doc_url(rule.code),
        "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
        "properties": _rule_properties(rule),
    }


#: GitHub code scanning's scale (0-10) by severity, for the security rules (ISO2xx)
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "3.0", "hint": "1.0"}
#: SARIF name of the fingerprint (versioned: a new algorithm must not match old alerts)
FINGERPRINT_NAME = f"isolint/v{FINGERPRINT_VERSION}"


def _rule_properties(rule) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": [rule.family()], "fixable": rule.fixable.value}
    if rule.code.startswith("ISO2"):
        properties["tags"].append("security")
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity.value]
    return properties


def artifact_location(item: ReportItem) -> dict[str, str]:
    """A URI reference (RFC 3986, as SARIF requires): ``my app/日本 語.py`` is
    ``my%20app/%E6%97%A5%E6%9C%AC%20%E8%AA%9E.py``, relative to the source root when below it."""
    return path_location(item.path, item.absolute_path)


def path_location(shown: str, absolute: str) -> dict[str, str]:
    if Path(shown).is_absolute():
        return {"uri": Path(absolute).as_uri()}
    return {"uri": quote(PurePath(shown).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def related_artifact(item: ReportItem, path: str) -> dict[str, str]:
    """The finding's own file for an empty ``path``; another file relative to the source root."""
    return artifact_location(item) if not path else path_location(path, path)


def result(item: ReportItem, rule_index: dict[str, int], fingerprint: Fingerprint | None = None) -> dict[str, Any]:
    finding = item.finding
    out: dict[str, Any] = {
        "ruleId": finding.code,
        "level": SARIF_LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(item),
                                            "region": region(finding.range)}}],
    }
    if finding.related:
        out["relatedLocations"] = [
            {"id": index, "message": {"text": location.message},
             "physicalLocation": {"artifactLocation": related_artifact(item, location.path),
                                  "region": region(location.range)}}
            for index, location in enumerate(finding.related, start=1)
        ]
    if fingerprint is not None:
        out["partialFingerprints"] = {FINGERPRINT_NAME: str(fingerprint)}
    if finding.code in rule_index:
        out["ruleIndex"] = rule_index[finding.code]
    edits = fix_edits(item) if finding.fix is not None else None
    if finding.fix is not None and edits:
        out["fixes"] = [{
            "description": {"text": f"{finding.fix.title} ({finding.fix.applicability.value})"},
            "artifactChanges": [{
                "artifactLocation": artifact_location(item),
                "replacements": [
                    {"deletedRegion": region(edit.range), "insertedContent": {"text": edit.new_text}}
                    for edit in edits
                ],
            }],
        }]
    return out


def render(items: list[ReportItem], options: RenderOptions) -> str:
    from isolint.rules.registry import RULES

    rule_index = {rule.code: index for index, rule in enumerate(RULES)}
    prints = fingerprints(items)
    run = {
        "tool": {"driver": {
            "name": "isolint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": HOME_URL,
            "rules": [rule_descriptor(rule) for rule in RULES],
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": options.cwd.resolve().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [result(item, rule_index, prints.get(id(item.finding))) for item in items],
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"
