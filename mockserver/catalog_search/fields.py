"""The names a catalog search may filter and sort on."""

from __future__ import annotations

#: These names always mean the top-level field, never a STAC property of the same name.
TOP_LEVEL_FIELDS = (
    "id",
    "org_id",
    "task_id",
    "bandset_id",
    "area",
    "delivery_status",
    "created_at",
    "updated_at",
)
#: STAC properties (and the Pixxel linkage properties) always accepted in ``query`` and
#: ``sort_by``, even when no catalog in the index carries them.
STANDARD_PROPERTIES = (
    "datetime",
    "start_datetime",
    "end_datetime",
    "created",
    "updated",
    "platform",
    "constellation",
    "instruments",
    "gsd",
    "eo:cloud_cover",
    "proj:epsg",
    "view:off_nadir",
    "view:sun_azimuth",
    "view:sun_elevation",
    "sat:orbit_state",
    "project_id",
    "order_id",
    "order_item_id",
    "usecase",
    "satellite_id",
)
LIST_FILTERS = ("ids", "collections", "item_ids", "order_ids", "order_item_ids")
