"""Reference data from the fixtures, the same for every workspace: satellites, projects, order
items (ListSatellites, ListProjects, GetProjectById, ListOrderItems, GetOrderItemById)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mockserver import errors
from mockserver.timestamps import InstantMeans, micros, parse_interval

if TYPE_CHECKING:  # the loader validates fixtures with the contract's validators
    from mockserver.data.loader import FixtureSet


class Reference:
    def __init__(self, fixtures: FixtureSet) -> None:
        self.satellites_list = list(fixtures.satellites)
        self.satellites = {s["id"]: s for s in fixtures.satellites}
        self.projects = sorted(fixtures.projects, key=lambda p: (p["created_at"], p["id"]))
        self.projects_by_id = {p["id"]: p for p in fixtures.projects}
        self.order_items = sorted(
            fixtures.order_items, key=lambda o: (o["created_at"], o["id"]), reverse=True
        )
        self.order_items_by_id = {o["id"]: o for o in fixtures.order_items}

    def list_satellites(self) -> dict[str, Any]:
        return {"satellites": list(self.satellites_list)}

    def satellite(self, satellite_id: str) -> dict[str, Any]:
        """A satellite by id; a 400 on ``satellite_id`` naming the known ones if there is none."""
        satellite = self.satellites.get(satellite_id)
        if satellite is None:
            raise errors.bad_request(
                f"unknown satellite_id '{satellite_id}'"
                f" (known: {', '.join(sorted(self.satellites))})",
                field="satellite_id",
            )
        return satellite

    def list_projects(self, page_num: int, page_size: int) -> dict[str, Any]:
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
        limit: int,
        offset: int,
        ids: Iterable[str] | None = None,
        order_ids: Iterable[str] | None = None,
        project_ids: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        type: Iterable[str] | None = None,  # noqa: A002 - the live API's parameter name
        user_id: str | None = None,
        created_by: str | None = None,
        created_at: str | None = None,
        area: str | None = None,
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
        created = (
            None
            if created_at is None
            else parse_interval(created_at, "created_at", InstantMeans.ON_OR_AFTER)
        )
        areas = number_range(area, "area")
        matching = [
            o
            for o in self.order_items
            if all(o[k] in v for k, v in active.items())
            and (created is None or created.contains(micros(o["created_at"]) or 0))
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


def _without_tasks(order_item: dict[str, Any]) -> dict[str, Any]:
    """An order item as lists show it: GetOrderItemById alone returns its tasks."""
    return {k: v for k, v in order_item.items() if k != "tasks"}


def number_range(text: str | None, field: str) -> tuple[float, float] | None:
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
