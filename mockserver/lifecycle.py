"""Pure functions: where an asynchronous resource stands at a given instant.

Nothing here is scheduled. A download, delivery or AOI record stores when it was created, how long
each phase lasts and how it will end (its *timeline*); its status at time ``now`` is computed from
that record alone. So the same record answers the same way in every worker process, and a test
that moves the clock sees the resource jump straight to the matching phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUCCESS = "success"
FAILED = "failed"
#: Only AOIs end this way: some of their imagery could not be processed.
PARTIAL_SUCCESS = "partial_success"


@dataclass(frozen=True)
class Timeline:
    """When a resource was created (epoch seconds), its two phase lengths and its outcome."""

    created: float
    queue_seconds: float
    processing_seconds: float
    outcome: str = SUCCESS

    @property
    def started(self) -> float:
        return self.created + self.queue_seconds

    @property
    def finished(self) -> float:
        return self.started + self.processing_seconds

    def phase(self, now: float) -> str:
        """``queued``, ``processing`` or the outcome."""
        if now < self.started:
            return "queued"
        if now < self.finished:
            return "processing"
        return self.outcome

    def last_change(self, now: float) -> float:
        """When the phase in force at ``now`` began (for ``updated_at``)."""
        if now < self.started:
            return self.created
        if now < self.finished:
            return self.started
        return self.finished

    def to_record(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "queue_seconds": self.queue_seconds,
            "processing_seconds": self.processing_seconds,
            "outcome": self.outcome,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Timeline:
        return cls(
            created=float(record["created"]),
            queue_seconds=float(record["queue_seconds"]),
            processing_seconds=float(record["processing_seconds"]),
            outcome=str(record.get("outcome", SUCCESS)),
        )


_DOWNLOAD_STATUS = {
    "queued": "created",
    "processing": "in_progress",
    SUCCESS: "success",
    FAILED: "failed",
}
# Deliveries and AOI downloads spell their statuses in upper case.
_UPPER_CASE_STATUS = {
    "queued": "CREATED",
    "processing": "IN_PROGRESS",
    SUCCESS: "SUCCESS",
    FAILED: "FAILED",
}


def download_status(timeline: Timeline, now: float) -> str:
    """``created`` → ``in_progress`` → ``success`` | ``failed``."""
    return _DOWNLOAD_STATUS[timeline.phase(now)]


def delivery_status(timeline: Timeline, now: float) -> str:
    """``CREATED`` → ``IN_PROGRESS`` → ``SUCCESS`` | ``FAILED``."""
    return _UPPER_CASE_STATUS[timeline.phase(now)]


def aoi_download_status(timeline: Timeline, now: float) -> str:
    """``CREATED`` → ``IN_PROGRESS`` → ``SUCCESS`` | ``FAILED``, as deliveries spell them."""
    return _UPPER_CASE_STATUS[timeline.phase(now)]


def aoi_state(timeline: Timeline, now: float) -> tuple[str, int]:
    """``(status, progress)``: ``started`` at 0, ``running`` rising to 99, then the outcome
    (``success``, ``partial_success`` or ``failed``) at 100.

    ``progress`` is a whole percentage; 100 means processing is over, whatever the outcome.
    """
    phase = timeline.phase(now)
    if phase == "queued":
        return "started", 0
    if phase == "processing":
        span = timeline.processing_seconds or 1.0
        done = (now - timeline.started) / span
        return "running", int(min(max(done, 0.0), 0.99) * 100)
    return phase, 100
