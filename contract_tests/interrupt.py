"""Stopping a run on SIGTERM or Ctrl+C: promptly, cleanly, and never as a success.

The signal handler only records that a stop was asked for; it never raises. The run stops at the
kit's next checkpoint (:func:`checkpoint`: before every request the kit sends, during every wait,
between two tests), which raises :class:`Interrupted`, a ``KeyboardInterrupt``, from ordinary
code that pytest and hypothesis hand on. The session then ends normally: what the run created is
deleted and the exit status is 130.

Why not raise from the handler (Python's own Ctrl+C behaviour): a handler runs wherever the main
thread happens to be, and hypothesis runs code from the garbage collector's callbacks; an
exception raised there is swallowed as "unraisable", the run goes on and may end with status 0.
Raised from a checkpoint, it always propagates; and if anything still swallowed it, the next
checkpoint would raise it again.

While the run deletes what it created (:func:`cleaning`), checkpoints do not raise, so a second
signal (CI runners send SIGINT, then SIGTERM) cannot cut the clean-up short.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)
# Longest single sleep between two looks at the flag while waiting.
SLICE_SECONDS = 0.1


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal, raised at a checkpoint."""


_signal: int | None = None
_cleaning = 0


def handle(signum: int, frame: Any) -> None:
    """The signal handler: records the first stop asked for, and says so once."""
    global _signal
    if _signal is None:
        _signal = signum
        name = signal.Signals(signum).name
        # os.write would be safer still, but a print from a handler is fine in CPython.
        print(
            f"pixxel-contract: {name} received; stopping, then deleting what the run created",
            file=sys.stderr,
            flush=True,
        )


def install() -> Callable[[], None]:
    """Handle SIGINT and SIGTERM from now on (main thread only); returns a function that puts the
    previous handlers back. Handlers someone else installed are left alone."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}
    for signum in HANDLED:
        current = signal.getsignal(signum)
        if current in (signal.SIG_DFL, signal.default_int_handler, None):
            previous[signum] = signal.signal(signum, handle)

    def restore() -> None:
        for signum, handler in previous.items():
            if signal.getsignal(signum) is handle:
                signal.signal(signum, handler)

    return restore


def requested() -> bool:
    """Whether a stop was asked for during this run."""
    return _signal is not None


def signal_name() -> str | None:
    """The name of the signal that asked for the stop (``SIGTERM``), if one did."""
    return None if _signal is None else signal.Signals(_signal).name


def reset() -> None:
    """Forget an earlier stop (a new run in the same process)."""
    global _signal, _cleaning
    _signal, _cleaning = None, 0


def checkpoint() -> None:
    """Raise :class:`Interrupted` if a stop was asked for (not while cleaning up)."""
    if _signal is not None and not _cleaning:
        raise Interrupted(f"stopped by {signal.Signals(_signal).name}")


def sleep(seconds: float) -> None:
    """``time.sleep`` that ends early, with :class:`Interrupted`, when a stop is asked for."""
    deadline = time.monotonic() + seconds
    while True:
        checkpoint()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, SLICE_SECONDS))


@contextlib.contextmanager
def cleaning() -> Iterator[None]:
    """While clean-up runs, checkpoints let it finish."""
    global _cleaning
    _cleaning += 1
    try:
        yield
    finally:
        _cleaning -= 1
