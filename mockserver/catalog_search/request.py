"""A catalog search request, checked: each part parsed, or a 400 naming the field at fault."""

from __future__ import annotations

import math
import re
from typing import Any

from mockserver.catalog_search.fields import TOP_LEVEL_FIELDS
from mockserver.errors import bad_request

QUERY_OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in")
SORT_DIRECTIONS = ("ASC", "DESC")
_SORT_FORMS = '{"<field>": "ASC"|"DESC"} or {"field": "<field>", "direction": "asc"|"desc"}'
# ``properties->>'datetime'``: how the reference's description names a STAC property.
_PROPERTY_PATH = re.compile(r"^properties\s*->>?\s*'([^']+)'$")


def queryables(properties: frozenset[str]) -> list[str]:
    """Every name accepted in ``query`` and ``sort_by``, given the STAC properties known."""
    return sorted(properties | set(TOP_LEVEL_FIELDS))


# -- request parsing -------------------------------------------------------------------


def integer(request: dict[str, Any], name: str, default: int, low: int, high: int | None) -> int:
    value = request.get(name)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_request(f"{name} must be an integer", field=name)
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(f"{name} must be {bounds}, got {value}", field=name)
    return value


def string_list(request: dict[str, Any], name: str) -> list[str]:
    value = request.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{name} must be an array of strings", field=name)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise bad_request(f"{name}[{i}] must be a string", field=f"{name}[{i}]")
    return value


def _check_field(name: str, field: str, what: str, properties: frozenset[str]) -> None:
    if name not in TOP_LEVEL_FIELDS and name not in properties:
        known = queryables(properties)
        raise bad_request(
            f"{field}: unknown {what} {name!r}; known: {', '.join(known)}",
            field=field,
            queryables=known,
        )


def parse_query(query: Any, properties: frozenset[str]) -> list[tuple[str, str, Any]]:
    if query is None:
        return []
    if not isinstance(query, dict):
        raise bad_request("query must be an object keyed by property name", field="query")
    parsed: list[tuple[str, str, Any]] = []
    for name, condition in query.items():
        field = f"query.{name}"
        _check_field(name, field, "property", properties)
        if not isinstance(condition, dict):
            parsed.append((name, "eq", _operand(condition, field)))
            continue
        if not condition:
            raise bad_request(
                f"{field} needs at least one operator ({', '.join(QUERY_OPERATORS)})",
                field=field,
            )
        for op, operand in condition.items():
            where = f"{field}.{op}"
            if op not in QUERY_OPERATORS:
                raise bad_request(
                    f"{where}: unknown operator {op!r}; use one of {', '.join(QUERY_OPERATORS)}",
                    field=where,
                    allowed=list(QUERY_OPERATORS),
                )
            if op == "in":
                if not isinstance(operand, list):
                    raise bad_request(f"{where} must be an array of values", field=where)
                operand = [_operand(item, f"{where}[{i}]") for i, item in enumerate(operand)]
            else:
                operand = _operand(operand, where)
            parsed.append((name, op, operand))
    return parsed


def _operand(value: Any, field: str) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise bad_request(f"{field} must be a finite number", field=field)
    return value


def parse_sort(sort_by: Any, properties: frozenset[str]) -> list[tuple[str, bool]]:
    """Sort keys in either documented form: ``{"<field>": "ASC"|"DESC"}`` or
    ``{"field": "<field>", "direction": "asc"|"desc"}`` (the field may be written
    ``properties->>'<field>'``; the direction in either case, ascending when absent)."""
    if sort_by is None:
        return []
    if not isinstance(sort_by, list):
        raise bad_request(f"sort_by must be an array of sort keys ({_SORT_FORMS})", field="sort_by")
    parsed: list[tuple[str, bool]] = []
    for i, item in enumerate(sort_by):
        field = f"sort_by[{i}]"
        if isinstance(item, dict) and "field" in item:
            name, direction = item["field"], item.get("direction", "ASC")
            if set(item) - {"field", "direction"} or not isinstance(name, str):
                raise bad_request(f"{field} must be one sort key ({_SORT_FORMS})", field=field)
            name = _PROPERTY_PATH.sub(r"\1", name.strip())
            direction = direction.upper() if isinstance(direction, str) else direction
        elif isinstance(item, dict) and len(item) == 1:
            ((name, direction),) = item.items()
        else:
            raise bad_request(f"{field} must be one sort key ({_SORT_FORMS})", field=field)
        _check_field(name, field, "sort field", properties)
        if direction not in SORT_DIRECTIONS:
            raise bad_request(
                f"{field}: direction must be 'ASC' or 'DESC', got {direction!r}",
                field=field,
                allowed=list(SORT_DIRECTIONS),
            )
        parsed.append((name, direction == "DESC"))
    return parsed
