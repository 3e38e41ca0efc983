"""The mock's domain: every Pixxel operation as a plain Python call, free of HTTP.

Handlers in :mod:`mockserver.api` only unpack the request, call one method here and return what it
gives. Business rules (what a valid store is, how an order item resolves to catalogs, how a
delivery's status is derived) live here, and can be tested without a server.
"""

from __future__ import annotations

import functools
import hashlib
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mockserver import aoi_assets, errors, geo, lifecycle
from mockserver.catalog_search import CatalogIndex
from mockserver.clock import TimeSource, WorkspaceClock, parse_rfc3339, to_rfc3339
from mockserver.data.loader import FixtureSet
from mockserver.lifecycle import Timeline
from mockserver.settings import Settings
from mockserver.state.store import NameTaken, StateStore, WorkspaceSeed

# Secrets each store type needs to write; a delivery into a store lacking one ends FAILED.
STORE_SECRETS: dict[str, tuple[str, ...]] = {
    "S3": ("access_key_id", "secret_access_key"),
    "GCS": ("project_id", "service_account_credentials"),
    "AZBLOB": ("account_name", "tenant_id", "client_id", "client_secret"),
}

# Deliveries into a store whose bucket starts with this end FAILED.
FAILING_BUCKET_PREFIX = "fail-"


@dataclass(frozen=True)
class Workspace:
    """One API key's sandbox: ``id`` keys the state, ``user_id`` stamps what it creates."""

    id: str
    user_id: str


