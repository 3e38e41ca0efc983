"""The control room without HTTP: a workspace's clock, reset and overrides."""

from __future__ import annotations

import pytest

from mockserver.domain.schedule import Schedule
from mockserver.errors import ApiError
from mockserver.timestamps import parse_rfc3339
from tests.domain_support import PROCESSING, QUEUE, STORE_BODY, build


def test_the_clock_advances_freezes_and_unfreezes(fixture_set):
    d = build(fixture_set)
    control = d.service.control
    start = parse_rfc3339(control.clock(d.ws)["now"])
    assert parse_rfc3339(control.advance_clock(d.ws, 90)["now"]) == pytest.approx(start + 90)
    frozen = control.freeze_clock(d.ws)
    assert frozen["frozen"] is True
    d.time.advance(30)
    assert control.clock(d.ws)["now"] == frozen["now"]
    thawed = control.unfreeze_clock(d.ws)
    assert thawed == {"now": frozen["now"], "frozen": False}
    d.time.advance(30)
    assert parse_rfc3339(control.clock(d.ws)["now"]) == pytest.approx(start + 120)


def test_reset_restores_the_seed_and_the_clock(fixture_set):
    d = build(fixture_set)
    seeded = d.service.stores.list(d.ws)
    d.service.stores.create(d.ws, STORE_BODY)
    d.service.control.advance_clock(d.ws, 500)
    d.service.control.reset(d.ws)
    assert d.service.stores.list(d.ws) == seeded
    assert d.service.control.clock(d.ws)["frozen"] is False
    assert parse_rfc3339(d.service.control.clock(d.ws)["now"]) == pytest.approx(d.time.now)


def test_partial_success_is_for_aois_only(fixture_set):
    d = build(fixture_set)
    with pytest.raises(ApiError) as caught:
        d.service.control.add_override(d.ws, {"kind": "download", "outcome": "partial_success"})
    assert caught.value.details["field"] == "outcome"
    added = d.service.control.add_override(d.ws, {"kind": "aoi", "outcome": "partial_success"})
    assert added["remaining"] == 1 and added["kind"] == "aoi"


def test_the_schedule_uses_overrides_in_order_then_the_settings(fixture_set):
    d = build(fixture_set)
    d.service.control.add_override(d.ws, {"kind": "download", "count": 2, "queue_seconds": 1})
    schedule = Schedule(d.service.settings, d.service.state)
    timelines = schedule.timelines(d.ws.id, "download", 100.0, [False, True, False])
    assert [t.queue_seconds for t in timelines] == [1, 1, QUEUE]
    assert [t.processing_seconds for t in timelines] == [PROCESSING] * 3
    assert [t.outcome for t in timelines] == ["success", "failed", "success"]
    assert d.service.control.list_overrides(d.ws) == {"overrides": []}
