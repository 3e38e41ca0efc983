"""The contract-testing kit's own tests: it passes the mock and catches every planted defect.

Every kit run here is the real thing: ``python -m contract_tests.cli`` in a subprocess, against
either the mock it starts itself or a server in this process (the mock behind an ASGI wrapper
from contract_tests.selftest.broken, served by uvicorn in a thread). Runs that do not depend on
each other go in parallel, to stay fast on two cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import requests

from contract_tests import known_issues, realistic
from contract_tests.http import RequestBudgetExhausted, Throttle
from contract_tests.kit import Kit, spec_operations
from contract_tests.options import KitOptions, from_sources
from contract_tests.report import Report
from contract_tests.selftest.broken import DEFECTS, Disguise, build, serve
from mockserver.app import create_app
from mockserver.schemas import resolved_spec
from mockserver.settings import Settings

REPO = Path(__file__).resolve().parent.parent
LIVE_KEYS = ("--api-key", "live-key", "--second-api-key", "live-key-2")
SECRET_KEY = "pxct-secret-3f9a1c"  # must never be printed
# A small budget: the examples and a few random cases per operation (the coverage phase, the
# biggest part of a default run, is left out; docs/benchmarks.md times the full default run).
SMALL = ("--max-examples", "2", "--phases", "examples,fuzzing")


@dataclass
class Run:
    code: int
    out: str
    report: dict
    seconds: float

    def row(self, operation: str) -> dict:
        return next(r for r in self.report["operations"] if r["operation_id"] == operation)

    def failing_checks(self, operation: str) -> set[str]:
        return {f["check"] for f in self.row(operation)["failures"]}

    def table_line(self, operation: str) -> str:
        return next(line for line in self.out.splitlines() if line.startswith(operation + " "))


def run_kit(tmp: Path, *args: str, timeout: float = 120, env: dict | None = None) -> Run:
    tmp.mkdir(parents=True, exist_ok=True)
    report = tmp / "report.json"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "contract_tests.cli", "--report-json", str(report), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp,
        env={**os.environ, **(env or {})},
    )
    data = json.loads(report.read_text()) if report.exists() else {}
    out = done.stdout + done.stderr
    return Run(done.returncode, out, data, time.perf_counter() - started)


# -- planted defects ------------------------------------------------------------------------------

# Each defect is run with its operation among a few others; those marked clean must stay clean.
NEIGHBOURS = {
    "create_store_201": (["CreateStore", "ListStores", "DeleteStore", "List Satellites"], []),
    "download_status_done": (["CreateDownload", "GetDownloadById", "ListProjects"], []),
    "store_without_created_at": (["ListStores", "CreateStore", "List Satellites"], []),
    "search_500_on_limit_7": (["SearchCatalogs", "GetCatalogById", "ListProjects"], []),
    "satellites_text_plain": (["List Satellites", "ListProjects", "GetProjectById"], []),
    "auth_ignored": (["ListStores", "List Satellites", "GetProjectById"], []),
    "delete_does_not_delete": (["DeleteStore", "CreateStore", "ListStores"], []),
    "aoi_download_without_url": (["AOICreateDownload", "GetDownloadStatus", "ListProjects"], []),
}
CLEAN = {
    "create_store_201": ["List Satellites"],
    "download_status_done": ["ListProjects"],
    "store_without_created_at": ["List Satellites"],
    "search_500_on_limit_7": ["GetCatalogById", "ListProjects"],
    "satellites_text_plain": ["ListProjects", "GetProjectById"],
    "auth_ignored": [],
    "delete_does_not_delete": [],
    "aoi_download_without_url": ["ListProjects"],
}


@pytest.fixture(scope="module")
def defect_runs(fixture_set, tmp_path_factory) -> dict[str, Run]:
    """Every defect planted in its own server, the kit run against each, three at a time."""

    # pytest's tmp_path_factory is not thread-safe: make every folder before the threads start.
    folders = {name: tmp_path_factory.mktemp(name) for name in DEFECTS}

    def one(name: str, base: str) -> Run:
        operations = ",".join(NEIGHBOURS[name][0])
        return run_kit(
            folders[name],
            *("--base-url", base, "--api-key", SECRET_KEY, *SMALL),
            *("--operations", operations),
        )

    # The apps are built here, one after the other: building apps in several threads at once
    # compiles code in all of them, which CPython 3.11 can fail ("AST constructor recursion
    # depth mismatch"). Only the kit runs, subprocesses, go three at a time.
    with contextlib.ExitStack() as servers:
        bases = {
            name: servers.enter_context(serve(build(name, fixtures=fixture_set)))
            for name in DEFECTS
        }
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {name: pool.submit(one, name, bases[name]) for name in DEFECTS}
            return {name: future.result() for name, future in futures.items()}


def test_every_defect_has_a_neighbourhood():
    assert set(NEIGHBOURS) == set(DEFECTS) == set(CLEAN)
    for name, defect in DEFECTS.items():
        assert defect.operation in NEIGHBOURS[name][0]


@pytest.mark.parametrize("name", sorted(DEFECTS))
@pytest.mark.slow
def test_planted_defect_is_caught_and_named(defect_runs, name):
    defect = DEFECTS[name]
    run = defect_runs[name]
    assert run.code == 1, run.out[-3000:]
    assert "pixxel-contract: FAILED" in run.out
    assert defect.check in run.failing_checks(defect.operation), run.out[-3000:]
    # The table names the operation and the check on one line.
    line = run.table_line(defect.operation)
    assert defect.check in line, line
    # The details say what came back, with a way to reproduce it.
    failures = {f["check"]: f for f in run.row(defect.operation)["failures"]}
    example = failures[defect.check]["examples"][0]
    assert example["message"]
    assert example["reproduce"]
    assert SECRET_KEY not in run.out and SECRET_KEY not in json.dumps(run.report)
    for operation in CLEAN[name]:
        assert not run.row(operation)["failures"], f"{operation} is not broken: {run.out[-3000:]}"


# -- the healthy mock -----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_replayed_case_is_prepared_the_same_way(tmp_path):
    # Hypothesis replays cases; a rewrite that drew from a stream shared by all the cases of an
    # operation gave a replayed search another body, another answer, and a stateful run ended in
    # FlakyStrategyDefinition.
    run = run_kit(
        tmp_path,
        *("--suites", "conformance,stateful", "--operations", "SearchCatalogs,GetCatalogById"),
    )
    assert run.code == 0, run.out[-3000:]


@pytest.mark.slow
def test_kit_starts_the_mock_itself_and_passes_it(tmp_path):
    # The full kit with its default budget, exactly as `pixxel-contract` runs it.
    run = run_kit(tmp_path)
    assert run.code == 0, run.out[-5000:]
    assert run.report["ok"] is True
    assert "started by the kit" in run.report["target"]
    for operation, method, path in spec_operations(resolved_spec()):
        line = run.table_line(operation)
        assert f"{method} {path}" in line
        assert run.row(operation)["cases"] > 0, line
    for prop in run.report["properties"]:
        assert prop["status"] == "passed", prop
    assert "pixxel-contract: PASSED" in run.out


# -- against a server that is not the mock ------------------------------------------------------


def _fast_mock(fixture_set) -> Disguise:
    """The mock, disguised as a real server, with lifecycles of a fraction of a second."""
    settings = Settings(
        download_queue_seconds=0.1,
        download_processing_seconds=0.2,
        delivery_queue_seconds=0.1,
        delivery_processing_seconds=0.2,
    )
    return Disguise(create_app(settings, fixtures=fixture_set))


SEARCH = ("POST", "/v0/catalogs/search")
CREATE_SCHEMAS = {
    "/v0/stores": "StoreCreateRequest",
    "/v0/aois": "AOICreateRequest",
    "/v0/catalogs/download": "DownloadCreateRequest",
    "/v0/catalogs/deliveries": "DeliveryCreateRequest",
}


@pytest.mark.slow
def test_read_only_against_a_real_server(fixture_set, tmp_path):
    server = _fast_mock(fixture_set)
    with serve(server) as base:
        run = run_kit(tmp_path, *("--base-url", base, *LIVE_KEYS, "--rate-limit", "0", *SMALL))
    assert run.code == 0, run.out[-5000:]
    assert "not the mock" in run.report["target"] and "read-only" in run.report["target"]
    writes = [
        (method, path)
        for method, path, _ in server.requests
        if method not in ("GET", "HEAD", "OPTIONS") and (method, path) != SEARCH
    ]
    assert writes == []
    for operation in ("CreateStore", "DeleteStore", "CreateDelivery", "CreateDownload"):
        assert run.row(operation)["cases"] == 0
        assert "skipped: read-only" in run.table_line(operation)
    statuses = {p["name"]: p["status"] for p in run.report["properties"]}
    assert statuses["download_status_moves_forward"] == "skipped"
    assert statuses["workspaces_are_isolated"] == "passed"  # read-only comparison of the lists


@pytest.mark.slow
def test_writes_against_a_real_server_are_safe_and_cleaned_up(fixture_set, tmp_path):
    server = _fast_mock(fixture_set)
    with serve(server) as base:
        run = run_kit(
            tmp_path,
            *("--base-url", base, *LIVE_KEYS, "--allow-writes", *SMALL),
            *("--rate-limit", "0", "--poll-interval", "0.1", "--wait-timeout", "20"),
        )
        stores = requests.get(f"{base}/v0/stores", headers={"Authorization": "live-key"}).json()
    assert run.code == 0, run.out[-5000:]
    spec = resolved_spec()["components"]["schemas"]
    creates: dict[str, int] = {}
    for method, path, body in server.requests:
        if method == "POST" and path in CREATE_SCHEMAS:
            # Never a negative case to an operation that creates something.
            jsonschema.validate(json.loads(body), spec[CREATE_SCHEMAS[path]])
            creates[path] = creates.get(path, 0) + 1
            if path in ("/v0/stores", "/v0/aois"):
                assert json.loads(body)["name"].startswith("pxct-"), body
        assert method not in ("PUT", "PATCH")
        if method == "DELETE":
            assert path.startswith("/v0/stores/"), path
    assert creates["/v0/stores"] > 0 and creates["/v0/catalogs/download"] > 0
    # Every store the kit made is gone again.
    assert not [s["name"] for s in stores["stores"] if s["name"].startswith("pxct-")]
    assert "cannot be deleted" in run.out or "no way to delete them" in run.out
    statuses = {p["name"]: p["status"] for p in run.report["properties"]}
    assert set(statuses.values()) == {"passed"}, statuses


@pytest.mark.slow
def test_waiting_on_a_real_server_is_bounded(fixture_set, tmp_path):
    """Downloads take 5 s here; with --wait-timeout 1 the kit gives up after about a second."""
    server = Disguise(create_app(Settings(), fixtures=fixture_set))
    with serve(server) as base:
        run = run_kit(
            tmp_path,
            *("--base-url", base, *LIVE_KEYS, "--allow-writes", "--suites", "lifecycle"),
            *("--operations", "CreateDownload,GetDownloadById", "--rate-limit", "0"),
            *("--wait-timeout", "1", "--poll-interval", "0.2", "--max-examples", "1"),
        )
    assert run.code == 1
    assert "download_ends_success_or_failed" in run.failing_checks("GetDownloadById")
    assert "within 1 s (--wait-timeout)" in run.out
    # Polls, not a flood: about five of them over that second.
    polls = [p for m, p, _ in server.requests if m == "GET" and "/download/" in p]
    assert len(polls) < 40


@pytest.mark.slow
def test_request_cap_stops_the_run(fixture_set, tmp_path):
    server = Disguise(create_app(Settings(), fixtures=fixture_set))
    with serve(server) as base:
        run = run_kit(
            tmp_path,
            *("--base-url", base, *LIVE_KEYS, "--max-requests", "40", "--rate-limit", "0"),
            *("--suites", "conformance", *SMALL),
        )
    assert run.code == 1
    assert "cap of 40 requests" in run.out
    assert len(server.requests) <= 42  # the cap, plus the probe that tells the mock apart


@pytest.mark.slow
def test_interrupted_run_deletes_what_it_created(fixture_set, tmp_path):
    server = Disguise(create_app(Settings(), fixtures=fixture_set))
    with serve(server) as base:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "contract_tests.cli", "--base-url", base, *LIVE_KEYS),
                *("--allow-writes", "--suites", "stateful,lifecycle", "--rate-limit", "20"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not any(m == "POST" and p == "/v0/stores" for m, p, _ in server.requests):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
        stores = requests.get(f"{base}/v0/stores", headers={"Authorization": "live-key"}).json()
    assert process.returncode == 130, out[-3000:]
    assert out.strip().splitlines()[-1].startswith("pixxel-contract: INTERRUPTED"), out[-3000:]
    created = [m for m, p, _ in server.requests if m == "POST" and p == "/v0/stores"]
    assert created
    assert not [s["name"] for s in stores["stores"] if s["name"].startswith("pxct-")], out


@pytest.mark.slow
def test_pytest_runs_the_suites_with_its_own_options(fixture_set, tmp_path):
    """The same suites through pytest: options and environment variables."""
    with serve(build(None, fixtures=fixture_set)) as base:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", "-p", "contract_tests.plugin"),
                *("-p", "schemathesis.pytest.plugin", "--assert=plain"),
                str(REPO / "contract_tests" / "suites"),
                *("-c", str(REPO / "contract_tests" / "suites" / "pytest.ini")),
                *("-q", "--pixxel-suites", "lifecycle", "--pixxel-max-examples", "2"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env={**os.environ, "PIXXEL_BASE_URL": base, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "pixxel-contract report" in done.stdout
    assert base in done.stdout


# -- pieces -------------------------------------------------------------------------------------


def test_options_flag_beats_environment_beats_default(monkeypatch):
    monkeypatch.setenv("PIXXEL_BASE_URL", "http://env.example")
    monkeypatch.setenv("PIXXEL_CONTRACT_MAX_EXAMPLES", "5")
    monkeypatch.setenv("PIXXEL_CONTRACT_ALLOW_WRITES", "yes")
    options = from_sources({"base_url": "http://flag.example"})
    assert options.base_url == "http://flag.example"
    assert options.max_examples == 5
    assert options.allow_writes is True
    assert options.seed == KitOptions().seed
    assert options.effective_rate_limit(is_mock=False) == 2.0
    assert options.effective_rate_limit(is_mock=True) is None
    with pytest.raises(ValueError, match="suite"):
        from_sources({"suites": ["nope"]})


def test_throttle_caps_and_spaces_requests(monkeypatch):
    """On a fake clock: three requests at 50 per second wait 0, 1/50 and 1/50 of a second."""
    from contract_tests import http

    clock = {"now": 100.0}
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(http, "time", SimpleNamespace(monotonic=lambda: clock["now"], sleep=sleep))
    monkeypatch.setattr(http.interrupt, "sleep", sleep)
    throttle = Throttle(rate_per_second=50, max_requests=3)
    for _ in range(3):
        throttle.acquire()
    assert waits == pytest.approx([1 / 50, 1 / 50])
    with pytest.raises(RequestBudgetExhausted):
        throttle.acquire()
    throttle.acquire(exempt=True)  # clean-up still goes out, spaced like the rest
    assert waits == pytest.approx([1 / 50] * 3)


def test_a_known_issue_waives_only_its_own_operation_check_and_answer(monkeypatch):
    """Waivers are narrow: an entry matches its operation, its checks and its predicate only."""

    class Answer:
        def __init__(self, status: int) -> None:
            self.status_code = status

    issue = known_issues.KnownIssue(
        id="KI-T",
        operations=("SearchCatalogs",),
        checks=("positive_data_acceptance",),
        summary="test entry",
        matches=lambda _case, response: response.status_code == 400,
    )
    monkeypatch.setattr(known_issues, "KNOWN_ISSUES", (issue,))
    assert known_issues.find("SearchCatalogs", "positive_data_acceptance", None, Answer(400))
    assert not known_issues.find("SearchCatalogs", "positive_data_acceptance", None, Answer(500))
    assert not known_issues.find("SearchCatalogs", "not_a_server_error", None, Answer(400))
    assert not known_issues.find("CreateStore", "positive_data_acceptance", None, Answer(400))
    for defect in DEFECTS.values():
        assert known_issues.find(defect.operation, defect.check, None, Answer(500)) is None


def test_positive_bodies_follow_the_contract(fixture_set):
    """What realistic.prepare produces is still valid against the schema."""
    import random

    import schemathesis

    from contract_tests import target as target_mod

    class FakeTarget:
        is_mock = True
        facts = target_mod.Facts(
            satellite_ids=["0005c5bb-0bd2-4c80-9393-4a808341c54c"],
            project_ids=["9aaffdcc-5002-440a-9f30-31f427e1f4f7"],
            catalog_ids=["04e8f606-4a66-45f5-a846-419bb7064b88"],
            item_ids=["TD1_001403_20230226_L1C_20230303_01915558"],
            order_item_ids=["e6736258-1d97-4159-a84e-12eb78c5c7a7"],
            collections=["pixxel-td1-l1c"],
            queryables=["eo:cloud_cover", "usecase"],
        )
        names = 0

        def new_name(self, what):
            self.names += 1
            return f"pxct-test-{what}-{self.names}"

        def delivery_store(self):
            return "6f1c2b7e-8a1d-4a53-9d0e-2c5b9f4e7a10"

    schema = schemathesis.openapi.from_dict(resolved_spec())
    spec = resolved_spec()["components"]["schemas"]
    uuid = "00000000-0000-4000-8000-000000000000"
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    # Schema-valid bodies that break the rules the contract states in prose.
    bodies = {
        "CreateStore": (
            "StoreCreateRequest",
            {
                "name": "x",
                "type": "GCS",
                "configs": {"bucket": "abc", "region": "r"},
                "secrets": {"wrong": "key"},
            },
        ),
        "AOICreateAOI": (
            "AOICreateRequest",
            {
                "name": "x",
                "description": "",
                "satellite_id": uuid,
                "provider": "pixxel",
                "project_id": uuid,
                "geometry": square,
                "item_ids": ["nope"],
            },
        ),
        "CreateDownload": ("DownloadCreateRequest", {"order_item_ids": [uuid]}),
        "CreateDelivery": (
            "DeliveryCreateRequest",
            {"deliveries": [{"catalog_ids": [uuid], "cloud_info": {"config": uuid}}]},
        ),
        "SearchCatalogs": (
            "CatalogSearchRequest",
            {
                "datetime": "x",
                "bbox": [0, 0, 0, 0],
                "query": {"x": {"y": 1}},
                "sort_by": [{"x": "ASC"}],
            },
        ),
    }
    rng = random.Random(1)
    target = FakeTarget()
    for operation, (schema_name, body) in bodies.items():
        case = schema.find_operation_by_id(operation).Case(body=body, media_type="application/json")
        realistic.prepare(case, operation, target, rng)
        jsonschema.validate(case.body, spec[schema_name])
        prepared = case.body
        if operation == "CreateStore":
            assert sorted(prepared["secrets"]) == ["project_id", "service_account_credentials"]
            assert prepared["name"].startswith("pxct-")
        if operation == "AOICreateAOI":
            assert prepared["satellite_id"] in target.facts.satellite_ids
            assert set(prepared["item_ids"]) <= set(target.facts.item_ids)
        if operation == "CreateDelivery":
            assert prepared["deliveries"][0]["cloud_info"]["config"] == target.delivery_store()
        if operation == "SearchCatalogs":
            assert set(prepared["query"]) <= set(target.facts.queryables)
            assert prepared["datetime"][:2] in ("20", "..")
    assert realistic.is_write("SearchCatalogs", "POST") is False
    assert realistic.is_create("CreateStore", "POST") is True


def test_report_table_has_one_line_per_operation():
    report = Report([("Ping", "GET", "/ping"), ("CreateStore", "POST", "/v0/stores")])
    report.case("Ping", 3)
    report.fail("CreateStore", "status_code_conformance", "Undocumented status code 201")
    table = report.table()
    assert "Ping" in table and "GET /ping" in table
    line = next(row for row in table.splitlines() if row.startswith("CreateStore"))
    assert "POST /v0/stores" in line and "status_code_conformance: 1" in line
    assert not report.ok
    assert "FAILED" in report.summary()


def test_kit_lists_every_operation_of_the_contract():
    kit = Kit(KitOptions(operations=["Ping", "ListStores"]))
    assert [op for op, _, _ in kit.operations] == ["Ping", "ListStores"]
    with pytest.raises(ValueError, match="unknown operation"):
        Kit(KitOptions(operations=["NoSuchThing"]))


def test_cases_are_filled_in_from_what_hypothesis_drew():
    """Hypothesis replays cases and draws each stateful step from the previous answers: the same
    drawn case must be filled in (search filters, names...) the same way every time, or the same
    draws lead to other requests and other answers, and hypothesis stops the run as a flaky
    strategy."""
    kit = Kit(KitOptions())

    def drawn(body: dict) -> SimpleNamespace:
        return SimpleNamespace(path_parameters={}, query=None, body=body)

    def fill(case: SimpleNamespace) -> list[float]:
        rng = kit._rng("SearchCatalogs", case)
        return [rng.random() for _ in range(3)]

    same = {"datetime": "2024-01-01T00:00:00Z", "limit": 3}
    assert fill(drawn(same)) == fill(drawn(dict(same)))
    assert fill(drawn(same)) != fill(drawn({**same, "limit": 4}))
