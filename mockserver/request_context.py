"""What a handler (of the API or of the control API) needs from the request: the service, the
caller's workspace, the URL clients reach this server at, and a signer of download URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
from connexion.context import context

from mockserver import signed_urls
from mockserver.domain.workspaces import Workspace
from mockserver.service import MockService

EXTENSION_KEY = "pixxel_mock"


def service() -> MockService:
    mock: MockService = flask.current_app.extensions[EXTENSION_KEY]
    return mock


def workspace() -> Workspace:
    """The caller's workspace, created and seeded on its first request."""
    return service().open_workspace(context["token_info"]["api_key"])


def base_url() -> str:
    """The URL clients reach this server at.

    ``--public-url`` wins; otherwise the request's ``X-Forwarded-Proto`` / ``-Host`` / ``-Port``
    headers (set by proxies and port-mapping front ends), then its scheme and ``Host`` header.
    """
    configured = service().settings.public_url
    if configured:
        return configured.rstrip("/")
    headers = flask.request.headers

    def first(name: str) -> str | None:
        value = headers.get(name)
        return value.split(",")[0].strip() or None if value else None

    scheme = first("X-Forwarded-Proto") or flask.request.scheme
    host = first("X-Forwarded-Host") or flask.request.host
    port = first("X-Forwarded-Port")
    if (
        port
        and ":" not in host.rsplit("]", 1)[-1]
        and port != {"http": "80", "https": "443"}.get(scheme)
    ):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def signer(ws: Workspace) -> Callable[[dict[str, Any], float], str]:
    """Mints signed URLs to this server for the caller's finished downloads."""
    return signed_urls.signer(signed_urls.signing_secret(service()), ws.id, base_url())
