"""What differs between the contract and a published OpenAPI reference, operation by operation.

The point of view is a client written for the reference (for example generated from it) that
talks to a server built to the contract. A difference is *breaking* when such a client could
fail: the contract refuses a request the reference calls valid, does not know a parameter or
request field the reference lists (so refuses or ignores it), or answers with something the
reference does not allow (a value of another type, an enum value or a null it does not list, a
success status it does not document), or leaves out a response field the reference requires.
The contract accepting more, or answering with less than the reference allows, is not breaking.

Operations are matched by method and path (path parameter names aside). Each difference has a
stable key, ``<where>: <kind>`` (``response.order_items[].gsd: type``), under the operation's
name; waivers name differences by that pair.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REQUEST, RESPONSE = "request", "response"
_PARAM = re.compile(r"\{[^}]*\}")
_VERSION = re.compile(r"v\d+")


class DocumentError(ValueError):
    """The document cannot be compared (not OpenAPI 3, or a $ref that leads nowhere)."""


@dataclass(frozen=True)
class Difference:
    key: str  # "<where>: <kind>", stable across runs
    breaking: bool
    detail: str


@dataclass
class OperationDrift:
    name: str  # the reference's operationId, else the contract's, else "METHOD /path"
    method: str
    path: str
    contract_id: str | None
    reference_id: str | None
    differences: list[Difference] = field(default_factory=list)


@dataclass
class DriftResult:
    operations: list[OperationDrift]
    compared: int  # operations present in both documents
    out_of_scope: list[tuple[str, str, str | None]]  # reference (method, path, operationId)


@dataclass
class _Operation:
    method: str
    path: str  # as written in the document
    shape: str  # path with parameter names removed: /v0/stores/{}
    op: dict[str, Any]
    path_item: dict[str, Any]

    @property
    def op_id(self) -> str | None:
        return self.op.get("operationId")

    def path_param_names(self) -> list[str]:
        return [name[1:-1] for name in _PARAM.findall(self.path)]


class _Doc:
    def __init__(self, document: Any, label: str) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            raise DocumentError(f"{label}: not an OpenAPI document (no 'paths' object)")
        if not str(document.get("openapi", "")).startswith("3."):
            raise DocumentError(f"{label}: only OpenAPI 3.x documents can be compared")
        self.doc, self.label = document, label

    def resolve(self, schema: Any) -> Any:
        seen = set()
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen:
                raise DocumentError(f"{self.label}: $ref loop at {ref}")
            seen.add(ref)
            schema = self._pointer(ref)
        return schema

    def _pointer(self, ref: str) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise DocumentError(f"{self.label}: only local $ref are supported, not {ref!r}")
        node: Any = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise DocumentError(f"{self.label}: $ref {ref} leads nowhere")
            node = node[part]
        return node

    def operations(self) -> dict[tuple[str, str], _Operation]:
        found = {}
        for path, item in self.doc["paths"].items():
            item = self.resolve(item)
            if not isinstance(item, dict):
                continue
            shape = _PARAM.sub("{}", path.rstrip("/") or "/")
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    found[(method, shape)] = _Operation(method, path, shape, item[method], item)
        return found


def _root(shape: str) -> str:
    """The resource an operation belongs to: /v0/aois for /v0/aois/{}/assets."""
    parts = [p for p in shape.split("/") if p]
    for i, part in enumerate(parts):
        if not _VERSION.fullmatch(part):
            return "/" + "/".join(parts[: i + 1])
    return shape


# --- schemas, flattened --------------------------------------------------------------------


@dataclass
class _View:
    """What one schema says, after $ref, allOf, oneOf and anyOf are followed."""

    types: set[str] | None = None  # None: not stated
    nullable: bool = False
    enum: list[Any] | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: Any = None
    identity: frozenset[int] = frozenset()  # ids of the dicts it was built from (cycle guard)


def _view(doc: _Doc, schema: Any) -> _View:
    schema = doc.resolve(schema)
    view = _View(identity=frozenset({id(schema)}))
    if not isinstance(schema, dict):
        return view
    declared = schema.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if isinstance(declared, list):
        view.nullable = "null" in declared
        view.types = {t for t in declared if t != "null"} or None
    elif "properties" in schema:
        view.types = {"object"}
    elif "items" in schema:
        view.types = {"array"}
    view.nullable = view.nullable or schema.get("nullable") is True
    if isinstance(schema.get("enum"), list):
        view.enum = [v for v in schema["enum"] if v is not None]
        view.nullable = view.nullable or None in schema["enum"]
    view.properties = dict(schema.get("properties") or {})
    view.required = set(schema.get("required") or [])
    view.items = schema.get("items")
    for part in schema.get("allOf") or []:
        _merge_all(view, _view(doc, part))
    alternatives = (schema.get("oneOf") or []) + (schema.get("anyOf") or [])
    branches = [_view(doc, part) for part in alternatives]
    if branches:
        _merge_all(view, _merge_any(branches))
    return view


def _merge_all(view: _View, part: _View) -> None:
    """allOf: every part holds."""
    if part.types is not None:
        view.types = part.types if view.types is None else (view.types & part.types) or part.types
    if part.enum is not None:
        view.enum = part.enum if view.enum is None else [v for v in view.enum if v in part.enum]
    for name, sub in part.properties.items():
        view.properties.setdefault(name, sub)
    view.required |= part.required
    view.items = view.items if view.items is not None else part.items
    view.identity |= part.identity


def _merge_any(branches: list[_View]) -> _View:
    """oneOf / anyOf: any branch may hold; a null-only branch makes the whole nullable."""
    solid = [b for b in branches if b.types is not None or b.properties or b.enum is not None]
    merged = _View(nullable=any(b.nullable for b in branches))
    if not solid:
        return merged
    if all(b.types is not None for b in solid):
        merged.types = set().union(*(b.types for b in solid))
    if all(b.enum is not None for b in solid):
        merged.enum = [v for b in solid for v in b.enum]
    for branch in solid:
        for name, sub in branch.properties.items():
            merged.properties.setdefault(name, sub)
        merged.items = merged.items if merged.items is not None else branch.items
        merged.identity |= branch.identity
    objects = [b for b in solid if b.properties or b.required]
    if objects:
        merged.required = set.intersection(*(b.required for b in objects))
    return merged


def _accepts(wide: set[str], narrow: set[str]) -> bool:
    """Every value of a `narrow` type is valid for `wide` (an integer is a number)."""
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _fmt(values: Any) -> str:
    return ", ".join(sorted(str(v) for v in values))


class _Comparer:
    def __init__(self, contract: _Doc, reference: _Doc) -> None:
        self.c, self.r = contract, reference

    def schema(
        self, c_schema: Any, r_schema: Any, where: str, direction: str, stack: tuple = ()
    ) -> Iterator[Difference]:
        cv, rv = _view(self.c, c_schema), _view(self.r, r_schema)
        pair = (cv.identity, rv.identity)
        if pair in stack:  # a recursive schema: this pair is being compared further up
            return
        stack = (*stack, pair)
        request = direction == REQUEST
        if cv.types is not None and rv.types is not None and cv.types != rv.types:
            ok = _accepts(cv.types, rv.types) if request else _accepts(rv.types, cv.types)
            yield Difference(
                f"{where}: type",
                not ok,
                f"contract {_fmt(cv.types)}, reference {_fmt(rv.types)}",
            )
        if cv.nullable != rv.nullable:
            # A null the reference allows in a request, or one it does not in a response.
            breaking = rv.nullable if request else cv.nullable
            side = "contract" if cv.nullable else "reference"
            yield Difference(f"{where}: nullable", breaking, f"only the {side} allows null")
        yield from self._enum(cv, rv, where, request)
        if cv.items is not None and rv.items is not None:
            yield from self.schema(cv.items, rv.items, f"{where}[]", direction, stack)
        yield from self._properties(cv, rv, where, direction, stack)

    def _enum(self, cv: _View, rv: _View, where: str, request: bool) -> Iterator[Difference]:
        if cv.enum is None and rv.enum is None:
            return
        if cv.enum is None or rv.enum is None:
            only = "contract" if rv.enum is None else "reference"
            # An enum only the contract has narrows requests; only the reference, responses.
            breaking = (only == "contract") if request else (only == "reference")
            yield Difference(f"{where}: enum", breaking, f"only the {only} restricts the values")
            return
        lacks = [v for v in rv.enum if v not in cv.enum]
        adds = [v for v in cv.enum if v not in rv.enum]
        if lacks or adds:
            parts = [f"contract lacks {_fmt(lacks)}"] if lacks else []
            parts += [f"contract adds {_fmt(adds)}"] if adds else []
            yield Difference(f"{where}: enum", bool(lacks if request else adds), "; ".join(parts))

    def _properties(
        self, cv: _View, rv: _View, where: str, direction: str, stack: tuple
    ) -> Iterator[Difference]:
        request = direction == REQUEST
        for name, r_sub in rv.properties.items():
            at = f"{where}.{name}"
            if name not in cv.properties:
                needed = name in rv.required
                # A client sends what the reference lists; it relies on what it requires.
                breaking = request or needed
                how = "required" if needed else "optional"
                yield Difference(f"{at}: missing", breaking, f"{how} in the reference")
                continue
            c_required, r_required = name in cv.required, name in rv.required
            if c_required != r_required:
                breaking = c_required if request else r_required
                side = "contract" if c_required else "reference"
                yield Difference(f"{at}: required", breaking, f"only the {side} requires it")
            yield from self.schema(cv.properties[name], r_sub, at, direction, stack)
        for name in cv.properties:
            if name not in rv.properties:
                needed = name in cv.required
                breaking = request and needed
                how = "required" if needed else "optional"
                yield Difference(f"{where}.{name}: not in reference", breaking, f"{how} here")

    def operation(self, c_op: _Operation, r_op: _Operation) -> Iterator[Difference]:
        if c_op.op_id != r_op.op_id:
            yield Difference(
                "operationId: differs",
                False,
                f"contract {c_op.op_id or '(none)'}, reference {r_op.op_id or '(none)'}",
            )
        yield from self._parameters(c_op, r_op)
        yield from self._request_body(c_op, r_op)
        yield from self._responses(c_op, r_op)

    def _params(self, doc: _Doc, op: _Operation, renames: dict[str, str]) -> dict:
        found = {}
        for raw in [*(op.path_item.get("parameters") or []), *(op.op.get("parameters") or [])]:
            param = doc.resolve(raw)
            if not isinstance(param, dict) or "name" not in param:
                continue
            where, name = param.get("in", "query"), str(param["name"])
            if where == "path":
                name = renames.get(name, name)
            elif where == "header":
                name = name.lower()
            found[(where, name)] = param  # an operation's own parameter wins over the path's
        return found

    def _parameters(self, c_op: _Operation, r_op: _Operation) -> Iterator[Difference]:
        renames = dict(zip(c_op.path_param_names(), r_op.path_param_names(), strict=False))
        for c_name, r_name in renames.items():
            if c_name != r_name:
                yield Difference(
                    f"parameter.path.{r_name}: name", False, f"called {c_name} in the contract"
                )
        c_params = self._params(self.c, c_op, renames)
        r_params = self._params(self.r, r_op, {})
        for (where, name), r_param in r_params.items():
            at = f"parameter.{where}.{name}"
            c_param = c_params.get((where, name))
            r_required = bool(r_param.get("required")) or where == "path"
            if c_param is None:
                how = "required" if r_required else "optional"
                yield Difference(f"{at}: missing", True, f"{how} in the reference")
                continue
            c_required = bool(c_param.get("required")) or where == "path"
            if c_required != r_required:
                side = "contract" if c_required else "reference"
                yield Difference(f"{at}: required", c_required, f"only the {side} requires it")
            c_schema, r_schema = c_param.get("schema") or {}, r_param.get("schema") or {}
            if _comma_separated(self.c, c_param) and _view(self.r, r_schema).types == {"string"}:
                # `ids=a,b` is what both sides expect on the wire: compare the items with it.
                yield Difference(
                    f"{at}: type", False, "contract a comma-separated array, reference string"
                )
                c_schema = _view(self.c, c_schema).items or {}
            yield from self.schema(c_schema, r_schema, at, REQUEST)
        for (where, name), c_param in c_params.items():
            if (where, name) not in r_params:
                needed = bool(c_param.get("required"))
                yield Difference(
                    f"parameter.{where}.{name}: not in reference",
                    needed,
                    f"{'required' if needed else 'optional'} here",
                )

    def _body(self, doc: _Doc, holder: Any) -> Any:
        content = (doc.resolve(holder) or {}).get("content") or {}
        if not content:
            return None
        media = next((m for m in content if m == "application/json"), None)
        media = media or next((m for m in content if "json" in m), None) or next(iter(content))
        return (content[media] or {}).get("schema") or {}

    def _request_body(self, c_op: _Operation, r_op: _Operation) -> Iterator[Difference]:
        c_holder = self.c.resolve(c_op.op.get("requestBody"))
        r_holder = self.r.resolve(r_op.op.get("requestBody"))
        if c_holder is None and r_holder is None:
            return
        if c_holder is None:
            yield Difference("request: missing", True, "the reference takes a request body")
            return
        c_required = bool(c_holder.get("required"))
        if r_holder is None:
            how = "required" if c_required else "optional"
            yield Difference("request: not in reference", c_required, f"{how} here")
            return
        r_required = bool(r_holder.get("required"))
        if c_required != r_required:
            side = "contract" if c_required else "reference"
            yield Difference("request: required", c_required, f"only the {side} requires it")
        c_body, r_body = self._body(self.c, c_holder), self._body(self.r, r_holder)
        if c_body is not None and r_body is not None:
            yield from self.schema(c_body, r_body, "request", REQUEST)

    def _responses(self, c_op: _Operation, r_op: _Operation) -> Iterator[Difference]:
        c_codes = _success_codes(c_op.op)
        r_codes = _success_codes(r_op.op)
        for code in sorted(set(c_codes) - set(r_codes)):
            yield Difference(
                f"status.{code}: not in reference", True, "a success status only the contract has"
            )
        for code in sorted(set(r_codes) - set(c_codes)):
            yield Difference(
                f"status.{code}: missing", False, "a success status only the reference has"
            )
        c_body, r_body = self._primary_body(self.c, c_codes), self._primary_body(self.r, r_codes)
        if c_body is not None and r_body is not None:
            yield from self.schema(c_body, r_body, "response", RESPONSE)
        elif r_body is not None:
            yield Difference("response: missing", True, "the reference answers with a body")

    def _primary_body(self, doc: _Doc, codes: dict[str, Any]) -> Any:
        for code in sorted(codes):
            body = self._body(doc, codes[code])
            if body is not None:
                return body
        return None


def _comma_separated(doc: _Doc, param: dict[str, Any]) -> bool:
    """A query array sent as one comma-separated value (style form, explode false)."""
    return (
        param.get("in") == "query"
        and param.get("style", "form") == "form"
        and param.get("explode") is False
        and _view(doc, param.get("schema") or {}).types == {"array"}
    )


def _success_codes(op: dict[str, Any]) -> dict[str, Any]:
    responses = op.get("responses") or {}
    return {str(code): r for code, r in responses.items() if str(code).startswith("2")}


def compare(contract: Any, reference: Any) -> DriftResult:
    """Compare two parsed OpenAPI 3 documents; raises DocumentError if either cannot be read."""
    c_doc, r_doc = _Doc(contract, "contract"), _Doc(reference, "reference")
    comparer = _Comparer(c_doc, r_doc)
    c_ops, r_ops = c_doc.operations(), r_doc.operations()
    c_ids = {op.op_id: op for op in c_ops.values() if op.op_id}
    roots = {_root(shape) for _, shape in c_ops}
    result = DriftResult(operations=[], compared=0, out_of_scope=[])
    for key, r_op in r_ops.items():
        c_op = c_ops.get(key)
        name = r_op.op_id or (c_op.op_id if c_op else None) or f"{r_op.method.upper()} {r_op.path}"
        entry = OperationDrift(
            name, r_op.method.upper(), r_op.path, c_op.op_id if c_op else None, r_op.op_id
        )
        if c_op is not None:
            result.compared += 1
            entry.differences = list(comparer.operation(c_op, r_op))
        elif _root(r_op.shape) in roots or r_op.op_id in c_ids:
            elsewhere = c_ids.get(r_op.op_id)
            detail = "the contract has no such operation"
            if elsewhere is not None:
                detail += f" ({r_op.op_id} is {elsewhere.method.upper()} {elsewhere.path} there)"
            entry.differences = [Difference("operation: missing", True, detail)]
        else:
            result.out_of_scope.append((r_op.method.upper(), r_op.path, r_op.op_id))
            continue
        result.operations.append(entry)
    for key, c_op in c_ops.items():
        if key not in r_ops:
            name = c_op.op_id or f"{c_op.method.upper()} {c_op.path}"
            entry = OperationDrift(name, c_op.method.upper(), c_op.path, c_op.op_id, None)
            entry.differences = [
                Difference("operation: not in reference", False, "only the contract has it")
            ]
            result.operations.append(entry)
    return result
