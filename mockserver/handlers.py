"""operationId → handler, for both contracts (spec/openapi.yaml and spec/admin.yaml).

The specs name operations by the live API's operationIds; this table is the only place that ties
them to Python, and Connexion's resolver reads it (an operationId missing here fails start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.admin import control, files, traffic
from mockserver.api import aois, catalogs, deliveries, downloads, health, reference, stores

HANDLERS: dict[str, Callable[..., Any]] = {
    # The Pixxel API
    "Ping": health.ping,
    "ListStores": stores.list_stores,
    "CreateStore": stores.create_store,
    "DeleteStore": stores.delete_store,
    "SearchCatalogs": catalogs.search_catalogs,
    "GetCatalogById": catalogs.get_catalog,
    "ListDeliveries": deliveries.list_deliveries,
    "CreateDelivery": deliveries.create_delivery,
    "CreateDownload": downloads.create_download,
    "GetDownloadById": downloads.get_download,
    "ListAOIs": aois.list_aois,
    "AOICreateAOI": aois.create_aoi,
    "GetAoiById": aois.get_aoi,
    "ListAssets": aois.list_assets,
    "AOICreateDownload": aois.create_download,
    "GetDownloadStatus": aois.get_download,
    "List Satellites": reference.list_satellites,
    "ListProjects": reference.list_projects,
    "GetProjectById": reference.get_project,
    "ListOrderItems": reference.list_order_items,
    "GetOrderItemById": reference.get_order_item,
    # The control API under /_mock
    "GetClock": control.get_clock,
    "AdvanceClock": control.advance_clock,
    "FreezeClock": control.freeze_clock,
    "UnfreezeClock": control.unfreeze_clock,
    "ResetWorkspace": control.reset_workspace,
    "ListOverrides": control.list_overrides,
    "AddOverride": control.add_override,
    "ClearOverrides": control.clear_overrides,
    "GetSignedFile": files.get_signed_file,
    "ListRequests": traffic.list_requests,
    "ClearRequests": traffic.clear_requests,
    "ListFaults": traffic.list_faults,
    "AddFault": traffic.add_fault,
    "ClearFaults": traffic.clear_faults,
}


def resolve(operation_id: str) -> Callable[..., Any]:
    """Connexion's function resolver: an unknown operationId is a start-up error."""
    handler = HANDLERS.get(operation_id)
    if handler is None:
        raise LookupError(f"no handler for operationId {operation_id!r}")
    return handler
