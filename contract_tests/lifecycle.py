"""Lifecycle properties as hypothesis rule-based state machines.

* downloads: a download's status only moves forward (``created`` -> ``in_progress`` -> ``success``
  or ``failed``) and ends ``success`` or ``failed``; ``signed_url`` is present exactly when the
  status is ``success``, and it serves bytes;
* deliveries likewise (``CREATED`` -> ``IN_PROGRESS`` -> ``SUCCESS`` or ``FAILED``), and AOI
  downloads (:mod:`contract_tests.aoi_lifecycle`);
* stores: a deleted store stays gone and is not listed, and the list equals the stores there were
  plus those created minus those deleted;
* isolation: nothing of one API key is visible to another.

Violations are recorded in the report against the operation whose answer broke the property (the
check is named after the property) and the machines carry on, so one run reports everything.
Waiting is the target's business (:meth:`~contract_tests.target.Target.wait_for`): the mock's
clock is advanced, any other server is polled with a bounded timeout.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from contract_tests.kit import verify_store_deleted
from contract_tests.realistic import STORE_SECRETS, polygon

if TYPE_CHECKING:
    from contract_tests.http import KitSession
    from contract_tests.kit import Kit

DOWNLOAD_RANK = {"created": 0, "in_progress": 1, "success": 2, "failed": 2}
DOWNLOAD_FINAL = {"success", "failed"}
DELIVERY_RANK = {"UNSPECIFIED": 0, "CREATED": 0, "IN_PROGRESS": 1, "SUCCESS": 2, "FAILED": 2}
DELIVERY_FINAL = {"SUCCESS", "FAILED"}

# Property name -> operation whose answers it judges (for the per-operation table).
PROPERTIES = {
    "download_status_moves_forward": "GetDownloadById",
    "download_ends_success_or_failed": "GetDownloadById",
    "download_signed_url_iff_success": "GetDownloadById",
    "download_signed_url_serves_bytes": "GetDownloadById",
    "aoi_download_status_moves_forward": "GetDownloadStatus",
    "aoi_download_ends_success_or_failed": "GetDownloadStatus",
    "aoi_download_signed_url_iff_success": "GetDownloadStatus",
    "aoi_download_signed_url_serves_bytes": "GetDownloadStatus",
    "delivery_status_moves_forward": "ListDeliveries",
    "delivery_ends_success_or_failed": "ListDeliveries",
    "deleted_store_stays_gone": "DeleteStore",
    "store_list_equals_creates_minus_deletes": "ListStores",
    "workspaces_are_isolated": "ListStores",
}
MAX_FILE_FETCHES = 3


@dataclass
class Tracked:
    """One asynchronous resource and the statuses seen so far."""

    id: str
    statuses: list[str] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)


class Api:
    """Requests of the lifecycle machines: counted per operation, failures on the report."""

    def __init__(self, kit: Kit, session: KitSession) -> None:
        self.kit = kit
        self.session = session
        self.base = kit.target.base_url

    def call(
        self, operation: str | None, method: str, path: str, **kwargs: Any
    ) -> requests.Response:
        """Send a request; it counts as a case of ``operation`` (None: the mock's control API)."""
        response = self.session.request(method, self.base + path, **kwargs)
        if operation is not None:
            self.kit.report.case(operation)
        return response

    def json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None


def violate(
    kit: Kit,
    prop: str,
    message: str,
    *,
    operation: str | None = None,
    reproduce: str | None = None,
) -> None:
    kit.fail(operation or PROPERTIES[prop], prop, message, suite="lifecycle", reproduce=reproduce)
    kit.report.record_property(prop, "failed", message.splitlines()[0][:200])


def holds(kit: Kit, *props: str) -> None:
    for prop in props:
        kit.report.record_property(prop, "passed")


def skip(kit: Kit, reason: str, *props: str) -> None:
    for prop in props:
        kit.report.record_property(prop, "skipped", reason)


def _catalog_body(kit: Kit, data: st.DataObject, by_order_item: bool) -> dict[str, Any]:
    """What to download or deliver. Against a real server one catalog at a time: an order item
    may stand for many catalogs, and each catalog is a delivery."""
    facts = kit.target.facts
    if by_order_item and facts.order_item_ids and kit.target.is_mock:
        return {"order_item_ids": [data.draw(st.sampled_from(facts.order_item_ids))]}
    most = 2 if kit.target.is_mock else 1
    ids = data.draw(st.lists(st.sampled_from(facts.catalog_ids), min_size=1, max_size=most))
    return {"catalog_ids": sorted(set(ids))}


# -- downloads ------------------------------------------------------------------------------------


class _AsyncMachine(RuleBasedStateMachine):
    """What the download and delivery machines share: on the mock, time passes by moving its
    clock and the next resource can be told to fail; any tracked resource can be looked at."""

    kit: Kit
    tracked: dict[str, Tracked]
    kind: str  # "download" or "delivery", as the control API's overrides name them

    def __init__(self) -> None:
        super().__init__()
        self.api = Api(self.kit, self.kit.target.session())
        self.mine: list[str] = []

    @precondition(lambda self: self.kit.target.is_mock)
    @rule(seconds=st.sampled_from([0.5, 1.0, 2.0, 3.0, 5.0]))
    def let_time_pass(self, seconds: float) -> None:
        self.kit.target.advance(self.api.session, seconds)

    @precondition(lambda self: self.kit.target.is_mock)
    @rule()
    def next_one_fails(self) -> None:
        """The mock can be told to fail the next one, so the failure path is seen too."""
        self.api.call(
            None,
            "POST",
            "/_mock/overrides",
            json={"kind": self.kind, "count": 1, "outcome": "failed"},
        )

    @precondition(lambda self: bool(self.mine))
    @rule(data=st.data())
    def observe(self, data: st.DataObject) -> None:
        self._observe(self.tracked[data.draw(st.sampled_from(self.mine))])

    def _observe(self, tracked: Tracked) -> None:
        raise NotImplementedError


class DownloadMachine(_AsyncMachine):
    kind = "download"

    @rule(data=st.data(), by_order_item=st.booleans())
    def create(self, data: st.DataObject, by_order_item: bool) -> None:
        body = _catalog_body(self.kit, data, by_order_item)
        response = self.api.call("CreateDownload", "POST", "/v0/catalogs/download", json=body)
        payload = self.api.json(response)
        made = 200 <= response.status_code < 300 and isinstance(payload, dict)
        if not made or not isinstance(payload.get("id"), str):
            violate(
                self.kit,
                "download_status_moves_forward",
                f"POST /v0/catalogs/download {body} answered {response.status_code}, not the"
                f" new download: {response.text[:300]}",
                operation="CreateDownload",
            )
            return
        self.kit.target.remember("download", payload["id"], self.api.session.api_key)
        tracked = Tracked(payload["id"])
        self.tracked[tracked.id] = tracked
        self.mine.append(tracked.id)
        self._see(tracked, payload, "CreateDownload")

    def _observe(self, tracked: Tracked) -> None:
        observe_download(self.kit, self.api, tracked)

    def _see(self, tracked: Tracked, payload: dict[str, Any], operation: str) -> None:
        see_download(self.kit, tracked, payload, operation)


def observe_download(kit: Kit, api: Api, tracked: Tracked) -> str | None:
    response = api.call("GetDownloadById", "GET", f"/v0/catalogs/download/{tracked.id}")
    payload = api.json(response)
    if response.status_code != 200 or not isinstance(payload, dict):
        violate(
            kit,
            "download_status_moves_forward",
            f"GET /v0/catalogs/download/{tracked.id} answered {response.status_code} for a"
            f" download the kit created: {response.text[:300]}",
        )
        return None
    return see_download(kit, tracked, payload, "GetDownloadById")


def moves_forward(
    kit: Kit,
    tracked: Tracked,
    status: Any,
    operation: str,
    *,
    kind: str,
    rank: dict[str, int],
    final: set[str],
    creator: str,
    first: str,
) -> bool:
    """Report a status outside ``rank``, a creation not answered ``first``, or a step back or out
    of a final status; False when the status is not one of ``rank`` at all."""
    prop = f"{kind}_status_moves_forward"
    where = f"{kind} {tracked.id}"
    if status not in rank:
        violate(
            kit,
            prop,
            f"{where} has status {status!r}, not one of {sorted(rank)}",
            operation=operation,
        )
        return False
    if operation == creator and status != first:
        violate(
            kit,
            prop,
            f"{where} was answered with status {status!r}; the contract says a new {kind}'s"
            f" status is {first!r}",
            operation=operation,
        )
    previous = tracked.statuses[-1] if tracked.statuses else None
    if previous in rank and (
        rank[status] < rank[previous] or (previous in final and status != previous)
    ):
        violate(kit, prop, f"{where} went from {previous!r} to {status!r}", operation=operation)
    return True


def see_download(kit: Kit, tracked: Tracked, payload: dict[str, Any], operation: str) -> str:
    status = payload.get("status")
    where = f"download {tracked.id}"
    if not moves_forward(
        kit,
        tracked,
        status,
        operation,
        kind="download",
        rank=DOWNLOAD_RANK,
        final=DOWNLOAD_FINAL,
        creator="CreateDownload",
        first="created",
    ):
        return str(status)
    has_url = isinstance(payload.get("signed_url"), str) and bool(payload["signed_url"])
    if has_url != (status == "success"):
        violate(
            kit,
            "download_signed_url_iff_success",
            f"{where} has status {status!r} and {'a' if has_url else 'no'} signed_url: {payload}",
            operation=operation,
        )
    tracked.statuses.append(status)
    tracked.body = payload
    return status


def wait_final(
    kit: Kit,
    api: Api,
    items: Iterable[Tracked],
    *,
    kind: str,
    observe: Callable[[Kit, Api, Tracked], str | None],
    rank: dict[str, int],
    final: set[str],
) -> None:
    """Poll (or, on the mock, move the clock) until every tracked ``kind`` is final; report
    those that never get there."""
    pending = [t for t in items if not t.statuses or t.statuses[-1] not in final]

    def all_final() -> bool | None:
        for item in list(pending):
            status = observe(kit, api, item)
            # A status outside the enum is already reported; waiting on it would be pointless.
            if status is None or status in final or status not in rank:
                pending.remove(item)
        return True if not pending else None

    try:
        kit.target.wait_for(api.session, all_final, what=f"every {kind}", step_seconds=5.0)
    except AssertionError as exc:
        stuck = ", ".join(f"{t.id} ({t.statuses[-1] if t.statuses else '?'})" for t in pending)
        violate(kit, f"{kind}_ends_success_or_failed", f"{exc}: {stuck}")


def _wait_downloads(kit: Kit, api: Api, items: list[Tracked]) -> None:
    wait_final(
        kit,
        api,
        items,
        kind="download",
        observe=observe_download,
        rank=DOWNLOAD_RANK,
        final=DOWNLOAD_FINAL,
    )


def _one_success(kit: Kit, api: Api, tracked: dict[str, Tracked]) -> None:
    """If no download ended in success (all drew failures), ask for one more, catalog by catalog,
    so that the signed URL can be checked."""
    if kit.target.is_mock:
        api.call(None, "DELETE", "/_mock/overrides")  # no forced failure pending
    for catalog_id in kit.target.facts.catalog_ids[:3]:
        made = api.call(
            "CreateDownload", "POST", "/v0/catalogs/download", json={"catalog_ids": [catalog_id]}
        )
        body = api.json(made)
        if not (200 <= made.status_code < 300 and isinstance(body, dict) and body.get("id")):
            return  # already reported by the conformance checks
        kit.target.remember("download", body["id"], api.session.api_key)
        item = tracked[body["id"]] = Tracked(body["id"])
        see_download(kit, item, body, "CreateDownload")
        _wait_downloads(kit, api, [item])
        if item.statuses and item.statuses[-1] == "success":
            return


def finish_downloads(kit: Kit, tracked: dict[str, Tracked]) -> None:
    """Every download the machines created must end success or failed; success ones serve bytes."""
    api = Api(kit, kit.target.session())
    _wait_downloads(kit, api, list(tracked.values()))
    if not any(t.statuses and t.statuses[-1] == "success" for t in tracked.values()):
        _one_success(kit, api, tracked)
    done = [t for t in tracked.values() if t.statuses and t.statuses[-1] == "success"]
    fetched = fetch_signed_urls(kit, done, prop="download", operation="GetDownloadById")
    holds(
        kit,
        "download_status_moves_forward",
        "download_ends_success_or_failed",
        "download_signed_url_iff_success",
    )
    if fetched:
        holds(kit, "download_signed_url_serves_bytes")
    else:
        skip(kit, "no download ended in success", "download_signed_url_serves_bytes")


def fetch_signed_urls(kit: Kit, items: Iterable[Tracked], *, prop: str, operation: str) -> int:
    """Fetch (without a key) the ``signed_url`` of up to :data:`MAX_FILE_FETCHES` finished
    downloads, reporting ``<prop>_signed_url_serves_bytes`` for any that does not answer 200
    with bytes. Returns how many were fetched."""
    check = f"{prop}_signed_url_serves_bytes"
    anonymous = kit.target.anonymous_session()
    fetched = 0
    for item in items:
        url = item.body.get("signed_url")
        if fetched >= MAX_FILE_FETCHES or not isinstance(url, str):
            continue
        fetched += 1
        try:
            response = anonymous.get(url)
        except requests.RequestException as exc:
            violate(kit, check, f"GET {url} failed: {exc}")
            continue
        kit.report.case(operation)
        if response.status_code != 200 or not response.content:
            violate(
                kit,
                check,
                f"the signed_url of {prop.replace('_', ' ')} {item.id} answered"
                f" {response.status_code} with {len(response.content)} bytes, expected 200 and"
                " the file",
            )
    return fetched


# -- deliveries -----------------------------------------------------------------------------------


class DeliveryMachine(_AsyncMachine):
    kind = "delivery"

    @rule(data=st.data(), by_order_item=st.booleans())
    def create(self, data: st.DataObject, by_order_item: bool) -> None:
        entry = _catalog_body(self.kit, data, by_order_item)
        entry["cloud_info"] = {"config": self.kit.target.delivery_store(), "path": "pxct/"}
        response = self.api.call(
            "CreateDelivery", "POST", "/v0/catalogs/deliveries", json={"deliveries": [entry]}
        )
        payload = self.api.json(response)
        deliveries = payload.get("deliveries") if isinstance(payload, dict) else None
        made = 200 <= response.status_code < 300
        if not made or not isinstance(deliveries, list) or not deliveries:
            violate(
                self.kit,
                "delivery_status_moves_forward",
                f"POST /v0/catalogs/deliveries answered {response.status_code}, not the new"
                f" deliveries: {response.text[:300]}",
                operation="CreateDelivery",
            )
            return
        for delivery in deliveries:
            if not isinstance(delivery, dict) or "delivery_id" not in delivery:
                continue
            self.kit.target.remember("delivery", delivery["delivery_id"], self.api.session.api_key)
            tracked = Tracked(delivery["delivery_id"])
            self.tracked[tracked.id] = tracked
            self.mine.append(tracked.id)
            see_delivery(self.kit, tracked, delivery, "CreateDelivery")

    def _observe(self, tracked: Tracked) -> None:
        observe_delivery(self.kit, self.api, tracked)


def observe_delivery(kit: Kit, api: Api, tracked: Tracked) -> str | None:
    response = api.call(
        "ListDeliveries", "GET", "/v0/catalogs/deliveries", params={"delivery_id": tracked.id}
    )
    payload = api.json(response)
    deliveries = payload.get("deliveries") if isinstance(payload, dict) else None
    found = [
        d for d in deliveries or [] if isinstance(d, dict) and d.get("delivery_id") == tracked.id
    ]
    if response.status_code != 200 or len(found) != 1:
        violate(
            kit,
            "delivery_status_moves_forward",
            f"GET /v0/catalogs/deliveries?delivery_id={tracked.id} answered"
            f" {response.status_code} without exactly that delivery: {response.text[:300]}",
        )
        return None
    return see_delivery(kit, tracked, found[0], "ListDeliveries")


def see_delivery(kit: Kit, tracked: Tracked, delivery: dict[str, Any], operation: str) -> str:
    status = delivery.get("status")
    if not moves_forward(
        kit,
        tracked,
        status,
        operation,
        kind="delivery",
        rank=DELIVERY_RANK,
        final=DELIVERY_FINAL,
        creator="CreateDelivery",
        first="CREATED",
    ):
        return str(status)
    tracked.statuses.append(status)
    tracked.body = delivery
    return status


def finish_deliveries(kit: Kit, tracked: dict[str, Tracked]) -> None:
    api = Api(kit, kit.target.session())
    if not tracked and kit.target.facts.catalog_ids:
        # The scenarios happened to create none: one, so that the properties are checked.
        entry = {
            "catalog_ids": kit.target.facts.catalog_ids[:1],
            "cloud_info": {"config": kit.target.delivery_store(), "path": "pxct/"},
        }
        made = api.call(
            "CreateDelivery", "POST", "/v0/catalogs/deliveries", json={"deliveries": [entry]}
        )
        body = api.json(made)
        for delivery in (body or {}).get("deliveries", []) if isinstance(body, dict) else []:
            if isinstance(delivery, dict) and delivery.get("delivery_id"):
                kit.target.remember("delivery", delivery["delivery_id"], api.session.api_key)
                item = tracked[delivery["delivery_id"]] = Tracked(delivery["delivery_id"])
                see_delivery(kit, item, delivery, "CreateDelivery")
    wait_final(
        kit,
        api,
        tracked.values(),
        kind="delivery",
        observe=observe_delivery,
        rank=DELIVERY_RANK,
        final=DELIVERY_FINAL,
    )
    holds(kit, "delivery_status_moves_forward", "delivery_ends_success_or_failed")


# -- stores -------------------------------------------------------------------------------------


class StoreMachine(RuleBasedStateMachine):
    """Creates and deletes stores of the kit's own and compares the list after every step."""

    kit: Kit

    def __init__(self) -> None:
        super().__init__()
        self.api = Api(self.kit, self.kit.target.session())
        self.alive: dict[str, str] = {}  # id -> name
        self.deleted: set[str] = set()
        self.initial: set[str] | None = None

    @initialize()
    def snapshot(self) -> None:
        self.initial = self._listed()

    def _listed(self) -> set[str] | None:
        response = self.api.call("ListStores", "GET", "/v0/stores")
        payload = self.api.json(response)
        stores = payload.get("stores") if isinstance(payload, dict) else None
        if response.status_code != 200 or not isinstance(stores, list):
            violate(
                self.kit,
                "store_list_equals_creates_minus_deletes",
                f"GET /v0/stores answered {response.status_code}: {response.text[:300]}",
            )
            return None
        return {s["id"] for s in stores if isinstance(s, dict) and isinstance(s.get("id"), str)}

    @rule(store_type=st.sampled_from(["S3", "GCS", "AZBLOB"]))
    def create(self, store_type: str) -> None:
        name = self.kit.target.new_name("store")
        body = {
            "name": name,
            "type": store_type,
            "configs": {"bucket": "pxct-lifecycle", "region": "ap-south-1"},
            "secrets": {key: "pxct-dummy" for key in STORE_SECRETS[store_type]},
        }
        response = self.api.call("CreateStore", "POST", "/v0/stores", json=body)
        payload = self.api.json(response)
        # The status code itself is the conformance checks' business; here what counts is
        # whether a store was made.
        made = 200 <= response.status_code < 300 and isinstance(payload, dict)
        if not made or not isinstance(payload.get("id"), str):
            violate(
                self.kit,
                "store_list_equals_creates_minus_deletes",
                f"POST /v0/stores {body['type']} answered {response.status_code}, not the new"
                f" store: {response.text[:300]}",
                operation="CreateStore",
            )
            return
        self.kit.target.remember("store", payload["id"], self.api.session.api_key, name)
        self.alive[payload["id"]] = name

    @precondition(lambda self: bool(self.alive))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        store_id = data.draw(st.sampled_from(sorted(self.alive)))
        response = self.api.call("DeleteStore", "DELETE", f"/v0/stores/{store_id}")
        if response.status_code != 204:
            violate(
                self.kit,
                "deleted_store_stays_gone",
                f"DELETE /v0/stores/{store_id} answered {response.status_code}, expected 204:"
                f" {response.text[:300]}",
            )
            return
        del self.alive[store_id]
        self.deleted.add(store_id)
        self.kit.target.forget("store", store_id)
        if not verify_store_deleted(
            self.kit, store_id, session=self.api.session, suite="lifecycle"
        ):
            self.kit.report.record_property(
                "deleted_store_stays_gone", "failed", f"store {store_id} came back after DELETE"
            )

    @invariant()
    def list_matches(self) -> None:
        if self.initial is None:
            return
        listed = self._listed()
        if listed is None:
            return
        expected = (self.initial - self.deleted) | set(self.alive)
        if self.kit.target.is_mock:
            wrong = listed != expected
        else:
            # Someone else may change the workspace: only the kit's own stores are compared.
            mine = set(self.alive) | self.deleted
            wrong = (listed & mine) != set(self.alive)
        if wrong:
            missing = sorted(expected - listed)
            extra = sorted(listed - expected)
            violate(
                self.kit,
                "store_list_equals_creates_minus_deletes",
                f"GET /v0/stores lists {len(listed)} stores; expected the {len(self.initial)}"
                f" there were plus {len(self.alive)} created minus {len(self.deleted)} deleted."
                f" Missing: {missing}; not expected: {extra}",
            )
            if set(extra) & self.deleted:
                self.kit.report.record_property(
                    "deleted_store_stays_gone", "failed", "a deleted store is still listed"
                )
            # Start again from what the server says, so one defect is reported once.
            self.initial = listed - set(self.alive)
            self.deleted.clear()

    def teardown(self) -> None:
        for store_id in list(self.alive):
            response = self.api.call("DeleteStore", "DELETE", f"/v0/stores/{store_id}")
            if response.status_code in (204, 404):
                self.kit.target.forget("store", store_id)


# -- isolation --------------------------------------------------------------------------------


def check_isolation(kit: Kit) -> None:
    """Nothing of one API key's workspace is visible with another key, in either direction.

    With each key the kit gathers that workspace's stores, AOIs and downloads (creating one of
    each first when writes are allowed), then asks for the other workspace's ones with the other
    key: they must not be listed, and fetching them by id must answer 404. Ids both workspaces
    hold (a server may seed every workspace alike) prove nothing and are left out.
    """
    target = kit.target
    prop = "workspaces_are_isolated"
    if target.second_api_key is None:
        skip(kit, "no second API key (--second-api-key)", prop)
        return
    selected = set(kit.methods)
    can = {
        "store": {"ListStores"} <= selected,
        "aoi": {"ListAOIs", "GetAoiById"} <= selected,
        "download": {"CreateDownload", "GetDownloadById"} <= selected and target.allow_writes,
    }
    if not any(can.values()):
        skip(kit, "the operations it needs are not selected", prop)
        return
    apis = [Api(kit, target.session(key)) for key in (target.api_key, target.second_api_key)]
    owned = [_gather(kit, api, can) for api in apis]
    shared = {kind: owned[0][kind] & owned[1][kind] for kind in owned[0]}
    broken = False
    for index, api in enumerate(apis):
        theirs = {kind: owned[1 - index][kind] - shared[kind] for kind in shared}
        if can["store"]:
            listed = _ids(api, "ListStores", "/v0/stores", "stores", "id")
            for store_id in sorted(listed & theirs["store"]):
                broken = True
                violate(
                    kit,
                    prop,
                    f"store {store_id} of one API key is listed by GET /v0/stores with another",
                    operation="ListStores",
                )
        checks = [
            ("aoi", "GetAoiById", "/v0/aoi/{}"),
            ("download", "GetDownloadById", "/v0/catalogs/download/{}"),
        ]
        for kind, operation, template in checks:
            if not can[kind]:
                continue
            for resource_id in sorted(theirs[kind])[:3]:
                response = api.call(operation, "GET", template.format(resource_id))
                if response.status_code != 404:
                    broken = True
                    violate(
                        kit,
                        prop,
                        f"{kind} {resource_id} of one API key answered {response.status_code} to"
                        " another key, expected 404",
                        operation=operation,
                    )
    if not broken:
        holds(kit, prop)


def _ids(
    api: Api, operation: str, path: str, key: str, field_name: str, max_pages: int = 20
) -> set[str]:
    """Every id a list operation shows, following ``pagination`` where the answer has it."""
    found: set[str] = set()
    offset = 0
    for _ in range(max_pages):
        payload = api.json(
            api.call(operation, "GET", path, params={"limit": 100, "offset": offset})
        )
        items = payload.get(key) if isinstance(payload, dict) else None
        found |= {i[field_name] for i in items or [] if isinstance(i, dict) and i.get(field_name)}
        pagination = payload.get("pagination") if isinstance(payload, dict) else None
        if not isinstance(pagination, dict) or not items:
            break
        offset += len(items)
        if offset >= pagination.get("total", 0):
            break
    return found


def _gather(kit: Kit, api: Api, can: dict[str, bool]) -> dict[str, set[str]]:
    """The ids of one workspace: what it lists, and what the kit creates in it."""
    target = kit.target
    mine: dict[str, set[str]] = {"store": set(), "aoi": set(), "download": set()}
    facts = target.facts
    if target.allow_writes and can["store"] and "CreateStore" in kit.methods:
        mine["store"].add(target.create_store(api.session)["id"])
        kit.report.case("CreateStore")
    if target.allow_writes and can["aoi"] and "AOICreateAOI" in kit.methods:
        name = target.new_name("aoi")
        made = api.call(
            "AOICreateAOI",
            "POST",
            "/v0/aois",
            json={
                "name": name,
                "description": "pixxel-contract isolation check",
                "satellite_id": facts.satellite_ids[0],
                "provider": "planetary",
                "project_id": facts.project_ids[0],
                "geometry": polygon(random.Random(name)),
                "item_ids": [],
            },
        )
        body = api.json(made)
        if made.status_code == 201 and isinstance(body, dict) and body.get("aoi_id"):
            target.remember("aoi", body["aoi_id"], api.session.api_key, name)
            mine["aoi"].add(body["aoi_id"])
    if can["download"] and facts.catalog_ids:
        made = api.call(
            "CreateDownload",
            "POST",
            "/v0/catalogs/download",
            json={"catalog_ids": facts.catalog_ids[:1]},
        )
        body = api.json(made)
        if made.status_code == 201 and isinstance(body, dict) and body.get("id"):
            target.remember("download", body["id"], api.session.api_key)
            mine["download"].add(body["id"])
    if can["store"]:
        mine["store"] |= _ids(api, "ListStores", "/v0/stores", "stores", "id")
    if can["aoi"]:
        mine["aoi"] |= _ids(api, "ListAOIs", "/v0/aois", "aois", "aoi_id")
    return mine


# -- running ------------------------------------------------------------------------------------


def _bound(machine: type[RuleBasedStateMachine], kit: Kit, **attrs: Any) -> type:
    return type(machine.__name__, (machine,), {"kit": kit, **attrs})


def run_downloads(kit: Kit) -> None:
    props = (
        "download_status_moves_forward",
        "download_ends_success_or_failed",
        "download_signed_url_iff_success",
        "download_signed_url_serves_bytes",
    )
    if not writable(kit, "CreateDownload", *props):
        return
    tracked: dict[str, Tracked] = {}
    run_state_machine_as_test(
        _bound(DownloadMachine, kit, tracked=tracked), settings=_settings(kit)
    )
    finish_downloads(kit, tracked)


def run_deliveries(kit: Kit) -> None:
    props = ("delivery_status_moves_forward", "delivery_ends_success_or_failed")
    if not writable(kit, "CreateDelivery", *props):
        return
    tracked: dict[str, Tracked] = {}
    run_state_machine_as_test(
        _bound(DeliveryMachine, kit, tracked=tracked), settings=_settings(kit)
    )
    finish_deliveries(kit, tracked)


def run_stores(kit: Kit) -> None:
    props = ("deleted_store_stays_gone", "store_list_equals_creates_minus_deletes")
    if not writable(kit, "CreateStore", *props):
        return
    run_state_machine_as_test(_bound(StoreMachine, kit), settings=_settings(kit))
    # Whatever the scenarios drew, one store is created and deleted for sure.
    api = Api(kit, kit.target.session())
    store = kit.target.create_store(api.session)
    kit.report.case("CreateStore")
    response = api.call("DeleteStore", "DELETE", f"/v0/stores/{store['id']}")
    kit.target.forget("store", store["id"])
    if not 200 <= response.status_code < 300:
        violate(
            kit,
            "deleted_store_stays_gone",
            f"DELETE /v0/stores/{store['id']} answered {response.status_code}:"
            f" {response.text[:300]}",
        )
    elif not verify_store_deleted(kit, store["id"], session=api.session, suite="lifecycle"):
        kit.report.record_property(
            "deleted_store_stays_gone", "failed", f"store {store['id']} came back after DELETE"
        )
    holds(kit, *props)


def writable(kit: Kit, operation: str, *props: str) -> bool:
    if not kit.target.allow_writes:
        skip(kit, "read-only target (--allow-writes)", *props)
        return False
    if operation not in kit.methods:
        skip(kit, f"{operation} not selected", *props)
        return False
    return True


def _settings(kit: Kit) -> Any:
    # Against a real server every scenario costs real time: a few suffice.
    scenarios = kit.options.max_examples if kit.target.is_mock else min(kit.options.max_examples, 2)
    return kit.hypothesis_settings(scenarios=scenarios, steps=8)
