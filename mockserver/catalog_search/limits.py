"""Paging limits of a catalog search, as the contract states them (CatalogSearchRequest).

Read from spec/openapi.yaml with PyYAML alone, so that the domain loads no validation stack.
"""

from __future__ import annotations

from typing import Any

import yaml

from mockserver.package_data import spec_path


def _limit_schema() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(spec_path(), encoding="utf-8") as fh:
        spec = yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader
    properties = spec["components"]["schemas"]["CatalogSearchRequest"]["properties"]
    limit: dict[str, Any] = properties["limit"]
    return limit


_LIMIT = _limit_schema()
#: Catalogs in a page when the request names no ``limit``.
DEFAULT_LIMIT: int = _LIMIT["default"]
#: The largest ``limit`` a request may name.
MAX_LIMIT: int = _LIMIT["maximum"]
