"""Thin HTTP handlers, one module per resource, and the operationId → handler table.

Handlers only unpack what Connexion validated, call one :class:`~mockserver.service.MockService`
method and return its dict with the live API's status code. The spec names operations by the live
API's operationIds; :data:`HANDLERS` is the only place that ties them to Python.
"""

from __future__ import annotations

from collections.abc import Callable

from mockserver.api import aois, catalogs, deliveries, downloads, health, reference, stores

HANDLERS: dict[str, Callable] = {
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
}


def resolve(operation_id: str) -> Callable:
    """Connexion's function resolver: an unknown operationId is a start-up error."""
    from mockserver.admin import HANDLERS as ADMIN_HANDLERS

    handler = HANDLERS.get(operation_id) or ADMIN_HANDLERS.get(operation_id)
    if handler is None:
        raise LookupError(f"no handler for operationId {operation_id!r}")
    return handler
