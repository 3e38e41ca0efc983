"""Signed download URLs: minting, verification, and the files behind them.

A ``signed_url`` points back at the mock, like a cloud presigned URL: anyone holding it can fetch
the file until it expires, without the API key. The signature is HMAC-SHA256 over the path and the
expiry instant, keyed by a secret derived from the run's seed, so every worker process of one
deployment mints and accepts the same URLs. Expiry is judged on the workspace's clock, so a test
can make a URL expire by advancing that clock.

The file is a zip holding, for each catalog, its STAC item as JSON and a small georeferenced
GeoTIFF (an RGB preview over the footprint's bounding box). It is built deterministically: the same
download always yields the same bytes, so ranged requests can resume it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import numpy as np
import tifffile

FILES_PREFIX = "/_mock/files"
DEFAULT_TTL_SECONDS = 3600
PREVIEW_SIZE = 64

_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def signing_secret(service: Any) -> bytes:
    """The secret a service signs with: ``--signing-secret`` if given, else its state's own."""
    configured = service.settings.signing_secret
    if configured:
        return configured.encode()
    return service.state.signing_secret()


def file_path(workspace_id: str, download_id: str) -> str:
    return f"{FILES_PREFIX}/{workspace_id}/{download_id}.zip"


def signature(secret: bytes, path: str, expires: int) -> str:
    return hmac.new(secret, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def verify(secret: bytes, path: str, expires: int, given: str) -> bool:
    return hmac.compare_digest(signature(secret, path, expires), given)


def signer(
    secret: bytes, workspace_id: str, base_url: str, ttl: int = DEFAULT_TTL_SECONDS
) -> Callable[[dict[str, Any], float], str]:
    """A function minting a download's signed URL, valid ``ttl`` seconds from a given instant."""

    def sign(download: dict[str, Any], now: float) -> str:
        path = file_path(workspace_id, download["id"])
        expires = int(now) + ttl
        query = urlencode({"expires": expires, "signature": signature(secret, path, expires)})
        return f"{base_url}{path}?{query}"

    return sign


def _preview(catalog: dict[str, Any]) -> bytes:
    """A small RGB GeoTIFF over the catalog's bbox (EPSG:4326), seeded by the catalog id."""
    seed = int.from_bytes(hashlib.sha256(catalog["id"].encode()).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    gradient = np.linspace(800, 2400, PREVIEW_SIZE, dtype=np.float64)
    base = gradient[None, :] + gradient[:, None] / 2
    bands = [base + rng.normal(0, 120, base.shape) + offset for offset in (0, 300, -200)]
    pixels = np.clip(np.stack(bands, axis=-1), 0, 10000).astype(np.uint16)
    west, south, east, north = catalog["details"]["bbox"][:4]
    scale = ((east - west) / PREVIEW_SIZE, (north - south) / PREVIEW_SIZE, 0.0)
    geokeys = (1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326)
    out = io.BytesIO()
    tifffile.imwrite(
        out,
        pixels,
        photometric="rgb",
        metadata=None,
        software=False,
        extratags=[
            (33550, "d", 3, scale, True),  # ModelPixelScale
            (33922, "d", 6, (0.0, 0.0, 0.0, west, north, 0.0), True),  # ModelTiepoint
            (34735, "H", len(geokeys), geokeys, True),  # GeoKeyDirectory: WGS 84 lon/lat
        ],
    )
    return out.getvalue()


_ARCHIVES: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
_ARCHIVES_KEPT = 64


def _build_archive(catalogs: Sequence[dict[str, Any]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for catalog in catalogs:
            item_id = catalog["details"]["id"]
            for name, data in (
                (f"{item_id}/{item_id}.json", json.dumps(catalog["details"], indent=2).encode()),
                (f"{item_id}/{item_id}_preview.tif", _preview(catalog)),
            ):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return out.getvalue()


def archive_for(catalogs: Sequence[dict[str, Any]]) -> bytes:
    """The zip of a download's catalogs. Catalogs never change while the mock runs, so the last
    few archives are kept by catalog ids: a resumed or repeated fetch gets the same bytes."""
    key = tuple(c["id"] for c in catalogs)
    data = _ARCHIVES.get(key)
    if data is None:
        data = _ARCHIVES[key] = _build_archive(catalogs)
        while len(_ARCHIVES) > _ARCHIVES_KEPT:
            _ARCHIVES.popitem(last=False)
    else:
        _ARCHIVES.move_to_end(key)
    return data
