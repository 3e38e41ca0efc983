"""Waivers: differences from the reference that were decided on purpose, each naming its decision.

A waiver file is YAML::

    waivers:
      - operation: ListOrderItems            # operationId (either side's) or "GET /v0/order-items"
        difference: "response.order_items[].foo: missing"
        decision: "docs/decisions.md#order-item-fields"

A waiver that matches no difference of a run is *stale*: the divergence it excused is gone (or
its key changed), and the entry should be deleted or corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contract_tests.drift_compare import Difference, OperationDrift

DEFAULT_WAIVERS = Path(__file__).resolve().parent / "drift_waivers.yaml"
_FIELDS = ("operation", "difference", "decision")


class WaiverError(ValueError):
    """The waiver file cannot be read or is not in the expected form."""


@dataclass(frozen=True)
class Waiver:
    operation: str
    difference: str
    decision: str

    def matches(self, op: OperationDrift, difference: Difference) -> bool:
        names = {op.name, op.contract_id, op.reference_id, f"{op.method} {op.path}"}
        return self.operation in names and self.difference == difference.key


def load(path: Path) -> list[Waiver]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise WaiverError(f"cannot read the waiver file {path}: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, dict):
        raise WaiverError(f"{path}: expected a mapping with a 'waivers' list")
    entries: Any = data.get("waivers")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise WaiverError(f"{path}: 'waivers' must be a list")
    waivers = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise WaiverError(f"{path}: waiver {number} is not a mapping")
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            raise WaiverError(f"{path}: waiver {number} has unknown field(s) {', '.join(unknown)}")
        for name in _FIELDS:
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise WaiverError(f"{path}: waiver {number} needs a non-empty '{name}'")
        waivers.append(Waiver(*(entry[name].strip() for name in _FIELDS)))
    return waivers


def apply(
    waivers: list[Waiver], operations: list[OperationDrift]
) -> tuple[dict[tuple[int, int], Waiver], list[Waiver]]:
    """The waiver covering each difference, keyed by (operation index, difference index); and
    the stale waivers, which cover none."""
    covered: dict[tuple[int, int], Waiver] = {}
    used: set[int] = set()
    for i, op in enumerate(operations):
        for j, difference in enumerate(op.differences):
            for w, waiver in enumerate(waivers):
                if waiver.matches(op, difference):
                    covered[(i, j)] = waiver
                    used.add(w)
                    break
    return covered, [waiver for w, waiver in enumerate(waivers) if w not in used]
