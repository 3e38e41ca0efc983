"""The server under test: where it is, whether it is the mock, how to wait on it, what it holds.

Everything here is target-agnostic except where the mock offers a shortcut: when the server answers
``GET /_mock/clock`` it is pixxel-mock, and the kit moves its clock instead of sleeping.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from contract_tests import interrupt
from contract_tests.http import KitSession, Throttle, describe_error
from contract_tests.options import KitOptions

T = TypeVar("T")

MOCK_WAIT_SECONDS = 86_400.0


class TargetError(RuntimeError):
    """The target cannot be tested (unreachable, no API key, mock failed to start...)."""


class PreflightError(TargetError):
    """The target answers, but not as the contract says (see contract_tests.preflight)."""


class WaitTimeout(AssertionError):
    """Something asynchronous did not finish within the allowed time."""


# -- starting the mock ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MockProcess:
    """pixxel-mock in a subprocess, started by the kit because no base URL was given."""

    process: subprocess.Popen
    base_url: str
    log_path: str

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(OSError):
            os.unlink(self.log_path)


def start_mock(timeout: float = 60.0) -> MockProcess:
    """Serve pixxel-mock on a free local port and wait until it answers ``/ping``."""
    try:
        import mockserver  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the kit ships with the mock
        raise TargetError(
            "no --base-url given and pixxel-mock is not importable to start one"
        ) from exc
    port = free_port()
    handle, log_path = tempfile.mkstemp(prefix="pixxel-contract-mock-", suffix=".log")
    command = [
        sys.executable,
        *("-m", "mockserver.cli", "serve"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    ]
    try:
        process = subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        os.close(handle)
    mock = MockProcess(process, f"http://127.0.0.1:{port}", log_path)
    atexit.register(mock.stop)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            with open(mock.log_path, encoding="utf-8", errors="replace") as handle:
                output = handle.read()
            mock.stop()
            raise TargetError(f"pixxel-mock exited while starting:\n{output}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{mock.base_url}/ping", timeout=1).status_code == 200:
                return mock
        if time.monotonic() > deadline:
            mock.stop()
            raise TargetError(f"pixxel-mock did not answer /ping within {timeout:g} s")
        try:
            interrupt.sleep(0.05)
        except interrupt.Interrupted:
            mock.stop()
            raise


# -- facts about the target -------------------------------------------------------------------


@dataclass
class Facts:
    """Real ids read from the target, so positive cases can name things that exist."""

    satellite_ids: list[str] = field(default_factory=list)
    project_ids: list[str] = field(default_factory=list)
    catalog_ids: list[str] = field(default_factory=list)
    item_ids: list[str] = field(default_factory=list)
    # Order items known to have catalogs (an order item without any cannot be downloaded).
    order_item_ids: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    queryables: list[str] = field(default_factory=list)


def _json(response: requests.Response, what: str) -> Any:
    if response.status_code != 200:
        raise TargetError(
            f"{what} answered {response.status_code} while the kit read the target's data:"
            f" {response.text[:300]}"
        )
    try:
        return response.json()
    except ValueError as exc:
        raise TargetError(f"{what} did not answer JSON: {response.text[:300]}") from exc


def read_facts(session: KitSession, base_url: str) -> Facts:
    facts = Facts()
    satellites = _json(session.get(f"{base_url}/v0/satellites"), "GET /v0/satellites")
    for satellite in satellites.get("satellites", []):
        facts.satellite_ids.append(satellite["id"])
        for collection in satellite.get("collections", []):
            facts.collections.append(collection["id"])
            for name in collection.get("queryables", []):
                if name not in facts.queryables:
                    facts.queryables.append(name)
    projects = _json(
        session.get(f"{base_url}/v0/projects", params={"page_size": 100}), "GET /v0/projects"
    )
    facts.project_ids = [p["id"] for p in projects.get("projects", [])]
    found = _json(
        session.post(f"{base_url}/v0/catalogs/search", json={"limit": 40}),
        "POST /v0/catalogs/search",
    )
    for catalog in found.get("catalogs", []):
        facts.catalog_ids.append(catalog["id"])
        details = catalog.get("details") or {}
        if details.get("id"):
            facts.item_ids.append(details["id"])
        item = (details.get("properties") or {}).get("order_item_id")
        if item and item not in facts.order_item_ids:
            facts.order_item_ids.append(item)
    return facts


# -- the target ---------------------------------------------------------------------------------


@dataclass
class Created:
    kind: str
    id: str
    api_key: str | None
    name: str | None = None


class Target:
    """One server under test, its keys, its sessions, and what the kit created on it."""

    def __init__(self, options: KitOptions) -> None:
        self.options = options
        self.run_id = secrets.token_hex(3)
        self.mock_process: MockProcess | None = None
        if options.base_url is None:
            self.mock_process = start_mock()
            self.base_url = self.mock_process.base_url
        else:
            self.base_url = options.base_url.rstrip("/")
        self.is_mock = self._detect_mock()
        if options.api_key:
            self.api_key = options.api_key
        elif self.is_mock:
            self.api_key = f"{options.prefix}key-{self.run_id}"
        else:
            self.stop()
            raise TargetError(
                f"{self.base_url} is not pixxel-mock, so it needs a real API key"
                " (--api-key or PIXXEL_API_KEY)"
            )
        if options.second_api_key:
            self.second_api_key: str | None = options.second_api_key
        elif self.is_mock:
            self.second_api_key = f"{options.prefix}other-{self.run_id}"
        else:
            self.second_api_key = None
        self.allow_writes = self.is_mock or options.allow_writes
        self.throttle = Throttle(
            options.effective_rate_limit(self.is_mock), options.effective_max_requests(self.is_mock)
        )
        self.created: list[Created] = []
        self._facts: Facts | None = None
        self._names = 0
        self._delivery_store: str | None = None
        self._cleaned = False
        self._preflight()

    def _preflight(self) -> None:
        from contract_tests import preflight

        try:
            preflight.check(self)
        except preflight.PreflightFailed as exc:
            self.stop()
            raise PreflightError(str(exc)) from None
        except BaseException:
            self.stop()
            raise

    # -- identity --------------------------------------------------------------------------

    def _detect_mock(self) -> bool:
        """pixxel-mock answers its control API; any other server does not."""
        try:
            response = requests.get(
                f"{self.base_url}/_mock/clock",
                headers={"Authorization": "pixxel-contract-probe"},
                timeout=min(10.0, self.options.request_timeout),
            )
        except requests.RequestException as exc:
            self.stop()
            raise TargetError(f"cannot reach {self.base_url}: {describe_error(exc)}") from None
        if response.status_code != 200:
            return False
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and "now" in body and "frozen" in body

    def describe(self) -> str:
        if self.mock_process is not None:
            kind = "pixxel-mock, started by the kit"
        elif self.is_mock:
            kind = "pixxel-mock"
        else:
            kind = "not the mock"
        writes = "writes allowed" if self.allow_writes else "read-only"
        rate = self.throttle.interval and 1 / self.throttle.interval
        limits = f"{rate:g} req/s" if rate else "no rate limit"
        return (
            f"{self.base_url} ({kind}); {writes}; {limits}, at most"
            f" {self.throttle.max_requests} requests"
        )

    # -- sessions --------------------------------------------------------------------------

    def session(self, api_key: str | None = None, *, exempt: bool = False) -> KitSession:
        key = self.api_key if api_key is None else api_key
        return KitSession(self.throttle, key, timeout=self.options.request_timeout, exempt=exempt)

    def anonymous_session(self) -> KitSession:
        return KitSession(self.throttle, None, timeout=self.options.request_timeout)

    # -- data ------------------------------------------------------------------------------

    @property
    def facts(self) -> Facts:
        if self._facts is None:
            self._facts = read_facts(self.session(), self.base_url)
        return self._facts

    def new_name(self, what: str) -> str:
        """A unique, recognisable name for something the kit creates."""
        self._names += 1
        return f"{self.options.prefix}{self.run_id}-{what}-{self._names}"

    def remember(self, kind: str, resource_id: str, api_key: str | None, name: str | None = None):
        if not any(c.kind == kind and c.id == resource_id for c in self.created):
            self.created.append(Created(kind, resource_id, api_key, name))

    def forget(self, kind: str, resource_id: str) -> None:
        self.created = [c for c in self.created if not (c.kind == kind and c.id == resource_id)]

    def create_store(self, session: KitSession, *, bucket: str = "pxct-contract-kit") -> dict:
        """A store of the kit's own (never one of the caller's), remembered for clean-up."""
        name = self.new_name("store")
        response = session.post(
            f"{self.base_url}/v0/stores",
            json={
                "name": name,
                "type": "S3",
                "configs": {"bucket": bucket, "region": "ap-south-1", "path_prefix": "pxct/"},
                "secrets": {"access_key_id": "PXCTDUMMYKEY", "secret_access_key": "pxct-dummy"},
                "labels": {"created-by": "pixxel-contract"},
            },
        )
        if response.status_code not in (200, 201):
            raise TargetError(
                f"could not create a store of the kit's own: {response.status_code}"
                f" {response.text[:300]}"
            )
        store = response.json()
        self.remember("store", store["id"], session.api_key, name)
        return store

    def delivery_store(self) -> str:
        """The kit's own store that positive CreateDelivery cases deliver to."""
        if self._delivery_store is None:
            self._delivery_store = self.create_store(self.session())["id"]
        return self._delivery_store

    # -- time ------------------------------------------------------------------------------

    def advance(self, session: KitSession, seconds: float) -> None:
        """Let ``seconds`` pass on the server: the mock's clock moves; elsewhere nothing happens."""
        if self.is_mock and seconds > 0:
            response = session.post(
                f"{self.base_url}/_mock/clock/advance", json={"seconds": seconds}
            )
            if response.status_code != 200:
                raise TargetError(f"the mock refused to advance its clock: {response.text[:200]}")

    def wait_for(
        self,
        session: KitSession,
        probe: Callable[[], T | None],
        *,
        what: str,
        step_seconds: float = 1.0,
    ) -> T:
        """Call ``probe`` until it returns something other than None.

        Against the mock each miss advances the clock (no sleeping; ``step_seconds`` first, then
        doubling, bounded by a day of mock time); anywhere else the kit sleeps
        ``--poll-interval`` between polls, for at most ``--wait-timeout`` seconds.
        """
        if self.is_mock:
            # Steps double up to an hour: a day of mock time takes some twenty polls.
            budget, step = MOCK_WAIT_SECONDS, step_seconds
            while True:
                value = probe()
                if value is not None:
                    return value
                if budget <= 0:
                    raise WaitTimeout(f"{what} did not happen within a day of mock time")
                self.advance(session, step)
                budget -= step
                step = min(step * 2, 3600.0)
        deadline = time.monotonic() + self.options.wait_timeout
        while True:
            value = probe()
            if value is not None:
                return value
            if time.monotonic() >= deadline:
                raise WaitTimeout(
                    f"{what} did not happen within {self.options.wait_timeout:g} s (--wait-timeout)"
                )
            interrupt.sleep(min(self.options.poll_interval, max(0.0, deadline - time.monotonic())))

    # -- the end ---------------------------------------------------------------------------

    def cleanup(self) -> list[str]:
        """Delete every store the kit created and still holds. Returns what could not be deleted."""
        if self._cleaned:
            return []
        self._cleaned = True
        problems = []
        for item in list(self.created):
            if item.kind != "store":
                continue
            session = self.session(item.api_key, exempt=True)
            try:
                response = session.delete(f"{self.base_url}/v0/stores/{item.id}")
            except requests.RequestException as exc:
                problems.append(f"store {item.id} ({item.name}): {exc}")
                continue
            if response.status_code in (200, 202, 204, 404):
                self.forget("store", item.id)
            else:
                problems.append(f"store {item.id} ({item.name}): {response.status_code}")
        return problems

    def stop(self) -> None:
        if self.mock_process is not None:
            self.mock_process.stop()
