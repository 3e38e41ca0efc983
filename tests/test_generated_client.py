"""A typed client generated from the contract (openapi-python-client) drives a whole flow.

The generator must accept spec/openapi.yaml without a warning and type every request body (no
``Any``); the client it makes then creates a store, searches, delivers, downloads, draws an AOI
and downloads its assets against a running mock, and every answer must parse into its model.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mockserver.package_data import spec_path
from mockserver.testing import pixxel_mock

# The client generator runs in a subprocess: seconds per test.
pytestmark = pytest.mark.slow

PACKAGE = "pixxel_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, str]]:
    out = tmp_path_factory.mktemp("generated")
    tools = str(Path(sys.executable).parent)  # the generator formats its output with ruff
    result = subprocess.run(
        [
            os.path.join(tools, "openapi-python-client"),
            "generate",
            "--path",
            str(spec_path()),
            "--meta",
            "none",
            "--output-path",
            str(out / PACKAGE),
        ],
        capture_output=True,
        text=True,
        cwd=out,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        yield (
            importlib.import_module(PACKAGE),
            output if result.returncode == 0 else "FAILED\n" + output,
        )
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generator_accepts_the_contract_without_a_warning(generated):
    _, output = generated
    assert "FAILED" not in output
    assert "Warning" not in output, output
    assert "Error" not in output, output


def _operations(package: ModuleType) -> dict[str, ModuleType]:
    api = importlib.import_module(f"{PACKAGE}.api")
    found = {}
    for info in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.api."):
        module = importlib.import_module(info.name)
        if hasattr(module, "sync_detailed"):
            found[info.name.rsplit(".", 1)[1]] = module
    return found


def test_every_request_body_has_a_model(generated):
    package, _ = generated
    operations = _operations(package)
    assert len(operations) == 21
    bodies = {}
    for name, module in operations.items():
        parameter = inspect.signature(module.sync_detailed).parameters.get("body")
        if parameter is not None:
            bodies[name] = parameter.annotation
    assert len(bodies) == 6
    for name, annotation in bodies.items():
        assert "Any" not in str(annotation), (name, annotation)
        assert "dict" not in str(annotation), (name, annotation)


def _call(module_name: str, client: Any, model: str, status: int, **kwargs: Any) -> Any:
    module = importlib.import_module(f"{PACKAGE}.api.{module_name}")
    response = module.sync_detailed(client=client, **kwargs)
    assert response.status_code == status, response.content
    parsed = response.parsed
    expected = getattr(importlib.import_module(f"{PACKAGE}.models"), model)
    assert isinstance(parsed, expected), (module_name, parsed)
    return parsed


def test_a_whole_flow_through_the_generated_client(generated):
    package, _ = generated
    models = importlib.import_module(f"{PACKAGE}.models")
    with pixxel_mock() as mock:
        client = package.Client(
            base_url=mock.base_url, headers=mock.headers, raise_on_unexpected_status=True
        )

        store = _call(
            "stores.create_store",
            client,
            "Store",
            200,
            body=models.StoreCreateRequest.from_dict(
                {
                    "name": "typed-client-store",
                    "type": "S3",
                    "configs": {"bucket": "typed-client", "region": "ap-south-1"},
                    "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
                }
            ),
        )
        stores = _call("stores.list_stores", client, "StoreList", 200)
        assert store.id in {s.id for s in stores.stores}

        search = models.CatalogSearchRequest(
            limit=3,
            sort_by=[models.SortKey(field="datetime", direction="desc")],
        )
        page = _call("catalogs.search_catalogs", client, "CatalogSearchResponse", 200, body=search)
        assert len(page.catalogs) == 3 and page.pagination.total == 240
        catalog = _call(
            "catalogs.get_catalog_by_id", client, "Catalog", 200, id=page.catalogs[0].id
        )
        assert isinstance(catalog.details.properties.gsd, int)

        # Generated clients send both id lists; the empty one counts as absent.
        delivery_request = models.DeliveryRequest(
            catalog_ids=[catalog.id],
            order_item_ids=[],
            cloud_info=models.CloudInfo(config=store.id, path="typed/"),
        )
        made = _call(
            "deliveries.create_delivery",
            client,
            "DeliveryList",
            201,
            body=models.DeliveryCreateRequest(deliveries=[delivery_request]),
        )
        delivery = made.deliveries[0]
        download = _call(
            "downloads.create_download",
            client,
            "DownloadResponse",
            201,
            body=models.DownloadCreateRequest(catalog_ids=[catalog.id], order_item_ids=[]),
        )
        satellites = _call("satellites.list_satellites", client, "SatelliteList", 200)
        projects = _call("projects.list_projects", client, "ProjectList", 200)
        aoi = _call(
            "aois.aoi_create_aoi",
            client,
            "AOI",
            201,
            body=models.AOICreateRequest(
                name="typed-client-aoi",
                description="drawn by the generated client",
                satellite_id=catalog.details.properties.satellite_id,
                provider=models.AOICreateRequestProvider.PIXXEL,
                project_id=projects.projects[0].id,
                geometry=None,
                item_ids=[catalog.details.id],
            ),
        )
        assert aoi.satellite_id in {s.id for s in satellites.satellites}

        mock.advance(3600)
        listed = _call(
            "deliveries.list_deliveries",
            client,
            "DeliveryList",
            200,
            delivery_id=delivery.delivery_id,
        )
        assert [d.status.value for d in listed.deliveries] == ["SUCCESS"]
        done = _call(
            "downloads.get_download_by_id", client, "DownloadResponse", 200, download_id=download.id
        )
        assert done.status.value == "success" and done.signed_url

        assets = _call("aois.list_assets", client, "AssetList", 200, aoi_id=aoi.aoi_id)
        assert {a.status.value for a in assets.assets} == {"success"}
        aoi_download = _call(
            "aois.aoi_create_download",
            client,
            "AOIDownload",
            201,
            aoi_id=aoi.aoi_id,
            body=models.AOIDownloadRequest(asset_ids=[assets.assets[0].id]),
        )
        mock.advance(3600)
        finished = _call(
            "aois.get_download_status",
            client,
            "AOIDownload",
            200,
            aoi_id=aoi.aoi_id,
            download_id=aoi_download.download_id,
        )
        assert finished.status.value == "SUCCESS" and finished.signed_url

        items = _call("order_items.list_order_items", client, "OrderItemList", 200, limit=5)
        item = _call(
            "order_items.get_order_item_by_id", client, "OrderItem", 200, id=items.order_items[0].id
        )
        assert item.tasks and all(task.order_item_id == item.id for task in item.tasks)
