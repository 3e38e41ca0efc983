"""A mock's domain built without HTTP: the rooms over the fixtures, a fake clock, fixed phases."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.data.loader import FixtureSet
from mockserver.domain.workspaces import Workspace
from mockserver.service import MockService
from mockserver.settings import Settings
from tests.support import FakeTime

QUEUE, PROCESSING = 10.0, 20.0
DONE = QUEUE + PROCESSING + 1

STORE_BODY = {
    "name": "imagery",
    "type": "S3",
    "configs": {"bucket": "acme-imagery", "region": "ap-south-1"},
    "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
}


@dataclass
class Domain:
    service: MockService
    time: FakeTime
    ws: Workspace


def build(fixture_set: FixtureSet, key: str = "domain-key") -> Domain:
    settings = Settings(
        **{
            f"{kind}_{phase}_seconds": seconds
            for kind in ("download", "delivery", "aoi")
            for phase, seconds in (("queue", QUEUE), ("processing", PROCESSING))
        }
    )
    time = FakeTime()
    service = MockService(settings, fixture_set, time_source=time)
    return Domain(service, time, service.open_workspace(key))


def polygon(lon: float = 75.8, lat: float = 30.9, size: float = 0.01) -> dict:
    ring = [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}
