"""Load the fixture data set and check it against the contract before anything serves it.

Every record is validated against its component schema in ``spec/openapi.yaml`` (the spec is the
only description of shapes), then the references between records are checked. The first problem
stops the load with a :class:`FixtureError` naming the file, the record and the field.
"""

from __future__ import annotations

import json
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from jsonschema.exceptions import ValidationError, best_match

from mockserver import validation_error_fields
from mockserver.package_data import default_fixtures_dir
from mockserver.schemas import fast_validator_for, field_path, validator_for

# file name -> ((top-level key, component schema, id field), ...)
LAYOUT: dict[str, tuple[tuple[str, str, str], ...]] = {
    "satellites.json": (("satellites", "Satellite", "id"),),
    "projects.json": (("projects", "Project", "id"),),
    "order_items.json": (("order_items", "OrderItem", "id"),),
    "catalogs.json": (("catalogs", "Catalog", "id"),),
    "workspace.json": (("stores", "Store", "id"), ("aois", "AOI", "aoi_id")),
}
MANIFEST = "manifest.json"


class FixtureError(Exception):
    """A fixture file that cannot be served: missing, unreadable, off-contract or inconsistent."""

    def __init__(
        self,
        file: str,
        record: int | str | None,
        field: str | None,
        message: str,
        *,
        record_id: str | None = None,
    ) -> None:
        self.file = file
        self.record = record
        self.record_id = record_id
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.file]
        if self.record is not None:
            where = f"record {self.record}"
            if self.record_id is not None:
                where += f" (id {self.record_id})"
            parts.append(where)
        if self.field is not None:
            parts.append(f"field {self.field}")
        parts.append(self.message)
        return ": ".join(parts)


@dataclass(frozen=True)
class FixtureSet:
    """The validated default data set. Records are plain dicts shaped by the spec."""

    satellites: list[dict[str, Any]]
    projects: list[dict[str, Any]]
    order_items: list[dict[str, Any]]
    catalogs: list[dict[str, Any]]
    stores: list[dict[str, Any]]
    aois: list[dict[str, Any]]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def unavailable_catalog_ids(self) -> frozenset[str]:
        """Catalogs whose downloads always fail (listed in the manifest)."""
        return frozenset(self.manifest.get("unavailable_catalog_ids", ()))


def load_fixtures(directory: Path | None = None) -> FixtureSet:
    """Read, validate and cross-check every fixture file in ``directory``.

    Defaults to the bundled/default fixtures folder. Raises :class:`FixtureError` on the first
    problem found.
    """
    folder = Path(directory) if directory is not None else default_fixtures_dir()
    label = folder.name or str(folder)

    def shown(name: str) -> str:
        return f"{label}/{name}"

    records: dict[str, list[dict[str, Any]]] = {}
    for name, sections in LAYOUT.items():
        document = _read_json(folder / name, shown(name))
        if not isinstance(document, dict):
            raise FixtureError(shown(name), None, None, "the document must be a JSON object")
        for key, schema, id_field in sections:
            items = document.get(key)
            if not isinstance(items, list):
                raise FixtureError(shown(name), None, key, f"must be a list of {schema} records")
            section = key if len(sections) > 1 else None
            _validate_records(shown(name), items, schema, id_field, section)
            records[key] = items

    manifest = _read_json(folder / MANIFEST, shown(MANIFEST))
    if not isinstance(manifest, dict):
        raise FixtureError(shown(MANIFEST), None, None, "the document must be a JSON object")
    _check_manifest(shown(MANIFEST), manifest, records)
    known_catalogs = {c["id"] for c in records["catalogs"]}
    for i, catalog_id in enumerate(manifest.get("unavailable_catalog_ids", [])):
        if catalog_id not in known_catalogs:
            raise FixtureError(
                shown(MANIFEST),
                None,
                f"unavailable_catalog_ids[{i}]",
                f"{catalog_id!r} is not a catalog of catalogs.json",
            )

    _check_references(shown, records)
    for section in ("stores", "aois"):
        _check_unique_names(shown("workspace.json"), section, records[section])
    return FixtureSet(
        satellites=records["satellites"],
        projects=records["projects"],
        order_items=records["order_items"],
        catalogs=records["catalogs"],
        stores=records["stores"],
        aois=records["aois"],
        manifest=manifest,
    )


