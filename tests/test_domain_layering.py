"""The domain rooms load without the web stack: no Flask, no Connexion."""

from __future__ import annotations

import subprocess
import sys

ROOMS = ("aois", "catalogs", "control", "deliveries", "downloads", "reference", "stores")


def test_no_room_imports_flask_or_connexion():
    code = (
        "import sys\n"
        + "".join(f"import mockserver.domain.{room}\n" for room in ROOMS)
        + "print(sorted(m for m in ('flask', 'connexion') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
