"""Deliveries: catalogs written into a store, with a status that follows the workspace's clock
(CreateDelivery, ListDeliveries)."""

from __future__ import annotations

from typing import Any

from mockserver import lifecycle
from mockserver.domain.catalogs import Catalogs
from mockserver.domain.documents import public
from mockserver.domain.schedule import Schedule
from mockserver.domain.stores import Stores, can_write
from mockserver.domain.workspaces import Workspace, Workspaces
from mockserver.lifecycle import Timeline
from mockserver.timestamps import to_rfc3339


def render(doc: dict[str, Any], now: float) -> dict[str, Any]:
    """A stored delivery as the API shows it at ``now``."""
    timeline = Timeline.from_record(doc["_timeline"])
    out = public(doc)
    out["status"] = lifecycle.delivery_status(timeline, now)
    out["updated_at"] = to_rfc3339(timeline.last_change(now))
    return out


class Deliveries:
    def __init__(
        self, workspaces: Workspaces, schedule: Schedule, stores: Stores, catalogs: Catalogs
    ) -> None:
        self.workspaces = workspaces
        self.schedule = schedule
        self.stores = stores
        self.catalogs = catalogs
        self.state = workspaces.state

    def create(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        """One delivery per catalog of every entry, all or none."""
        now = self.workspaces.now(ws.id)
        stamp = to_rfc3339(now)
        plans: list[tuple[dict[str, Any], str, str, bool]] = []
        for i, entry in enumerate(body["deliveries"]):
            catalogs = self.catalogs.resolve(entry, f"deliveries[{i}].")
            store_id = entry["cloud_info"]["config"]
            doomed = not can_write(self.stores.get(ws, store_id))
            path = entry["cloud_info"].get("path", "")
            for catalog in catalogs:
                plans.append((catalog, store_id, path, doomed))
        timelines = self.schedule.timelines(
            ws.id, "delivery", now, [doomed for *_, doomed in plans]
        )
        rows = [
            {
                "catalog_id": catalog["id"],
                "cloud_delivery": {"config": store_id, "path": path},
                "status": "CREATED",
                # Relative to cloud_delivery.path: the two joined make the object key.
                "target_path": f"{catalog['details']['id']}.zip",
                "created_at": stamp,
                "created_by": ws.user_id,
                "updated_at": stamp,
                "updated_by": ws.user_id,
                "_order_item_id": catalog["details"]["properties"].get("order_item_id"),
                # Manual deliveries carry no task_id, but can be listed by their catalog's task.
                "_task_id": catalog.get("task_id"),
                "_timeline": timeline.to_record(),
            }
            for (catalog, store_id, path, _), timeline in zip(plans, timelines, strict=True)
        ]
        ids = self.state.insert_deliveries(ws.id, rows)
        return {
            "deliveries": [
                render({"delivery_id": new_id, **row}, now)
                for new_id, row in zip(ids, rows, strict=True)
            ]
        }

    def list(
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
        now = self.workspaces.now(ws.id)
        return {"deliveries": [render(d, now) for d in docs]}
