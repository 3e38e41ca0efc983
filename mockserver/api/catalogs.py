"""Catalogs: SearchCatalogs, GetCatalogById."""

from __future__ import annotations

from typing import Any

from mockserver.request_context import service, workspace


def search_catalogs(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().catalogs.search(workspace(), body), 200


def get_catalog(id_: str) -> tuple[dict[str, Any], int]:
    return service().catalogs.get(workspace(), id_), 200
