"""The request body, read whole before anything else sees it, within one size limit.

Clients frame bodies two ways: with ``Content-Length`` or with ``Transfer-Encoding: chunked``
(streaming clients such as httpx's do the latter). Connexion only looks for a body when a
``Content-Length`` is declared, so this middleware reads the body whatever its framing, refuses
it with 413 once it passes the limit, refuses a non-empty body without a ``Content-Type`` with
415, and hands the app the bytes with an exact ``Content-Length`` and no ``Transfer-Encoding``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import errors
from mockserver.error_responses import send_envelope

_DROPPED = {b"content-length", b"transfer-encoding"}


class _Disconnected(Exception):
    """The client went away before its body was complete."""


class BodyLimit:
    """ASGI middleware: the whole body, at most ``max_bytes``, however it is framed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        declared = None
        has_type = False
        for name, value in headers:
            if name == b"content-length":
                declared = value
            elif name == b"content-type":
                has_type = bool(value.strip())
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse_too_large(send)
            return
        try:
            body = await self._read(receive)
        except _Disconnected:
            return
        if body is None:
            await self._refuse_too_large(send)
            return
        if body.strip() and not has_type:
            await send_envelope(
                send,
                415,
                errors.UNSUPPORTED_MEDIA_TYPE,
                "a request body needs a Content-Type header (application/json)",
            )
            return
        new_headers = [(n, v) for n, v in headers if n not in _DROPPED]
        if body:
            new_headers.append((b"content-length", str(len(body)).encode()))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": new_headers}, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The body, or ``None`` once it is larger than the limit."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _refuse_too_large(self, send: Send) -> None:
        # The rest of the body is not read; the connection cannot carry another request.
        await send_envelope(
            send,
            413,
            errors.PAYLOAD_TOO_LARGE,
            f"the request body is larger than {self.max_bytes} bytes",
            close=True,
        )
