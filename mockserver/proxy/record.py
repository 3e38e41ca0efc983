"""``--record DIR``: sanitised exchanges, and the records they carry laid out as fixture files.

* ``DIR/exchanges.jsonl``: one exchange per line (operation, request, response; headers and
  bodies sanitised as :mod:`mockserver.proxy.sanitise` says);
* ``DIR/fixtures/<file>.json``: every record of a kind the mock's fixtures hold (satellites,
  projects, order items, catalogs, stores, AOIs) found in a list answer, once per id, in the
  fixture files' layout (``satellites.json`` holds ``{"satellites": [...]}``), ready to be
  copied into a fixture folder (which also needs its ``manifest.json``) and checked with
  ``pixxel-mock fixtures check``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from mockserver.data.loader import LAYOUT


class Recorder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fixtures = folder / "fixtures"
        self.fixtures.mkdir(parents=True, exist_ok=True)
        self._exchanges = open(folder / "exchanges.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._lock = threading.Lock()
        # section key (e.g. "satellites") -> id -> record
        self._records: dict[str, dict[str, Any]] = {}
        self._id_fields = {key: id_field for specs in LAYOUT.values() for key, _, id_field in specs}

    def record(self, exchange: dict[str, Any]) -> None:
        """Keep one sanitised exchange."""
        line = json.dumps(exchange, sort_keys=True)
        with self._lock:
            self._exchanges.write(line + "\n")
            self._exchanges.flush()
            body = exchange.get("response", {}).get("body")
            status = exchange.get("response", {}).get("status", 0)
            if 200 <= status < 300 and isinstance(body, dict):
                changed = self._collect(body)
                if changed:
                    self._write_fixtures(changed)

    def _collect(self, body: dict[str, Any]) -> set[str]:
        changed = set()
        for key, id_field in self._id_fields.items():
            items = body.get(key)
            if not isinstance(items, list):
                continue
            for item in items:
                if isinstance(item, dict) and isinstance(item.get(id_field), str):
                    self._records.setdefault(key, {})[item[id_field]] = item
                    changed.add(key)
        return changed

    def _write_fixtures(self, changed: set[str]) -> None:
        for name, specs in LAYOUT.items():
            keys = [key for key, _, _ in specs]
            if not changed.intersection(keys):
                continue
            document = {key: list(self._records.get(key, {}).values()) for key in keys}
            target = self.fixtures / name
            scratch = target.with_suffix(".json.tmp")
            scratch.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
            scratch.replace(target)

    def close(self) -> None:
        with self._lock:
            self._exchanges.close()
