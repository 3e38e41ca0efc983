"""Running the mock under uvicorn: bind, announce, time out slow clients, stop cleanly.

This is the one module that knows uvicorn's server and protocol classes. It adds what uvicorn
leaves open:

- the banner is printed only once the socket is bound and every worker serves;
- a request whose headers and body do not arrive within ``request_timeout_seconds`` is answered
  408 (or its connection closed), so incomplete requests cannot pile up;
- SIGTERM and SIGINT stop the server gracefully, waiting at most ``shutdown_timeout_seconds``
  for requests in flight, and the exit status is 0 however many workers ran;
- a worker that cannot start makes the whole server stop with a non-zero status instead of
  being respawned forever, and workers stop when their parent process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Generator
from typing import Any

import orjson
import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors.multiprocess import Multiprocess

from mockserver import errors, logs
from mockserver.settings import Settings

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _timeout_response() -> bytes:
    body = orjson.dumps(
        errors.envelope(
            errors.REQUEST_TIMEOUT, "the request did not arrive in time; the connection is closed"
        )
    )
    return (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    )


class DeadlineProtocol(HttpToolsProtocol):
    """HTTP/1.1 with a deadline on each request's arrival (headers and body together)."""

    request_timeout = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.request_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_timeout_response())
        self.transport.close()


class _Server(uvicorn.Server):
    """A uvicorn server that announces itself once serving and stops without re-raising the
    signal that stopped it (so the exit status is 0, as with several workers)."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started and self._announce is not None:
            self._announce()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._stop) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, sig: int, _frame: Any) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


class _Workers(Multiprocess):
    """Worker processes that announce the server once every one of them serves."""

    def __init__(
        self, config: uvicorn.Config, sockets: list[socket.socket], announce: Callable[[], None]
    ) -> None:
        super().__init__(config, sockets)
        self._announce = announce
        self.failed = False

    def init_processes(self) -> None:
        super().init_processes()
        for process in self.processes:
            if not process.wait_until_ready(self.config.timeout_worker_healthcheck * 6):
                self.failed = True
                self.should_exit.set()
                return
        self._announce()

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        if any(p.exitcode == STARTUP_FAILURE for p in self.processes):
            self.failed = True


def _config(settings: Settings, app: Any, **extra: Any) -> uvicorn.Config:
    DeadlineProtocol.request_timeout = settings.request_timeout_seconds
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=DeadlineProtocol,
        # The mock's own loggers (the access log among them) at the chosen level and format...
        log_config=logs.uvicorn_config(settings.log_level, settings.log_format),
        # ...but uvicorn's start-up and shutdown notes repeat the banner: they show at debug.
        log_level="warning" if settings.log_level == "info" else settings.log_level,
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,  # type: ignore[arg-type]
        **extra,
    )


def run_single(settings: Settings, app: Any, announce: Callable[[], None]) -> int:
    """Serve ``app`` in this process; 0 after a graceful stop, non-zero if it never served."""
    config = _config(settings, app)
    sock = config.bind_socket()
    server = _Server(config, announce)
    server.run(sockets=[sock])
    return 0 if server.started else 1


def run_workers(settings: Settings, factory: str, announce: Callable[[], None]) -> int:
    """Serve through ``settings.workers`` processes, each building its app with ``factory``."""
    config = _config(settings, factory, factory=True, workers=settings.workers)
    sock = config.bind_socket()
    workers = _Workers(config, [sock], announce)
    workers.run()
    return 1 if workers.failed else 0


def in_worker(settings: Settings) -> None:
    """Set up a worker process: its protocol's deadline, and death with its parent."""
    DeadlineProtocol.request_timeout = settings.request_timeout_seconds
    _die_with_parent()


def _die_with_parent() -> None:
    """Stop this worker (gracefully, by SIGTERM) as soon as its parent process is gone."""
    parent = os.getppid()
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
