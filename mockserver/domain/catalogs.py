"""Catalogs: search and lookup of the fixture imagery (SearchCatalogs, GetCatalogById), shown
with the workspace's delivery status, and the rule naming catalogs by id or by order item."""

from __future__ import annotations

from typing import Any

from mockserver import errors, lifecycle
from mockserver.catalog_search import CatalogIndex
from mockserver.catalog_search.limits import DEFAULT_LIMIT
from mockserver.domain.reference import Reference
from mockserver.domain.workspaces import Workspace, Workspaces
from mockserver.lifecycle import Timeline


class Catalogs:
    def __init__(self, index: CatalogIndex, reference: Reference, workspaces: Workspaces) -> None:
        self.index = index
        self.reference = reference
        self.workspaces = workspaces
        self.state = workspaces.state

    def search(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        page, total = self.index.search(body, self._delivery_statuses(ws, body))
        return {
            "catalogs": self._with_delivery_status(ws, page),
            "pagination": {
                "limit": body.get("limit", DEFAULT_LIMIT),
                "offset": body.get("offset", 0),
                "total": total,
            },
        }

    def get(self, ws: Workspace, catalog_id: str) -> dict[str, Any]:
        catalog = self.index.get(catalog_id)
        if catalog is None:
            raise errors.not_found("catalog", catalog_id)
        return self._with_delivery_status(ws, [catalog])[0]

    def first_with_item_id(self, item_id: str) -> dict[str, Any] | None:
        """The catalog a search for this STAC item id puts first, or ``None``."""
        page, _ = self.index.search({"item_ids": [item_id], "limit": 1})
        return page[0] if page else None

    def keyed_by_item_id(self, item_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The catalogs of these STAC item ids (at most a page of 100), keyed by item id."""
        page, _ = self.index.search(
            {"item_ids": item_ids, "limit": max(1, min(len(item_ids), 100))}
        )
        return {c["details"]["id"]: c for c in page}

    def resolve(self, body: dict[str, Any], field_prefix: str = "") -> list[dict[str, Any]]:
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
            catalog = self.index.get(catalog_id)
            if catalog is None:
                raise errors.not_found("catalog", catalog_id)
            found.setdefault(catalog_id, catalog)
        for i, item_id in enumerate(order_item_ids):
            if item_id not in self.reference.order_items_by_id:
                raise errors.not_found("order item", item_id)
            catalogs = self.index.by_order_item(item_id)
            if not catalogs:
                raise errors.bad_request(
                    f"order item '{item_id}' has no catalogs yet",
                    field=f"{field_prefix}order_item_ids[{i}]",
                )
            for catalog in catalogs:
                found.setdefault(catalog["id"], catalog)
        return list(found.values())

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
        now = self.workspaces.now(ws.id)
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
        now = self.workspaces.now(ws.id)
        out = []
        for catalog in catalogs:
            delivery = latest.get(catalog["id"])
            if delivery is None:
                out.append(catalog)
                continue
            status = lifecycle.delivery_status(Timeline.from_record(delivery["_timeline"]), now)
            out.append({**catalog, "delivery_status": status})
        return out
