"""Handlers of the control API (spec/admin.yaml), served under /_mock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask

from mockserver import errors, files
from mockserver.admin.traffic import HANDLERS as TRAFFIC_HANDLERS
from mockserver.api._context import service, workspace
from mockserver.clock import to_rfc3339


def get_clock() -> tuple[dict[str, Any], int]:
    return service().clock_view(workspace()), 200


def advance_clock(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().advance_clock(workspace(), float(body["seconds"])), 200


def freeze_clock() -> tuple[dict[str, Any], int]:
    return service().freeze_clock(workspace()), 200


def unfreeze_clock() -> tuple[dict[str, Any], int]:
    return service().unfreeze_clock(workspace()), 200


def reset_workspace() -> tuple[str, int]:
    service().reset_workspace(workspace())
    return "", 204


def list_overrides() -> tuple[dict[str, Any], int]:
    return service().list_overrides(workspace()), 200


def add_override(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().add_override(workspace(), body), 201


def clear_overrides() -> tuple[str, int]:
    service().clear_overrides(workspace())
    return "", 204


def get_signed_file(
    workspace_id: str, file_name: str, expires: int, signature: str
) -> flask.Response:
    """Serve the zip behind a signed URL: no API key, HMAC and expiry checked, ranges honoured."""
    svc = service()
    download_id = file_name.removesuffix(".zip")
    path = files.file_path(workspace_id, download_id)
    if not files.verify(files.signing_secret(svc), path, expires, signature):
        raise errors.ApiError(
            403,
            "the signature does not match this URL (it was altered or minted by another server)",
            code=errors.PERMISSION_DENIED,
        )
    now = svc.state.clock(workspace_id).now(svc.time_source())
    if now > expires:
        raise errors.ApiError(
            403,
            f"this signed URL expired at {to_rfc3339(expires)}; fetch the download again for a"
            " fresh one",
            code=errors.PERMISSION_DENIED,
            details={"expired_at": to_rfc3339(expires)},
        )
    found = svc.finished_download(workspace_id, download_id)
    if found is None:
        raise errors.not_found("download", download_id)
    doc, _ = found
    if "_aoi_id" in doc:
        entries = [files.asset_entry(asset) for asset in doc["_assets"]]
    else:
        catalogs = (svc.catalogs.get(cid) for cid in doc["_catalog_ids"])
        entries = [files.catalog_entry(c) for c in catalogs if c is not None]
    data = files.archive_for(entries)
    import io

    response = flask.send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=file_name,
        conditional=True,
        etag=False,
        max_age=0,
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response


HANDLERS: dict[str, Callable] = {
    "GetClock": get_clock,
    "AdvanceClock": advance_clock,
    "FreezeClock": freeze_clock,
    "UnfreezeClock": unfreeze_clock,
    "ResetWorkspace": reset_workspace,
    "ListOverrides": list_overrides,
    "AddOverride": add_override,
    "ClearOverrides": clear_overrides,
    "GetSignedFile": get_signed_file,
    **TRAFFIC_HANDLERS,
}
