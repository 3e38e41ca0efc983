"""Downloads: CreateDownload, GetDownloadById."""

from __future__ import annotations

from typing import Any

from mockserver.request_context import service, signer, workspace


def create_download(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return service().downloads.create(workspace(), body), 201


def get_download(download_id: str) -> tuple[dict[str, Any], int]:
    ws = workspace()
    return service().downloads.get(ws, download_id, signer(ws)), 200
