"""Paging limits of a catalog search, as the contract states them (CatalogSearchRequest)."""

from __future__ import annotations

from typing import Any

from mockserver.schemas import load_spec


def _limit_schema() -> dict[str, Any]:
    return load_spec()["components"]["schemas"]["CatalogSearchRequest"]["properties"]["limit"]


#: Catalogs in a page when the request names no ``limit``.
DEFAULT_LIMIT: int = _limit_schema()["default"]
#: The largest ``limit`` a request may name.
MAX_LIMIT: int = _limit_schema()["maximum"]
