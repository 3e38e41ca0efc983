"""``pixxel-contract drift``: each kind of difference, how it is classified, waivers, exit codes.

Every reference here is a small document written in the test; the contract side is one too,
except where the test is about the bundled contract itself.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml

from contract_tests import cli, drift, drift_waivers

REPO = Path(__file__).resolve().parent.parent


def spec(*, paths=None, schemas=None, **operation_fields) -> dict:
    """An OpenAPI 3.0 document; by default one operation, ListThings (GET /v0/things)."""
    if paths is None:
        paths = {"/v0/things": {"get": operation(**operation_fields)}}
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    if schemas:
        document["components"] = {"schemas": schemas}
    return document


def operation(op_id="ListThings", params=(), body=None, response=None, status="200") -> dict:
    op = {"operationId": op_id, "parameters": list(params), "responses": {}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    answer = {"description": "ok"}
    if response is not None:
        answer["content"] = {"application/json": {"schema": response}}
    op["responses"][status] = answer
    op["responses"]["400"] = {"description": "bad"}
    return op


def query(name, schema, required=False, **extra) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, **extra}


def obj(required=(), **properties) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def run(tmp_path, contract, reference, *extra, fmt="json", suffix=".yaml"):
    """Runs `pixxel-contract drift` in this process; returns (exit code, output)."""
    contract_file = tmp_path / "contract.yaml"
    contract_file.write_text(yaml.safe_dump(contract), encoding="utf-8")
    reference_file = tmp_path / f"reference{suffix}"
    text = json.dumps(reference) if suffix == ".json" else yaml.safe_dump(reference)
    reference_file.write_text(text, encoding="utf-8")
    out = StringIO()
    argv = ["--spec", str(contract_file), "--reference", str(reference_file), "--format", fmt]
    code = drift.main([*argv, *extra], out=out)
    return code, out.getvalue()


def differences(report: dict) -> dict[tuple[str, str], dict]:
    return {
        (op["operation"], d["key"]): d for op in report["operations"] for d in op["differences"]
    }


def drift_of(tmp_path, contract, reference) -> dict[tuple[str, str], dict]:
    code, out = run(tmp_path, contract, reference)
    assert code in (0, 1), out
    return differences(json.loads(out))


# --- each kind of difference, with its operation named and its classification ----------------

INT, NUM, STR = {"type": "integer"}, {"type": "number"}, {"type": "string"}

CASES = {
    # name: (contract operation, reference operation, key, breaking)
    "parameter the contract lacks": (
        {},
        {"params": [query("area", STR)]},
        "parameter.query.area: missing",
        True,
    ),
    "parameter only the contract requires": (
        {"params": [query("q", STR, required=True)]},
        {},
        "parameter.query.q: not in reference",
        True,
    ),
    "optional parameter only the contract has": (
        {"params": [query("q", STR)]},
        {},
        "parameter.query.q: not in reference",
        False,
    ),
    "parameter required by the contract only": (
        {"params": [query("q", STR, required=True)]},
        {"params": [query("q", STR)]},
        "parameter.query.q: required",
        True,
    ),
    "parameter required by the reference only": (
        {"params": [query("q", STR)]},
        {"params": [query("q", STR, required=True)]},
        "parameter.query.q: required",
        False,
    ),
    "parameter of another type": (
        {"params": [query("limit", STR)]},
        {"params": [query("limit", INT)]},
        "parameter.query.limit: type",
        True,
    ),
    "parameter: the contract takes any number where the reference takes integers": (
        {"params": [query("limit", NUM)]},
        {"params": [query("limit", INT)]},
        "parameter.query.limit: type",
        False,
    ),
    "parameter: the contract takes only integers where the reference takes numbers": (
        {"params": [query("limit", INT)]},
        {"params": [query("limit", NUM)]},
        "parameter.query.limit: type",
        True,
    ),
    "parameter enum lacking a reference value": (
        {"params": [query("status", {"type": "string", "enum": ["a"]})]},
        {"params": [query("status", {"type": "string", "enum": ["a", "b"]})]},
        "parameter.query.status: enum",
        True,
    ),
    "comma-separated array against a string parameter": (
        {"params": [query("ids", {"type": "array", "items": STR}, style="form", explode=False)]},
        {"params": [query("ids", STR)]},
        "parameter.query.ids: type",
        False,
    ),
    "request field the contract lacks": (
        {"body": obj(name=STR)},
        {"body": obj(name=STR, tags={"type": "array", "items": STR})},
        "request.tags: missing",
        True,
    ),
    "request field required by the contract only": (
        {"body": obj(["name"], name=STR)},
        {"body": obj(name=STR)},
        "request.name: required",
        True,
    ),
    "request field required by the reference only": (
        {"body": obj(name=STR)},
        {"body": obj(["name"], name=STR)},
        "request.name: required",
        False,
    ),
    "request enum wider in the contract": (
        {"body": obj(kind={"type": "string", "enum": ["a", "b", "c"]})},
        {"body": obj(kind={"type": "string", "enum": ["a", "b"]})},
        "request.kind: enum",
        False,
    ),
    "request null only the reference allows": (
        {"body": obj(note=STR)},
        {"body": obj(note={"type": "string", "nullable": True})},
        "request.note: nullable",
        True,
    ),
    "request null only the contract allows": (
        {"body": obj(note={"type": "string", "nullable": True})},
        {"body": obj(note=STR)},
        "request.note: nullable",
        False,
    ),
    "request body the contract does not take": (
        {},
        {"body": obj(name=STR)},
        "request: missing",
        True,
    ),
    "response field the reference requires": (
        {"response": obj(["id"], id=STR)},
        {"response": obj(["id", "task_id"], id=STR, task_id=STR)},
        "response.task_id: missing",
        True,
    ),
    "optional response field the contract lacks": (
        {"response": obj(["id"], id=STR)},
        {"response": obj(["id"], id=STR, label=STR)},
        "response.label: missing",
        False,
    ),
    "response field only the contract has": (
        {"response": obj(id=STR, extra=STR)},
        {"response": obj(id=STR)},
        "response.extra: not in reference",
        False,
    ),
    "response field the reference requires and the contract does not": (
        {"response": obj(id=STR)},
        {"response": obj(["id"], id=STR)},
        "response.id: required",
        True,
    ),
    "response number where the reference has integer": (
        {"response": obj(gsd=NUM)},
        {"response": obj(gsd=INT)},
        "response.gsd: type",
        True,
    ),
    "response integer where the reference has number": (
        {"response": obj(gsd=INT)},
        {"response": obj(gsd=NUM)},
        "response.gsd: type",
        False,
    ),
    "response enum value the reference does not list": (
        {"response": obj(status={"type": "string", "enum": ["done", "failed", "lost"]})},
        {"response": obj(status={"type": "string", "enum": ["done", "failed"]})},
        "response.status: enum",
        True,
    ),
    "response enum lacking a reference value": (
        {"response": obj(status={"type": "string", "enum": ["done"]})},
        {"response": obj(status={"type": "string", "enum": ["done", "failed"]})},
        "response.status: enum",
        False,
    ),
    "response null the reference does not allow": (
        {"response": obj(task_id={"type": "string", "nullable": True})},
        {"response": obj(task_id=STR)},
        "response.task_id: nullable",
        True,
    ),
    "response null as OpenAPI 3.1 writes it": (
        {"response": obj(task_id=STR)},
        {"response": obj(task_id={"type": ["string", "null"]})},
        "response.task_id: nullable",
        False,
    ),
    "success status only the contract answers": (
        {"status": "201"},
        {"status": "200"},
        "status.201: not in reference",
        True,
    ),
    "success status only the reference answers": (
        {"status": "201"},
        {"status": "200"},
        "status.200: missing",
        False,
    ),
    "another operationId": (
        {"op_id": "GetThings"},
        {"op_id": "ListThings"},
        "operationId: differs",
        False,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_kind_of_difference_is_found_and_classified(tmp_path, name):
    contract_op, reference_op, key, breaking = CASES[name]
    found = drift_of(tmp_path, spec(**contract_op), spec(**reference_op))
    # Named by the reference's operationId, whatever the contract calls it.
    assert ("ListThings", key) in found, sorted(found)
    assert found[("ListThings", key)]["breaking"] is breaking


def test_no_difference_between_equal_documents(tmp_path):
    document = spec(
        params=[query("limit", INT)], body=obj(["name"], name=STR), response=obj(id=STR)
    )
    code, out = run(tmp_path, document, copy.deepcopy(document))
    assert code == 0
    assert json.loads(out)["operations"] == []


def test_fields_are_followed_through_ref_allof_oneof_and_arrays(tmp_path):
    schemas = {
        "Base": obj(["id"], id=STR),
        "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"}, obj(size=NUM)]},
        "Shape": {"oneOf": [obj(radius=NUM), obj(side=NUM)]},
        "List": obj(
            things={"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
            shape={"$ref": "#/components/schemas/Shape"},
        ),
    }
    contract = spec(response={"$ref": "#/components/schemas/List"}, schemas=schemas)
    reference = spec(
        response=obj(
            things={"type": "array", "items": obj(["id", "owner"], id=STR, size=INT, owner=STR)},
            shape={"anyOf": [obj(radius=NUM), obj(side=INT)]},
        )
    )
    found = drift_of(tmp_path, contract, reference)
    assert found[("ListThings", "response.things[].size: type")]["breaking"] is True
    assert found[("ListThings", "response.things[].owner: missing")]["breaking"] is True
    assert found[("ListThings", "response.shape.side: type")]["breaking"] is True
    assert ("ListThings", "response.things[].id: missing") not in found  # it came through allOf


def test_a_recursive_schema_is_compared_without_looping(tmp_path):
    node = obj(name=STR, children={"type": "array", "items": {"$ref": "#/components/schemas/N"}})
    other = copy.deepcopy(node)
    other["properties"]["name"] = INT
    contract = spec(response={"$ref": "#/components/schemas/N"}, schemas={"N": node})
    reference = spec(response={"$ref": "#/components/schemas/N"}, schemas={"N": other})
    found = drift_of(tmp_path, contract, reference)
    # Reported once, where the recursion starts, not again at children[], children[].children[]...
    assert list(found) == [("ListThings", "response.name: type")]


def test_operations_are_matched_by_method_and_path_whatever_the_parameter_names(tmp_path):
    contract = spec(paths={"/v0/things/{id}": {"get": operation("GetThing")}})
    reference = spec(paths={"/v0/things/{thing_id}": {"get": operation("GetThing")}})
    found = drift_of(tmp_path, contract, reference)
    assert found == {
        ("GetThing", "parameter.path.thing_id: name"): {
            "key": "parameter.path.thing_id: name",
            "breaking": False,
            "waived": False,
            "decision": None,
            "detail": "called id in the contract",
        }
    }


def test_missing_operations_only_within_the_contracts_scope(tmp_path):
    contract = spec(paths={"/v0/things": {"get": operation("ListThings")}})
    reference = spec(
        paths={
            "/v0/things": {"get": operation("ListThings")},
            "/v0/things/{id}/parts": {"get": operation("ListThingParts")},
            "/v0/workflows": {"get": operation("ListWorkflows"), "post": operation("Run")},
        }
    )
    code, out = run(tmp_path, contract, reference)
    report = json.loads(out)
    assert code == 1
    assert differences(report) == {
        ("ListThingParts", "operation: missing"): {
            "key": "operation: missing",
            "breaking": True,
            "waived": False,
            "decision": None,
            "detail": "the contract has no such operation",
        }
    }
    assert report["summary"]["reference_operations_out_of_scope"] == 2
    assert {o["operation_id"] for o in report["out_of_scope"]} == {"ListWorkflows", "Run"}


def test_an_operation_only_the_contract_has_is_not_breaking(tmp_path):
    contract = spec(
        paths={"/v0/things": {"get": operation("ListThings"), "post": operation("AddThing")}}
    )
    code, out = run(tmp_path, contract, spec())
    assert code == 0
    assert differences(json.loads(out))[("AddThing", "operation: not in reference")] == {
        "key": "operation: not in reference",
        "breaking": False,
        "waived": False,
        "decision": None,
        "detail": "only the contract has it",
    }


# --- waivers -----------------------------------------------------------------------------------

DRIFTING = (spec(response=obj(gsd=NUM)), spec(response=obj(gsd=INT)))


def waiver_file(tmp_path, *entries) -> str:
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump({"waivers": list(entries)}), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("operation_name", ["ListThings", "GET /v0/things"])
def test_a_waiver_lets_a_breaking_difference_pass_and_names_its_decision(tmp_path, operation_name):
    waivers = waiver_file(
        tmp_path,
        {
            "operation": operation_name,
            "difference": "response.gsd: type",
            "decision": "docs/decisions.md#gsd-stays-a-number",
        },
    )
    code, out = run(tmp_path, *DRIFTING, "--waivers", waivers)
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True
    entry = differences(report)[("ListThings", "response.gsd: type")]
    assert entry["breaking"] is True
    assert entry["waived"] is True
    assert entry["decision"] == "docs/decisions.md#gsd-stays-a-number"
    assert report["summary"]["waived"] == 1
    assert report["stale_waivers"] == []


def test_a_waiver_for_another_difference_does_not_apply_and_is_stale(tmp_path):
    stale = {
        "operation": "ListThings",
        "difference": "response.size: type",
        "decision": "docs/decisions.md#sizes",
    }
    code, out = run(tmp_path, *DRIFTING, "--waivers", waiver_file(tmp_path, stale))
    report = json.loads(out)
    assert code == 1
    assert differences(report)[("ListThings", "response.gsd: type")]["waived"] is False
    assert report["stale_waivers"] == [stale]

    code, text = run(tmp_path, *DRIFTING, "--waivers", waiver_file(tmp_path, stale), fmt="text")
    assert "stale waivers (they match no difference; remove or correct them):" in text
    assert "  ListThings  response.size: type  [decision: docs/decisions.md#sizes]" in text


def test_a_stale_waiver_alone_does_not_fail_the_run(tmp_path):
    stale = {"operation": "Nope", "difference": "request: missing", "decision": "d#x"}
    code, out = run(tmp_path, spec(), spec(), "--waivers", waiver_file(tmp_path, stale))
    assert code == 0
    assert json.loads(out)["summary"]["stale_waivers"] == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ("waivers:\n  - operation: A\n    difference: 'x: y'\n", "needs a non-empty 'decision'"),
        ("waivers:\n  - {operation: A, difference: 'x', decision: d, why: w}\n", "unknown field"),
        ("waivers: {operation: A}\n", "'waivers' must be a list"),
        ("- just a list\n", "expected a mapping"),
        ("waivers: [\n", "cannot read the waiver file"),
    ],
)
def test_a_malformed_waiver_file_is_a_load_error(tmp_path, capsys, content, message):
    path = tmp_path / "waivers.yaml"
    path.write_text(content, encoding="utf-8")
    code, out = run(tmp_path, *DRIFTING, "--waivers", str(path))
    assert code == 2
    assert out == ""
    assert message in capsys.readouterr().err


def _heading_anchors(markdown: str) -> set[str]:
    anchors = set()
    for line in markdown.splitlines():
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match:
            slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


def test_the_shipped_waivers_load_and_each_names_a_heading_of_the_decisions():
    waivers = drift_waivers.load(drift_waivers.DEFAULT_WAIVERS)
    anchors = _heading_anchors((REPO / "docs" / "decisions.md").read_text(encoding="utf-8"))
    assert "other-choices" in anchors  # the slugs are computed the way the links resolve
    for waiver in waivers:
        document, _, anchor = waiver.decision.partition("#")
        assert document == "docs/decisions.md", waiver
        assert anchor in anchors, waiver


# --- exit codes and loading ----------------------------------------------------------------------


def test_breaking_drift_exits_1_and_only_not_breaking_drift_exits_0(tmp_path):
    assert run(tmp_path, *DRIFTING)[0] == 1
    assert run(tmp_path, spec(response=obj(gsd=INT)), spec(response=obj(gsd=NUM)))[0] == 0


def test_a_json_reference_is_read_as_well_as_yaml(tmp_path):
    code, out = run(tmp_path, *DRIFTING, suffix=".json")
    assert code == 1
    assert ("ListThings", "response.gsd: type") in differences(json.loads(out))


@pytest.mark.parametrize(
    "reference_text, message",
    [
        ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\n", "not an OpenAPI document"),
        ('{"swagger": "2.0", "paths": {}}', "only OpenAPI 3.x"),
        ("paths: [\n", "neither JSON nor YAML"),
    ],
)
def test_a_reference_that_is_not_openapi_3_is_a_load_error(
    tmp_path, capsys, reference_text, message
):
    reference = tmp_path / "reference.yaml"
    reference.write_text(reference_text, encoding="utf-8")
    contract = tmp_path / "contract.yaml"
    contract.write_text(yaml.safe_dump(spec()), encoding="utf-8")
    assert cli.main(["drift", "--spec", str(contract), "--reference", str(reference)]) == 2
    assert message in capsys.readouterr().err


def test_a_ref_that_leads_nowhere_is_a_load_error(tmp_path, capsys):
    broken = spec(response={"$ref": "#/components/schemas/Missing"})
    code, _ = run(tmp_path, spec(response=obj(id=STR)), broken)
    assert code == 2
    assert "$ref #/components/schemas/Missing leads nowhere" in capsys.readouterr().err


def test_a_missing_reference_file_is_a_load_error(tmp_path, capsys):
    assert cli.main(["drift", "--reference", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_unreachable_reference_url_is_a_load_error(capsys):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert cli.main(["drift", "--reference", f"http://127.0.0.1:{port}/openapi.json"]) == 2
    assert f"cannot fetch http://127.0.0.1:{port}/openapi.json" in capsys.readouterr().err


def test_a_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["drift"])
    assert stop.value.code == 2
    assert "--reference" in capsys.readouterr().err


def test_the_bundled_contract_is_the_default_and_agrees_with_itself(tmp_path, capsys):
    from mockserver.package_data import spec_path

    copy_of_contract = tmp_path / "published.json"
    copy_of_contract.write_text(
        json.dumps(yaml.safe_load(spec_path().read_text(encoding="utf-8"))), encoding="utf-8"
    )
    assert cli.main(["drift", "--reference", str(copy_of_contract)]) == 0
    out = capsys.readouterr().out
    assert " 0 with differences" in out
    assert out.endswith("pixxel-contract drift: OK\n")


# --- what a person reads ------------------------------------------------------------------------


def test_the_text_report(tmp_path):
    contract = spec(
        paths={
            "/v0/things": {
                "get": operation(
                    "ListThings",
                    params=[query("limit", INT)],
                    response=obj(["id"], id=STR, gsd=NUM, extra=STR),
                )
            }
        }
    )
    reference = spec(
        paths={
            "/v0/things": {
                "get": operation(
                    "ListThings", response=obj(["id", "owner"], id=STR, gsd=INT, owner=STR)
                )
            },
            "/v0/things/{id}": {"delete": operation("DeleteThing", status="204")},
            "/v0/elsewhere": {"get": operation("Elsewhere")},
        }
    )
    waivers = waiver_file(
        tmp_path,
        {"operation": "ListThings", "difference": "response.gsd: type", "decision": "d.md#gsd"},
        {"operation": "Gone", "difference": "request: missing", "decision": "d.md#gone"},
    )
    code, text = run(tmp_path, contract, reference, "--waivers", waivers, fmt="text")
    assert code == 1
    assert text == (
        "ListThings  GET /v0/things\n"
        "  BREAKING      response.owner: missing  (required in the reference)\n"
        "  waived        response.gsd: type  (contract number, reference integer)"
        "  [decision: d.md#gsd]\n"
        "  not breaking  parameter.query.limit: not in reference  (optional here)\n"
        "  not breaking  response.extra: not in reference  (optional here)\n"
        "DeleteThing  DELETE /v0/things/{id}\n"
        "  BREAKING      operation: missing  (the contract has no such operation)\n"
        "stale waivers (they match no difference; remove or correct them):\n"
        "  Gone  request: missing  [decision: d.md#gone]\n"
        "1 operation(s) compared, 2 with differences: 2 breaking, 1 waived, 2 not breaking;"
        " 1 stale waiver(s); 1 reference operation(s) out of the contract's scope\n"
        "pixxel-contract drift: FAILED: 2 unwaived breaking difference(s)\n"
    )


def test_the_installed_command_runs_drift(tmp_path):
    contract, reference = tmp_path / "contract.yaml", tmp_path / "reference.json"
    contract.write_text(yaml.safe_dump(DRIFTING[0]), encoding="utf-8")
    reference.write_text(json.dumps(DRIFTING[1]), encoding="utf-8")
    command = [sys.executable, "-m", "contract_tests.cli", "drift"]
    command += ["--spec", str(contract), "--reference", str(reference)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert "  BREAKING      response.gsd: type  (contract number, reference integer)" in done.stdout


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown text."""
    anchors = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^a-z0-9 _-]", "", title).replace(" ", "-"))
    return anchors


def test_every_shipped_waiver_names_a_decision_that_exists():
    from contract_tests.drift_waivers import DEFAULT_WAIVERS, load

    root = Path(__file__).resolve().parents[1]
    anchors = _anchors((root / "docs" / "decisions.md").read_text(encoding="utf-8"))
    waivers = load(DEFAULT_WAIVERS)
    assert waivers
    for waiver in waivers:
        document, _, anchor = waiver.decision.partition("#")
        assert document == "docs/decisions.md", waiver
        assert anchor in anchors, waiver
