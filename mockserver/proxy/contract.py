"""One exchange judged against the contract: which operation it is, and how it breaks the contract.

:class:`Contract` reads ``spec/openapi.yaml`` through :mod:`mockserver.schemas` (the same loading
and the same ``uuid``/``date-time`` format checks as the mock) and answers, for a request and its
response, a list of :class:`Violation`. Each violation has a *kind*: what broke and where, with
array positions folded (``stores[].created_at``), so that the same difference seen in a thousand
answers is one kind with one example.

What is checked:

* the request: a documented method and path, required and well-formed path and query parameters,
  a JSON body valid against the operation's request schema;
* the response: a documented status, a documented ``Content-Type``, and a body valid against the
  documented schema.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Connexion imports Starlette's test client at import time, which warns about httpx; that warning
# says nothing to someone using the proxy or the kit.
warnings.filterwarnings("ignore", message=".*httpx.*")

from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator  # noqa: E402
from jsonschema.exceptions import ValidationError  # noqa: E402

from mockserver.routes import Route  # noqa: E402
from mockserver.routes import build as build_routes  # noqa: E402
from mockserver.schemas import FORMATS, resolved_spec  # noqa: E402


@dataclass(frozen=True)
class Violation:
    """One way an exchange breaks the contract."""

    category: str  # unknown_route, request_parameter, request_body, response_status, ...
    where: str  # the field, parameter, status or content type concerned
    message: str
    value: Any = None  # the offending value, as found (sanitise and shorten before keeping it)

    @property
    def kind(self) -> str:
        return f"{self.category}: {self.where}" if self.where else self.category


def field_path(error: ValidationError, root: str = "") -> str:
    """``stores[].created_at``: the error's location, array positions folded, plus the missing
    property for a ``required`` error (so that each missing field is its own kind)."""
    out = root
    for part in error.absolute_path:
        out += "[]" if isinstance(part, int) else (f".{part}" if out else str(part))
    if error.validator == "required":
        match = re.match(r"'([^']+)' is a required property", error.message)
        if match:
            out += f".{match.group(1)}" if out else match.group(1)
    return out or "(document)"


def _error_violations(category: str, root: str, errors: list[ValidationError]) -> list[Violation]:
    found: dict[str, Violation] = {}
    for error in errors:
        where = f"{field_path(error, root)} ({error.validator})"
        if where not in found:
            found[where] = Violation(category, where, error.message, error.instance)
    return list(found.values())


def _coerce(raw: str, schema: dict[str, Any], style_list: bool) -> Any:
    """A query or path value as the type its schema names (strings stay as they are when they do
    not convert, so that the schema check reports them)."""
    kind = schema.get("type")
    if kind == "array":
        parts = raw.split(",") if style_list else [raw]
        return [_coerce(part, schema.get("items", {}), False) for part in parts]
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def _check_body(
    side: str,
    content: dict[str, Any],
    content_type: str,
    body: bytes,
    validator: type[Draft4RequestValidator] | type[Draft4ResponseValidator],
) -> list[Violation]:
    """A request's or an answer's body against its documented media types and JSON schema."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in content:
        return [
            Violation(
                f"{side}_content_type",
                media or "(none)",
                f"Content-Type {media or '(none)'} is not one of {sorted(content)}",
            )
        ]
    schema = content[media].get("schema")
    if schema is None or not media.endswith("json"):
        return []
    try:
        document = json.loads(body)
    except ValueError:
        return [Violation(f"{side}_body", "(not JSON)", "the body is not JSON")]
    errors = list(validator(schema, format_checker=FORMATS).iter_errors(document))
    return _error_violations(f"{side}_body", "", errors)


class Contract:
    """The operations of one OpenAPI document, ready to judge exchanges."""

    def __init__(self, spec_file: Path | None = None) -> None:
        self.spec = resolved_spec(spec_file)
        routes = build_routes(self.spec)
        self.routes = routes
        self.operations = {route.operation_id: route for route in routes}

    # -- which operation -------------------------------------------------------------------

    def match(self, method: str, path: str) -> Route | None:
        for route in self.routes:
            if route.method == method.upper() and route.pattern.match(path):
                return route
        return None

    # -- the request -----------------------------------------------------------------------

    def check_request(
        self,
        route: Route,
        path: str,
        query: list[tuple[str, str]],
        content_type: str,
        body: bytes,
    ) -> list[Violation]:
        found: list[Violation] = []
        match = route.pattern.match(path)
        groups = match.groups() if match else ()
        path_values = dict(zip(route.path_names, groups, strict=False))
        query_values: dict[str, list[str]] = {}
        for name, raw in query:
            query_values.setdefault(name, []).append(raw)
        for parameter in route.parameters:
            where, name = parameter.get("in"), parameter["name"]
            schema = parameter.get("schema", {})
            if where == "path":
                raw_values = [path_values[name]] if name in path_values else []
            elif where == "query":
                raw_values = query_values.get(name, [])
            else:
                continue
            label = f"{where}.{name}"
            if not raw_values:
                if parameter.get("required"):
                    found.append(Violation("request_parameter", f"{label} (required)", "missing"))
                continue
            style_list = parameter.get("explode") is False or schema.get("type") != "array"
            if schema.get("type") == "array" and parameter.get("explode", True):
                value: Any = [_coerce(v, schema.get("items", {}), False) for v in raw_values]
            else:
                value = _coerce(raw_values[-1], schema, style_list)
            errors = list(Draft4RequestValidator(schema, format_checker=FORMATS).iter_errors(value))
            found += _error_violations("request_parameter", label, errors)
        body_spec = route.operation.get("requestBody")
        if body_spec:
            found += self._check_request_body(body_spec, content_type, body)
        return found

    def _check_request_body(
        self, spec: dict[str, Any], content_type: str, body: bytes
    ) -> list[Violation]:
        content = spec.get("content", {})
        if not body:
            if spec.get("required"):
                return [Violation("request_body", "(required)", "the request has no body")]
            return []
        return _check_body("request", content, content_type, body, Draft4RequestValidator)

    # -- the response ----------------------------------------------------------------------

    @staticmethod
    def declared_response(route: Route, status: int) -> dict[str, Any] | None:
        responses: dict[str, dict[str, Any]] = route.operation.get("responses", {})
        return (
            responses.get(str(status))
            or responses.get(f"{str(status)[0]}XX")
            or responses.get("default")
        )

    def outline_errors(self, route: Route, status: int, document: Any) -> list[str]:
        """How a JSON answer breaks the documented schema at its top level only (its type, its
        required properties): whether it is this kind of document at all, not every detail."""
        declared = self.declared_response(route, status) or {}
        media = (declared.get("content") or {}).get("application/json") or {}
        schema = media.get("schema")
        if schema is None:
            return []
        validator = Draft4ResponseValidator(schema, format_checker=FORMATS)
        return [e.message for e in validator.iter_errors(document) if not e.absolute_path]

    def check_response(
        self, route: Route, status: int, content_type: str, body: bytes
    ) -> list[Violation]:
        responses = route.operation.get("responses", {})
        declared = self.declared_response(route, status)
        if declared is None:
            documented = ", ".join(sorted(responses))
            return [
                Violation(
                    "response_status",
                    str(status),
                    f"status {status} is not documented (documented: {documented})",
                )
            ]
        content = declared.get("content") or {}
        if not content:
            if body.strip():
                return [Violation("response_body", "(must be empty)", "the body is not empty")]
            return []
        return _check_body("response", content, content_type, body, Draft4ResponseValidator)
