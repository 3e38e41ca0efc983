"""The drift report: per operation, how many exchanges were seen and each kind of violation.

A kind (see :class:`~mockserver.proxy.contract.Violation`) is counted every time it is seen and
keeps the first example, already sanitised. The report is served as JSON at ``/_mock/drift``,
written as JSON when the proxy stops, and summed up in a few lines for a person.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNDOCUMENTED = "(undocumented)"


@dataclass
class Kind:
    category: str
    where: str
    count: int
    example: dict[str, Any]


@dataclass
class OperationDrift:
    operation_id: str
    method: str
    path: str
    exchanges: int = 0
    kinds: dict[str, Kind] = field(default_factory=dict)


class DriftReport:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.started = time.time()
        self.operations: dict[str, OperationDrift] = {}
        self.exchanges = 0
        self.upstream_errors = 0
        self.judge_errors = 0
        self._lock = threading.Lock()

    def record(
        self,
        operation_id: str,
        method: str,
        path: str,
        violations: list[Any],
        example: dict[str, Any],
    ) -> None:
        """One exchange of ``operation_id`` and what broke the contract in it; ``example``
        (sanitised) describes the exchange and is kept with each kind seen for the first time."""
        with self._lock:
            self.exchanges += 1
            row = self.operations.get(operation_id)
            if row is None:
                row = self.operations[operation_id] = OperationDrift(operation_id, method, path)
            row.exchanges += 1
            for violation in violations:
                kind = row.kinds.get(violation.kind)
                if kind is None:
                    detail = {"message": violation.message, **example}
                    if violation.value is not None:
                        detail["value"] = violation.value
                    row.kinds[violation.kind] = Kind(violation.category, violation.where, 1, detail)
                else:
                    kind.count += 1

    def upstream_error(self) -> None:
        with self._lock:
            self.upstream_errors += 1

    def judge_error(self) -> None:
        """An exchange passed through but could not be judged (a fault in the proxy)."""
        with self._lock:
            self.judge_errors += 1

    # -- output ----------------------------------------------------------------------------

    @property
    def drifting(self) -> list[OperationDrift]:
        return [row for row in self.operations.values() if row.kinds]

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "upstream": self.upstream,
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
                "exchanges": self.exchanges,
                "upstream_errors": self.upstream_errors,
                "judge_errors": self.judge_errors,
                "conforms": not any(row.kinds for row in self.operations.values()),
                "operations": [
                    {
                        "operation_id": row.operation_id,
                        "method": row.method,
                        "path": row.path,
                        "exchanges": row.exchanges,
                        "violations": [
                            {
                                "kind": name,
                                "category": kind.category,
                                "where": kind.where,
                                "count": kind.count,
                                "example": kind.example,
                            }
                            for name, kind in sorted(row.kinds.items())
                        ],
                    }
                    for row in sorted(self.operations.values(), key=lambda r: r.operation_id)
                ],
            }

    def summary(self) -> str:
        data = self.as_dict()
        out = [
            f"drift against the contract, {data['exchanges']} exchange(s) through"
            f" {self.upstream} since {data['since']}"
        ]
        for row in data["operations"]:
            line = f"  {row['operation_id']} ({row['method']} {row['path']}): {row['exchanges']}"
            if not row["violations"]:
                out.append(line + " exchange(s), conforms")
                continue
            out.append(line + f" exchange(s), {len(row['violations'])} kind(s) of drift")
            for kind in row["violations"]:
                out.append(f"    {kind['kind']} x{kind['count']}: {kind['example']['message']}")
        if data["upstream_errors"]:
            out.append(f"  {data['upstream_errors']} request(s) got no answer from the upstream")
        if data["judge_errors"]:
            out.append(f"  {data['judge_errors']} exchange(s) could not be judged (see the log)")
        drifting = sum(1 for row in data["operations"] if row["violations"])
        out.append(
            f"{drifting} operation(s) drift from the contract"
            if drifting
            else "every exchange seen conforms to the contract"
        )
        return "\n".join(out)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
