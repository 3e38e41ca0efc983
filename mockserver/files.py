"""Signed download URLs: minting and verification.

A ``signed_url`` points back at the mock, like a cloud presigned URL: anyone holding it can fetch
the file until it expires, without the API key. The signature is HMAC-SHA256 over the path and the
expiry instant, keyed by a secret derived from the run's seed, so every worker process of one
deployment mints and accepts the same URLs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from mockserver.service import MockService, Workspace

FILES_PREFIX = "/_mock/files"
DEFAULT_TTL_SECONDS = 3600


def _key(seed: int) -> bytes:
    return hashlib.sha256(f"pixxel-mock signing key|{seed}".encode()).digest()


def file_path(workspace_id: str, download_id: str) -> str:
    return f"{FILES_PREFIX}/{workspace_id}/{download_id}.zip"


def signature(seed: int, path: str, expires: int) -> str:
    return hmac.new(_key(seed), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def verify(seed: int, path: str, expires: int, given: str) -> bool:
    return hmac.compare_digest(signature(seed, path, expires), given)


def signer_for(
    svc: MockService, ws: Workspace, base_url: str, ttl: int = DEFAULT_TTL_SECONDS
) -> Callable[[dict[str, Any], float], str]:
    """A function that mints the signed URL of a download at a given instant."""

    def sign(download: dict[str, Any], now: float) -> str:
        path = file_path(ws.id, download["id"])
        expires = int(now) + ttl
        query = urlencode(
            {"expires": expires, "signature": signature(svc.settings.seed, path, expires)}
        )
        return f"{base_url}{path}?{query}"

    return sign
