"""The reference room without HTTP: projects and order items, and their filters."""

from __future__ import annotations

import pytest

from mockserver.domain.reference import Reference, number_range
from mockserver.errors import ApiError


@pytest.fixture(scope="module")
def reference(fixture_set) -> Reference:
    return Reference(fixture_set)


def page(reference, **filters):
    return reference.list_order_items(limit=100, offset=0, **filters)


def test_a_created_at_instant_means_on_or_after(reference, fixture_set):
    stamps = sorted(o["created_at"] for o in fixture_set.order_items)
    middle = stamps[len(stamps) // 2]
    found = page(reference, created_at=middle)["order_items"]
    assert sorted(o["created_at"] for o in found) == [s for s in stamps if s >= middle]
    upto = page(reference, created_at=f"../{middle}")["order_items"]
    assert sorted(o["created_at"] for o in upto) == [s for s in stamps if s <= middle]


def test_an_area_is_at_least_or_a_range(reference, fixture_set):
    areas = sorted(o["area"] for o in fixture_set.order_items)
    low, high = areas[5], areas[-5]
    assert page(reference, area=str(low))["pagination"]["total"] == sum(a >= low for a in areas)
    ranged = page(reference, area=f"{low}/{high}")["order_items"]
    assert all(low <= o["area"] <= high for o in ranged)
    assert number_range("../7", "area") == (float("-inf"), 7.0)
    for bad in ("lots", "9/3", "nan"):
        with pytest.raises(ApiError):
            number_range(bad, "area")


def test_lists_show_no_tasks_and_newest_first(reference):
    items = page(reference)["order_items"]
    assert all("tasks" not in o for o in items)
    assert [o["created_at"] for o in items] == sorted(
        (o["created_at"] for o in items), reverse=True
    )
    one = reference.get_order_item(items[0]["id"])
    assert "tasks" in one


def test_projects_page_and_unknown_ones_404(reference, fixture_set):
    first = reference.list_projects(1, 2)
    assert first["count"] == len(fixture_set.projects) and len(first["projects"]) == 2
    assert reference.list_projects(2, 2)["projects"][0] not in first["projects"]
    with pytest.raises(ApiError) as caught:
        reference.get_project("nope")
    assert caught.value.status == 404


def test_an_unknown_satellite_names_the_known_ones(reference, fixture_set):
    with pytest.raises(ApiError) as caught:
        reference.satellite("nope")
    assert caught.value.status == 400
    assert fixture_set.satellites[0]["id"] in caught.value.message
