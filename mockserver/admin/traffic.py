"""Handlers of the control API for the request journal and fault injection."""

from __future__ import annotations

from typing import Any

import flask

from mockserver.request_context import workspace
from mockserver.traffic import EXTENSION_KEY, Traffic


def _traffic() -> Traffic:
    traffic: Traffic = flask.current_app.extensions[EXTENSION_KEY]
    return traffic


def list_requests(
    operation_id: str | None = None, method: str | None = None, status: int | None = None
) -> tuple[dict[str, Any], int]:
    entries = _traffic().journal.entries(
        workspace().id, operation_id=operation_id, method=method, status=status
    )
    return {"requests": entries}, 200


def clear_requests() -> tuple[str, int]:
    _traffic().journal.clear(workspace().id)
    return "", 204


def list_faults() -> tuple[dict[str, Any], int]:
    return {"faults": _traffic().faults.list(workspace().id)}, 200


def add_fault(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return _traffic().faults.add(workspace().id, body), 201


def clear_faults() -> tuple[str, int]:
    _traffic().faults.clear(workspace().id)
    return "", 204
