"""Downloads: CreateDownload, GetDownloadById."""

from __future__ import annotations

from typing import Any

from mockserver.api._context import base_url, service, workspace
from mockserver.files import signer_for


def create_download(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().create_download(workspace(), body), 201


def get_download(download_id: str) -> tuple[dict[str, Any], int]:
    svc = service()
    ws = workspace()
    return svc.get_download(ws, download_id, signer_for(svc, ws, base_url())), 200
