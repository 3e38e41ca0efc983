"""pixxel-mock inside your own tests: start it on a free local port, drive it, stop it.

::

    from mockserver.testing import pixxel_mock

    with pixxel_mock(download_queue_seconds=0) as mock:
        requests.get(f"{mock.base_url}/v0/stores", headers=mock.headers)
        mock.advance(60)

:func:`pixxel_mock` works with any test runner; the pytest fixture of the same name (see
:mod:`mockserver.pytest_plugin`) wraps it. The mock runs in a thread of the calling process
(the default: no process to spawn, ready in a fraction of a second) or, with
``subprocess=True``, as ``pixxel-mock serve`` in a child process. Either way it listens on
127.0.0.1 only. The handle talks to the control API over HTTP with the standard library, so it
needs nothing beyond the mock itself.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import signal
import socket
import subprocess as subprocess_mod
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict, cast

START_TIMEOUT_SECONDS = 30.0


# The answers of the control API that this client reads into (spec/admin.yaml).
class _Clock(TypedDict):
    now: str
    frozen: bool


class _FaultList(TypedDict):
    faults: list[dict[str, Any]]


class _RequestList(TypedDict):
    requests: list[dict[str, Any]]


class MockError(RuntimeError):
    """The mock did not start, or a control call was refused (the envelope is in the text)."""


class MockHandle:
    """A running mock as seen through one API key (so one workspace of its own)."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        self.base_url = base_url
        self.api_key = api_key or f"pixxel-mock-test-{secrets.token_hex(8)}"

    @property
    def headers(self) -> dict[str, str]:
        """The headers that authenticate as this handle's workspace."""
        return {"Authorization": self.api_key}

    def url(self, path: str) -> str:
        return self.base_url + path

    def workspace(self, api_key: str | None = None) -> MockHandle:
        """Another handle on the same server, with another (fresh) workspace."""
        return MockHandle(self.base_url, api_key)

    # -- a small client for the control API ------------------------------------------------------

    def call(
        self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> Any:
        """Send one request as this workspace; the decoded JSON answer (None for no body)."""
        target = self.url(path)
        if query:
            given = {k: v for k, v in query.items() if v is not None}
            if given:
                target += "?" + urllib.parse.urlencode(given)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(target, data=data, method=method, headers=self.headers)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            raise MockError(f"{method} {path} answered {exc.code}: {exc.read()[:500]!r}") from None
        return json.loads(raw) if raw else None

    # -- time ------------------------------------------------------------------------------------

    def _clock(self, method: str, path: str, body: Any = None) -> str:
        """The instant of the clock a clock operation answers with (a ``Clock`` in the contract)."""
        clock = cast(_Clock, self.call(method, path, body))
        return clock["now"]

    def now(self) -> str:
        """The workspace clock's instant (RFC 3339)."""
        return self._clock("GET", "/_mock/clock")

    def advance(self, seconds: float) -> str:
        """Move the workspace's clock forward; the new instant."""
        return self._clock("POST", "/_mock/clock/advance", {"seconds": seconds})

    def freeze(self) -> str:
        return self._clock("POST", "/_mock/clock/freeze")

    def unfreeze(self) -> str:
        return self._clock("POST", "/_mock/clock/unfreeze")

    # -- forced outcomes and faults --------------------------------------------------------------

    def override(
        self, kind: str, outcome: str = "failed", count: int = 1, **durations: float
    ) -> dict[str, Any]:
        """Force the next ``count`` downloads or deliveries to end with ``outcome``
        (``queue_seconds`` and ``processing_seconds`` may be given too); the override as queued."""
        body = {"kind": kind, "outcome": outcome, "count": count, **durations}
        return cast(dict[str, Any], self.call("POST", "/_mock/overrides", body))

    def clear_overrides(self) -> None:
        self.call("DELETE", "/_mock/overrides")

    def fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule, e.g. ``fault(operation_id="CreateDownload", effect="error",
        status=503, count=2)``; the rule as stored."""
        return cast(dict[str, Any], self.call("POST", "/_mock/faults", rule))

    def faults(self) -> list[dict[str, Any]]:
        return cast(_FaultList, self.call("GET", "/_mock/faults"))["faults"]

    def clear_faults(self) -> None:
        self.call("DELETE", "/_mock/faults")

    # -- the journal -----------------------------------------------------------------------------

    def requests(
        self, operation_id: str | None = None, method: str | None = None, status: int | None = None
    ) -> list[dict[str, Any]]:
        """The workspace's recorded requests, oldest first, optionally filtered."""
        query = {"operation_id": operation_id, "method": method, "status": status}
        return cast(_RequestList, self.call("GET", "/_mock/requests", query=query))["requests"]

    def clear_requests(self) -> None:
        self.call("DELETE", "/_mock/requests")

    def reset(self) -> None:
        """Back to a freshly seeded workspace: data, clock, overrides, faults and journal."""
        self.call("POST", "/_mock/reset")


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@functools.lru_cache(maxsize=4)
def _fixtures(folder: Path | None) -> Any:
    """Fixture sets are read-only once loaded, so every mock of the process shares one."""
    from mockserver.data.loader import load_fixtures

    return load_fixtures(folder)


@contextlib.contextmanager
def _in_thread(settings: Any) -> Iterator[str]:
    with warnings.catch_warnings():
        # Deprecation notices from the mock's own dependencies say nothing to the user's tests.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*httpx.*")
        import uvicorn

        from mockserver.app import create_app

        app = create_app(settings, fixtures=_fixtures(settings.fixtures))
    sock = _free_socket()
    port = sock.getsockname()[1]
    # log_config=None: leave the host program's logging as it is.
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"pixxel-mock:{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive():
                raise MockError("pixxel-mock stopped while starting")
            if time.monotonic() > deadline:
                raise MockError(f"pixxel-mock did not start within {START_TIMEOUT_SECONDS:g} s")
            time.sleep(0.005)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _flags(settings: dict[str, Any]) -> list[str]:
    flags = []
    for name, value in settings.items():
        if value is not None:
            flags += ["--" + name.replace("_", "-"), str(value)]
    return flags


@contextlib.contextmanager
def _in_subprocess(settings: dict[str, Any]) -> Iterator[str]:
    with _free_socket() as sock:
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "mockserver.cli", "serve", *_flags(settings)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess_mod.Popen(
        command,
        stdin=subprocess_mod.DEVNULL,
        stdout=subprocess_mod.PIPE,
        stderr=subprocess_mod.STDOUT,
        start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PIXXEL_MOCK_")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise MockError(f"pixxel-mock exited while starting:\n{output}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base}/ping", timeout=1) as answer,
            ):
                if answer.status == 200:
                    break
            if time.monotonic() > deadline:
                raise MockError(f"pixxel-mock did not answer within {START_TIMEOUT_SECONDS:g} s")
            time.sleep(0.02)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess_mod.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout:
            process.stdout.close()


@contextlib.contextmanager
def pixxel_mock(
    *, subprocess: bool = False, api_key: str | None = None, **settings: Any
) -> Iterator[MockHandle]:
    """Run the mock on a free 127.0.0.1 port for the ``with`` block.

    ``settings`` are :class:`mockserver.settings.Settings` fields (``seed``,
    ``download_queue_seconds``, ``fixtures``...); ``host`` and ``port`` are chosen here.
    ``api_key`` names the handle's workspace (a fresh random key by default).
    """
    from mockserver.settings import Settings, from_sources

    unknown = sorted(set(settings) - set(Settings.__dataclass_fields__))
    if unknown or {"host", "port"} & set(settings):
        raise TypeError(f"not a setting pixxel_mock takes: {', '.join(unknown or ['host/port'])}")
    if subprocess:
        runner = _in_subprocess(settings)
    else:
        # The environment is not consulted: a test's mock is what the test says.
        chosen = from_sources(settings, environ={}).replace(host="127.0.0.1")
        runner = _in_thread(chosen)
    with runner as base_url:
        yield MockHandle(base_url, api_key)
