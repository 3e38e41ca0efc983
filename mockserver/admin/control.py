"""Handlers of the control API for a workspace's clock, reset and overrides."""

from __future__ import annotations

from typing import Any

from mockserver.request_context import service, workspace


def get_clock() -> tuple[dict[str, Any], int]:
    return service().control.clock(workspace()), 200


def advance_clock(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().control.advance_clock(workspace(), float(body["seconds"])), 200


def freeze_clock() -> tuple[dict[str, Any], int]:
    return service().control.freeze_clock(workspace()), 200


def unfreeze_clock() -> tuple[dict[str, Any], int]:
    return service().control.unfreeze_clock(workspace()), 200


def reset_workspace() -> tuple[str, int]:
    service().control.reset(workspace())
    return "", 204


def list_overrides() -> tuple[dict[str, Any], int]:
    return service().control.list_overrides(workspace()), 200


def add_override(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().control.add_override(workspace(), body), 201


def clear_overrides() -> tuple[str, int]:
    service().control.clear_overrides(workspace())
    return "", 204
