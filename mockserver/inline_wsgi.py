"""Run the Flask app inside the event loop instead of a thread pool.

Connexion's FlaskApp reaches Flask through a2wsgi, which hands every request to a worker thread
and waits for it. The mock's handlers are short and CPU-bound, and the GIL lets only one thread
run Python at a time anyway, so the hand-off buys no parallelism and costs a thread switch (and
a queue round trip for the body) on every request. This adapter calls the WSGI app directly in
the event loop's thread, after reading the (size-limited) body. Several worker processes, not
threads, are how the mock uses more cores.
"""

from __future__ import annotations

import io
from typing import Any

from a2wsgi.wsgi import build_environ
from starlette.types import Receive, Scope, Send


class InlineWSGI:
    """ASGI → WSGI adapter that calls ``app`` synchronously, in the calling thread."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        environ = build_environ(scope, io.BytesIO(b"".join(chunks)))  # type: ignore[arg-type]
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers
            ]
            return lambda _data: None

        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        await send(
            {
                "type": "http.response.start",
                "status": started["status"],
                "headers": started["headers"],
            }
        )
        await send({"type": "http.response.body", "body": body})
