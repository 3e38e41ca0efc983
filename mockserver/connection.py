"""Dropping a client's connection without an answer: the one place that reaches into uvicorn.

ASGI has no message for "close the connection without a response", so a dropped-connection
fault aborts the TCP transport of uvicorn's request cycle (the object whose bound ``send`` the
server hands to the app) and lets the loop record the disconnection before the app returns, so
uvicorn neither answers 500 nor logs an error.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Send


def transport_of(send: Send) -> Any:
    """The transport behind uvicorn's ``send``, or None under another server (a test client)."""
    cycle = getattr(send, "__self__", None)
    return getattr(cycle, "transport", None)


async def drop(transport: Any) -> None:
    transport.abort()
    # Let the loop run the protocol's connection_lost, which marks the request disconnected.
    await asyncio.sleep(0)
