"""The fields of a jsonschema ``ValidationError``, typed as a validator sets them.

jsonschema types ``validator_value``, ``instance`` and ``schema`` as possibly unset, which is
true only of an error built by hand. Every error this project reads comes from a validator's
``iter_errors``, which sets all three, so they are read here once, with the types they carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from jsonschema import ValidationError


def rule_value(error: ValidationError) -> Any:
    """The value of the keyword ``error`` broke (the ``3`` of ``maxLength: 3``)."""
    return cast(Any, error.validator_value)


def instance(error: ValidationError) -> Any:
    """The part of the document that broke the rule."""
    return cast(Any, error.instance)


def schema(error: ValidationError) -> Mapping[str, Any]:
    """The schema object holding the broken keyword."""
    return cast(Mapping[str, Any], error.schema)
