"""Reference data from the fixtures: satellites, projects, order items."""

from __future__ import annotations

from typing import Any

from mockserver.api._context import service


def list_satellites() -> tuple[dict[str, Any], int]:
    return service().list_satellites(), 200


def list_projects(page_num: int = 1, page_size: int = 10) -> tuple[dict[str, Any], int]:
    return service().list_projects(page_num, page_size), 200


def get_project(id_: str) -> tuple[dict[str, Any], int]:
    return service().get_project(id_), 200


def list_order_items(
    ids: list[str] | None = None,
    order_ids: list[str] | None = None,
    project_ids: list[str] | None = None,
    status: list[str] | None = None,
    type_: list[str] | None = None,
    user_id: str | None = None,
    created_by: str | None = None,
    created_at: str | None = None,
    area: str | None = None,
    limit: int = 10,
    offset: int = 0,
) -> tuple[dict[str, Any], int]:
    result = service().list_order_items(
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
    return service().get_order_item(id_), 200
