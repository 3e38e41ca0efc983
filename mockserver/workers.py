"""Worker processes forked from a server that has built its app: start, watch, replace, stop.

The parent builds the app and binds the socket once; each worker is an ``os.fork`` of it, so a
worker serves at once, sharing the parent's memory until it writes to it. The parent serves
nothing itself: it

- announces the server once every worker has reported, through a pipe, that it serves;
- stops every worker, with a non-zero status, if one of them cannot start (or does not report
  within ``START_TIMEOUT_SECONDS``), instead of starting it again and again;
- forks a new worker in place of one that dies after it has started;
- on SIGTERM or SIGINT, asks every worker to stop gracefully (SIGTERM), kills those still running
  ``STOP_MARGIN_SECONDS`` after their own graceful-stop timeout, and returns 0.

Workers stop (by SIGTERM, so gracefully) when their parent dies, even by ``kill -9``. Nothing
that must not cross a fork may be open in the parent: a thread running there is refused, and a
database connection is the caller's to release. Needs ``os.fork`` (Linux, and the container).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

START_TIMEOUT_SECONDS = 30.0
STOP_MARGIN_SECONDS = 5.0
# The exit status of a worker that could not start (uvicorn's, for a familiar meaning).
COULD_NOT_START = 3

_READY = b"r"
_STOP = (signal.SIGINT, signal.SIGTERM)
_WATCHED = (*_STOP, signal.SIGCHLD)

Work = Callable[[Callable[[], None]], bool]
"""What a worker runs: serve until asked to stop, calling ``ready()`` once serving; False if it
could not start."""


def available() -> bool:
    return hasattr(os, "fork")


def _noted(_sig: int, _frame: Any) -> None:
    """Signals the parent watches only wake its loop (through the wake-up pipe)."""


class Workers:
    """``count`` forked workers running ``work``, watched by this process until they stop."""

    def __init__(
        self, count: int, work: Work, announce: Callable[[], None], stop_timeout: float
    ) -> None:
        self._count = count
        self._work = work
        self._announce = announce
        self._stop_timeout = stop_timeout
        self._starting: dict[int, tuple[int, float]] = {}  # pid: (readiness pipe, deadline)
        self._serving: set[int] = set()
        self._failed = False
        self._stop_deadline: float | None = None
        self._handlers: dict[int, Any] = {}
        self._wake = (-1, -1)

    def run(self) -> int:
        """Fork the workers and watch them until they have all stopped; the exit status."""
        if threading.active_count() > 1:
            raise RuntimeError("cannot fork workers while other threads run in this process")
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        self._wake = (wake_r, wake_w)
        self._handlers = {sig: signal.signal(sig, _noted) for sig in _WATCHED}
        previous_wakeup = signal.set_wakeup_fd(wake_w)
        try:
            for _ in range(self._count):
                self._fork()
            self._watch()
        finally:
            signal.set_wakeup_fd(previous_wakeup)
            for sig, handler in self._handlers.items():
                signal.signal(sig, handler)
            os.close(wake_r)
            os.close(wake_w)
        return 1 if self._failed else 0

    # -- the parent ------------------------------------------------------------------------

    def _watch(self) -> None:
        announced = False
        while self._starting or self._serving or self._stop_deadline is None:
            pipes = {fd: pid for pid, (fd, _) in self._starting.items()}
            readable, _, _ = select.select([self._wake[0], *pipes], [], [], self._timeout())
            for fd in readable:
                if fd == self._wake[0]:
                    self._on_signals(os.read(fd, 64))
                else:
                    self._on_report(pipes[fd])
            self._reap()
            now = time.monotonic()
            if self._stop_deadline is None and any(
                deadline < now for _, deadline in self._starting.values()
            ):
                self._fail()
            if self._stop_deadline is not None and now > self._stop_deadline:
                for pid in (*self._starting, *self._serving):
                    self._signal(pid, signal.SIGKILL)
            if not announced and self._stop_deadline is None and not self._starting:
                announced = True
                self._announce()

    def _timeout(self) -> float | None:
        deadlines = [deadline for _, deadline in self._starting.values()]
        if self._stop_deadline is not None:
            deadlines.append(self._stop_deadline)
        return max(0.0, min(deadlines) - time.monotonic()) + 0.01 if deadlines else None

    def _on_signals(self, signals: bytes) -> None:
        for sig in signals:
            if sig in _STOP:
                if self._stop_deadline is None:
                    self._stop(signal.SIGTERM)
                elif sig == signal.SIGINT:  # a second Ctrl+C: the workers stop at once
                    self._stop(signal.SIGINT)

    def _on_report(self, pid: int) -> None:
        fd, _ = self._starting.pop(pid)
        report = os.read(fd, 1)
        os.close(fd)
        if report == _READY:
            self._serving.add(pid)
        elif self._stop_deadline is None:  # it ended before it served, unasked
            self._fail()

    def _reap(self) -> None:
        for pid in (*self._starting, *self._serving):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if not done:
                continue
            if pid in self._starting:
                self._on_report(pid)  # it may have served, and ended since
            self._serving.discard(pid)
            if self._stop_deadline is None:
                print(f"pixxel-mock: worker {pid} ended; starting another", file=sys.stderr)
                self._fork()

    def _fail(self) -> None:
        self._failed = True
        if self._stop_deadline is None:
            self._stop(signal.SIGTERM)

    def _stop(self, sig: int) -> None:
        if self._stop_deadline is None:
            self._stop_deadline = time.monotonic() + self._stop_timeout + STOP_MARGIN_SECONDS
        for pid in (*self._starting, *self._serving):
            self._signal(pid, sig)

    @staticmethod
    def _signal(pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def _fork(self) -> None:
        ready_r, ready_w = os.pipe()
        sys.stdout.flush()  # or the worker would write out the parent's buffer again
        sys.stderr.flush()
        # A signal must not reach the new worker before it has put back the usual handlers.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _WATCHED)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(ready_r)
            self._be_worker(parent, ready_w, blocked)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(ready_w)
        self._starting[pid] = (ready_r, time.monotonic() + START_TIMEOUT_SECONDS)

    # -- a worker ----------------------------------------------------------------------------

    def _be_worker(self, parent: int, ready_w: int, mask: set[Any]) -> NoReturn:
        status = COULD_NOT_START
        try:
            signal.set_wakeup_fd(-1)
            for sig, handler in self._handlers.items():
                signal.signal(sig, handler)
            for fd in (*self._wake, *(fd for fd, _ in self._starting.values())):
                os.close(fd)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            _die_with(parent)

            def ready() -> None:
                os.write(ready_w, _READY)
                os.close(ready_w)

            if self._work(ready):
                status = 0
        except SystemExit as exc:  # uvicorn's way to say the app could not start; it said why
            status = exc.code if isinstance(exc.code, int) else COULD_NOT_START
        except BaseException:  # noqa: BLE001 - a worker says why it failed, then exits
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)


def _die_with(parent: int) -> None:
    """Stop this worker (gracefully, by SIGTERM) as soon as its parent process is gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os.kill(os.getpid(), signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