@functools.lru_cache(maxsize=4096)
def workspace_for_key(api_key: str) -> Workspace:
    """The workspace of an API key (the key itself is never stored)."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    ws_id = digest[:32]
    user = hashlib.sha256(f"user|{ws_id}".encode()).digest()
    return Workspace(id=ws_id, user_id=str(uuid.UUID(bytes=user[:16], version=4)))


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


class MockService:
    """All operations of the mock over one fixture set, one state store and one time source."""

    def __init__(
        self,
        settings: Settings,
        fixtures: FixtureSet,
        state: StateStore | None = None,
        time_source: TimeSource | None = None,
    ) -> None:
        from mockserver.clock import system_time

        self.settings = settings
        self.fixtures = fixtures
        self.time_source = time_source or system_time
        self.catalogs = CatalogIndex(fixtures.catalogs)
        self.satellites = {s["id"]: s for s in fixtures.satellites}
        self.projects = sorted(fixtures.projects, key=lambda p: (p["created_at"], p["id"]))
        self.projects_by_id = {p["id"]: p for p in fixtures.projects}
        self.order_items = sorted(
            fixtures.order_items, key=lambda o: (o["created_at"], o["id"]), reverse=True
        )
        self.order_items_by_id = {o["id"]: o for o in fixtures.order_items}
        self.state = state or StateStore(settings.state_file, self.workspace_seed(), settings.seed)

    # -- workspaces and time ------------------------------------------------------------------

    def workspace_seed(self) -> WorkspaceSeed:
        """Stores and AOIs from the fixtures, with the timelines the state needs."""
        aois = []
        for aoi in self.fixtures.aois:
            created = parse_rfc3339(aoi["created_at"])
            outcome = "failed" if aoi["status"] == "failed" else lifecycle.SUCCESS
            aois.append({**aoi, "_timeline": Timeline(created, 0.0, 0.0, outcome).to_record()})
        # Seeded stores stand for stores configured with working credentials.
        stores = [
            {**store, "_secret_keys": list(STORE_SECRETS[store["type"]])}
            for store in self.fixtures.stores
        ]
        return WorkspaceSeed(stores=stores, aois=aois)

    def open_workspace(self, api_key: str) -> Workspace:
        ws = workspace_for_key(api_key)
        self.state.ensure_workspace(ws.id, self.time_source())
        return ws

    def clock(self, ws: Workspace) -> WorkspaceClock:
        return self.state.clock(ws.id)

    def now(self, ws: Workspace) -> float:
        return self.clock(ws).now(self.time_source())

    # -- stores -------------------------------------------------------------------------------

    def list_stores(self, ws: Workspace) -> dict[str, Any]:
        return {"stores": [_public(s) for s in self.state.list_stores(ws.id)]}

    def create_store(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        store_type = body["type"]
        stamp = to_rfc3339(self.now(ws))

        def build(new_id: str) -> dict[str, Any]:
            return {
                "id": new_id,
                "name": body["name"],
                "type": store_type,
                "configs": dict(body["configs"]),
                "labels": dict(body.get("labels") or {}),
                "created_at": stamp,
                "updated_at": stamp,
                "created_by": ws.user_id,
                # Only the names of the secrets given (non-empty), never their values.
                "_secret_keys": sorted(k for k, v in body["secrets"].items() if v),
            }

        return _public(_unique_name("a store", body["name"], self.state.insert_store, ws.id, build))

    def delete_store(self, ws: Workspace, store_id: str) -> None:
        if not self.state.delete_store(ws.id, store_id):
            raise errors.not_found("store", store_id)

    # -- catalogs -----------------------------------------------------------------------------

    def search_catalogs(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        page, total = self.catalogs.search(body, self._delivery_statuses(ws, body))
        return {
            "catalogs": self._with_delivery_status(ws, page),
            "pagination": {
                "limit": body.get("limit", 2),
                "offset": body.get("offset", 0),
                "total": total,
            },
        }

    def get_catalog(self, ws: Workspace, catalog_id: str) -> dict[str, Any]:
        catalog = self.catalogs.get(catalog_id)
        if catalog is None:
            raise errors.not_found("catalog", catalog_id)
        return self._with_delivery_status(ws, [catalog])[0]

    def _delivery_statuses(self, ws: Workspace, body: dict[str, Any]) -> dict[str, str] | None:
        """The workspace's delivery status of every delivered catalog, when the search filters
        or sorts on ``delivery_status`` (the index itself holds no workspace's deliveries)."""
        wanted = "delivery_status"
        sorts = body.get("sort_by") or []
        if wanted not in (body.get("query") or {}) and not any(
            isinstance(key, dict) and (wanted in key or wanted in str(key.get("field", "")))
            for key in sorts
        ):
            return None
        now = self.now(ws)
        return {
            catalog_id: lifecycle.delivery_status(Timeline.from_record(doc["_timeline"]), now)
            for catalog_id, doc in self.state.latest_deliveries_all(ws.id).items()
        }

    def _with_delivery_status(
        self, ws: Workspace, catalogs: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        latest = self.state.latest_deliveries(ws.id, [c["id"] for c in catalogs])
        if not latest:
            return list(catalogs)
        now = self.now(ws)
        out = []
        for catalog in catalogs:
            delivery = latest.get(catalog["id"])
            if delivery is None:
                out.append(catalog)
                continue
            status = lifecycle.delivery_status(Timeline.from_record(delivery["_timeline"]), now)
            out.append({**catalog, "delivery_status": status})
        return out

    def _resolve_catalogs(self, body: dict[str, Any], field_prefix: str = "") -> list[dict]:
        """The catalogs named by ``catalog_ids`` and by ``order_item_ids``, without repeats.

        Clients generated from Pixxel's reference send both keys, one list usually empty; an
        empty list counts as absent, and ids in both lists add up.
        """
        catalog_ids = body.get("catalog_ids") or []
        order_item_ids = body.get("order_item_ids") or []
        if not catalog_ids and not order_item_ids:
            raise errors.bad_request(
                "name at least one catalog: catalog_ids or order_item_ids must hold an id",
                field=f"{field_prefix}catalog_ids",
            )
        found: dict[str, dict[str, Any]] = {}
        for catalog_id in catalog_ids:
            catalog = self.catalogs.get(catalog_id)
            if catalog is None:
                raise errors.not_found("catalog", catalog_id)
            found.setdefault(catalog_id, catalog)
        if order_item_ids:
            for i, item_id in enumerate(order_item_ids):
                if item_id not in self.order_items_by_id:
                    raise errors.not_found("order item", item_id)
                catalogs = self.catalogs.by_order_item(item_id)
                if not catalogs:
                    raise errors.bad_request(
                        f"order item '{item_id}' has no catalogs yet",
                        field=f"{field_prefix}order_item_ids[{i}]",
                    )
                for catalog in catalogs:
                    found.setdefault(catalog["id"], catalog)
        return list(found.values())

    # -- deliveries ---------------------------------------------------------------------------

    def create_deliveries(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        now = self.now(ws)
        stamp = to_rfc3339(now)
        plans: list[tuple[dict[str, Any], str, str, bool]] = []
        for i, entry in enumerate(body["deliveries"]):
            catalogs = self._resolve_catalogs(entry, f"deliveries[{i}].")
            store_id = entry["cloud_info"]["config"]
            store = self.state.get_store(ws.id, store_id)
            if store is None:
                raise errors.not_found("store", store_id)
            doomed = store["configs"]["bucket"].startswith(FAILING_BUCKET_PREFIX) or any(
                key not in store.get("_secret_keys", ()) for key in STORE_SECRETS[store["type"]]
            )
            path = entry["cloud_info"].get("path", "")
            for catalog in catalogs:
                plans.append((catalog, store_id, path, doomed))
        timelines = self._timelines(ws, "delivery", now, [doomed for *_, doomed in plans])
        builders = [
            self._delivery_builder(ws, catalog, store_id, path, timeline, stamp)
            for (catalog, store_id, path, _), timeline in zip(plans, timelines, strict=True)
        ]
        docs = self.state.insert_deliveries(ws.id, builders)
        return {"deliveries": [self._render_delivery(d, now) for d in docs]}

    def _timelines(
        self, ws: Workspace, kind: str, now: float, doomed: list[bool]
    ) -> list[Timeline]:
        """Timelines for new downloads or deliveries: pending overrides first, then defaults.

        ``doomed`` marks resources a magic value forces to fail, whatever an override says.
        """
        queue, processing = self._phase_defaults(kind)
        timelines = []
        for fails, rule in zip(
            doomed, self.state.take_overrides(ws.id, kind, len(doomed)), strict=True
        ):
            rule = rule or {}
            outcome = lifecycle.FAILED if fails else rule.get("outcome") or lifecycle.SUCCESS
            timelines.append(
                Timeline(
                    now,
                    queue if rule.get("queue_seconds") is None else rule["queue_seconds"],
                    processing
                    if rule.get("processing_seconds") is None
                    else rule["processing_seconds"],
                    outcome,
                )
            )
        return timelines

    def _phase_defaults(self, kind: str) -> tuple[float, float]:
        """The server's (queue, processing) seconds for a kind of asynchronous resource."""
        settings = self.settings
        if kind in ("download", "aoi_download"):
            return settings.download_queue_seconds, settings.download_processing_seconds
        if kind == "aoi":
            return settings.aoi_queue_seconds, settings.aoi_processing_seconds
        return settings.delivery_queue_seconds, settings.delivery_processing_seconds

    @staticmethod
    def _delivery_builder(
        ws: Workspace,
        catalog: dict[str, Any],
        store_id: str,
        path: str,
        timeline: Timeline,
        stamp: str,
    ) -> Callable[[str], dict[str, Any]]:
        item_id = catalog["details"]["id"]

        def build(new_id: str) -> dict[str, Any]:
            return {
                "delivery_id": new_id,
                "catalog_id": catalog["id"],
                "cloud_delivery": {"config": store_id, "path": path},
                "status": "CREATED",
                # Relative to cloud_delivery.path: the two joined make the object key.
                "target_path": f"{item_id}.zip",
                "created_at": stamp,
                "created_by": ws.user_id,
                "updated_at": stamp,
                "updated_by": ws.user_id,
                "_order_item_id": catalog["details"]["properties"].get("order_item_id"),
                # Manual deliveries carry no task_id, but can be listed by their catalog's task.
                "_task_id": catalog.get("task_id"),
                "_timeline": timeline.to_record(),
            }

        return build

    @staticmethod
    def _render_delivery(doc: dict[str, Any], now: float) -> dict[str, Any]:
        timeline = Timeline.from_record(doc["_timeline"])
        out = _public(doc)
        out["status"] = lifecycle.delivery_status(timeline, now)
        out["updated_at"] = to_rfc3339(timeline.last_change(now))
        return out

    def list_deliveries(
        self,
        ws: Workspace,
        *,
        delivery_id: str | None = None,
        catalog_id: str | None = None,
        task_id: str | None = None,
        order_item_id: str | None = None,
    ) -> dict[str, Any]:
        docs = self.state.list_deliveries(
            ws.id,
            {
                "id": delivery_id,
                "catalog_id": catalog_id,
                "task_id": task_id,
                "order_item_id": order_item_id,
            },
        )
        now = self.now(ws)
        return {"deliveries": [self._render_delivery(d, now) for d in docs]}

    # -- downloads ----------------------------------------------------------------------------

    def create_download(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        catalogs = self._resolve_catalogs(body)
        now = self.now(ws)
        unavailable = self.fixtures.unavailable_catalog_ids
        doomed = any(c["id"] in unavailable for c in catalogs)
        (timeline,) = self._timelines(ws, "download", now, [doomed])

        def build(new_id: str) -> dict[str, Any]:
            return {
                "id": new_id,
                "_catalog_ids": [c["id"] for c in catalogs],
                "_timeline": timeline.to_record(),
            }

        doc = self.state.insert_download(ws.id, build)
        return self.render_download(doc, now, signer=None)

    def get_download(
        self, ws: Workspace, download_id: str, signer: Callable[[dict, float], str] | None
    ) -> dict[str, Any]:
        doc = self.state.get_download(ws.id, download_id)
        if doc is None or "_aoi_id" in doc:
            raise errors.not_found("download", download_id)
        return self.render_download(doc, self.now(ws), signer)

    @staticmethod
    def render_download(
        doc: dict[str, Any], now: float, signer: Callable[[dict, float], str] | None
    ) -> dict[str, Any]:
        timeline = Timeline.from_record(doc["_timeline"])
        status = lifecycle.download_status(timeline, now)
        out: dict[str, Any] = {"id": doc["id"], "status": status}
        if status == "success" and signer is not None:
            out["signed_url"] = signer(doc, now)
        return out

    # -- AOIs ---------------------------------------------------------------------------------

    def create_aoi(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        geometry = body["geometry"]
        if geometry is None:
            geometry = self._footprint_of_items(body)
        polygon = geo.parse_polygon(geometry, field="geometry")
        satellite = self.satellites.get(body["satellite_id"])
        if satellite is None:
            raise errors.bad_request(
                f"unknown satellite_id '{body['satellite_id']}'"
                f" (known: {', '.join(sorted(self.satellites))})",
                field="satellite_id",
            )
        if body["project_id"] not in self.projects_by_id:
            raise errors.bad_request(
                f"no project with id '{body['project_id']}'", field="project_id"
            )
        if body["provider"] == "pixxel":
            for i, item_id in enumerate(body["item_ids"]):
                if self.catalogs.search({"item_ids": [item_id], "limit": 1})[1] == 0:
                    raise errors.bad_request(
                        f"no Pixxel catalog has the STAC item id '{item_id}'",
                        field=f"item_ids[{i}]",
                    )
        now = self.now(ws)
        stamp = to_rfc3339(now)
        (timeline,) = self._timelines(ws, "aoi", now, [False])
        rgb = satellite["rgb_composite"]

        def build(new_id: str) -> dict[str, Any]:
            return {
                "aoi_id": new_id,
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

        doc = _unique_name("an AOI", body["name"], self.state.insert_aoi, ws.id, build)
        return self._render_aoi(doc, now)

    @staticmethod
    def _render_aoi(doc: dict[str, Any], now: float) -> dict[str, Any]:
        timeline = Timeline.from_record(doc["_timeline"])
        out = _public(doc)
        out["status"], out["progress"] = lifecycle.aoi_state(timeline, now)
        if timeline.last_change(now) > timeline.created:
            out["updated_at"] = to_rfc3339(timeline.last_change(now))
        return out

    def _footprint_of_items(self, body: dict[str, Any]) -> dict[str, Any]:
        """The AOI geometry a null ``geometry`` stands for: the hull of its items' footprints."""
        footprints = [
            c["details"]["geometry"]
            for item_id in body["item_ids"]
            for c in self.catalogs.search({"item_ids": [item_id], "limit": 1})[0]
        ]
        if body["provider"] != "pixxel" or not footprints:
            raise errors.bad_request(
                "geometry is required unless provider is pixxel and item_ids name Pixxel"
                " imagery, whose footprint then stands for it",
                field="geometry",
            )
        return geo.hull_polygon(footprints)

    def _aoi_doc(self, ws: Workspace, aoi_id: str) -> dict[str, Any]:
        doc = self.state.get_aoi(ws.id, aoi_id)
        if doc is None:
            raise errors.not_found("AOI", aoi_id)
        return doc

    def get_aoi(self, ws: Workspace, aoi_id: str) -> dict[str, Any]:
        return self._render_aoi(self._aoi_doc(ws, aoi_id), self.now(ws))

    def _catalogs_by_item(self, item_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(item_ids)
        page, _ = self.catalogs.search({"item_ids": ids, "limit": max(1, min(len(ids), 100))})
        return {c["details"]["id"]: c for c in page}

    def list_aoi_assets(
        self, ws: Workspace, aoi_id: str, *, offset: int = 0, limit: int = 10
    ) -> dict[str, Any]:
        doc = self._aoi_doc(ws, aoi_id)
        assets = aoi_assets.list_assets(
            doc, self.now(ws), self._catalogs_by_item(doc.get("item_ids") or [])
        )
        return {
            "assets": assets[offset : offset + limit],
            "pagination": {"limit": limit, "offset": offset, "total": len(assets)},
        }

    def create_aoi_download(
        self, ws: Workspace, aoi_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        doc = self._aoi_doc(ws, aoi_id)
        now = self.now(ws)
        chosen = aoi_assets.downloadable(
            doc, body["asset_ids"], now, self._catalogs_by_item(doc.get("item_ids") or [])
        )
        (timeline,) = self._timelines(ws, "aoi_download", now, [False])

        def build(new_id: str) -> dict[str, Any]:
            return {
                "id": new_id,
                "_aoi_id": aoi_id,
                "_assets": chosen,
                "_timeline": timeline.to_record(),
            }

        return aoi_assets.render_download(self.state.insert_download(ws.id, build), now, None)

    def get_aoi_download(
        self,
        ws: Workspace,
        aoi_id: str,
        download_id: str,
        signer: Callable[[dict, float], str] | None,
    ) -> dict[str, Any]:
        self._aoi_doc(ws, aoi_id)
        doc = self.state.get_download(ws.id, download_id)
        if doc is None or doc.get("_aoi_id") != aoi_id:
            raise errors.not_found("download", download_id)
        return aoi_assets.render_download(doc, self.now(ws), signer)

    def list_aois(
        self,
        ws: Workspace,
        *,
        offset: int = 0,
        limit: int = 10,
        created_at: str | None = None,
        updated_at: str | None = None,
        aoi_id: str | None = None,
        aoi_name: str | None = None,
        project_ids: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        created = _time_range(created_at, "created_at")
        updated = _time_range(updated_at, "updated_at")
        now = self.now(ws)
        query = {
            "aoi_id": aoi_id,
            "name_contains": aoi_name,
            "project_ids": list(project_ids or []),
            "created_from": created[0] if created else None,
            "created_to": created[1] if created else None,
        }
        if updated is None:
            docs, total = self.state.query_aois(ws.id, limit=limit, offset=offset, **query)
            aois = [self._render_aoi(d, now) for d in docs]
        else:
            docs, _ = self.state.query_aois(ws.id, **query)
            matching = []
            for doc in docs:
                rendered = self._render_aoi(doc, now)
                stamp = parse_rfc3339(rendered["updated_at"])
                if updated[0] <= stamp <= updated[1]:
                    matching.append(rendered)
            total = len(matching)
            aois = matching[offset : offset + limit]
        return {"aois": aois, "pagination": {"limit": limit, "offset": offset, "total": total}}

    # -- satellites, projects, order items -----------------------------------------------------

    def list_satellites(self) -> dict[str, Any]:
        return {"satellites": list(self.fixtures.satellites)}

    def list_projects(self, page_num: int = 1, page_size: int = 10) -> dict[str, Any]:
        start = (page_num - 1) * page_size
        return {"count": len(self.projects), "projects": self.projects[start : start + page_size]}

    def get_project(self, project_id: str) -> dict[str, Any]:
        project = self.projects_by_id.get(project_id)
        if project is None:
            raise errors.not_found("project", project_id)
        return {"project": project}

    def list_order_items(
        self,
        *,
        ids: Iterable[str] | None = None,
        order_ids: Iterable[str] | None = None,
        project_ids: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        type: Iterable[str] | None = None,  # noqa: A002 - the live API's parameter name
        user_id: str | None = None,
        created_by: str | None = None,
        created_at: str | None = None,
        area: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> dict[str, Any]:
        filters = {
            "id": set(ids or ()),
            "order_id": set(order_ids or ()),
            "project_id": set(project_ids or ()),
            "status": set(status or ()),
            "type": set(type or ()),
            "user_id": {user_id} if user_id else set(),
            "created_by": {created_by} if created_by else set(),
        }
        active = {k: v for k, v in filters.items() if v}
        created = _time_range(created_at, "created_at")
        areas = _number_range(area, "area")
        matching = [
            o
            for o in self.order_items
            if all(o[k] in v for k, v in active.items())
            and (created is None or created[0] <= parse_rfc3339(o["created_at"]) <= created[1])
            and (areas is None or areas[0] <= o["area"] <= areas[1])
        ]
        return {
            "order_items": [_without_tasks(o) for o in matching[offset : offset + limit]],
            "pagination": {"limit": limit, "offset": offset, "total": len(matching)},
        }

    def get_order_item(self, item_id: str) -> dict[str, Any]:
        item = self.order_items_by_id.get(item_id)
        if item is None:
            raise errors.not_found("order item", item_id)
        return item

    # -- control API (/_mock) -----------------------------------------------------------------

    def clock_view(self, ws: Workspace, clock: WorkspaceClock | None = None) -> dict[str, Any]:
        clock = clock or self.clock(ws)
        return {"now": to_rfc3339(clock.now(self.time_source())), "frozen": clock.frozen}

    def advance_clock(self, ws: Workspace, seconds: float) -> dict[str, Any]:
        real = self.time_source()
        return self.clock_view(
            ws, self.state.update_clock(ws.id, lambda c: c.advanced(seconds, real))
        )

    def freeze_clock(self, ws: Workspace) -> dict[str, Any]:
        real = self.time_source()
        return self.clock_view(ws, self.state.update_clock(ws.id, lambda c: c.freeze(real)))

    def unfreeze_clock(self, ws: Workspace) -> dict[str, Any]:
        real = self.time_source()
        return self.clock_view(ws, self.state.update_clock(ws.id, lambda c: c.unfreeze(real)))

    def reset_workspace(self, ws: Workspace) -> None:
        self.state.reset_workspace(ws.id)

    def add_override(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("outcome") == lifecycle.PARTIAL_SUCCESS and body["kind"] != "aoi":
            raise errors.bad_request(
                f"outcome partial_success applies to kind aoi only, not {body['kind']}",
                field="outcome",
            )
        return self.state.add_override(
            ws.id,
            {
                "kind": body["kind"],
                "remaining": body.get("count", 1),
                "outcome": body.get("outcome", lifecycle.SUCCESS),
                "queue_seconds": body.get("queue_seconds"),
                "processing_seconds": body.get("processing_seconds"),
            },
        )

    def list_overrides(self, ws: Workspace) -> dict[str, Any]:
        return {"overrides": self.state.list_overrides(ws.id)}

    def clear_overrides(self, ws: Workspace) -> None:
        self.state.clear_overrides(ws.id)

    def finished_download(
        self, workspace_id: str, download_id: str
    ) -> tuple[dict[str, Any], float] | None:
        """A download that has succeeded by now on its workspace's clock, with that instant."""
        doc = self.state.get_download(workspace_id, download_id)
        if doc is None:
            return None
        now = self.state.clock(workspace_id).now(self.time_source())
        if Timeline.from_record(doc["_timeline"]).phase(now) != lifecycle.SUCCESS:
            return None
        return doc, now


def _unique_name(
    what: str, name: str, insert: Callable[..., dict[str, Any]], *args: Any
) -> dict[str, Any]:
    """Run ``insert(*args)``; a name already used in the workspace becomes a 409."""
    try:
        return insert(*args)
    except NameTaken:
        raise errors.conflict(
            f"{what} named '{name}' already exists", field="name", name=name
        ) from None


def _without_tasks(order_item: dict[str, Any]) -> dict[str, Any]:
    """An order item as lists show it: GetOrderItemById alone returns its tasks."""
    return {k: v for k, v in order_item.items() if k != "tasks"}


def _number_range(text: str | None, field: str) -> tuple[float, float] | None:
    """A number (meaning "at least") or a range ``min/max`` with ``..`` for an open end."""
    if text is None:
        return None

    def bound(part: str, open_end: float) -> float:
        part = part.strip()
        if part in ("", ".."):
            return open_end
        value = float(part)  # ValueError for anything but a number
        if math.isnan(value):
            raise ValueError(part)
        return value

    low_text, slash, high_text = text.partition("/")
    try:
        low = bound(low_text, -math.inf)
        high = bound(high_text, math.inf) if slash else math.inf
    except ValueError:
        raise errors.bad_request(
            f"{field} must be a number (meaning at least) or a range 'min/max' with '..' for an"
            f" open end, not {text!r}",
            field=field,
        ) from None
    if low > high:
        raise errors.bad_request(f"{field}: the range starts above its end", field=field)
    return low, high


_HALF_MICROSECOND = 5e-7


def _time_range(text: str | None, field: str) -> tuple[float, float] | None:
    """An instant (meaning "on or after") or an interval ``a/b`` with ``..`` for open ends."""
    if text is None:
        return None
    try:
        if "/" not in text:
            start, end = parse_rfc3339(text), float("inf")
        else:
            start_text, end_text = text.split("/", 1)
            start = float("-inf") if start_text in ("", "..") else parse_rfc3339(start_text)
            end = float("inf") if end_text in ("", "..") else parse_rfc3339(end_text)
    except ValueError:
        raise errors.bad_request(
            f"{field} must be an RFC 3339 instant or an interval 'start/end' ('..' for an open"
            f" end), not {text!r}",
            field=field,
        ) from None
    if start > end:
        raise errors.bad_request(f"{field} starts after it ends", field=field)
    # Timestamps are shown to the microsecond; widen by half of one so that an instant copied
    # from a response matches the float it was printed from.
    return start - _HALF_MICROSECOND, end + _HALF_MICROSECOND
