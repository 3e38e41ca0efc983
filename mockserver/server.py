"""Running the mock under uvicorn: bind, announce, time out slow clients, stop cleanly.

This is the one module that knows uvicorn's server and protocol classes. It adds what uvicorn
leaves open:

- the banner is printed only once the socket is bound and every worker serves;
- a request whose headers and body do not arrive within ``request_timeout_seconds`` is answered
  408 (or its connection closed), so incomplete requests cannot pile up;
- SIGTERM and SIGINT stop the server gracefully, waiting at most ``shutdown_timeout_seconds``
  for requests in flight, and the exit status is 0 however many workers ran;
- several workers are forked from this process once it has built the app and bound the socket
  (:mod:`mockserver.workers` starts, watches, replaces and stops them).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Generator
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver import errors, logs
from mockserver.settings import Settings
from mockserver.workers import Workers

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


def run_workers(settings: Settings, app: Any, announce: Callable[[], None]) -> int:
    """Serve ``app``, built here, through ``settings.workers`` processes forked from this one.

    0 after a graceful stop; non-zero if a worker could not start. The caller makes sure nothing
    that must not cross a fork (a database connection, a thread) is open or running."""
    config = _config(settings, app)
    config.load()  # once, here, rather than in every worker
    sock = config.bind_socket()

    def serve(ready: Callable[[], None]) -> bool:
        server = _Server(config, ready)
        server.run(sockets=[sock])
        return server.started

    try:
        workers = Workers(settings.workers, serve, announce, settings.shutdown_timeout_seconds)
        return workers.run()
    finally:
        sock.close()
