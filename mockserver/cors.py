"""CORS for browser front-ends, off unless ``--cors-origins`` names the origins allowed.

Starlette's middleware answers the preflight (``OPTIONS`` with ``Access-Control-Request-Method``)
of every path and adds the CORS headers to every answer, errors included.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
EXPOSED = ["Retry-After", "Content-Range", "Content-Length", "Content-Disposition"]


def origins(setting: str | None) -> list[str]:
    """``"*"`` or a comma-separated list of origins, as a list; empty means off."""
    return [origin.strip() for origin in (setting or "").split(",") if origin.strip()]


def wrap(app: ASGIApp, setting: str | None) -> ASGIApp:
    allowed = origins(setting)
    if not allowed:
        return app
    return CORSMiddleware(
        app,
        allow_origins=allowed,
        allow_methods=METHODS,
        allow_headers=["*"],
        expose_headers=EXPOSED,
        max_age=600,
    )
