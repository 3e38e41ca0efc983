"""Downloads of catalogs: a zip that is prepared, then served behind a signed URL
(CreateDownload, GetDownloadById, and the archive behind ``/_mock/files``).

A download's whole lifecycle lives here: the timeline it gets, the status it shows, when it gets a
signed URL and what its archive holds. AOI downloads share the table and the archive route; their
own rules are in :mod:`mockserver.domain.aois`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver import download_archives, errors, lifecycle
from mockserver.domain.catalogs import Catalogs
from mockserver.domain.schedule import Schedule
from mockserver.domain.workspaces import Workspace, Workspaces
from mockserver.lifecycle import Timeline

#: Mints the signed URL of a finished download: (stored download, now) → URL.
Signer = Callable[[dict[str, Any], float], str]


def render(doc: dict[str, Any], now: float, signer: Signer | None) -> dict[str, Any]:
    """A stored catalog download as the API shows it; ``signed_url`` once it is ``success``."""
    status = lifecycle.download_status(Timeline.from_record(doc["_timeline"]), now)
    out: dict[str, Any] = {"id": doc["id"], "status": status}
    if status == "success" and signer is not None:
        out["signed_url"] = signer(doc, now)
    return out


class Downloads:
    def __init__(
        self,
        workspaces: Workspaces,
        schedule: Schedule,
        catalogs: Catalogs,
        unavailable_catalog_ids: frozenset[str] | set[str],
    ) -> None:
        self.workspaces = workspaces
        self.schedule = schedule
        self.catalogs = catalogs
        self.unavailable = unavailable_catalog_ids
        self.state = workspaces.state

    def create(self, ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
        catalogs = self.catalogs.resolve(body)
        now = self.workspaces.now(ws.id)
        doomed = any(c["id"] in self.unavailable for c in catalogs)
        row = {
            "_catalog_ids": [c["id"] for c in catalogs],
            "_timeline": self.schedule.timeline(ws.id, "download", now, doomed).to_record(),
        }
        new_id = self.state.insert_download(ws.id, row)
        return render({"id": new_id, **row}, now, signer=None)

    def get(self, ws: Workspace, download_id: str, signer: Signer | None) -> dict[str, Any]:
        doc = self.state.get_download(ws.id, download_id)
        if doc is None or "_aoi_id" in doc:
            raise errors.not_found("download", download_id)
        return render(doc, self.workspaces.now(ws.id), signer)

    def finished(self, workspace_id: str, download_id: str) -> dict[str, Any] | None:
        """A download (of catalogs or of AOI assets) that has succeeded by now on its
        workspace's clock, or ``None``."""
        doc = self.state.get_download(workspace_id, download_id)
        if doc is None:
            return None
        now = self.workspaces.now(workspace_id)
        if Timeline.from_record(doc["_timeline"]).phase(now) != lifecycle.SUCCESS:
            return None
        return doc

    def archive(self, workspace_id: str, download_id: str) -> bytes:
        """The zip a finished download serves; 404 while it is not finished."""
        doc = self.finished(workspace_id, download_id)
        if doc is None:
            raise errors.not_found("download", download_id)
        if "_aoi_id" in doc:
            entries = [download_archives.asset_entry(asset) for asset in doc["_assets"]]
        else:
            catalogs = (self.catalogs.index.get(cid) for cid in doc["_catalog_ids"])
            entries = [download_archives.catalog_entry(c) for c in catalogs if c is not None]
        return download_archives.archive_for(entries)
