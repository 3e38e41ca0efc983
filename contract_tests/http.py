"""How the kit talks to a server: sessions that share one rate limit and one request cap."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import requests

from contract_tests import __version__, interrupt

USER_AGENT = f"pixxel-contract/{__version__}"


class RequestBudgetExhausted(RuntimeError):
    """The run sent as many requests as it may (``--max-requests``)."""


class Throttle:
    """A request counter and a rate limit shared by every session of one run (thread safe)."""

    def __init__(self, rate_per_second: float | None, max_requests: int) -> None:
        self.interval = 1.0 / rate_per_second if rate_per_second else 0.0
        self.max_requests = max_requests
        self.sent = 0
        self.exempt_sent = 0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self, *, exempt: bool = False) -> None:
        """Wait for the next slot. ``exempt`` requests (clean-up) never count against the cap and
        are sent even after a stop was asked for; any other request is a checkpoint."""
        if not exempt:
            interrupt.checkpoint()
        with self._lock:
            if exempt:
                self.exempt_sent += 1
            else:
                if self.sent >= self.max_requests:
                    raise RequestBudgetExhausted(
                        f"the run reached its cap of {self.max_requests} requests"
                        " (raise --max-requests or lower --max-examples)"
                    )
                self.sent += 1
            wait = 0.0
            if self.interval:
                now = time.monotonic()
                slot = max(now, self._next)
                self._next = slot + self.interval
                wait = slot - now
        if wait > 0:
            if exempt:
                time.sleep(wait)
            else:
                interrupt.sleep(wait)


class KitSession(requests.Session):
    """A ``requests`` session bound to one API key; every request goes through the throttle."""

    def __init__(
        self,
        throttle: Throttle,
        api_key: str | None,
        *,
        timeout: float,
        exempt: bool = False,
    ) -> None:
        super().__init__()
        self.throttle = throttle
        self.api_key = api_key
        self.timeout = timeout
        self.exempt = exempt
        self.headers["User-Agent"] = USER_AGENT
        if api_key is not None:
            self.headers["Authorization"] = api_key

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any):  # type: ignore[override]
        self.throttle.acquire(exempt=self.exempt)
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


_ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^)\]'\"]+)")


def describe_error(exc: requests.RequestException) -> str:
    """One short line for a request that got no answer (no urllib3 object dumps)."""
    if isinstance(exc, requests.Timeout):
        return "no answer in time (timed out)"
    text = str(exc)
    found = _ERRNO_TEXT.search(text)
    if found:
        return found.group(1).strip().rstrip(".").lower()
    if isinstance(exc, requests.exceptions.SSLError):
        detail = re.search(r"certificate verify failed[^'\")]*", text)
        return "TLS error: " + (detail.group(0) if detail else "handshake failed")
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the connection was closed without an answer"
    line = " ".join(text.split())
    return line[:200] + (" [...]" if len(line) > 200 else "")
