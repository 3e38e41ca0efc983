"""What a handler needs from the request: the service and the caller's workspace."""

from __future__ import annotations

import flask
from connexion.context import context

from mockserver.service import MockService, Workspace

EXTENSION_KEY = "pixxel_mock"


def service() -> MockService:
    return flask.current_app.extensions[EXTENSION_KEY]


def workspace() -> Workspace:
    """The caller's workspace, created and seeded on its first request."""
    return service().open_workspace(context["token_info"]["api_key"])


def base_url() -> str:
    """The URL clients reach this server at (``--public-url`` wins over the request's Host)."""
    configured = service().settings.public_url
    if configured:
        return configured.rstrip("/")
    return flask.request.host_url.rstrip("/")
