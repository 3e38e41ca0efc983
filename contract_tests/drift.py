"""``pixxel-contract drift``: how far the contract has drifted from a published OpenAPI reference.

    pixxel-contract drift --reference pixxel-openapi.json
    pixxel-contract drift --reference https://example.com/pixxel-openapi.json --format json

Prints, per operation, each difference between the contract (the spec/openapi.yaml shipped with
pixxel-mock, or --spec) and the reference, marked breaking or not (see drift_compare), waived or
not (see drift_waivers). Exit status: 0 when no breaking difference is left unwaived, 1 when one
is, 2 on a usage error or a document that cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import yaml

from contract_tests import drift_waivers
from contract_tests.drift_compare import DocumentError, DriftResult, compare

EXIT_OK, EXIT_DRIFT, EXIT_USAGE = 0, 1, 2
FETCH_TIMEOUT_SECONDS = 30


class LoadError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixxel-contract drift",
        description="Compare the contract with a published OpenAPI reference and print what"
        " differs, per operation, each difference marked breaking or not for a client written"
        " for the reference.",
        epilog="Exit status: 0 no unwaived breaking difference, 1 some, 2 usage or load error.",
    )
    parser.add_argument(
        "--reference",
        required=True,
        metavar="PATH_OR_URL",
        help="the reference: a local JSON or YAML OpenAPI 3 file, or an http(s) URL",
    )
    parser.add_argument(
        "--waivers",
        type=Path,
        default=drift_waivers.DEFAULT_WAIVERS,
        metavar="FILE",
        help="YAML file of decided divergences (default: the one shipped with pixxel-mock)",
    )
    parser.add_argument(
        "--spec",
        type=Path,
        default=None,
        metavar="PATH",
        help="the contract (default: the spec/openapi.yaml shipped with pixxel-mock)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise LoadError(f"{source} is neither JSON nor YAML: {exc}") from exc


def load_reference(where: str) -> Any:
    if where.startswith(("http://", "https://")):
        import requests

        try:
            answer = requests.get(where, timeout=FETCH_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise LoadError(f"cannot fetch {where}: {exc}") from exc
        if answer.status_code != 200:
            raise LoadError(f"cannot fetch {where}: HTTP {answer.status_code}")
        return _parse(answer.text, where)
    try:
        return _parse(Path(where).read_text(encoding="utf-8"), where)
    except OSError as exc:
        raise LoadError(f"cannot read {where}: {exc.strerror or exc}") from exc


def load_contract(path: Path | None) -> Any:
    """The contract: --spec, else the one the package serves (bundled in an installed wheel)."""
    from mockserver.package_data import spec_path

    path = path or spec_path()
    try:
        return _parse(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise LoadError(f"cannot read the contract {path}: {exc.strerror or exc}") from exc


def build_report(result: DriftResult, waivers: list[drift_waivers.Waiver]) -> dict[str, Any]:
    covered, stale = drift_waivers.apply(waivers, result.operations)
    operations = []
    counts = {"breaking": 0, "waived": 0, "not_breaking": 0}
    for i, op in enumerate(result.operations):
        if not op.differences:
            continue
        differences = []
        for j, difference in enumerate(op.differences):
            waiver = covered.get((i, j))
            kind = "breaking" if difference.breaking else "not_breaking"
            counts["waived" if waiver else kind] += 1
            differences.append(
                {
                    "key": difference.key,
                    "breaking": difference.breaking,
                    "waived": waiver is not None,
                    "decision": waiver.decision if waiver else None,
                    "detail": difference.detail,
                }
            )
        # What fails the run first, then what was waived, then the rest; each in document order.
        differences.sort(key=lambda d: 2 if not d["breaking"] else 1 if d["waived"] else 0)
        operations.append(
            {
                "operation": op.name,
                "method": op.method,
                "path": op.path,
                "contract_operation_id": op.contract_id,
                "reference_operation_id": op.reference_id,
                "differences": differences,
            }
        )
    return {
        "ok": counts["breaking"] == 0,
        "summary": {
            "operations_compared": result.compared,
            "operations_with_differences": len(operations),
            "breaking": counts["breaking"],
            "waived": counts["waived"],
            "not_breaking": counts["not_breaking"],
            "stale_waivers": len(stale),
            "reference_operations_out_of_scope": len(result.out_of_scope),
        },
        "operations": operations,
        "stale_waivers": [vars(w) for w in stale],
        "out_of_scope": [
            {"method": m, "path": p, "operation_id": o} for m, p, o in result.out_of_scope
        ],
    }


def write_text(report: dict[str, Any], out: TextIO) -> None:
    for op in report["operations"]:
        print(f"{op['operation']}  {op['method']} {op['path']}", file=out)
        for d in op["differences"]:
            mark = "waived" if d["waived"] else "BREAKING" if d["breaking"] else "not breaking"
            note = f"  [decision: {d['decision']}]" if d["waived"] else ""
            print(f"  {mark:<12}  {d['key']}  ({d['detail']}){note}", file=out)
    if report["stale_waivers"]:
        print("stale waivers (they match no difference; remove or correct them):", file=out)
        for w in report["stale_waivers"]:
            print(f"  {w['operation']}  {w['difference']}  [decision: {w['decision']}]", file=out)
    s = report["summary"]
    print(
        f"{s['operations_compared']} operation(s) compared, {s['operations_with_differences']}"
        f" with differences: {s['breaking']} breaking, {s['waived']} waived,"
        f" {s['not_breaking']} not breaking; {s['stale_waivers']} stale waiver(s);"
        f" {s['reference_operations_out_of_scope']} reference operation(s) out of the"
        " contract's scope",
        file=out,
    )
    verdict = "OK" if report["ok"] else f"FAILED: {s['breaking']} unwaived breaking difference(s)"
    print(f"pixxel-contract drift: {verdict}", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        contract = load_contract(args.spec)
        reference = load_reference(args.reference)
        waivers = drift_waivers.load(args.waivers)
        result = compare(contract, reference)
    except (LoadError, DocumentError, drift_waivers.WaiverError) as exc:
        print(f"pixxel-contract drift: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = build_report(result, waivers)
    if args.format == "json":
        json.dump(report, out, indent=2)
        out.write("\n")
    else:
        write_text(report, out)
    return EXIT_OK if report["ok"] else EXIT_DRIFT


if __name__ == "__main__":
    sys.exit(main())
