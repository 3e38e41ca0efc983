"""Catalogs: SearchCatalogs, GetCatalogById."""

from __future__ import annotations

from typing import Any

from mockserver.api._context import service, workspace


def search_catalogs(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().search_catalogs(workspace(), body), 200


def get_catalog(id_: str) -> tuple[dict[str, Any], int]:
    return service().get_catalog(workspace(), id_), 200
