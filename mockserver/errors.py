"""The one place that knows the Pixxel error envelope.

Every failure leaves the mock as ``{"error": {"code", "message", "details"}}`` with a stable,
machine-readable ``code``. Domain code raises :class:`ApiError`; the app turns it (and everything
Connexion, Starlette or Flask raise) into the envelope.
"""

from __future__ import annotations

from typing import Any

# Stable codes, one per kind of failure. Clients may branch on these; never rename one.
INVALID_ARGUMENT = "INVALID_ARGUMENT"
MALFORMED_JSON = "MALFORMED_JSON"
UNAUTHENTICATED = "UNAUTHENTICATED"
PERMISSION_DENIED = "PERMISSION_DENIED"
NOT_FOUND = "NOT_FOUND"
ROUTE_NOT_FOUND = "ROUTE_NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
ALREADY_EXISTS = "ALREADY_EXISTS"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
RANGE_NOT_SATISFIABLE = "RANGE_NOT_SATISFIABLE"
INTERNAL = "INTERNAL"
# Only ever sent when a test asks for them (fault injection, ``Prefer: code=``).
RATE_LIMITED = "RATE_LIMITED"
BAD_GATEWAY = "BAD_GATEWAY"
UNAVAILABLE = "UNAVAILABLE"

_DEFAULT_CODE_BY_STATUS = {
    400: INVALID_ARGUMENT,
    401: UNAUTHENTICATED,
    403: PERMISSION_DENIED,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    406: NOT_ACCEPTABLE,
    408: REQUEST_TIMEOUT,
    409: ALREADY_EXISTS,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    416: RANGE_NOT_SATISFIABLE,
    429: RATE_LIMITED,
    502: BAD_GATEWAY,
    503: UNAVAILABLE,
}


def code_for_status(status: int) -> str:
    """The default code for an HTTP status that carries no more specific one."""
    return _DEFAULT_CODE_BY_STATUS.get(status, INTERNAL if status >= 500 else INVALID_ARGUMENT)


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The Pixxel error body."""
    return {"error": {"code": code, "message": message, "details": details}}


class ApiError(Exception):
    """A failure that the client should see, with its HTTP status and envelope fields."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or code_for_status(status)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return envelope(self.code, self.message, self.details)


def bad_request(message: str, *, field: str | None = None, **details: Any) -> ApiError:
    """400 for input the spec allows in shape but the domain rejects (names the field)."""
    if field is not None:
        details = {"field": field, **details}
    return ApiError(400, message, code=INVALID_ARGUMENT, details=details or None)


def not_found(kind: str, ident: str) -> ApiError:
    """404 for an id that this workspace does not hold."""
    return ApiError(
        404,
        f"{kind} '{ident}' was not found",
        code=NOT_FOUND,
        details={"resource": kind, "id": ident},
    )


def conflict(message: str, **details: Any) -> ApiError:
    """409 for a name that already exists in the workspace."""
    return ApiError(409, message, code=ALREADY_EXISTS, details=details or None)
