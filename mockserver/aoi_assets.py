"""AOI assets and the downloads of them: pure functions of an AOI record and the clock.

An AOI is computed over imagery: one ``stac_item`` asset per item id it names, plus one ``mosaic``
asset over all of them. Assets are not stored: each is derived from the AOI record (ids are
name-based UUIDs of the AOI and the item) and its status follows the AOI's own lifecycle, so every
worker answers alike and a test that moves the clock sees them finish together with the AOI.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from mockserver import errors, lifecycle
from mockserver.lifecycle import Timeline
from mockserver.timestamps import to_rfc3339

#: Host of the imagery files that fixtures and assets point at (never fetched).
ASSET_HOST = "https://assets.pixxel-mock.invalid"

_ASSET_NAMESPACE = uuid.UUID("5d5f0c36-0c1e-4bb4-9f7a-5a3c0b6e9d21")
_DATE_IN_ID = re.compile(r"_(\d{4})(\d{2})(\d{2})(?:T\d{6})?_")
# Ground sample distance of open data (Sentinel-2's visible bands) for `planetary` AOIs.
_OPEN_DATA_GSD_M = 10.0
_PIXXEL_GSD_M = 5.0

# How an asset's status follows its AOI's.
_ASSET_STATUS = {
    "started": "started",
    "running": "creating",
    lifecycle.SUCCESS: "success",
    lifecycle.FAILED: "failed",
}


def asset_id(aoi_id: str, item_id: str | None) -> str:
    """The id of the asset of ``item_id`` (``None``: the mosaic) in an AOI."""
    return str(uuid.uuid5(_ASSET_NAMESPACE, f"{aoi_id}|{item_id or 'mosaic'}"))


def _acquired_on(item_id: str, catalogs: Mapping[str, dict[str, Any]], fallback: str) -> str:
    """The acquisition day of an item: its catalog's, else the date in its id, else fallback."""
    catalog = catalogs.get(item_id)
    if catalog is not None:
        return str(catalog["details"]["properties"]["datetime"])[:10]
    match = _DATE_IN_ID.search(f"_{item_id}_")
    if match:
        return "-".join(match.groups())
    return fallback[:10]


def list_assets(
    aoi: dict[str, Any], now: float, catalogs: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every asset of ``aoi`` at ``now``: the item assets in item order, then the mosaic.

    ``catalogs`` maps STAC item ids to catalogs, for acquisition days of Pixxel imagery.
    """
    timeline = Timeline.from_record(aoi["_timeline"])
    status, progress = lifecycle.aoi_state(timeline, now)
    item_ids = list(aoi.get("item_ids") or [])
    if not item_ids:
        return []
    updated = to_rfc3339(timeline.last_change(now))
    resolution = _PIXXEL_GSD_M if aoi.get("provider") == "pixxel" else _OPEN_DATA_GSD_M
    # A partial success: the later half of the items could not be processed.
    failing_from = math.ceil(len(item_ids) / 2) if status == lifecycle.PARTIAL_SUCCESS else None
    dates = [_acquired_on(item, catalogs, aoi["created_at"]) for item in item_ids]

    def asset(item_id: str | None, kind: str, name: str, date: str, failed: bool) -> dict[str, Any]:
        own_id = asset_id(aoi["aoi_id"], item_id)
        if status == lifecycle.PARTIAL_SUCCESS:
            asset_status = "failed" if failed else "success"
        else:
            asset_status = _ASSET_STATUS[status]
        return {
            "id": own_id,
            "aoi_id": aoi["aoi_id"],
            "name": name,
            "asset_type": kind,
            "description": (
                f"{aoi['name']}: mosaic of {len(item_ids)} image(s)"
                if item_id is None
                else f"{aoi['name']}: image {item_id} clipped to the AOI"
            ),
            "date": date,
            "status": asset_status,
            "progress": progress,
            "band_list": list(aoi["eo_bands"]),
            "resolution": resolution,
            "area_in_sq_m": aoi["area_in_sq_m"],
            "centroid": list(aoi["centroid"]),
            "geometry": aoi["geometry"],
            "path": f"{ASSET_HOST}/aois/{aoi['aoi_id']}/{own_id}.tif",
            "created_at": aoi["created_at"],
            "updated_at": updated,
        }

    assets = [
        asset(item, "stac_item", item, date, failing_from is not None and i >= failing_from)
        for i, (item, date) in enumerate(zip(item_ids, dates, strict=True))
    ]
    assets.append(asset(None, "mosaic", f"{aoi['name']} mosaic", max(dates), False))
    return assets


def downloadable(
    aoi: dict[str, Any],
    asset_ids: list[str],
    now: float,
    catalogs: Mapping[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The assets named by ``asset_ids``, checked: each must be the AOI's and finished. An empty
    list stands for every finished asset of the AOI (there must be one)."""
    assets = {a["id"]: a for a in list_assets(aoi, now, catalogs)}
    if not asset_ids:
        finished = [a for a in assets.values() if a["status"] == "success"]
        if not finished:
            raise errors.bad_request(
                f"AOI '{aoi['aoi_id']}' has no finished asset to download yet",
                field="asset_ids",
            )
        return finished
    chosen = []
    for i, wanted in enumerate(asset_ids):
        found = assets.get(wanted)
        if found is None:
            raise errors.not_found("asset", wanted)
        if found["status"] != "success":
            raise errors.bad_request(
                f"asset '{wanted}' is {found['status']}; only assets whose status is success"
                " can be downloaded",
                field=f"asset_ids[{i}]",
                status=found["status"],
            )
        if found not in chosen:
            chosen.append(found)
    return chosen


def render_download(
    doc: dict[str, Any], now: float, signer: Callable[[dict[str, Any], float], str] | None
) -> dict[str, Any]:
    """An AOI download as the API shows it; ``signed_url`` once it is ``SUCCESS``."""
    status = lifecycle.aoi_download_status(Timeline.from_record(doc["_timeline"]), now)
    out: dict[str, Any] = {"download_id": doc["id"], "status": status}
    if status == "SUCCESS" and signer is not None:
        out["signed_url"] = signer(doc, now)
    return out
