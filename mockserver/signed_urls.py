"""Signed download URLs: minting and verifying them.

A ``signed_url`` points back at the mock, like a cloud presigned URL: anyone holding it can fetch
the file until it expires, without the API key. The signature is HMAC-SHA256 over the path and the
expiry instant, keyed by ``--signing-secret`` or else a random secret kept with the state, so every
worker process sharing that state mints and accepts the same URLs. Expiry is judged on the
workspace's clock, so a test can make a URL expire by advancing that clock. What the URL serves is
:mod:`mockserver.download_archives`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

FILES_PREFIX = "/_mock/files"
DEFAULT_TTL_SECONDS = 3600

if TYPE_CHECKING:
    from mockserver.service import MockService


def signing_secret(service: MockService) -> bytes:
    """The secret a service signs with: ``--signing-secret`` if given, else its state's own."""
    configured = service.settings.signing_secret
    if configured:
        return configured.encode()
    return service.state.signing_secret()


def file_path(workspace_id: str, download_id: str) -> str:
    return f"{FILES_PREFIX}/{workspace_id}/{download_id}.zip"


def signature(secret: bytes, path: str, expires: int) -> str:
    return hmac.new(secret, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def verify(secret: bytes, path: str, expires: int, given: str) -> bool:
    return hmac.compare_digest(signature(secret, path, expires), given)


def signer(
    secret: bytes, workspace_id: str, base_url: str, ttl: int = DEFAULT_TTL_SECONDS
) -> Callable[[dict[str, Any], float], str]:
    """A function minting a download's signed URL, valid ``ttl`` seconds from a given instant."""

    def sign(download: dict[str, Any], now: float) -> str:
        path = file_path(workspace_id, download["id"])
        expires = int(now) + ttl
        query = urlencode({"expires": expires, "signature": signature(secret, path, expires)})
        return f"{base_url}{path}?{query}"

    return sign
