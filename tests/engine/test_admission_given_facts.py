"""``Rule.admits_given_facts``: where the project already holds every file's facts (the CLI's
check phase), a rule whose findings the facts decide rules a file out before its parse. The
ISO4xx rules report exactly the catalogue's mismatches anchored in a file, so their answer must
be exact; and the engine asks only for a text known to parse (an unparseable file is still
reported as such) whose zone its content cannot move."""

from __future__ import annotations

from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.core.source import SourceFile
from isolint.engine.checker import META_RULES, check_source
from isolint.engine.checkpoints import checkpoints
from isolint.engine.selection import prefilter, rules_for, token_scan
from isolint.rules.contract.reporting import ContractRule
from isolint.rules.registry import RULES

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
SCENARIOS = sorted(folder for folder in PROJECTS.iterdir() if folder.name.startswith("iso4_"))
CONTRACT_RULES = [rule for rule in RULES if issubclass(rule, ContractRule)]


@pytest.mark.parametrize("folder", SCENARIOS, ids=[folder.name for folder in SCENARIOS])
def test_the_facts_admit_exactly_the_files_a_contract_rule_reports_in(folder: Path) -> None:
    run = lint_paths([folder], jobs=1)
    answers = set()
    for result in run.results:
        project = run.projects[result.source.settings.root]
        for rule in CONTRACT_RULES:
            if not (rule in rules_for(result.source) and rule.admits(result.source, project)):
                continue
            reported = any(finding.code == rule.code for finding in result.findings)
            admitted = rule.admits_given_facts(result.source, project)
            assert admitted == reported, (result.source.rel_path, rule.code)
            answers.add(admitted)
    assert False in answers, "each scenario has files the contract rules report nothing in"
    if folder.name != "iso4_backend_only":  # no frontend: nothing to disagree with
        assert True in answers


def _ruled_out_by_facts_alone():
    """A file of the scenarios that only contract rules admit and whose facts say they report
    nothing there, with its project (after a whole run)."""
    results = [(result, run) for run in (lint_paths([folder], jobs=1) for folder in SCENARIOS) for result in run.results]
    for result, run in results:
        source = result.source
        project = run.projects[source.settings.root]
        fresh = SourceFile.from_text(source.path, source.path.read_text(), source.settings, source.language,
                                     source.service, rel_path=source.rel_path)
        admitted = prefilter([r for r in rules_for(fresh) if r not in META_RULES], token_scan(fresh), fresh, project)
        if admitted and all(rule in CONTRACT_RULES and not rule.admits_given_facts(fresh, project)
                            for rule in admitted):
            return fresh, project, result
    raise AssertionError("no such file in the scenarios")


def _check_counting_parses(source: SourceFile, project, parses: bool):
    calls: list[int] = []
    with checkpoints(lambda: calls.append(1)):  # the first checkpoint of a check follows its parse
        result = check_source(source, project, update_project=False,
                              known_facts=project.file_facts(source.rel_path), parses=parses)
    return result, len(calls)


def test_a_file_the_facts_rule_out_is_not_parsed_and_reports_what_a_full_check_does() -> None:
    source, project, full = _ruled_out_by_facts_alone()
    result, checkpoints_seen = _check_counting_parses(source, project, parses=True)
    assert checkpoints_seen == 0
    assert [f.to_json() for f in result.findings] == [f.to_json() for f in full.findings]


def test_a_text_not_known_to_parse_is_parsed_and_reported_unparseable() -> None:
    source, project, _ = _ruled_out_by_facts_alone()
    _, checkpoints_seen = _check_counting_parses(source, project, parses=False)
    assert checkpoints_seen > 0
    broken = SourceFile.from_text(source.path, source.text + "\n)(\n", source.settings, source.language,
                                  source.service, rel_path=source.rel_path)
    result, _ = _check_counting_parses(broken, project, parses=False)
    assert [finding.code for finding in result.findings] == ["ISO001"]
