"""The standing hostile-input suite: nothing a client sends gets a 5xx.

Two halves. Schemathesis, in negative mode, makes requests that break both contracts (the API
and the control API) in every way it knows, a few per operation so the suite stays fast. A corpus
of raw requests, sent over a real socket to `pixxel-mock serve`, covers what a generator does not
reach: framing, encodings, nesting depth, sizes, path traversal and methods. After each, the
server must still answer.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from mockserver.app import create_app
from tests.support import FakeTime
from tests.test_serve import running_mock

EXAMPLES_PER_OPERATION = 8

# -- schemathesis, negative mode, both specs ------------------------------------------------------


def _operations() -> Iterator[tuple[str, object]]:
    app = create_app(time_source=FakeTime())
    config = schemathesis.Config.from_dict(
        {"generation": {"mode": "negative"}, "headers": {"Authorization": "hostile-negative"}}
    )
    for spec_url in ("/openapi.json", "/_mock/openapi.json"):
        schema = schemathesis.openapi.from_asgi(spec_url, app, config=config)
        for result in schema.get_all_operations():
            operation = result.ok()
            # An operation that takes nothing but the key (GET /_mock/clock, say) has no input
            # to break; the raw corpus below covers those.
            if len(operation.body) + len(operation.query) + len(operation.path_parameters):
                prefix = (operation.base_url or "").rstrip("/")
                yield f"{operation.method.upper()} {prefix}{operation.path}", operation


_OPERATIONS = dict(_operations())


@pytest.mark.parametrize("label", sorted(_OPERATIONS))
def test_negative_cases_never_get_a_server_error(label):
    operation = _OPERATIONS[label]
    answered: list[int] = []

    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def send(case):
        response = case.call()
        answered.append(response.status_code)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
        )

    send()
    assert answered


# -- raw requests over a real socket --------------------------------------------------------------

_JSON = b"Content-Type: application/json\r\n"
_KEY = b"Authorization: hostile-raw\r\n"


def _post(path: bytes, body: bytes, extra: bytes = _JSON) -> bytes:
    return (
        b"POST "
        + path
        + b" HTTP/1.1\r\nHost: localhost\r\n"
        + _KEY
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def _get(path: bytes, extra: bytes = b"") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n" + _KEY + extra + b"\r\n"


def _chunked(path: bytes, body: bytes, size: int = 7, extra: bytes = _JSON) -> bytes:
    frames = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    )
    return (
        b"POST "
        + path
        + b" HTTP/1.1\r\nHost: localhost\r\n"
        + _KEY
        + extra
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + frames
        + b"0\r\n\r\n"
    )


_STORE = (
    b'{"name": "raw", "type": "S3", "configs": {"bucket": "raw-bucket", "region": "ap-south-1"},'
    b' "secrets": {"access_key_id": "a", "secret_access_key": "s"}}'
)

CORPUS: dict[str, bytes] = {
    # framing
    "chunked-body": _chunked(b"/v0/stores", _STORE),
    "chunked-body-one-byte-frames": _chunked(b"/v0/catalogs/search", b'{"limit": 1}', 1),
    "chunked-oversized": _chunked(b"/v0/stores", b"x" * (2 * 1024 * 1024), 65536),
    "declared-length-oversized": b"POST /v0/stores HTTP/1.1\r\nHost: x\r\n"
    + _KEY
    + _JSON
    + b"Content-Length: 99999999999\r\n\r\n{}",
    "no-content-type": _post(b"/v0/stores", _STORE, b""),
    "form-content-type": _post(
        b"/v0/stores", b"name=x", b"Content-Type: application/x-www-form-urlencoded\r\n"
    ),
    "text-content-type": _post(b"/v0/stores", _STORE, b"Content-Type: text/plain\r\n"),
    "empty-body": _post(b"/v0/stores", b""),
    "body-on-get": _get(b"/v0/stores", b"Content-Length: 2\r\n") + b"{}",
    # encodings
    "latin1-charset": _post(
        b"/v0/stores", _STORE, b"Content-Type: application/json; charset=latin-1\r\n"
    ),
    "unknown-charset": _post(
        b"/v0/stores", _STORE, b"Content-Type: application/json; charset=klingon\r\n"
    ),
    "invalid-utf8-body": _post(b"/v0/stores", b'{"name": "\xff\xfe"}'),
    "lone-surrogate": _post(b"/v0/catalogs/search", b'{"ids": ["\\ud800"]}'),
    "nul-in-string": _post(b"/v0/catalogs/search", b'{"ids": ["a\\u0000b"]}'),
    "bom-prefixed": _post(b"/v0/catalogs/search", b"\xef\xbb\xbf{}"),
    "invalid-utf8-query": _get(b"/v0/order-items?status=%ff%fe"),
    "invalid-utf8-path": _get(b"/v0/catalogs/%ff%fe"),
    "encoded-nul-in-path": _get(b"/v0/catalogs/a%00b"),
    "non-ascii-header": _get(b"/v0/stores", b"X-Note: \xe2\x98\x83\r\n"),
    "non-ascii-key": b"GET /v0/stores HTTP/1.1\r\nHost: x\r\nAuthorization: \xe2\x98\x83\r\n\r\n",
    # depth and size
    "deep-arrays": _post(b"/v0/stores", b"[" * 5000 + b"]" * 5000),
    "deep-objects": _post(b"/v0/catalogs/search", b'{"a":' * 3000 + b"1" + b"}" * 3000),
    "huge-integer": _post(b"/v0/catalogs/search", b'{"limit": ' + b"9" * 5000 + b"}"),
    "huge-float": _post(b"/v0/catalogs/search", b'{"limit": 1e999}'),
    "nan-seconds": _post(b"/_mock/clock/advance", b'{"seconds": NaN}'),
    "infinite-seconds": _post(b"/_mock/clock/advance", b'{"seconds": 1e309}'),
    "max-seconds": _post(b"/_mock/clock/advance", b'{"seconds": 1.7976931348623157e308}'),
    "many-keys": _post(
        b"/v0/catalogs/search", b"{" + b",".join(b'"k%d": 1' % i for i in range(20000)) + b"}"
    ),
    "long-query": _get(b"/v0/order-items?status=" + b"A" * 6000),
    "huge-key": b"GET /v0/stores HTTP/1.1\r\nHost: x\r\nAuthorization: "
    + b"k" * 60000
    + b"\r\n\r\n",
    "huge-limit": _get(b"/v0/order-items?limit=99999999999999999999999"),
    "negative-offset": _get(b"/v0/aois?offset=-1"),
    # traversal and odd paths
    "dot-dot": _get(b"/v0/../_mock/clock"),
    "encoded-dot-dot": _get(b"/_mock/files/%2e%2e/%2e%2e/etc/passwd.zip?expires=1&signature=x"),
    "doubled-slashes": _get(b"/v0//stores"),
    "file-outside": _get(b"/_mock/files/../../etc/passwd?expires=1&signature=x"),
    "signed-file-junk": _get(b"/_mock/files/ws/id.zip?expires=abc&signature="),
    "signed-file-huge-expiry": _get(
        b"/_mock/files/ws/id.zip?expires=" + b"9" * 400 + b"&signature=x"
    ),
    "absolute-form-target": b"GET http://localhost/v0/stores HTTP/1.1\r\nHost: x\r\n"
    + _KEY
    + b"\r\n",
    "asterisk-target": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    # methods
    "options": b"OPTIONS /v0/catalogs/search HTTP/1.1\r\nHost: x\r\n" + _KEY + b"\r\n",
    "trace": b"TRACE /v0/stores HTTP/1.1\r\nHost: x\r\n" + _KEY + b"\r\n",
    "put-on-post-route": b"PUT /v0/stores HTTP/1.1\r\nHost: x\r\n"
    + _KEY
    + b"Content-Length: 0\r\n\r\n",
    "unknown-method": b"BREW /v0/stores HTTP/1.1\r\nHost: x\r\n" + _KEY + b"\r\n",
    "head-on-post-route": b"HEAD /v0/catalogs/search HTTP/1.1\r\nHost: x\r\n" + _KEY + b"\r\n",
    # protocol
    "http-1.0": b"GET /v0/stores HTTP/1.0\r\n" + _KEY + b"\r\n",
    "no-host": b"GET /v0/stores HTTP/1.1\r\n" + _KEY + b"\r\n",
    "both-length-and-chunked": b"POST /v0/stores HTTP/1.1\r\nHost: x\r\n"
    + _KEY
    + _JSON
    + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "bad-chunk-size": b"POST /v0/stores HTTP/1.1\r\nHost: x\r\n"
    + _KEY
    + _JSON
    + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "garbage-request-line": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40,
}


def _exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        # A request refused before it is all read (a 413, say) may find the socket closed.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            data = b"".join(chunks)
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                if len(body) >= length:
                    break
        return b"".join(chunks)


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    with running_mock("--request-timeout-seconds", "10") as (base, _):
        yield int(base.rsplit(":", 1)[1])


@pytest.mark.parametrize("name", sorted(CORPUS))
@pytest.mark.slow
def test_raw_hostile_requests_never_get_a_server_error(server_port, name):
    response = _exchange(server_port, CORPUS[name])
    if response:  # a request too broken to parse may just be dropped
        status = int(response.split(b" ", 2)[1])
        assert status < 500, response[:400]
    # ... and the server still answers.
    ping = _exchange(server_port, b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
    assert ping.startswith(b"HTTP/1.1 200"), ping[:200]
