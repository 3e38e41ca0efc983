"""The façade over the domain: builds one room per resource over one fixture set, one state store
and one time source, and wires them together. The rules are in :mod:`mockserver.domain`."""

from __future__ import annotations

from mockserver.catalog_search import CatalogIndex
from mockserver.clock import TimeSource, system_time
from mockserver.data.loader import FixtureSet
from mockserver.domain.aois import Aois, seeded_aoi
from mockserver.domain.catalogs import Catalogs
from mockserver.domain.control import Control
from mockserver.domain.deliveries import Deliveries
from mockserver.domain.downloads import Downloads
from mockserver.domain.reference import Reference
from mockserver.domain.schedule import Schedule
from mockserver.domain.stores import Stores, seeded_store
from mockserver.domain.workspaces import Workspace, Workspaces, workspace_for_key
from mockserver.settings import Settings
from mockserver.state.store import StateStore, WorkspaceSeed

__all__ = ["MockService", "Workspace", "workspace_for_key"]


def workspace_seed(fixtures: FixtureSet) -> WorkspaceSeed:
    """What every new workspace starts with: the fixture stores and AOIs."""
    return WorkspaceSeed(
        stores=[seeded_store(store) for store in fixtures.stores],
        aois=[seeded_aoi(aoi) for aoi in fixtures.aois],
    )


class MockService:
    """Every room of the mock, sharing one state store and one time source."""

    def __init__(
        self,
        settings: Settings,
        fixtures: FixtureSet,
        state: StateStore | None = None,
        time_source: TimeSource | None = None,
    ) -> None:
        self.settings = settings
        self.fixtures = fixtures
        self.time_source = time_source or system_time
        self.state = state or StateStore(
            settings.state_file, workspace_seed(fixtures), settings.seed
        )
        self.workspaces = Workspaces(self.state, self.time_source)
        schedule = Schedule(settings, self.state)
        self.reference = Reference(fixtures)
        self.stores = Stores(self.workspaces)
        self.catalogs = Catalogs(CatalogIndex(fixtures.catalogs), self.reference, self.workspaces)
        self.deliveries = Deliveries(self.workspaces, schedule, self.stores, self.catalogs)
        self.downloads = Downloads(
            self.workspaces, schedule, self.catalogs, fixtures.unavailable_catalog_ids
        )
        self.aois = Aois(self.workspaces, schedule, self.catalogs, self.reference)
        self.control = Control(self.workspaces)

    def open_workspace(self, api_key: str) -> Workspace:
        return self.workspaces.open(api_key)

    def now(self, ws: Workspace) -> float:
        return self.workspaces.now(ws.id)
