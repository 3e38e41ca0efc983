"""Read the contract and validate documents against its component schemas.

The spec is the only description of shapes (DESIGN principle 1): fixture loading and the test
suite validate against ``components/schemas`` from here rather than keeping Python copies.
OpenAPI 3.0's ``nullable`` and ``writeOnly`` are honoured through Connexion's own validator class,
so a document accepted here is one Connexion would accept too.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from connexion.json_schema import Draft4ResponseValidator, resolve_refs
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError

from mockserver.resources import spec_path

# libyaml's parser when PyYAML was built with it (about 20 times faster on the contract).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=4)
def load_spec(path: Path | None = None) -> dict[str, Any]:
    """The parsed contract (cached; treat as read-only)."""
    with open(path or spec_path(), encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


@functools.lru_cache(maxsize=4)
def resolved_spec(path: Path | None = None) -> dict[str, Any]:
    return resolve_refs(copy.deepcopy(load_spec(path)))


@functools.lru_cache(maxsize=64)
def validator_for(schema_name: str, path: Path | None = None) -> Draft4ResponseValidator:
    """A validator for ``components/schemas/<schema_name>`` with formats checked."""
    schemas = resolved_spec(path)["components"]["schemas"]
    if schema_name not in schemas:
        raise KeyError(f"the spec has no component schema named {schema_name!r}")
    return Draft4ResponseValidator(schemas[schema_name], format_checker=FormatChecker())


def schema_errors(document: Any, schema_name: str) -> Iterator[ValidationError]:
    """Every way ``document`` breaks ``components/schemas/<schema_name>``."""
    yield from validator_for(schema_name).iter_errors(document)


def field_path(error: ValidationError) -> str:
    """A dotted path to the offending field, e.g. ``details.properties.gsd``."""
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(document)"
