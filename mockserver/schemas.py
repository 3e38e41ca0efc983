"""Read the contract and validate documents against its component schemas.

The spec is the only description of shapes (DESIGN principle 1): fixture loading and the test
suite validate against ``components/schemas`` from here rather than keeping Python copies.
OpenAPI 3.0's ``nullable`` and ``writeOnly`` are honoured through Connexion's own validator class,
so a document accepted here is one Connexion would accept too.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from connexion.json_schema import Draft4ResponseValidator, resolve_refs
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from mockserver.package_data import spec_path
from mockserver.timestamps import parse_rfc3339

# -- formats --------------------------------------------------------------------------------------
# Draft 4's own format checker knows neither ``uuid`` nor (without an extra package) ``date-time``;
# the contract relies on both, so both are checked here, strictly.

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def is_date_time(value: str) -> bool:
    """An RFC 3339 date-time with a time zone, that also names a real instant."""
    if not _DATE_TIME.match(value):
        return False
    try:
        parse_rfc3339(value)
    except ValueError:
        return False
    return True


FORMATS = FormatChecker()
FORMATS.checkers = dict(Draft4Validator.FORMAT_CHECKER.checkers)
FORMATS.checks("uuid")(lambda value: not isinstance(value, str) or is_uuid(value))
FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or is_date_time(value))


def _nullable_as_type(node: Any) -> Any:
    """A copy of a schema with OpenAPI 3.0's ``nullable: true`` spelled as JSON Schema types."""
    if isinstance(node, list):
        return [_nullable_as_type(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_as_type(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def compile_fast(schema: dict[str, Any]) -> Any:
    """A compiled (Rust) validator for the common, valid case, with the same formats as
    :data:`FORMATS`. It only answers valid or not: when it says no, run the Python validator to
    find and word the error."""
    return jsonschema_rs.Draft4Validator(
        _nullable_as_type(schema),
        formats={"uuid": is_uuid, "date-time": is_date_time},
        validate_formats=True,
    )


# libyaml's parser when PyYAML was built with it (about 20 times faster on the contract).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=4)
def load_spec(path: Path | None = None) -> dict[str, Any]:
    """The parsed contract (cached; treat as read-only)."""
    with open(path or spec_path(), encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.load(fh, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    return spec


@functools.lru_cache(maxsize=4)
def resolved_spec(path: Path | None = None) -> dict[str, Any]:
    resolved: dict[str, Any] = resolve_refs(copy.deepcopy(load_spec(path)))
    return resolved


@functools.lru_cache(maxsize=64)
def validator_for(schema_name: str, path: Path | None = None) -> Draft4ResponseValidator:
    """A validator for ``components/schemas/<schema_name>`` with formats checked."""
    schemas = resolved_spec(path)["components"]["schemas"]
    if schema_name not in schemas:
        raise KeyError(f"the spec has no component schema named {schema_name!r}")
    return Draft4ResponseValidator(schemas[schema_name], format_checker=FORMATS)


@functools.lru_cache(maxsize=64)
def fast_validator_for(schema_name: str, path: Path | None = None) -> Any:
    """:func:`compile_fast` of ``components/schemas/<schema_name>``."""
    return compile_fast(validator_for(schema_name, path).schema)


def schema_errors(document: Any, schema_name: str) -> Iterator[ValidationError]:
    """Every way ``document`` breaks ``components/schemas/<schema_name>``."""
    yield from validator_for(schema_name).iter_errors(document)


def field_path(error: ValidationError) -> str:
    """A dotted path to the offending field, e.g. ``details.properties.gsd``."""
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(document)"
