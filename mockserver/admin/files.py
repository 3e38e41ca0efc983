"""The handler behind a download's signed URL (GetSignedFile): no API key, the signature and the
expiry checked, the archive served with byte ranges."""

from __future__ import annotations

import io

import flask

from mockserver import errors, signed_urls
from mockserver.request_context import service
from mockserver.timestamps import to_rfc3339


def get_signed_file(
    workspace_id: str, file_name: str, expires: int, signature: str
) -> flask.Response:
    svc = service()
    download_id = file_name.removesuffix(".zip")
    path = signed_urls.file_path(workspace_id, download_id)
    if not signed_urls.verify(signed_urls.signing_secret(svc), path, expires, signature):
        raise errors.ApiError(
            403,
            "the signature does not match this URL (it was altered or minted by another server)",
            code=errors.PERMISSION_DENIED,
        )
    if svc.workspaces.now(workspace_id) > expires:
        raise errors.ApiError(
            403,
            f"this signed URL expired at {to_rfc3339(expires)}; fetch the download again for a"
            " fresh one",
            code=errors.PERMISSION_DENIED,
            details={"expired_at": to_rfc3339(expires)},
        )
    data = svc.downloads.archive(workspace_id, download_id)
    response = flask.send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=file_name,
        conditional=True,
        etag=False,
        max_age=0,
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response
