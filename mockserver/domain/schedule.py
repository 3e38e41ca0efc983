"""When a new asynchronous resource (delivery, download, AOI, AOI download) moves on.

A new resource's :class:`~mockserver.lifecycle.Timeline` comes from the workspace's pending
overrides (``/_mock/overrides``) first, then from the server's settings.
"""

from __future__ import annotations

from mockserver import lifecycle
from mockserver.lifecycle import Timeline
from mockserver.settings import Settings
from mockserver.state.store import StateStore


def phase_defaults(settings: Settings, kind: str) -> tuple[float, float]:
    """The server's (queue, processing) seconds for a kind of asynchronous resource."""
    if kind in ("download", "aoi_download"):
        return settings.download_queue_seconds, settings.download_processing_seconds
    if kind == "aoi":
        return settings.aoi_queue_seconds, settings.aoi_processing_seconds
    return settings.delivery_queue_seconds, settings.delivery_processing_seconds


class Schedule:
    """Hands out timelines, using up the workspace's overrides of the kind as it goes."""

    def __init__(self, settings: Settings, state: StateStore) -> None:
        self.settings = settings
        self.state = state

    def timelines(
        self, workspace_id: str, kind: str, now: float, doomed: list[bool]
    ) -> list[Timeline]:
        """One timeline per entry of ``doomed``, which marks resources a magic value forces to
        fail whatever an override says."""
        queue, processing = phase_defaults(self.settings, kind)
        timelines = []
        rules = self.state.take_overrides(workspace_id, kind, len(doomed))
        for fails, rule in zip(doomed, rules, strict=True):
            rule = rule or {}
            outcome = lifecycle.FAILED if fails else rule.get("outcome") or lifecycle.SUCCESS
            timelines.append(
                Timeline(
                    now,
                    queue if rule.get("queue_seconds") is None else rule["queue_seconds"],
                    processing
                    if rule.get("processing_seconds") is None
                    else rule["processing_seconds"],
                    outcome,
                )
            )
        return timelines

    def timeline(self, workspace_id: str, kind: str, now: float, doomed: bool = False) -> Timeline:
        (timeline,) = self.timelines(workspace_id, kind, now, [doomed])
        return timeline
