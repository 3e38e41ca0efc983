"""``Prefer: code=NNN``: answer one request with a status the contract documents for it.

The convention is Prism's. The answer is the documented example of that response when there is
one, the Pixxel envelope for a documented error without an example, and an empty body for a
response without content. A success status without an example is answered by the mock itself,
as usual. A status the operation does not document is a 400 naming the ones it does.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from mockserver import errors
from mockserver.routes import Route

_CODE = re.compile(r"(?:^|[,;\s])code\s*=\s*\"?(\d{3})\"?(?:$|[,;\s])")


def requested_code(prefer: str | None) -> int | None:
    """The status asked for in a ``Prefer`` header, if any."""
    if not prefer:
        return None
    found = _CODE.search(prefer)
    return int(found.group(1)) if found else None


def _example(media: dict[str, Any]) -> tuple[bool, Any]:
    if "example" in media:
        return True, media["example"]
    for example in (media.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            return True, example["value"]
    return False, None


def answer(route: Route, status: int) -> tuple[int, dict[str, str], bytes] | None:
    """(status, headers, body) for ``route`` answering ``status``; None to let the mock answer."""
    documented = route.operation.get("responses", {})
    response = documented.get(str(status))
    if response is None:
        known = sorted(code for code in documented if code.isdigit())
        raise errors.bad_request(
            f"Prefer: code={status} is not documented for {route.operation_id}"
            f" (documented: {', '.join(known)})",
            field="Prefer",
            documented=[int(code) for code in known],
        )
    content = response.get("content") or {}
    if not content:
        return status, {}, b""
    media_type, media = next(iter(content.items()))
    found, example = _example(media)
    if found:
        body = example if isinstance(example, bytes) else orjson.dumps(example)
        if media_type.startswith("text/") and isinstance(example, str):
            body = example.encode()
        return status, {"Content-Type": media_type}, body
    if status < 400:
        return None
    envelope = errors.envelope(
        errors.code_for_status(status),
        f"answered with {status} as asked by the Prefer header",
        {"prefer": f"code={status}"},
    )
    return status, {"Content-Type": "application/json"}, orjson.dumps(envelope)
