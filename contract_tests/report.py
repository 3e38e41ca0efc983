"""What a run found, per operation: cases sent, and each failing check with an example."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_EXAMPLES_PER_CHECK = 2


@dataclass
class Finding:
    operation: str
    check: str
    message: str
    reproduce: str | None = None
    suite: str | None = None


@dataclass
class OperationRow:
    operation_id: str
    method: str
    path: str
    cases: int = 0
    skipped: str | None = None
    failures: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[Finding]] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)


@dataclass
class PropertyResult:
    name: str
    status: str  # passed, failed, skipped
    detail: str = ""


class Report:
    def __init__(self, operations: list[tuple[str, str, str]]) -> None:
        self.rows: dict[str, OperationRow] = {
            op: OperationRow(op, method.upper(), path) for op, method, path in operations
        }
        self.properties: dict[str, PropertyResult] = {}
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.target = ""
        self.findings = 0
        # Why the run stopped early (a signal), if it did.
        self.interrupted: str | None = None
        # id -> (summary, first example)
        self.known_issues: dict[str, tuple[str, Finding]] = {}
        # Called with the operation after each case or failure recorded (live progress).
        self.listeners: list[Callable[[str], None]] = []

    def _row(self, operation: str) -> OperationRow:
        if operation not in self.rows:
            self.rows[operation] = OperationRow(operation, "?", "?")
        return self.rows[operation]

    # -- recording -------------------------------------------------------------------------

    def _changed(self, operation: str) -> None:
        for listener in self.listeners:
            listener(operation)

    def case(self, operation: str, count: int = 1) -> None:
        self._row(operation).cases += count
        self._changed(operation)

    def skip(self, operation: str, reason: str) -> None:
        row = self._row(operation)
        if row.skipped is None:
            row.skipped = reason

    def fail(
        self,
        operation: str,
        check: str,
        message: str,
        *,
        reproduce: str | None = None,
        suite: str | None = None,
    ) -> None:
        row = self._row(operation)
        row.failures[check] = row.failures.get(check, 0) + 1
        examples = row.examples.setdefault(check, [])
        if len(examples) < MAX_EXAMPLES_PER_CHECK:
            examples.append(Finding(operation, check, message.strip(), reproduce, suite))
        self.findings += 1
        self._changed(operation)

    def known(
        self,
        operation: str,
        issue_id: str,
        summary: str,
        check: str,
        message: str,
        reproduce: str | None = None,
    ) -> None:
        """A finding that matches a known, reported issue: shown, not counted."""
        row = self._row(operation)
        row.known[issue_id] = row.known.get(issue_id, 0) + 1
        if issue_id not in self.known_issues:
            example = Finding(operation, check, message.strip(), reproduce)
            self.known_issues[issue_id] = (summary, example)

    def record_property(self, name: str, status: str, detail: str = "") -> None:
        current = self.properties.get(name)
        if current is not None and current.status == "failed":
            return
        if current is not None and status == "skipped" and current.status == "passed":
            return
        self.properties[name] = PropertyResult(name, status, detail)

    def error(self, message: str) -> None:
        self.errors.append(message)

    # -- verdict ---------------------------------------------------------------------------

    @property
    def failed_operations(self) -> list[OperationRow]:
        return [row for row in self.rows.values() if row.failures]

    @property
    def cases(self) -> int:
        return sum(row.cases for row in self.rows.values())

    @property
    def ok(self) -> bool:
        return (
            self.cases > 0
            and self.interrupted is None
            and not self.failed_operations
            and not self.errors
            and not any(p.status == "failed" for p in self.properties.values())
        )

    # -- output ----------------------------------------------------------------------------

    def table(self) -> str:
        headers = ("operation", "request", "cases", "failures (check: count)")
        lines = []
        for row in self.rows.values():
            cells = [f"{check}: {n}" for check, n in sorted(row.failures.items())]
            cells += [f"known {issue}: {n}" for issue, n in sorted(row.known.items())]
            if cells:
                failures = ", ".join(cells)
            elif row.skipped and not row.cases:
                failures = f"skipped: {row.skipped}"
            else:
                failures = "-"
            lines.append((row.operation_id, f"{row.method} {row.path}", str(row.cases), failures))
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers[:3])]

        def fmt(cells: tuple[str, ...]) -> str:
            return (
                f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}"
                f"  {cells[3]}"
            ).rstrip()

        out = [fmt(headers), fmt(tuple("-" * w for w in widths) + ("-" * 24,))]
        out += [fmt(line) for line in lines]
        return "\n".join(out)

    def property_lines(self) -> str:
        if not self.properties:
            return ""
        width = max(len(name) for name in self.properties)
        out = ["lifecycle properties:"]
        for prop in self.properties.values():
            detail = f"  ({prop.detail})" if prop.detail else ""
            out.append(f"  {prop.name:<{width}}  {prop.status}{detail}")
        return "\n".join(out)

    def details(self, width: int = 100) -> str:
        out = []
        for row in self.failed_operations:
            for check, examples in sorted(row.examples.items()):
                out.append(f"{row.operation_id} ({row.method} {row.path}) failed {check}:")
                for finding in examples:
                    text = finding.message
                    if len(text) > 1200:
                        text = text[:1200] + " [...]"
                    out.append(textwrap.indent(text, "    "))
                    if finding.reproduce:
                        out.append("    reproduce: " + finding.reproduce)
                out.append("")
        for message in self.errors:
            out.append("error: " + message)
        for prop in self.properties.values():
            if prop.status == "failed" and prop.detail:
                out.append(f"property {prop.name} failed: {prop.detail}")
        return "\n".join(out).rstrip()

    def known_lines(self) -> str:
        if not self.known_issues:
            return ""
        out = ["known contract issues (reported, not counted as failures; --strict counts them):"]
        for issue_id, (summary, example) in sorted(self.known_issues.items()):
            out.append(textwrap.fill(f"{issue_id}: {summary}", 100, subsequent_indent="    "))
            out.append(f"    first seen: {example.operation} {example.check}")
            if example.reproduce:
                out.append("    reproduce: " + example.reproduce)
        return "\n".join(out)

    def summary(self) -> str:
        cases = self.cases
        failed = self.failed_operations
        props_failed = [p for p in self.properties.values() if p.status == "failed"]
        if self.interrupted is not None:
            return (
                f"pixxel-contract: INTERRUPTED ({self.interrupted}) after {cases} cases;"
                f" {self.findings} failure(s) found until then; no verdict"
            )
        if self.ok:
            waived = ""
            if self.known_issues:
                waived = f" (known contract issues seen: {', '.join(sorted(self.known_issues))})"
            return f"pixxel-contract: PASSED: {cases} cases, every operation conforms{waived}"
        parts = []
        if failed:
            checks = sum(len(row.failures) for row in failed)
            parts.append(f"{len(failed)} operation(s) with {checks} failing check(s)")
        if props_failed:
            parts.append(f"{len(props_failed)} lifecycle property(ies) broken")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s)")
        if not cases:
            parts.append("no request was sent")
        return f"pixxel-contract: FAILED: {cases} cases; " + ", ".join(parts)

    def render(self) -> str:
        parts = []
        if self.target:
            parts.append(f"target: {self.target}")
        parts.append(self.table())
        if self.properties:
            parts.append(self.property_lines())
        known = self.known_lines()
        if known:
            parts.append(known)
        details = self.details()
        if details:
            parts.append("failures:\n" + details)
        parts.extend(self.notes)
        parts.append(self.summary())
        return "\n\n".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "operations": [
                {
                    "operation_id": row.operation_id,
                    "method": row.method,
                    "path": row.path,
                    "cases": row.cases,
                    "skipped": row.skipped,
                    "known_issues": dict(row.known),
                    "failures": [
                        {
                            "check": check,
                            "count": count,
                            "examples": [
                                {"message": f.message, "reproduce": f.reproduce, "suite": f.suite}
                                for f in row.examples.get(check, [])
                            ],
                        }
                        for check, count in sorted(row.failures.items())
                    ],
                }
                for row in self.rows.values()
            ],
            "properties": [vars(p) for p in self.properties.values()],
            "errors": list(self.errors),
            "known_issues": {
                issue: {"summary": summary, "operation": ex.operation, "check": ex.check}
                for issue, (summary, ex) in sorted(self.known_issues.items())
            },
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
