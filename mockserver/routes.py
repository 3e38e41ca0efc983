"""Which operation of the two specs a request is for, before any handler runs.

The journal, fault injection and ``Prefer: code=`` look at every request in front of Connexion,
so they need the operationId of a method and path themselves. Literal path segments win over
templated ones (``/v0/catalogs/search`` before ``/v0/catalogs/{catalog_id}``), as in routing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from mockserver.resources import spec_dir
from mockserver.schemas import resolved_spec

CONTROL_PREFIX = "/_mock"
_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # as the client sees it, prefix included: /v0/aoi/{aoi_id}
    operation_id: str
    control: bool  # part of the /_mock control API
    operation: dict[str, Any]  # the operation object, references resolved

    def matches_path(self, path: str) -> bool:
        return _pattern(self.template).match(path) is not None


@functools.lru_cache(maxsize=64)
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", template) + "$")


@functools.lru_cache(maxsize=1)
def routes() -> tuple[Route, ...]:
    found = []
    for spec_file, prefix in (("openapi.yaml", ""), ("admin.yaml", CONTROL_PREFIX)):
        spec = resolved_spec(spec_dir() / spec_file)
        for template, item in spec["paths"].items():
            for method in _METHODS:
                if method in item:
                    operation = item[method]
                    found.append(
                        Route(
                            method.upper(),
                            prefix + template,
                            operation["operationId"],
                            bool(prefix),
                            operation,
                        )
                    )
    found.sort(key=lambda route: route.template.count("{"))
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def find(method: str, path: str) -> Route | None:
    """The route serving ``method path`` (HEAD is served by GET), or None."""
    method = "GET" if method == "HEAD" else method
    for route in routes():
        if route.method == method and route.matches_path(path):
            return route
    return None


def by_operation_id(operation_id: str) -> Route | None:
    for route in routes():
        if route.operation_id == operation_id:
            return route
    return None
