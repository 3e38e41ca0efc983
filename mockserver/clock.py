"""Time as the mock sees it.

Real time comes from one injectable source (``time.time`` by default; tests pass a fake). On top
of it each workspace carries its own virtual clock: an offset added to real time and, while
frozen, a fixed instant. Lifecycles read only :meth:`WorkspaceClock.now`, never the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

TimeSource = Callable[[], float]


@dataclass(frozen=True)
class WorkspaceClock:
    """A workspace's clock state: ``offset`` seconds ahead of real time, or frozen at an instant."""

    offset: float = 0.0
    frozen_at: float | None = None

    def now(self, real_now: float) -> float:
        return self.frozen_at if self.frozen_at is not None else real_now + self.offset

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def advanced(self, seconds: float, real_now: float) -> WorkspaceClock:
        if self.frozen_at is not None:
            return WorkspaceClock(self.offset + seconds, self.frozen_at + seconds)
        return WorkspaceClock(self.offset + seconds, None)

    def freeze(self, real_now: float) -> WorkspaceClock:
        return self if self.frozen else WorkspaceClock(self.offset, self.now(real_now))

    def unfreeze(self, real_now: float) -> WorkspaceClock:
        if self.frozen_at is None:
            return self
        return WorkspaceClock(self.frozen_at - real_now, None)


def system_time() -> float:
    return time.time()
