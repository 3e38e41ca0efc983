"""Stores: ListStores, CreateStore, DeleteStore."""

from __future__ import annotations

from typing import Any

from mockserver.api._context import service, workspace


def list_stores() -> tuple[dict[str, Any], int]:
    return service().list_stores(workspace()), 200


def create_store(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    # The live API answers 200, not 201, to a created store.
    return service().create_store(workspace(), body), 200


def delete_store(id_: str) -> tuple[str, int]:
    service().delete_store(workspace(), id_)
    return "", 204
