"""Test support: a virtual time source and a client that checks every answer against the spec."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from connexion.json_schema import Draft4ResponseValidator
from jsonschema import FormatChecker

from mockserver.package_data import spec_path
from mockserver.schemas import FORMATS, resolved_spec

FIXED_START = 1_780_000_000.0  # 2026-05-28T20:26:40Z: a fixed "real" now for every test


class FakeTime:
    """A real-time source that only moves when a test says so."""

    def __init__(self, start: float = FIXED_START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    operation: dict[str, Any]


def _routes(spec: dict[str, Any], prefix: str = "") -> list[_Route]:
    routes = []
    for template, item in spec["paths"].items():
        regex = "^" + prefix + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        for method, operation in item.items():
            if method in {"get", "post", "put", "delete", "patch"}:
                routes.append(_Route(method.upper(), re.compile(regex), template, operation))
    # Literal segments beat templated ones (/v0/catalogs/search before /v0/catalogs/{id}).
    routes.sort(key=lambda r: r.template.count("{"))
    return routes


class SpecViolation(AssertionError):
    pass


@dataclass
class ResponseChecker:
    """Validates a response's status, content type and body against the operation's spec."""

    spec: dict[str, Any] = field(default_factory=resolved_spec)
    admin_spec: dict[str, Any] = field(
        default_factory=lambda: resolved_spec(spec_path().parent / "admin.yaml")
    )
    checked: int = 0

    def __post_init__(self) -> None:
        self._routes = _routes(self.spec) + _routes(self.admin_spec, prefix="/_mock")
        self._routes.sort(key=lambda r: r.template.count("{"))
        self._error = self.spec["components"]["schemas"]["Error"]
        self._checker: FormatChecker = FORMATS

    def operation_for(self, method: str, path: str) -> dict[str, Any] | None:
        for route in self._routes:
            if route.method == method and route.pattern.match(path):
                return route.operation
        return None

    def check(self, method: str, path: str, status: int, headers: Any, body: bytes) -> None:
        self.checked += 1
        operation = self.operation_for(method, path.split("?", 1)[0])
        if (
            operation is None
            or status in (401, 405, 413, 415)
            and str(status) not in operation.get("responses", {})
        ):
            if status >= 400:
                self._validate(self._error, body, headers, f"{method} {path} -> {status}")
            return
        responses = operation["responses"]
        declared = responses.get(str(status)) or responses.get("default")
        if declared is None:
            raise SpecViolation(
                f"{method} {path} answered {status}, which the spec does not declare"
                f" (declared: {sorted(responses)})"
            )
        content = declared.get("content")
        if not content:
            if body:
                raise SpecViolation(f"{method} {path} -> {status} must have an empty body")
            return
        if "application/json" not in content:
            declared_types = sorted(content)
            if headers.get("content-type", "").split(";")[0] not in declared_types:
                raise SpecViolation(
                    f"{method} {path} -> {status}: content-type {headers.get('content-type')!r}"
                    f" is not one of {declared_types}"
                )
            return
        schema = content["application/json"]["schema"]
        self._validate(schema, body, headers, f"{method} {path} -> {status}")

    def _validate(self, schema: dict[str, Any], body: bytes, headers: Any, where: str) -> None:
        import json

        content_type = headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            raise SpecViolation(f"{where}: content-type {content_type!r} is not JSON")
        document = json.loads(body)
        errors = list(
            Draft4ResponseValidator(schema, format_checker=self._checker).iter_errors(document)
        )
        if errors:
            detail = "; ".join(
                f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in errors[:5]
            )
            raise SpecViolation(f"{where}: response breaks the spec: {detail}")


class CheckedClient:
    """Starlette's test client for one API key, validating every answer against the spec."""

    def __init__(self, raw_client: Any, checker: ResponseChecker, api_key: str | None) -> None:
        self.raw = raw_client
        self.checker = checker
        self.api_key = api_key

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.api_key is not None and "Authorization" not in headers:
            headers["Authorization"] = self.api_key
        response = self.raw.request(method, path, headers=headers, **kwargs)
        self.checker.check(
            method.upper(), path, response.status_code, response.headers, response.content
        )
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def as_key(self, api_key: str | None) -> CheckedClient:
        return CheckedClient(self.raw, self.checker, api_key)


def error_of(response: Any) -> dict[str, Any]:
    """The ``error`` object of an envelope answer."""
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def pages(client: CheckedClient, path: str, limit: int) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        sep = "&" if "?" in path else "?"
        body = client.get(f"{path}{sep}limit={limit}&offset={offset}").json()
        yield body
        offset += limit
        if offset >= body["pagination"]["total"]:
            return


def s3_store_body(name: str, bucket: str = "acme-imagery") -> dict[str, Any]:
    """A valid CreateStore body for an S3 store."""
    return {
        "name": name,
        "type": "S3",
        "configs": {"bucket": bucket, "region": "ap-south-1"},
        "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
    }


def make_store(client: CheckedClient, bucket: str = "acme-imagery", name: str | None = None) -> str:
    """Create an S3 store in the client's workspace and return its id."""
    response = client.post("/v0/stores", json=s3_store_body(name or f"store-{bucket}", bucket))
    assert response.status_code == 200, response.text
    return response.json()["id"]
