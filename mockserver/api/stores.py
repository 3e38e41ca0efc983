"""Stores: ListStores, CreateStore, DeleteStore."""

from __future__ import annotations

from typing import Any

from mockserver.request_context import service, workspace


def list_stores() -> tuple[dict[str, Any], int]:
    return service().stores.list(workspace()), 200


def create_store(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    # The live API answers 200, not 201, to a created store.
    return service().stores.create(workspace(), body), 200


def delete_store(id_: str) -> tuple[str, int]:
    service().stores.delete(workspace(), id_)
    return "", 204
