"""The one RFC 3339 parser and the one interval parser (mockserver.timestamps)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockserver.errors import ApiError
from mockserver.timestamps import (
    InstantMeans,
    Interval,
    micros,
    parse_interval,
    parse_rfc3339,
    to_rfc3339,
)


def exact(text: str) -> tuple[int | None, int | None]:
    interval = parse_interval(text, "datetime", InstantMeans.EXACTLY)
    return interval.start, interval.end


def test_micros_reads_every_rfc3339_form_and_nothing_else() -> None:
    base = micros("2024-05-27T06:50:20Z")
    assert base == int(datetime(2024, 5, 27, 6, 50, 20, tzinfo=UTC).timestamp()) * 1_000_000
    assert micros("2024-05-27t06:50:20z") == base
    assert micros("2024-05-27T08:50:20+02:00") == base
    assert micros("2024-05-27T01:20:20-05:30") == base
    assert micros("2024-05-27T06:50:20.056549Z") == base + 56549
    assert micros("2024-05-27T06:50:20.5Z") == base + 500_000
    assert micros("2024-05-27T06:50:20.123456789Z") == base + 123456
    assert micros("1969-12-31T23:59:59.5Z") == -500_000
    for bad in (
        "2024-05-27",
        "2024-05-27T06:50:20",
        "2024-05-27 06:50:20Z",
        "2024-02-30T00:00:00Z",
        "2024-05-27T24:00:00Z",
        "2024-05-27T06:50:20+24:00",
        "20240527T065020Z",
        "",
        "..",
        None,
        17,
    ):
        assert micros(bad) is None, bad


def test_an_exact_instant_or_an_interval() -> None:
    t = micros("2024-01-01T00:00:00Z")
    u = micros("2024-02-01T00:00:00Z")
    assert exact("2024-01-01T00:00:00Z") == (t, t)
    assert exact("2024-01-01T00:00:00Z/2024-02-01T00:00:00Z") == (t, u)
    assert exact("../2024-02-01T00:00:00Z") == (None, u)
    assert exact("2024-01-01T00:00:00Z/..") == (t, None)
    assert exact("2024-01-01T00:00:00Z/") == (t, None)
    assert exact("/2024-02-01T00:00:00Z") == (None, u)
    assert exact("2024-01-01T00:00:00Z/2024-01-01T00:00:00Z") == (t, t)


def test_a_lone_instant_means_what_the_caller_says():
    t = micros("2024-01-01T00:00:00Z")
    assert parse_interval("2024-01-01T00:00:00Z", "f", InstantMeans.EXACTLY) == Interval(t, t)
    assert parse_interval("2024-01-01T00:00:00Z", "f", InstantMeans.ON_OR_AFTER) == Interval(
        t, None
    )
    on_or_after = parse_interval("2024-01-01T00:00:00Z", "f", InstantMeans.ON_OR_AFTER)
    assert on_or_after.contains(t) and on_or_after.contains(t + 10**12)
    assert not on_or_after.contains(t - 1)


@pytest.mark.parametrize("means", list(InstantMeans))
@pytest.mark.parametrize(
    "value",
    ["../..", "yesterday", "2024-01-01", "a/b/c", "2024-02-01T00:00:00Z/2024-01-01T00:00:00Z", 3],
)
def test_bad_filters_are_400s_naming_the_field(value, means):
    with pytest.raises(ApiError) as caught:
        parse_interval(value, "created_at", means)
    assert caught.value.status == 400
    assert caught.value.details["field"] == "created_at"


def test_seconds_and_text_round_trip_to_the_microsecond():
    stamp = to_rfc3339(1716792620.056549)
    assert stamp == "2024-05-27T06:50:20.056549Z"
    assert parse_rfc3339(stamp) * 1_000_000 == pytest.approx(micros(stamp), abs=1)
    with pytest.raises(ValueError):
        parse_rfc3339("2024-05-27")
