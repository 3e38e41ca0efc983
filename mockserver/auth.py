"""Reading the API key out of an ``Authorization`` header.

The whole credential is the key: an optional, case-insensitive ``Bearer `` prefix is dropped and
surrounding whitespace trimmed, and nothing else is cut away, so ``Token one`` and ``Token two``
are two keys (two workspaces). A key longer than :data:`MAX_KEY_BYTES` is refused with a 401 that
says so: the mock keeps a bounded cache of workspaces by key, and bounded keys keep it small.
"""

from __future__ import annotations

from mockserver import errors

MAX_KEY_BYTES = 1024

_PREFIX = "bearer"


def key_from_header(header: str) -> str | None:
    """The API key in ``header`` (``None`` when there is none).

    Raises a 401 :class:`~mockserver.errors.ApiError` for a key over :data:`MAX_KEY_BYTES`.
    """
    credential = header.strip()
    if credential[: len(_PREFIX)].lower() == _PREFIX and (
        len(credential) == len(_PREFIX) or credential[len(_PREFIX)].isspace()
    ):
        credential = credential[len(_PREFIX) :].strip()
    if not credential:
        return None
    if len(credential.encode("utf-8", "surrogateescape")) > MAX_KEY_BYTES:
        raise errors.ApiError(
            401,
            f"the API key is longer than {MAX_KEY_BYTES} bytes; use a shorter key",
            code=errors.UNAUTHENTICATED,
            details={"max_key_bytes": MAX_KEY_BYTES},
        )
    return credential