def _read_json(path: Path, shown: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FixtureError(shown, None, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(shown, None, None, f"cannot be read: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FixtureError(
            shown, None, None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _record_id(record: Any, id_field: str) -> str | None:
    if isinstance(record, dict):
        value = record.get(id_field)
        if isinstance(value, str):
            return value
    return None


def _describe(error: ValidationError) -> tuple[str, str]:
    """(field path, message) for a schema error; a missing property names itself."""
    path = field_path(error)
    instance = validation_error_fields.instance(error)
    if error.validator == "required" and isinstance(instance, dict):
        missing = [p for p in validation_error_fields.rule_value(error) if p not in instance]
        if missing:
            prefix = "" if path == "(document)" else f"{path}."
            return f"{prefix}{missing[0]}", "is required but missing"
    return path, error.message


def _validate_records(
    shown: str, items: list[Any], schema: str, id_field: str, section: str | None
) -> None:
    """Schema-check each record and id uniqueness; ``section`` names a shared file's list."""
    validator = validator_for(schema)
    fast = fast_validator_for(schema)
    seen: dict[str, int | str] = {}
    for position, record in enumerate(items):
        index: int | str = position if section is None else f"{section}[{position}]"
        record_id = _record_id(record, id_field)
        if not fast.is_valid(record):
            error = best_match(validator.iter_errors(record))
            if error is not None:
                path, message = _describe(error)
                raise FixtureError(shown, index, path, message, record_id=record_id)
        if record_id is not None:
            if record_id in seen:
                raise FixtureError(
                    shown,
                    index,
                    id_field,
                    f"duplicate id, already used by record {seen[record_id]}",
                    record_id=record_id,
                )
            seen[record_id] = index


def _check_unique_names(shown: str, section: str, items: list[dict[str, Any]]) -> None:
    """Names of seed stores and AOIs are unique in a workspace, as the state requires."""
    seen: dict[str, int] = {}
    for index, record in enumerate(items):
        name = record["name"]
        if name in seen:
            raise FixtureError(
                shown,
                f"{section}[{index}]",
                "name",
                f"duplicate name, already used by record {section}[{seen[name]}]",
                record_id=_record_id(record, "aoi_id" if section == "aois" else "id"),
            )
        seen[name] = index


def _check_manifest(
    shown: str, manifest: dict[str, Any], records: Mapping[str, list[dict[str, Any]]]
) -> None:
    counts = manifest.get("counts")
    if counts is None:
        return
    if not isinstance(counts, dict):
        raise FixtureError(shown, None, "counts", "must be an object of file name -> count")
    for name, sections in LAYOUT.items():
        if name not in counts:
            continue
        actual = sum(len(records[key]) for key, _schema, _id in sections)
        if counts[name] != actual:
            raise FixtureError(
                shown,
                None,
                f"counts.{name}",
                f"says {counts[name]} records but the file holds {actual}",
            )


def _check_references(shown: Any, records: Mapping[str, list[dict[str, Any]]]) -> None:
    satellites = {s["id"]: s for s in records["satellites"]}
    projects = {p["id"] for p in records["projects"]}
    stores = {s["id"] for s in records["stores"]}
    items = {o["id"]: o for o in records["order_items"]}
    collections = {
        c["id"]: sat_id for sat_id, sat in satellites.items() for c in sat["collections"]
    }

    def fail(file: str, record: int | str, record_id: str, path: str, message: str) -> NoReturn:
        raise FixtureError(shown(file), record, path, message, record_id=record_id)

    def require(
        where: tuple[str, int | str, str], path: str, value: Any, known: Container[Any], what: str
    ) -> None:
        if value not in known:
            fail(*where, path, f"{value!r} is not a known {what}")

    for index, item in enumerate(records["order_items"]):
        where: tuple[str, int | str, str] = ("order_items.json", index, item["id"])
        require(where, "project_id", item["project_id"], projects, "project id")
        delivery = item.get("cloud_delivery")
        if delivery is not None:
            require(where, "cloud_delivery.config", delivery["config"], stores, "store id")

    stac_ids: dict[str, int] = {}
    for index, catalog in enumerate(records["catalogs"]):
        where = ("catalogs.json", index, catalog["id"])
        details = catalog["details"]
        props = details["properties"]
        prop = "details.properties."
        require(where, prop + "order_item_id", props.get("order_item_id"), items, "order item id")
        require(where, prop + "project_id", props.get("project_id"), projects, "project id")
        require(where, prop + "satellite_id", props.get("satellite_id"), satellites, "satellite id")
        item = items[props["order_item_id"]]
        for key in ("project_id", "order_id", "usecase"):
            if props.get(key) != item[key]:
                fail(
                    *where,
                    prop + key,
                    f"{props.get(key)!r} differs from its order item's {item[key]!r}",
                )
        require(where, "details.collection", details["collection"], collections, "collection id")
        if collections[details["collection"]] != props["satellite_id"]:
            fail(
                *where,
                "details.collection",
                f"{details['collection']!r} is not a collection of satellite "
                f"{props['satellite_id']}",
            )
        if details["id"] in stac_ids:
            fail(
                *where,
                "details.id",
                f"duplicate STAC item id, already used by record {stac_ids[details['id']]}",
            )
        stac_ids[details["id"]] = index

    for index, aoi in enumerate(records["aois"]):
        where = ("workspace.json", f"aois[{index}]", aoi["aoi_id"])
        require(where, "satellite_id", aoi["satellite_id"], satellites, "satellite id")
        require(where, "project_id", aoi["project_id"], projects, "project id")
        for n, item_id in enumerate(aoi.get("item_ids") or []):
            require(where, f"item_ids.{n}", item_id, stac_ids, "STAC item id")
