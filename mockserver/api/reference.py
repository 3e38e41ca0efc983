"""Reference data from the fixtures: satellites, projects, order items."""

from __future__ import annotations

from typing import Any

from mockserver.request_context import service


def list_satellites() -> tuple[dict[str, Any], int]:
    return service().reference.list_satellites(), 200


def list_projects(page_num: int, page_size: int) -> tuple[dict[str, Any], int]:
    return service().reference.list_projects(page_num, page_size), 200


def get_project(id_: str) -> tuple[dict[str, Any], int]:
    return service().reference.get_project(id_), 200


def list_order_items(
    limit: int,
    offset: int,
    ids: list[str] | None = None,
    order_ids: list[str] | None = None,
    project_ids: list[str] | None = None,
    status: list[str] | None = None,
    type_: list[str] | None = None,
    user_id: str | None = None,
    created_by: str | None = None,
    created_at: str | None = None,
    area: str | None = None,
) -> tuple[dict[str, Any], int]:
    result = service().reference.list_order_items(
        ids=ids,
        order_ids=order_ids,
        project_ids=project_ids,
        status=status,
        type=type_,
        user_id=user_id,
        created_by=created_by,
        created_at=created_at,
        area=area,
        limit=limit,
        offset=offset,
    )
    return result, 200


def get_order_item(id_: str) -> tuple[dict[str, Any], int]:
    return service().reference.get_order_item(id_), 200
