"""Downloads: CreateDownload, GetDownloadById."""

from __future__ import annotations

from typing import Any

from mockserver import files
from mockserver.api._context import base_url, service, workspace


def create_download(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().create_download(workspace(), body), 201


def get_download(download_id: str) -> tuple[dict[str, Any], int]:
    svc = service()
    ws = workspace()
    sign = files.signer(files.signing_secret(svc), ws.id, base_url())
    return svc.get_download(ws, download_id, sign), 200
