"""The audit's test-quality metric: share of integration tests that use mocks (target < 5 %).

An integration test "uses mocks" when it calls a mock directly or requests a fixture that hands
one out. Computed per service from the ProjectIndex's ``test_doubles`` facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from isolint.rules.test_isolation.test_doubles_indexer import TEST_DOUBLES

TARGET_PERCENT = 5.0


@dataclass(frozen=True)
class MockShare:
    scope: str  # a service name, "(no service)" or "(all)"
    integration_tests: int
    mocked: int

    @property
    def percent(self) -> float:
        return 100.0 * self.mocked / self.integration_tests if self.integration_tests else 0.0

    @property
    def meets_target(self) -> bool:
        return self.percent < TARGET_PERCENT


def mock_share_in_integration_tests(project: Any, mock_fixture_uses: dict[str, int] | None = None) -> list[MockShare]:
    """Per service, then overall. ``mock_fixture_uses`` (rel_path → number of integration tests
    flagged by ISO503 there) adds tests that get their mocks from fixtures."""
    totals: dict[str, list[int]] = {}
    for rel_path, facts in project.facts(TEST_DOUBLES).items():
        scope = project.services.service_of(rel_path) or "(no service)"
        bucket = totals.setdefault(scope, [0, 0])
        bucket[0] += facts.get("integration_tests", 0)
        extra = (mock_fixture_uses or {}).get(rel_path, 0)
        bucket[1] += min(facts.get("mocked_integration_tests", 0) + extra, facts.get("integration_tests", 0))
    shares = [MockShare(scope, tests, mocked) for scope, (tests, mocked) in sorted(totals.items())]
    shares.append(MockShare("(all)", sum(s.integration_tests for s in shares), sum(s.mocked for s in shares)))
    return shares
