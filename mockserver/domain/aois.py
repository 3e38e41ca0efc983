"""AOIs: areas of interest computed over imagery, their assets and the downloads of those
(ListAOIs, AOICreateAOI, GetAoiById, ListAssets, AOICreateDownload, GetDownloadStatus).

How an asset derives from its AOI is :mod:`mockserver.aoi_assets`; this room holds the AOI's
rules (what a valid AOI is, its lifecycle, its filters) and calls on that module for assets.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from mockserver import aoi_assets, errors, geo, lifecycle
from mockserver.domain.catalogs import Catalogs
from mockserver.domain.documents import name_taken, public
from mockserver.domain.downloads import Signer
from mockserver.domain.reference import Reference
from mockserver.domain.schedule import Schedule
from mockserver.domain.workspaces import Workspace, Workspaces
from mockserver.lifecycle import Timeline
from mockserver.state.store import NameTaken
from mockserver.timestamps import InstantMeans, micros, parse_interval, parse_rfc3339, to_rfc3339

# Timestamps are shown to the microsecond; a creation instant is kept to the float the clock gave,
# so SQL bounds widen by half a microsecond to let an instant copied from a response match.
_HALF_MICROSECOND = 5e-7


class _AoiFilter(TypedDict):
    """The filters of a listing, as :meth:`StateStore.query_aois` takes them."""

    aoi_id: str | None
    name_contains: str | None
    project_ids: list[str]
    created_from: float | None  # seconds since the epoch
    created_to: float | None


def seeded_aoi(aoi: dict[str, Any]) -> dict[str, Any]:
    """A fixture AOI as a workspace starts with it: already finished, or failed."""
    created = parse_rfc3339(aoi["created_at"])
    outcome = "failed" if aoi["status"] == "failed" else lifecycle.SUCCESS
    return {**aoi, "_timeline": Timeline(created, 0.0, 0.0, outcome).to_record()}


def render(doc: dict[str, Any], now: float) -> dict[str, Any]:
    """A stored AOI as the API shows it at ``now``."""
    timeline = Timeline.from_record(doc["_timeline"])
    out = public(doc)
    out["status"], out["progress"] = lifecycle.aoi_state(timeline, now)
    if timeline.last_change(now) > timeline.created:
        out["updated_at"] = to_rfc3339(timeline.last_change(now))
    return out


class Aois:
    def __init__(
        self,
        workspaces: Workspaces,
        schedule: Schedule,
        catalogs: Catalogs,
        reference: Reference,
    ) -> None:
        self.workspaces = workspaces
        self.schedule = schedule
        self.catalogs = catalogs
        self.reference = reference
        self.state = workspaces.state

    # -- AOIs ---------------------------------------------------------------------------------

    def create(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        geometry = body["geometry"]
        if geometry is None:
            geometry = self._footprint_of_items(body)
        polygon = geo.parse_polygon(geometry, field="geometry")
        satellite = self.reference.satellite(body["satellite_id"])
        if body["project_id"] not in self.reference.projects_by_id:
            raise errors.bad_request(
                f"no project with id '{body['project_id']}'", field="project_id"
            )
        if body["provider"] == "pixxel":
            for i, item_id in enumerate(body["item_ids"]):
                if self.catalogs.first_with_item_id(item_id) is None:
                    raise errors.bad_request(
                        f"no Pixxel catalog has the STAC item id '{item_id}'",
                        field=f"item_ids[{i}]",
                    )
        now = self.workspaces.now(ws.id)
        stamp = to_rfc3339(now)
        timeline = self.schedule.timeline(ws.id, "aoi", now)
        rgb = satellite["rgb_composite"]
        row = {
            "name": body["name"],
            "description": body["description"],
            "satellite_id": body["satellite_id"],
            "project_id": body["project_id"],
            "provider": body["provider"],
            "item_ids": list(body["item_ids"]),
            "images": {"provider": body["provider"], "item_ids": list(body["item_ids"])},
            "eo_bands": [rgb["red"], rgb["green"], rgb["blue"]],
            "geometry": geometry,
            "progress": 0,
            "status": "started",
            "is_favourite": False,
            "created_at": stamp,
            "updated_at": stamp,
            "user_id": ws.user_id,
            "area_in_sq_m": round(geo.geodesic_area_m2(polygon), 2),
            "centroid": geo.centroid(polygon),
            "_timeline": timeline.to_record(),
        }
        try:
            new_id = self.state.insert_aoi(ws.id, row)
        except NameTaken:
            raise name_taken("an AOI", body["name"]) from None
        return render({"aoi_id": new_id, **row}, now)

    def _footprint_of_items(self, body: dict[str, Any]) -> dict[str, Any]:
        """The AOI geometry a null ``geometry`` stands for: the hull of its items' footprints."""
        found = (self.catalogs.first_with_item_id(item_id) for item_id in body["item_ids"])
        footprints = [c["details"]["geometry"] for c in found if c is not None]
        if body["provider"] != "pixxel" or not footprints:
            raise errors.bad_request(
                "geometry is required unless provider is pixxel and item_ids name Pixxel"
                " imagery, whose footprint then stands for it",
                field="geometry",
            )
        return geo.hull_polygon(footprints)

    def _doc(self, ws: Workspace, aoi_id: str) -> dict[str, Any]:
        doc = self.state.get_aoi(ws.id, aoi_id)
        if doc is None:
            raise errors.not_found("AOI", aoi_id)
        return doc

    def get(self, ws: Workspace, aoi_id: str) -> dict[str, Any]:
        return render(self._doc(ws, aoi_id), self.workspaces.now(ws.id))

    def list(
        self,
        ws: Workspace,
        *,
        offset: int,
        limit: int,
        created_at: str | None = None,
        updated_at: str | None = None,
        aoi_id: str | None = None,
        aoi_name: str | None = None,
        project_ids: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Newest first; ``created_at``/``updated_at``: an instant means on or after it."""
        created = None
        if created_at is not None:
            created = parse_interval(created_at, "created_at", InstantMeans.ON_OR_AFTER)
        updated = None
        if updated_at is not None:
            updated = parse_interval(updated_at, "updated_at", InstantMeans.ON_OR_AFTER)
        now = self.workspaces.now(ws.id)
        query: _AoiFilter = {
            "aoi_id": aoi_id,
            "name_contains": aoi_name,
            "project_ids": list(project_ids or []),
            "created_from": None,
            "created_to": None,
        }
        if created is not None:
            if created.start is not None:
                query["created_from"] = created.start / 1_000_000 - _HALF_MICROSECOND
            if created.end is not None:
                query["created_to"] = created.end / 1_000_000 + _HALF_MICROSECOND
        if updated is None:
            docs, total = self.state.query_aois(ws.id, limit=limit, offset=offset, **query)
            aois = [render(d, now) for d in docs]
        else:
            docs, _ = self.state.query_aois(ws.id, **query)
            matching = []
            for doc in docs:
                rendered = render(doc, now)
                if updated.contains(micros(rendered["updated_at"]) or 0):
                    matching.append(rendered)
            total = len(matching)
            aois = matching[offset : offset + limit]
        return {"aois": aois, "pagination": {"limit": limit, "offset": offset, "total": total}}

    # -- assets and their downloads -----------------------------------------------------------

    def list_assets(self, ws: Workspace, aoi_id: str, *, offset: int, limit: int) -> dict[str, Any]:
        doc = self._doc(ws, aoi_id)
        assets = aoi_assets.list_assets(
            doc,
            self.workspaces.now(ws.id),
            self.catalogs.keyed_by_item_id(doc.get("item_ids") or []),
        )
        return {
            "assets": assets[offset : offset + limit],
            "pagination": {"limit": limit, "offset": offset, "total": len(assets)},
        }

    def create_download(self, ws: Workspace, aoi_id: str, body: dict[str, Any]) -> dict[str, Any]:
        doc = self._doc(ws, aoi_id)
        now = self.workspaces.now(ws.id)
        chosen = aoi_assets.downloadable(
            doc, body["asset_ids"], now, self.catalogs.keyed_by_item_id(doc.get("item_ids") or [])
        )
        row = {
            "_aoi_id": aoi_id,
            "_assets": chosen,
            "_timeline": self.schedule.timeline(ws.id, "aoi_download", now).to_record(),
        }
        new_id = self.state.insert_download(ws.id, row)
        return aoi_assets.render_download({"id": new_id, **row}, now, None)

    def get_download(
        self, ws: Workspace, aoi_id: str, download_id: str, signer: Signer | None
    ) -> dict[str, Any]:
        self._doc(ws, aoi_id)
        doc = self.state.get_download(ws.id, download_id)
        if doc is None or doc.get("_aoi_id") != aoi_id:
            raise errors.not_found("download", download_id)
        return aoi_assets.render_download(doc, self.workspaces.now(ws.id), signer)
