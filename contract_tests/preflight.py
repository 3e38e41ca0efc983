"""Before any suite: does the target speak the contract at all?

Two requests, each with a short timeout: ``GET /ping`` without a key, and ``GET /v0/satellites``
(List Satellites, a read every key may make) with the run's key. Each must answer 200 with JSON
that is the documented kind of document (its type and required properties, judged by the same
:class:`~mockserver.proxy.contract.Contract` the drift proxy uses). Otherwise the run stops at
once with one line saying what came back, instead of sending hundreds of cases to the wrong
server or with a refused key. Finer differences (a content type, a field deep inside) are left to
the suites, which report them against their operation.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import requests

from contract_tests.http import KitSession, describe_error

if TYPE_CHECKING:
    from contract_tests.target import Target

PREFLIGHT_TIMEOUT = 10.0  # seconds, at most, per request
PROBES = (("Ping", "/ping", False), ("List Satellites", "/v0/satellites", True))


class PreflightFailed(RuntimeError):
    """The target answered, but not as the contract says (wrong server, wrong key...)."""


def _what_came_back(response: requests.Response) -> str:
    content_type = response.headers.get("content-type", "no Content-Type").split(";")[0]
    body = " ".join(response.text[:60].split())
    return f"{response.status_code} ({content_type}{', ' + repr(body) if body else ''})"


def _problem(contract, route, response: requests.Response) -> str | None:  # noqa: ANN001
    if response.status_code != 200:
        return "expected 200"
    try:
        document = json.loads(response.content)
    except ValueError:
        return "expected JSON"
    errors = contract.outline_errors(route, 200, document)
    return f"expected the documented document: {errors[0]}" if errors else None


def check(target: Target) -> None:
    """Raise :class:`PreflightFailed`, with one line, unless the target passes both probes."""
    from mockserver.proxy.contract import Contract

    contract = Contract(target.options.spec)
    timeout = min(PREFLIGHT_TIMEOUT, target.options.request_timeout)
    base = target.base_url
    for operation_id, path, with_key in PROBES:
        route = contract.operations.get(operation_id)
        if route is None:  # a contract without this operation: nothing to probe
            continue
        key = target.api_key if with_key else None
        session = KitSession(target.throttle, key, timeout=timeout)
        request = f"GET {path}"
        try:
            response = session.get(f"{base}{path}")
        except requests.RequestException as exc:
            raise PreflightFailed(
                f"{base}: {request} got no answer: {describe_error(exc)}"
            ) from None
        if with_key and response.status_code in (401, 403):
            raise PreflightFailed(
                f"{base} refused the API key: {request} answered {_what_came_back(response)};"
                " check --api-key (PIXXEL_API_KEY)"
            )
        problem = _problem(contract, route, response)
        if problem:
            raise PreflightFailed(
                f"{base} does not speak the contract, so nothing was tested: {request} answered"
                f" {_what_came_back(response)}, {problem}. Is --base-url the Pixxel API?"
            )
