"""The proxy as an ASGI app: forward, judge, report.

Every request except ``GET /_mock/drift`` goes to the upstream as it came (method, path, query,
headers including the caller's ``Authorization``, body); the answer goes back as it came, decoded
(``Content-Encoding`` and ``Content-Length`` are set afresh). Hop-by-hop headers are not
forwarded, and ``Host`` is the upstream's. httpx's transport is used on its own, without a client:
a client would keep cookies from one caller's answers and send them with the next caller's
requests.

Only after the answer is in does the proxy judge the exchange against the contract; a request the
contract does not document is still forwarded (and reported). The key is never stored: it leaves
the proxy only towards the upstream, and everything kept is sanitised first.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.types import Receive, Scope, Send

from mockserver.proxy.contract import Contract, Violation
from mockserver.proxy.drift import UNDOCUMENTED, DriftReport
from mockserver.proxy.record import Recorder
from mockserver.proxy.sanitise import Sanitiser

DRIFT_PATH = "/_mock/drift"
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_ID_SEGMENT = re.compile(r"^(?=.*\d)[0-9A-Za-z_-]{8,}$")
MAX_VALUE_CHARS = 200
LOG = logging.getLogger("pixxel-mock.proxy")


def _undocumented_path(path: str) -> str:
    """A path with id-like segments folded, so that unknown routes group together."""
    return "/".join("{id}" if _ID_SEGMENT.match(s) else s for s in path.split("/"))


def _shortened(value: Any) -> Any:
    """An offending value as kept in an example: whole if short, else the start of its JSON."""
    text = json.dumps(value, default=str)
    if len(text) <= MAX_VALUE_CHARS:
        return value
    return text[:MAX_VALUE_CHARS] + " [...]"


def _json_or_text(body: bytes, content_type: str) -> Any:
    if not body:
        return None
    if "json" in content_type:
        try:
            return json.loads(body)
        except ValueError:
            pass
    return body.decode("utf-8", "replace")


class DriftProxy:
    def __init__(
        self,
        upstream: str,
        contract: Contract,
        report: DriftReport,
        *,
        recorder: Recorder | None = None,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.upstream = httpx.URL(upstream.rstrip("/"))
        self.contract = contract
        self.report = report
        self.recorder = recorder
        self.timeout = httpx.Timeout(timeout).as_dict()
        self.transport = transport or httpx.AsyncHTTPTransport()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == DRIFT_PATH and scope["method"] == "GET":
            await _respond(send, 200, json.dumps(self.report.as_dict()).encode())
            return
        body = await _read_body(receive)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        query = scope.get("query_string", b"")
        raw_path = scope.get("raw_path") or scope["path"].encode()
        prefix = self.upstream.raw_path.rstrip(b"/")
        target = self.upstream.copy_with(
            raw_path=prefix + raw_path + (b"?" + query if query else b"")
        )
        request = httpx.Request(
            scope["method"],
            target,
            headers=[(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP],
            content=body,
            extensions={"timeout": self.timeout},
        )
        try:
            response = await self.transport.handle_async_request(request)
            answer = await response.aread()
        except httpx.HTTPError as exc:
            self.report.upstream_error()
            error = {
                "error": {
                    "code": "UPSTREAM_UNAVAILABLE",
                    "message": f"the proxy got no answer from the upstream: {type(exc).__name__}",
                    "details": None,
                }
            }
            await _respond(send, 502, json.dumps(error).encode())
            return
        out_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers.multi_items()
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"
        ]
        out_headers.append((b"content-length", str(len(answer)).encode()))
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": out_headers}
        )
        await send({"type": "http.response.body", "body": answer})
        try:
            self.judge(scope, headers, body, response, answer)
        except Exception as exc:  # noqa: BLE001 - the caller has its answer; say what, not values
            self.report.judge_error()
            LOG.warning("could not judge %s %s: %s", scope["method"], scope["path"], type(exc))

    def judge(
        self,
        scope: Scope,
        headers: list[tuple[str, str]],
        body: bytes,
        response: httpx.Response,
        answer: bytes,
    ) -> None:
        method, path = scope["method"], scope["path"]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        request_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        response_type = response.headers.get("content-type", "")
        route = self.contract.match(method, path)
        violations: list[Violation]
        if route is None:
            operation, template = UNDOCUMENTED, _undocumented_path(path)
            where = f"{method} {template}"
            violations = [Violation("unknown_route", where, "the contract has no such operation")]
        else:
            operation, template = route.operation_id, route.template
            violations = self.contract.check_request(route, path, query, request_type, body)
            violations += self.contract.check_response(
                route, response.status_code, response_type, answer
            )
        sanitiser = Sanitiser()
        request_doc = _json_or_text(body, request_type)
        kept_headers = sanitiser.headers(headers)
        sanitiser.collect(request_doc)
        response_doc = _json_or_text(answer, response_type)
        sanitiser.collect(response_doc)
        query_text = sanitiser.text(scope.get("query_string", b"").decode("latin-1"))
        request_line = f"{method} {path}" + (f"?{query_text}" if query_text else "")
        example = {"request": request_line, "status": response.status_code}
        clean = [
            Violation(
                v.category,
                v.where,
                sanitiser.text(v.message),
                _shortened(sanitiser.document(v.value)),
            )
            for v in violations
        ]
        self.report.record(operation, method, template, clean, example)
        if self.recorder is not None:
            self.recorder.record(
                {
                    "operation": operation,
                    "request": {
                        "method": method,
                        "path": path,
                        "query": [[k, sanitiser.text(v)] for k, v in query],
                        "headers": kept_headers,
                        "body": sanitiser.document(request_doc),
                    },
                    "response": {
                        "status": response.status_code,
                        "headers": sanitiser.headers(list(response.headers.multi_items())),
                        "body": sanitiser.document(response_doc),
                    },
                    "violations": [v.kind for v in clean],
                }
            )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.transport.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
