"""Request validation whose failures are envelope errors that name the offending field.

Connexion validates each request against the contract through the validators of its
``validator_map``; the ones here keep that validation and change only what a failure says: a
400 in the Pixxel envelope with ``details.field`` and a sentence about that field (``bucket is
required``, ``give only one of id or name, not both``), never the validator's internals and
never an echoed secret (``redaction.py``).

The validators leave what they parsed and validated in the request's scope (the JSON body,
:func:`parsed_body`; the query parameters, :func:`parsed_query`), so the handler's side need
not parse the same request again and gets exactly what was validated.

Each schema is compiled twice, once: jsonschema-rs answers "valid" for the common case, and only
an invalid request runs the Python validator, which finds and words the error. The compiled
pair is kept per app (:class:`SchemaCache`), so building many apps keeps nothing alive.
"""

from __future__ import annotations

from typing import Any

import flask
import orjson
from connexion import context as connexion_context
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.lifecycle import ConnexionRequest
from connexion.validators import VALIDATOR_MAP, AbstractRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from jsonschema.exceptions import best_match
from starlette.types import Scope

from mockserver import errors, redaction, validation_error_fields
from mockserver.schemas import FORMATS, compile_fast

# -- wording ------------------------------------------------------------------------------------


def _dotted(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(parent: str, child: str) -> str:
    return f"{parent}.{child}" if parent else child


def describe(error: ValidationError) -> tuple[str, str]:
    """``(field, message)`` for the most relevant schema violation."""
    where = _dotted(error.absolute_path)
    wanted = validation_error_fields.rule_value(error)
    instance = validation_error_fields.instance(error)
    if error.validator == "required":
        missing = [k for k in wanted if k not in (instance or {})]
        field = _join(where, missing[0]) if missing else where
        return field, f"{field} is required"
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = set(validation_error_fields.schema(error).get("properties", {}))
        extra = sorted(k for k in instance if k not in known)
        field = _join(where, extra[0]) if extra else where
        return field, f"{field} is not a recognised field here" + (
            f" (expected one of: {', '.join(sorted(known))})" if known else ""
        )
    if error.validator == "oneOf" and all(set(branch) == {"required"} for branch in wanted):
        names = [branch["required"][0] for branch in wanted]
        given = [n for n in names if isinstance(instance, dict) and n in instance]
        field = where or names[0]
        if given:
            return field, f"give only one of {' or '.join(names)}, not both"
        return field, f"exactly one of {' or '.join(names)} is required"
    if error.validator == "not" and set(wanted) == {"required"}:
        names = wanted["required"]
        return where or names[-1], f"give only one of {' or '.join(names)}, not both"
    label = where or "request body"
    if redaction.may_hold_secrets(list(error.absolute_path), error.instance):
        return where or "(body)", f"{label} {redaction.rule_broken(error)}"
    return where or "(body)", f"{label}: {error.message}"


# -- compiled schemas, per app ------------------------------------------------------------------


class SchemaCache:
    """``(fast, python)`` validators of the contract's schemas, compiled once per schema.

    One cache belongs to one app. Entries are keyed by the schema object, which lives as long
    as the app's parsed spec; the entry keeps it alive, so an id is never reused while its
    entry exists. The contract has a few hundred schemas; should a Connexion release hand over
    a fresh schema object per request, the cache is emptied at :attr:`MAX_ENTRIES` rather than
    growing without end.
    """

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self._entries: dict[tuple[int, type], tuple[dict[str, Any], Any, Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, schema: dict[str, Any], python_class: type) -> tuple[Any, Any]:
        key = (id(schema), python_class)
        entry = self._entries.get(key)
        if entry is None or entry[0] is not schema:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            python = python_class(schema, format_checker=FORMATS)
            entry = self._entries[key] = (schema, compile_fast(schema), python)
        return entry[1], entry[2]


# -- the validators -----------------------------------------------------------------------------

_UTF8 = {"utf-8", "utf8"}
_PARSED_BODY = "pixxel_mock_parsed_body"
_PARSED_QUERY = "pixxel_mock_parsed_query"


def parsed_body(scope: Scope) -> tuple[bool, Any]:
    """``(True, body)`` when this request's JSON body was parsed by the body validator (``None``
    for an empty body), else ``(False, None)``."""
    extensions = scope.get("extensions") or {}
    if _PARSED_BODY in extensions:
        return True, extensions[_PARSED_BODY]
    return False, None


def parsed_query(scope: Scope) -> dict[str, Any] | None:
    """This request's query parameters as the parameter validator resolved them (names to
    values of the contract's types), or ``None`` if it did not run."""
    extensions = scope.get("extensions") or {}
    query: dict[str, Any] | None = extensions.get(_PARSED_QUERY)
    return query


class FieldNamingBodyValidator(AbstractRequestBodyValidator):
    """JSON body validation whose failures are envelope errors naming the field.

    Built on Connexion's documented validator interface: ``_parse`` reads the body and
    ``_validate`` checks it. Connexion makes one per request; the compiled schemas live in the
    app's :class:`SchemaCache` (``schemas``, set per app by :func:`validator_map`).
    """

    schemas: SchemaCache

    def __init__(
        self,
        *,
        schema: dict[str, Any],
        required: bool = False,
        nullable: bool = False,
        encoding: str,
        strict_validation: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            schema=schema,
            required=required,
            nullable=nullable,
            encoding=encoding,
            strict_validation=strict_validation,
        )
        self.schema = schema
        self.nullable = nullable
        self.encoding = encoding

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        raw = b"".join([message async for message in stream])
        body = self._loads(raw)
        scope.setdefault("extensions", {})[_PARSED_BODY] = body
        return body

    def _loads(self, raw: bytes) -> Any:
        if not raw.strip():
            return None
        try:
            # orjson refuses what the standard library lets through and the mock cannot store:
            # NaN and Infinity, lone surrogates, numbers beyond a double, nesting past 1024.
            text = raw if self.encoding.lower() in _UTF8 else raw.decode(self.encoding)
            return orjson.loads(text)
        except (UnicodeDecodeError, LookupError, orjson.JSONDecodeError) as exc:
            raise errors.ApiError(
                400,
                f"the request body is not valid JSON: {exc}",
                code=errors.MALFORMED_JSON,
            ) from None

    def _validate(self, body: Any) -> Any:
        if body is None and not self.nullable:
            raise errors.bad_request("a JSON request body is required", field="(body)")
        fast, python = self.schemas.get(self.schema, Draft4RequestValidator)
        if fast.is_valid(body):
            return None
        error = best_match(python.iter_errors(body))
        if error is not None:
            field, message = describe(error)
            raise errors.bad_request(message, field=field)
        return None


class FieldNamingParameterValidator(ParameterValidator):
    """Parameter validation whose failures are envelope errors naming the parameter."""

    schemas: SchemaCache

    def validate(self, scope: Scope) -> None:
        request = ConnexionRequest(scope, uri_parser=self.uri_parser)
        self.validate_request(request)
        scope.setdefault("extensions", {})[_PARSED_QUERY] = request.query_params

    @classmethod
    def validate_parameter(
        cls,
        parameter_type: str,
        value: Any,
        param: dict[str, Any],
        param_name: str | None = None,
    ) -> None:
        name = param.get("name", param_name)
        if value is None:
            if param.get("required"):
                raise errors.bad_request(
                    f"{parameter_type} parameter '{name}' is required", field=name
                )
            return None
        fast, python = cls.schemas.get(param.get("schema", param), Draft4Validator)
        if fast.is_valid(value):
            return None
        error = best_match(python.iter_errors(value))
        if error is not None:
            reason = error.message
            raise errors.bad_request(f"{parameter_type} parameter '{name}': {reason}", field=name)
        return None


class _RememberingMediaTypeDict(MediaTypeDict):
    """Connexion's media-type lookup (a sort and several ``fnmatch`` calls), remembered per
    content type: the validator map is fixed once the app is built."""

    def __getitem__(self, item: str) -> Any:
        memo = self.__dict__.setdefault("_memo", {})
        if item not in memo:
            memo[item] = super().__getitem__(item)
        return memo[item]


def validator_map() -> dict[str, Any]:
    """A ``validator_map`` for one app: Connexion's, with the field-naming validators bound to
    a fresh :class:`SchemaCache`."""
    schemas = SchemaCache()
    body = type("BodyValidator", (FieldNamingBodyValidator,), {"schemas": schemas})
    parameter = type("ParameterValidator", (FieldNamingParameterValidator,), {"schemas": schemas})
    validators = dict(VALIDATOR_MAP)
    validators["parameter"] = parameter
    validators["body"] = _RememberingMediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": body})
    return validators


# -- requests Flask routes but the contract's router refused --------------------------------------


def _refuse_unrouted() -> None:
    """Flask's router took a path that the contract's router refused (a control character in a
    path parameter, say): answer for the parameter rather than fail in the handler."""
    if flask.request.url_rule is None:
        return  # no route at all: Flask answers 404 itself
    try:
        connexion_context.operation.operation_id  # noqa: B018 - unbound when not routed
    except RuntimeError:
        view_args = flask.request.view_args or {}
        name, value = next(iter(view_args.items()), ("(path)", ""))
        raise errors.bad_request(
            f"path parameter '{name}': {value!r} is not a valid value", field=name
        ) from None


def refuse_unrouted_parameters(flask_app: Any) -> None:
    """Register the check on the app's Flask side (it runs before every handler)."""
    flask_app.before_request(_refuse_unrouted)
