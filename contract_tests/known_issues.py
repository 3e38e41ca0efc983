"""Disagreements between the contract and the servers that are known and reported, not hidden.

A finding that matches an entry here is not counted as a failure (unless ``--strict``), but it is
never dropped either: the report shows it in its own column and lists every known issue that
matched, with its id, so that a run's output always says what it waived. Each entry matches as
narrowly as possible (one operation, the checks concerned, the precise request and answer), so it
cannot hide an unrelated defect. When the contract or the server is fixed the entry stops matching
and the report says so; then delete it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KnownIssue:
    id: str
    operations: tuple[str, ...]  # empty: any operation
    checks: tuple[str, ...]
    summary: str
    matches: Callable[[Any, Any], bool]  # (case, response) -> bool

    def applies(self, operation: str, check: str, case: Any, response: Any) -> bool:
        if self.operations and operation not in self.operations:
            return False
        if check not in self.checks:
            return False
        try:
            return bool(self.matches(case, response))
        except Exception:  # noqa: BLE001 - a matcher that cannot decide does not waive
            return False


# Every disagreement the kit has found so far was fixed in the contract or the mock; add an entry
# here (and to docs/contract-testing.md) only for one that is reported and waiting on a fix.
KNOWN_ISSUES: tuple[KnownIssue, ...] = ()


def find(operation: str, check: str, case: Any, response: Any) -> KnownIssue | None:
    for issue in KNOWN_ISSUES:
        if issue.applies(operation, check, case, response):
            return issue
    return None
