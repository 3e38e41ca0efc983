"""Deliveries: ListDeliveries, CreateDelivery."""

from __future__ import annotations

from typing import Any

from mockserver.request_context import service, workspace


def list_deliveries(
    delivery_id: str | None = None,
    catalog_id: str | None = None,
    task_id: str | None = None,
    order_item_id: str | None = None,
) -> tuple[dict[str, Any], int]:
    result = service().deliveries.list(
        workspace(),
        delivery_id=delivery_id,
        catalog_id=catalog_id,
        task_id=task_id,
        order_item_id=order_item_id,
    )
    return result, 200


def create_delivery(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().deliveries.create(workspace(), body), 201
