"""AOIs: ListAOIs, AOICreateAOI, GetAoiById, and their assets and asset downloads."""

from __future__ import annotations

from typing import Any

from mockserver.request_context import service, signer, workspace


def list_aois(
    offset: int,
    limit: int,
    created_at: str | None = None,
    updated_at: str | None = None,
    aoi_id: str | None = None,
    aoi_name: str | None = None,
    project_ids: list[str] | None = None,
) -> tuple[dict[str, Any], int]:
    result = service().aois.list(
        workspace(),
        offset=offset,
        limit=limit,
        created_at=created_at,
        updated_at=updated_at,
        aoi_id=aoi_id,
        aoi_name=aoi_name,
        project_ids=project_ids,
    )
    return result, 200


def create_aoi(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().aois.create(workspace(), body), 201


def get_aoi(aoi_id: str) -> tuple[dict[str, Any], int]:
    return service().aois.get(workspace(), aoi_id), 200


def list_assets(aoi_id: str, offset: int, limit: int) -> tuple[dict[str, Any], int]:
    return service().aois.list_assets(workspace(), aoi_id, offset=offset, limit=limit), 200


def create_download(aoi_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().aois.create_download(workspace(), aoi_id, body), 201


def get_download(aoi_id: str, download_id: str) -> tuple[dict[str, Any], int]:
    ws = workspace()
    return service().aois.get_download(ws, aoi_id, download_id, signer(ws)), 200
