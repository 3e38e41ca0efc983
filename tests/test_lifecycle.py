"""Pure lifecycle functions and the workspace clock."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockserver import lifecycle
from mockserver.clock import WorkspaceClock
from mockserver.lifecycle import Timeline
from mockserver.timestamps import parse_rfc3339, to_rfc3339

ORDER = ["created", "in_progress", "success"]


def test_download_phases_at_boundaries():
    t = Timeline(created=100.0, queue_seconds=2.0, processing_seconds=3.0)
    assert lifecycle.download_status(t, 100.0) == "created"
    assert lifecycle.download_status(t, 101.999) == "created"
    assert lifecycle.download_status(t, 102.0) == "in_progress"
    assert lifecycle.download_status(t, 104.999) == "in_progress"
    assert lifecycle.download_status(t, 105.0) == "success"
    failed = Timeline(100.0, 2.0, 3.0, lifecycle.FAILED)
    assert lifecycle.download_status(failed, 1e9) == "failed"
    assert lifecycle.delivery_status(failed, 1e9) == "FAILED"
    assert lifecycle.delivery_status(failed, 103.0) == "IN_PROGRESS"


@given(
    queue=st.floats(0, 100),
    processing=st.floats(0, 100),
    times=st.lists(st.floats(0, 500), min_size=2, max_size=20),
)
def test_statuses_only_move_forward(queue, processing, times):
    t = Timeline(0.0, queue, processing)
    ranks = [ORDER.index(lifecycle.download_status(t, now)) for now in sorted(times)]
    assert ranks == sorted(ranks)
    progress = [lifecycle.aoi_state(t, now)[1] for now in sorted(times)]
    assert progress == sorted(progress)
    assert all(0 <= p <= 100 for p in progress)


def test_aoi_progress_rises_during_running():
    t = Timeline(0.0, 1.0, 10.0)
    assert lifecycle.aoi_state(t, 0.5) == ("started", 0.0)
    status, progress = lifecycle.aoi_state(t, 6.0)
    assert status == "running" and progress == 50.0
    assert lifecycle.aoi_state(t, 11.0) == ("success", 100.0)


def test_timeline_round_trips_through_a_record():
    t = Timeline(12.5, 1.0, 2.0, lifecycle.FAILED)
    assert Timeline.from_record(t.to_record()) == t
    assert t.last_change(12.6) == 12.5 and t.last_change(14.0) == 13.5 and t.last_change(99) == 15.5


def test_workspace_clock_advance_freeze_unfreeze():
    clock = WorkspaceClock()
    assert clock.now(1000.0) == 1000.0
    clock = clock.advanced(60, 1000.0)
    assert clock.now(1000.0) == 1060.0
    frozen = clock.freeze(1000.0)
    assert frozen.frozen and frozen.now(5000.0) == 1060.0
    assert frozen.advanced(10, 5000.0).now(9000.0) == 1070.0
    thawed = frozen.unfreeze(2000.0)
    assert not thawed.frozen and thawed.now(2000.0) == 1060.0 and thawed.now(2001.0) == 1061.0


def test_rfc3339_round_trip():
    stamp = to_rfc3339(1716792620.056549)
    assert stamp == "2024-05-27T06:50:20.056549Z"
    assert abs(parse_rfc3339(stamp) - 1716792620.056549) < 1e-6
    assert parse_rfc3339("2024-05-27T08:50:20+02:00") == parse_rfc3339("2024-05-27T06:50:20Z")
