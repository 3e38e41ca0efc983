"""Download archives: the zip a finished download's signed URL serves.

The zip holds, for each catalog (or AOI asset), its document as JSON (a catalog's STAC item, an
asset's record) and a small georeferenced GeoTIFF (an RGB preview over its bounding box). It is
built deterministically: the same download always yields the same bytes, so ranged requests can
resume it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tifffile

PREVIEW_SIZE = 64

_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ArchiveEntry:
    """One folder of a download's zip: ``<name>/<name>.json`` and ``<name>/<name>_preview.tif``."""

    name: str
    document: dict[str, Any]
    #: Seeds the preview's pixels and keys the archive cache (a catalog or asset id).
    key: str
    bbox: tuple[float, float, float, float]


def catalog_entry(catalog: dict[str, Any]) -> ArchiveEntry:
    """A catalog in a download: its STAC item over its footprint's bounding box."""
    west, south, east, north = catalog["details"]["bbox"][:4]
    return ArchiveEntry(
        catalog["details"]["id"], catalog["details"], catalog["id"], (west, south, east, north)
    )


def asset_entry(asset: dict[str, Any]) -> ArchiveEntry:
    """An AOI asset in a download: its record over the AOI's bounding box."""
    ring = asset["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    bbox = (min(lons), min(lats), max(lons), max(lats))
    return ArchiveEntry(f"{asset['asset_type']}-{asset['id']}", asset, asset["id"], bbox)


def _preview(entry: ArchiveEntry) -> bytes:
    """A small RGB GeoTIFF over the entry's bbox (EPSG:4326), seeded by its key."""
    seed = int.from_bytes(hashlib.sha256(entry.key.encode()).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    gradient = np.linspace(800, 2400, PREVIEW_SIZE, dtype=np.float64)
    base = gradient[None, :] + gradient[:, None] / 2
    bands = [base + rng.normal(0, 120, base.shape) + offset for offset in (0, 300, -200)]
    pixels = np.clip(np.stack(bands, axis=-1), 0, 10000).astype(np.uint16)
    west, south, east, north = entry.bbox
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


def _build_archive(entries: Sequence[ArchiveEntry]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            folder = entry.name
            for name, data in (
                (f"{folder}/{folder}.json", json.dumps(entry.document, indent=2).encode()),
                (f"{folder}/{folder}_preview.tif", _preview(entry)),
            ):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return out.getvalue()


def archive_for(entries: Sequence[ArchiveEntry]) -> bytes:
    """The zip of a download's catalogs or assets. What a download holds never changes, so the
    last few archives are kept by their entries' keys: a resumed or repeated fetch gets the same
    bytes."""
    key = tuple(e.key for e in entries)
    data = _ARCHIVES.get(key)
    if data is None:
        data = _ARCHIVES[key] = _build_archive(entries)
        while len(_ARCHIVES) > _ARCHIVES_KEPT:
            _ARCHIVES.popitem(last=False)
    else:
        _ARCHIVES.move_to_end(key)
    return data
