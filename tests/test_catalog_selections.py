"""Remembered selections: a filter set is worked out once, and paging through it reuses it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mockserver.catalog_search import CatalogIndex
from mockserver.catalog_search.selections import Selections
from mockserver.errors import ApiError
from tests.test_catalog_search import make_catalog, synthetic_catalogs


@pytest.fixture
def index() -> CatalogIndex:
    return CatalogIndex(synthetic_catalogs(300, seed=11))


@pytest.fixture
def selections_run(index: CatalogIndex, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every request the index works out a selection for (not found remembered)."""
    runs: list[dict[str, Any]] = []
    select = index._select

    def counted(request: dict[str, Any], delivery_statuses: Any) -> np.ndarray:
        runs.append(request)
        return select(request, delivery_statuses)

    monkeypatch.setattr(index, "_select", counted)
    return runs


FILTERS = {"datetime": "2023-01-01T00:00:00Z/..", "bbox": [-60, -40, 60, 40]}


def test_paging_through_one_filter_set_selects_once(index, selections_run):
    fresh = CatalogIndex(synthetic_catalogs(300, seed=11))
    for offset in range(0, 60, 10):
        page, total = index.search({**FILTERS, "limit": 10, "offset": offset})
        assert (page, total) == fresh.search({**FILTERS, "limit": 10, "offset": offset})
    assert len(selections_run) == 1


def test_the_order_of_keys_does_not_make_another_filter_set(index, selections_run):
    index.search({"bbox": FILTERS["bbox"], "datetime": FILTERS["datetime"]})
    index.search({"datetime": FILTERS["datetime"], "bbox": FILTERS["bbox"], "limit": 5})
    assert len(selections_run) == 1
    index.search({"datetime": FILTERS["datetime"]})
    assert len(selections_run) == 2


def test_a_page_out_of_range_is_refused_even_for_a_remembered_filter_set(index):
    index.search(FILTERS)
    with pytest.raises(ApiError) as raised:
        index.search({**FILTERS, "limit": 0})
    assert raised.value.details["field"] == "limit"


def test_searches_on_a_workspace_s_delivery_status_are_never_remembered(index, selections_run):
    catalogs = synthetic_catalogs(300, seed=11)
    first, second = catalogs[0]["id"], catalogs[1]["id"]
    body = {"query": {"delivery_status": {"eq": "DELIVERED"}}, "limit": 100}
    page, _ = index.search(body, {first: "DELIVERED"})
    assert [c["id"] for c in page] == [first]
    page, _ = index.search(body, {second: "DELIVERED"})
    assert [c["id"] for c in page] == [second]
    assert len(selections_run) == 2


def test_remembered_rows_cannot_be_changed():
    selections = Selections()
    selections.put("k", np.arange(5))
    rows = selections.get("k")
    assert rows is not None
    with pytest.raises(ValueError):
        rows[0] = 4


def test_selections_are_bounded_by_entries_and_by_rows():
    selections = Selections(max_entries=3, max_rows=10)
    for n in range(5):
        selections.put(str(n), np.arange(2))
    assert len(selections) == 3
    assert selections.get("0") is None
    assert selections.get("4") is not None

    selections.put("big", np.arange(8))  # 3 x 2 + 8 rows > 10: the oldest go
    assert selections.rows_held <= 10
    assert selections.get("big") is not None

    selections.put("huge", np.arange(11))  # larger than the whole budget: not kept
    assert selections.get("huge") is None
    assert selections.rows_held <= 10


def test_the_most_recently_used_selection_is_kept():
    selections = Selections(max_entries=2, max_rows=100)
    selections.put("a", np.arange(1))
    selections.put("b", np.arange(1))
    assert selections.get("a") is not None  # a is now the most recent
    selections.put("c", np.arange(1))
    assert selections.get("a") is not None
    assert selections.get("b") is None


def test_a_non_finite_number_is_not_mistaken_for_a_remembered_null(index):
    assert index.search({"query": {"eo:cloud_cover": None}})[1] >= 0
    with pytest.raises(ApiError) as raised:
        index.search({"query": {"eo:cloud_cover": float("inf")}})
    assert raised.value.details["field"] == "query.eo:cloud_cover"


def test_a_request_that_cannot_be_keyed_is_searched_without_remembering():
    catalog = make_catalog(0, dt="2024-01-01T00:00:00Z", box=(0, 0, 1, 1))
    single = CatalogIndex([catalog])
    assert single.search({"ids": [catalog["id"]], "x": {1, 2}}) == single.search(
        {"ids": [catalog["id"]]}
    )
