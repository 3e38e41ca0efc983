"""Workspaces: the sandbox of one API key, and the time as that workspace's clock reads it."""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass

from mockserver.clock import TimeSource, WorkspaceClock
from mockserver.state.store import StateStore


@dataclass(frozen=True)
class Workspace:
    """One API key's sandbox: ``id`` keys the state, ``user_id`` stamps what it creates."""

    id: str
    user_id: str


@functools.lru_cache(maxsize=4096)
def workspace_for_key(api_key: str) -> Workspace:
    """The workspace of an API key (the key itself is never stored)."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    ws_id = digest[:32]
    user = hashlib.sha256(f"user|{ws_id}".encode()).digest()
    return Workspace(id=ws_id, user_id=str(uuid.UUID(bytes=user[:16], version=4)))


class Workspaces:
    """Opens workspaces in the state store and reads their clocks against one time source."""

    def __init__(self, state: StateStore, time_source: TimeSource) -> None:
        self.state = state
        self.time_source = time_source

    def open(self, api_key: str) -> Workspace:
        """The key's workspace, created and seeded on first use."""
        ws = workspace_for_key(api_key)
        self.state.ensure_workspace(ws.id, self.time_source())
        return ws

    def clock(self, workspace_id: str) -> WorkspaceClock:
        return self.state.clock(workspace_id)

    def now(self, workspace_id: str) -> float:
        """The instant it is in the workspace (its clock over the real time source)."""
        return self.state.clock(workspace_id).now(self.time_source())
