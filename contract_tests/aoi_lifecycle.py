"""The AOI-download lifecycle: AOI assets are downloaded and the downloads end with a file.

* an AOI download's status only moves forward (``CREATED`` -> ``IN_PROGRESS`` -> ``SUCCESS`` or
  ``FAILED``) and ends ``SUCCESS`` or ``FAILED``;
* ``signed_url`` is present exactly when the status is ``SUCCESS``, and it serves bytes.

The kit downloads assets of an AOI that has finished ones: one already in the workspace if
there is one, else an AOI of its own (named with the run's prefix), waited for. On the mock one
more download is told to fail, so the failure path is seen too. Waiting is the target's business,
as for catalog downloads (:mod:`contract_tests.lifecycle`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contract_tests.lifecycle import (
    Api,
    Tracked,
    fetch_signed_urls,
    holds,
    moves_forward,
    skip,
    violate,
    wait_final,
    writable,
)
from contract_tests.realistic import polygon

if TYPE_CHECKING:
    from contract_tests.kit import Kit

RANK = {"CREATED": 0, "IN_PROGRESS": 1, "SUCCESS": 2, "FAILED": 2}
FINAL = {"SUCCESS", "FAILED"}
PROPS = (
    "aoi_download_status_moves_forward",
    "aoi_download_ends_success_or_failed",
    "aoi_download_signed_url_iff_success",
    "aoi_download_signed_url_serves_bytes",
)
# How many AOIs of the workspace are looked at for finished assets before the kit draws its own.
AOIS_LOOKED_AT = 10


def _finished_assets(api: Api, aoi_id: str) -> list[str]:
    response = api.call("ListAssets", "GET", f"/v0/aois/{aoi_id}/assets", params={"limit": 100})
    body = api.json(response)
    if response.status_code != 200 or not isinstance(body, dict):
        return []
    return [
        a["id"]
        for a in body.get("assets") or []
        if isinstance(a, dict) and a.get("status") == "success" and isinstance(a.get("id"), str)
    ]


def _existing(api: Api) -> tuple[str, list[str]] | None:
    response = api.call("ListAOIs", "GET", "/v0/aois", params={"limit": AOIS_LOOKED_AT})
    body = api.json(response)
    if response.status_code != 200 or not isinstance(body, dict):
        return None
    for aoi in body.get("aois") or []:
        if isinstance(aoi, dict) and aoi.get("status") in ("success", "partial_success"):
            assets = _finished_assets(api, aoi["aoi_id"])
            if assets:
                return aoi["aoi_id"], assets
    return None


def _own(kit: Kit, api: Api) -> tuple[str, list[str]] | None:
    """An AOI of the kit's own over real imagery, once its assets are finished."""
    import random

    facts = kit.target.facts
    if not (facts.satellite_ids and facts.project_ids and facts.item_ids):
        return None
    body = {
        "name": kit.target.new_name("aoi"),
        "description": "drawn by pixxel-contract to download its assets",
        "satellite_id": facts.satellite_ids[0],
        "provider": "pixxel",
        "project_id": facts.project_ids[0],
        "geometry": polygon(random.Random(kit.options.seed)),
        "item_ids": facts.item_ids[:1],
    }
    response = api.call("AOICreateAOI", "POST", "/v0/aois", json=body)
    made = api.json(response)
    if response.status_code != 201 or not isinstance(made, dict) or "aoi_id" not in made:
        return None  # the conformance suite reports a broken create
    aoi_id = made["aoi_id"]

    def ready() -> list[str] | None:
        return _finished_assets(api, aoi_id) or None

    try:
        assets = kit.target.wait_for(api.session, ready, what=f"AOI {aoi_id}", step_seconds=5.0)
    except AssertionError:
        return None
    return aoi_id, assets


def _see(kit: Kit, tracked: Tracked, payload: dict[str, Any], operation: str, aoi_id: str) -> str:
    status = payload.get("status")
    if not moves_forward(
        kit,
        tracked,
        status,
        operation,
        kind="aoi_download",
        rank=RANK,
        final=FINAL,
        creator="AOICreateDownload",
        first="CREATED",
    ):
        return str(status)
    has_url = isinstance(payload.get("signed_url"), str) and bool(payload["signed_url"])
    if has_url != (status == "SUCCESS"):
        violate(
            kit,
            "aoi_download_signed_url_iff_success",
            f"AOI download {tracked.id} has status {status!r} and"
            f" {'a' if has_url else 'no'} signed_url: {payload}",
            operation=operation,
            reproduce=(
                "curl -H 'Authorization: [Filtered]'"
                f" {kit.target.base_url}/v0/aois/{aoi_id}/downloads/{tracked.id}"
            ),
        )
    tracked.statuses.append(status)
    tracked.body = payload
    return status


def run_aoi_downloads(kit: Kit) -> None:
    if not writable(kit, "AOICreateDownload", *PROPS):
        return
    api = Api(kit, kit.target.session())
    found = _existing(api) or _own(kit, api)
    if found is None:
        skip(kit, "no AOI with finished assets could be found or made", *PROPS)
        return
    aoi_id, assets = found
    failing = [False, True] if kit.target.is_mock else [False]
    tracked: dict[str, Tracked] = {}
    for fails in failing:
        if fails:
            api.call(None, "POST", "/_mock/overrides", json={"kind": "aoi_download"})
        response = api.call(
            "AOICreateDownload",
            "POST",
            f"/v0/aois/{aoi_id}/downloads",
            json={"asset_ids": assets[:2]},
        )
        payload = api.json(response)
        if response.status_code != 201 or not isinstance(payload, dict):
            violate(
                kit,
                "aoi_download_status_moves_forward",
                f"POST /v0/aois/{aoi_id}/downloads answered {response.status_code}, not the new"
                f" download: {response.text[:300]}",
                operation="AOICreateDownload",
            )
            return
        item = tracked[str(payload.get("download_id"))] = Tracked(str(payload.get("download_id")))
        _see(kit, item, payload, "AOICreateDownload", aoi_id)

    def observe(kit: Kit, api: Api, item: Tracked) -> str | None:
        path = f"/v0/aois/{aoi_id}/downloads/{item.id}"
        response = api.call("GetDownloadStatus", "GET", path)
        payload = api.json(response)
        if response.status_code != 200 or not isinstance(payload, dict):
            violate(
                kit,
                "aoi_download_status_moves_forward",
                f"GET {path} answered {response.status_code} for a download the kit created:"
                f" {response.text[:300]}",
            )
            return None
        return _see(kit, item, payload, "GetDownloadStatus", aoi_id)

    wait_final(
        kit, api, tracked.values(), kind="aoi_download", observe=observe, rank=RANK, final=FINAL
    )
    fetched = fetch_signed_urls(
        kit, tracked.values(), prop="aoi_download", operation="GetDownloadStatus"
    )
    holds(kit, *PROPS[:3])
    if fetched:
        holds(kit, "aoi_download_signed_url_serves_bytes")
    else:
        skip(kit, "no AOI download ended in success", "aoi_download_signed_url_serves_bytes")
