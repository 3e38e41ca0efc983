"""What the proxy keeps of an exchange: never a key, never a secret.

Removed everywhere the proxy writes or serves something (drift examples, recorded exchanges):

* credential headers (``Authorization``, cookies, API-key headers);
* the value of every ``secrets`` object (store credentials) and of any property whose name says
  it is a credential (``password``, ``token``, ``secret_access_key``...), at any depth;
* the query string of ``signed_url`` values (a signed URL is a credential in itself);
* any other occurrence, anywhere in the text, of a value removed above (an answer that echoes the
  caller's key or a secret loses it too).
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
_SECRET_NAME = re.compile(r"secret|password|passwd|token|credential|private_key|api_?key", re.I)
MIN_SECRET_CHARS = 4  # shorter values are not scrubbed from free text (too many false hits)


class Sanitiser:
    """Scrubs one exchange; collects the secrets it met so that echoes are scrubbed too."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def remember(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= MIN_SECRET_CHARS:
            self.secrets.add(value)
            if value.lower().startswith("bearer "):
                self.remember(value[7:].strip())
        elif isinstance(value, dict):
            for item in value.values():
                self.remember(item)
        elif isinstance(value, list):
            for item in value:
                self.remember(item)

    def headers(self, headers: list[tuple[str, str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers:
            if name.lower() in SECRET_HEADERS:
                self.remember(value)
                continue
            out[name.lower()] = value
        return {name: self.text(value) for name, value in out.items()}

    def collect(self, document: Any) -> None:
        """Remember the secrets a document holds (before anything of it is kept)."""
        if isinstance(document, dict):
            for key, value in document.items():
                if key == "secrets" or (isinstance(key, str) and _SECRET_NAME.search(key)):
                    self.remember(value)
                else:
                    self.collect(value)
        elif isinstance(document, list):
            for item in document:
                self.collect(item)

    def document(self, document: Any) -> Any:
        """A copy of a JSON document with its secrets replaced."""
        if isinstance(document, dict):
            out: dict[Any, Any] = {}
            for key, value in document.items():
                if key == "secrets" and isinstance(value, dict):
                    out[key] = {name: REDACTED for name in value}
                elif key == "secrets" or (isinstance(key, str) and _SECRET_NAME.search(key)):
                    out[key] = REDACTED
                elif key == "signed_url" and isinstance(value, str):
                    out[key] = value.split("?", 1)[0] + ("?" + REDACTED if "?" in value else "")
                else:
                    out[key] = self.document(value)
            return out
        if isinstance(document, list):
            return [self.document(item) for item in document]
        if isinstance(document, str):
            return self.text(document)
        return document

    def text(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text
