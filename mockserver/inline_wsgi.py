"""Run the Flask app inside the event loop instead of a thread pool.

Connexion's FlaskApp reaches Flask through a2wsgi, which hands every request to a worker thread
and waits for it. The mock's handlers are short and CPU-bound, and the GIL lets only one thread
run Python at a time anyway, so the hand-off buys no parallelism and costs a thread switch (and
a queue round trip for the body) on every request. This adapter calls the WSGI app directly in
the event loop's thread, after reading the (size-limited) body. Several worker processes, not
threads, are how the mock uses more cores.

The adapter is plain ASGI and WSGI (PEP 3333); putting it in place of Connexion's own is one of
the departures ``connexion_tuning.py`` owns.
"""

from __future__ import annotations

import io
import sys
from typing import Any

from starlette.types import Receive, Scope, Send


def wsgi_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP request whose whole body is ``body``."""
    root_path = scope.get("root_path", "")
    path = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        # WSGI strings are bytes in latin-1 clothing; ASGI paths are already decoded text.
        "SCRIPT_NAME": root_path.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        # The bridges' shared convention; Connexion's request context is read from it.
        "asgi.scope": scope,
    }
    client = scope.get("client")
    if client is not None:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        # Repeated headers are folded into one, comma-separated, as HTTP allows.
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


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
        environ = wsgi_environ(scope, b"".join(chunks))
        started: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
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
