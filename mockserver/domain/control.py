"""The control API (/_mock): a workspace's clock, its reset, and its pending lifecycle overrides
(GetClock, AdvanceClock, FreezeClock, UnfreezeClock, ResetWorkspace, *Overrides)."""

from __future__ import annotations

from typing import Any

from mockserver import errors, lifecycle
from mockserver.clock import WorkspaceClock
from mockserver.domain.workspaces import Workspace, Workspaces
from mockserver.timestamps import to_rfc3339


class Control:
    def __init__(self, workspaces: Workspaces) -> None:
        self.workspaces = workspaces
        self.state = workspaces.state

    def _view(self, clock: WorkspaceClock) -> dict[str, Any]:
        return {"now": to_rfc3339(clock.now(self.workspaces.time_source())), "frozen": clock.frozen}

    def clock(self, ws: Workspace) -> dict[str, Any]:
        return self._view(self.state.clock(ws.id))

    def advance_clock(self, ws: Workspace, seconds: float) -> dict[str, Any]:
        real = self.workspaces.time_source()
        return self._view(self.state.update_clock(ws.id, lambda c: c.advanced(seconds, real)))

    def freeze_clock(self, ws: Workspace) -> dict[str, Any]:
        real = self.workspaces.time_source()
        return self._view(self.state.update_clock(ws.id, lambda c: c.freeze(real)))

    def unfreeze_clock(self, ws: Workspace) -> dict[str, Any]:
        real = self.workspaces.time_source()
        return self._view(self.state.update_clock(ws.id, lambda c: c.unfreeze(real)))

    def reset(self, ws: Workspace) -> None:
        """Back to the freshly seeded workspace, clock included."""
        self.state.reset_workspace(ws.id)

    def add_override(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("outcome") == lifecycle.PARTIAL_SUCCESS and body["kind"] != "aoi":
            raise errors.bad_request(
                f"outcome partial_success applies to kind aoi only, not {body['kind']}",
                field="outcome",
            )
        return self.state.add_override(
            ws.id,
            {
                "kind": body["kind"],
                "remaining": body.get("count", 1),
                "outcome": body.get("outcome", lifecycle.SUCCESS),
                "queue_seconds": body.get("queue_seconds"),
                "processing_seconds": body.get("processing_seconds"),
            },
        )

    def list_overrides(self, ws: Workspace) -> dict[str, Any]:
        return {"overrides": self.state.list_overrides(ws.id)}

    def clear_overrides(self, ws: Workspace) -> None:
        self.state.clear_overrides(ws.id)
