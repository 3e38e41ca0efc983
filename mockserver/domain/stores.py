"""Stores: the cloud buckets deliveries write into (ListStores, CreateStore, DeleteStore)."""

from __future__ import annotations

from typing import Any

from mockserver import errors
from mockserver.domain.documents import name_taken, public
from mockserver.domain.workspaces import Workspace, Workspaces
from mockserver.state.store import NameTaken
from mockserver.store_secrets import STORE_SECRETS
from mockserver.timestamps import to_rfc3339

#: Deliveries into a store whose bucket starts with this end FAILED.
FAILING_BUCKET_PREFIX = "fail-"


def seeded_store(store: dict[str, Any]) -> dict[str, Any]:
    """A fixture store as a workspace starts with it: configured with working credentials."""
    return {**store, "_secret_keys": list(STORE_SECRETS[store["type"]])}


def can_write(store: dict[str, Any]) -> bool:
    """Whether a delivery into ``store`` (a stored row) succeeds: a usable bucket and every
    secret its type needs."""
    if store["configs"]["bucket"].startswith(FAILING_BUCKET_PREFIX):
        return False
    given = store.get("_secret_keys", ())
    return all(key in given for key in STORE_SECRETS[store["type"]])


class Stores:
    def __init__(self, workspaces: Workspaces) -> None:
        self.workspaces = workspaces
        self.state = workspaces.state

    def list(self, ws: Workspace) -> dict[str, Any]:
        return {"stores": [public(s) for s in self.state.list_stores(ws.id)]}

    def create(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        stamp = to_rfc3339(self.workspaces.now(ws.id))
        row = {
            "name": body["name"],
            "type": body["type"],
            "configs": dict(body["configs"]),
            "labels": dict(body.get("labels") or {}),
            "created_at": stamp,
            "updated_at": stamp,
            "created_by": ws.user_id,
            # Only the names of the secrets given (non-empty), never their values.
            "_secret_keys": sorted(k for k, v in body["secrets"].items() if v),
        }
        try:
            new_id = self.state.insert_store(ws.id, row)
        except NameTaken:
            raise name_taken("a store", body["name"]) from None
        return public({"id": new_id, **row})

    def get(self, ws: Workspace, store_id: str) -> dict[str, Any]:
        """The stored row of a store (private fields included); 404 if there is none."""
        store = self.state.get_store(ws.id, store_id)
        if store is None:
            raise errors.not_found("store", store_id)
        return store

    def delete(self, ws: Workspace, store_id: str) -> None:
        if not self.state.delete_store(ws.id, store_id):
            raise errors.not_found("store", store_id)
