"""The contract's ``ApiKeyAuth`` scheme, bound to the mock's key rule through ``security_map``.

Connexion looks a security scheme's check function up by a Python path written in the spec
(``x-apikeyInfoFunc``); the contract carries no Python paths, so :class:`ApiKeySecurity` is
registered for the ``apiKey`` type instead and hands Connexion a check built here. That check is
a plain function with a known signature, so Connexion has nothing to inspect per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion.exceptions import OAuthResponseProblem
from connexion.lifecycle import ConnexionRequest
from connexion.security import NO_VALUE, ApiKeySecurityHandler

from mockserver import auth


def api_key_info(api_key: str) -> dict[str, Any] | None:
    """Accept any non-empty key, bare or as ``Bearer <key>``; each key is its own workspace."""
    key = auth.key_from_header(api_key)
    if key is None:
        return None
    return {"sub": "api-key", "api_key": key}


class ApiKeySecurity(ApiKeySecurityHandler):
    """Checks a header API key with :func:`api_key_info` (the contract sends it in a header)."""

    def get_fn(
        self, security_scheme: dict[str, Any], required_scopes: Any
    ) -> Callable[[ConnexionRequest], Any]:
        if security_scheme.get("in") != "header":
            raise ValueError("the mock reads API keys from a header only")
        header = security_scheme["name"]

        def verify(request: ConnexionRequest) -> Any:
            value = request.headers.get(header)
            if value is None:
                return NO_VALUE
            info = api_key_info(value)
            if info is None:
                raise OAuthResponseProblem(detail="Provided apikey is not valid")
            return info

        return verify


SECURITY_MAP = {"apiKey": ApiKeySecurity}
"""The ``security_map`` handed to Connexion."""
