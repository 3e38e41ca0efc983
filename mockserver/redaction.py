"""Validation messages that never repeat a secret.

jsonschema's messages quote the offending value (``'abc' is not of type 'object'``). That is
helpful for ordinary fields and a leak for anything under a store's ``secrets``, so a violation
found there, or one whose value is an object or array that could hold secrets, is described by
the rule it broke instead of by its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jsonschema import ValidationError

from mockserver import validation_error_fields

SECRET_FIELD = "secrets"


def may_hold_secrets(path: Sequence[Any], instance: Any) -> bool:
    """True when the value at ``path`` is, or could contain, a secret."""
    return SECRET_FIELD in path or isinstance(instance, dict | list)


def _plural(n: Any, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def rule_broken(error: ValidationError) -> str:
    """What ``error`` requires, in words, without the value that broke it."""
    rule, wanted = error.validator, validation_error_fields.rule_value(error)
    if rule == "type":
        kinds = wanted if isinstance(wanted, list) else [wanted]
        return f"must be of type {' or '.join(str(k) for k in kinds)}"
    if rule == "maxLength":
        return f"must be at most {_plural(wanted, 'character')} long"
    if rule == "minLength":
        return f"must be at least {_plural(wanted, 'character')} long"
    if rule == "maxItems":
        return f"must have at most {_plural(wanted, 'item')}"
    if rule == "minItems":
        return f"must have at least {_plural(wanted, 'item')}"
    if rule == "maxProperties":
        return f"must have at most {_plural(wanted, 'field')}"
    if rule == "minProperties":
        return f"must have at least {_plural(wanted, 'field')}"
    if rule == "enum":
        return f"must be one of {', '.join(repr(v) for v in wanted)}"
    if rule == "pattern":
        return f"must match the pattern {wanted!r}"
    if rule in {"oneOf", "anyOf"}:
        return "does not match any of the shapes the contract allows here"
    return f"breaks the contract's '{rule}' rule"
