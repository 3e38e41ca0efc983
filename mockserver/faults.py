"""Fault injection: rules a test sets on its workspace, and which one (if any) hits a request.

A rule matches an operation of the Pixxel contract (by operationId, or by path with an optional
method; the path is the request's or the contract's template) and has one effect: added
``latency``, an ``error`` status in the Pixxel envelope, or a ``drop``ped connection. It fires
for the next ``count`` matching requests, or for each with a ``probability`` drawn from a
generator seeded per rule, so the same requests in the same order meet the same faults. Rules
apply in the order they were added; the first that fires wins. The control API is never faulted.

Kept in memory, per worker process, like the journal.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from mockserver import errors
from mockserver.routes import Route, by_operation_id

DEFAULT_RETRY_AFTER = 1


@dataclass
class Hit:
    """What a fired rule does to one request."""

    fault_id: int
    effect: str
    delay_seconds: float = 0.0
    status: int | None = None
    retry_after: int | None = None

    def error_response(self) -> tuple[int, dict[str, str], dict[str, Any]]:
        """(status, headers, envelope) of an ``error`` hit."""
        status = self.status or 500
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        message = {
            429: "too many requests; retry later",
            502: "the upstream service answered badly",
            503: "the service is unavailable; retry later",
        }.get(status, "an internal error occurred")
        body = errors.envelope(
            errors.code_for_status(status),
            message,
            {"injected_fault": self.fault_id},
        )
        return status, headers, body


@dataclass
class Fault:
    id: int
    effect: str
    operation_id: str | None = None
    method: str | None = None
    path: str | None = None
    latency_ms: float | None = None
    latency_max_ms: float | None = None
    status: int | None = None
    retry_after: int | None = None
    remaining: int | None = None
    probability: float | None = None
    seed: int | None = None
    hits: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, path: str, route: Route | None) -> bool:
        if self.operation_id is not None:
            return route is not None and route.operation_id == self.operation_id
        if self.method is not None and self.method != ("GET" if method == "HEAD" else method):
            return False
        return path == self.path or (route is not None and route.template == self.path)

    def fires(self) -> bool:
        if self.probability is not None:
            return self._random.random() < self.probability
        return bool(self.remaining)

    def hit(self) -> Hit:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1
        delay = 0.0
        if self.latency_ms is not None:
            high = self.latency_max_ms if self.latency_max_ms is not None else self.latency_ms
            delay = self._random.uniform(self.latency_ms, high) / 1000.0
        return Hit(self.id, self.effect, delay, self.status, self.retry_after)

    def public(self) -> dict[str, Any]:
        shown = {
            "id": self.id,
            "effect": self.effect,
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "latency_ms": self.latency_ms,
            "latency_max_ms": self.latency_max_ms,
            "status": self.status,
            "retry_after": self.retry_after,
            "remaining": self.remaining,
            "probability": self.probability,
            "seed": self.seed,
            "hits": self.hits,
        }
        return {key: value for key, value in shown.items() if value is not None}


def _build(fault_id: int, body: dict[str, Any], default_seed: int) -> Fault:
    """A rule from a request the spec already checked for shape; the cross-field rules here."""
    effect = body["effect"]
    operation_id, path = body.get("operation_id"), body.get("path")
    if (operation_id is None) == (path is None):
        raise errors.bad_request("give exactly one of operation_id or path", field="operation_id")
    if operation_id is not None:
        route = by_operation_id(operation_id)
        if route is None or route.control:
            raise errors.bad_request(
                f"{operation_id!r} is not an operation of the Pixxel contract",
                field="operation_id",
            )
        if body.get("method") is not None:
            raise errors.bad_request("method goes with path, not operation_id", field="method")
    fields_of = {
        "latency": {"latency_ms", "latency_max_ms"},
        "error": {"status", "retry_after"},
        "drop": set(),
    }
    for name in sorted(set().union(*fields_of.values()) - fields_of[effect]):
        if body.get(name) is not None:
            raise errors.bad_request(f"{name} does not apply to a {effect} fault", field=name)
    if effect == "latency" and body.get("latency_ms") is None:
        raise errors.bad_request("a latency fault needs latency_ms", field="latency_ms")
    low, high = body.get("latency_ms"), body.get("latency_max_ms")
    if high is not None and low is not None and high < low:
        raise errors.bad_request(
            "latency_max_ms must not be below latency_ms", field="latency_max_ms"
        )
    status = body.get("status")
    if effect == "error" and status is None:
        raise errors.bad_request("an error fault needs status", field="status")
    retry_after = body.get("retry_after")
    if effect == "error" and status == 429 and retry_after is None:
        retry_after = DEFAULT_RETRY_AFTER
    if body.get("count") is not None and body.get("probability") is not None:
        raise errors.bad_request("give count or probability, not both", field="probability")
    probability = body.get("probability")
    seed = body.get("seed")
    if probability is not None and seed is None:
        seed = default_seed
    if probability is None and seed is not None and effect != "latency":
        raise errors.bad_request("seed goes with probability", field="seed")
    fault = Fault(
        id=fault_id,
        effect=effect,
        operation_id=operation_id,
        method=body.get("method"),
        path=path,
        latency_ms=low,
        latency_max_ms=high,
        status=status,
        retry_after=retry_after,
        remaining=None if probability is not None else body.get("count", 1),
        probability=probability,
        seed=seed,
    )
    # A given seed repeats its draws whatever the rule's id; unseeded ranges vary per rule.
    fault._random.seed(seed if seed is not None else f"{default_seed}|{fault_id}")
    return fault


class FaultBook:
    """The fault rules of every workspace."""

    def __init__(self, default_seed: int = 1) -> None:
        self.default_seed = default_seed
        self._rules: dict[str, list[Fault]] = {}
        self._next_id: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, workspace: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            fault_id = self._next_id.get(workspace, 0) + 1
            fault = _build(fault_id, body, self.default_seed)
            self._next_id[workspace] = fault_id
            self._rules.setdefault(workspace, []).append(fault)
            return fault.public()

    def list(self, workspace: str) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.public() for fault in self._rules.get(workspace, [])]

    def clear(self, workspace: str) -> None:
        with self._lock:
            self._rules.pop(workspace, None)

    def decide(self, workspace: str, method: str, path: str, route: Route | None) -> Hit | None:
        """The hit of the first rule that matches and fires; a used-up rule is dropped."""
        with self._lock:
            rules = self._rules.get(workspace)
            if not rules:
                return None
            for fault in rules:
                if fault.matches(method, path, route) and fault.fires():
                    hit = fault.hit()
                    if fault.remaining == 0:
                        rules.remove(fault)
                    return hit
            return None
