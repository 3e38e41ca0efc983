"""The route table: every (method, path template) of a contract and the operation it serves.

Built from the specs alone, it is what every part that looks at a request before (or instead of)
Connexion asks: the journal, fault injection and ``Prefer: code=`` (:func:`find` over both of the
mock's specs) and the validating proxy (:func:`build` over the contract it checks). Literal path
segments win over templated ones (``/v0/catalogs/search`` before ``/v0/catalogs/{catalog_id}``),
as in routing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from mockserver.package_data import spec_dir
from mockserver.schemas import resolved_spec

CONTROL_PREFIX = "/_mock"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # as the client sees it, prefix included: /v0/aoi/{aoi_id}
    operation_id: str
    control: bool  # part of the /_mock control API
    operation: dict[str, Any]  # the operation object, references resolved
    pattern: re.Pattern[str]  # the template as a regex, one group per path parameter
    path_names: tuple[str, ...]  # the path parameters, in order
    # The operation's parameters with the path item's shared ones it does not redefine.
    parameters: list[dict[str, Any]] = field(default_factory=list, compare=False)

    def matches_path(self, path: str) -> bool:
        return self.pattern.match(path) is not None


def build(spec: dict[str, Any], prefix: str = "") -> list[Route]:
    """The routes of a resolved spec, each template under ``prefix``, matching order."""
    found = []
    for template, item in spec.get("paths", {}).items():
        full = prefix + template
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", r"([^/]+)", re.escape(full)) + "$")
        names = tuple(re.findall(r"\{([^}]+)\}", full))
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            own = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            parameters = [p for p in shared if (p["in"], p["name"]) not in own]
            parameters += operation.get("parameters", [])
            found.append(
                Route(
                    method.upper(),
                    full,
                    operation["operationId"],
                    bool(prefix),
                    operation,
                    pattern,
                    names,
                    parameters,
                )
            )
    found.sort(key=lambda route: (route.template.count("{"), -len(route.template)))
    return found


@functools.lru_cache(maxsize=1)
def routes() -> tuple[Route, ...]:
    """The mock's routes: the Pixxel API's and the control API's under /_mock."""
    found = build(resolved_spec(spec_dir() / "openapi.yaml"))
    found += build(resolved_spec(spec_dir() / "admin.yaml"), CONTROL_PREFIX)
    found.sort(key=lambda route: (route.template.count("{"), -len(route.template)))
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
