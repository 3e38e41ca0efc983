"""``python -m mockserver.healthcheck``: exit 0 when the mock answers ``/ping``, 1 otherwise.

The container's HEALTHCHECK runs it. It reads the port from the same settings as ``serve``
(``PIXXEL_MOCK_PORT`` or its default), so the check follows the port the mock listens on.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from mockserver import settings as settings_mod


def check(port: int, timeout: float = 4.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=timeout) as answer:
            status: int = answer.status
            return status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    try:
        settings = settings_mod.from_sources()
    except settings_mod.SettingsError as exc:
        print(f"pixxel-mock healthcheck: {exc}", file=sys.stderr)
        return 1
    return 0 if check(settings.port) else 1


if __name__ == "__main__":
    sys.exit(main())
