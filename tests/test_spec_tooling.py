"""Checks of the contract, the container recipe and the package with the project's own tools.

* every OpenAPI document in ``spec/`` is valid (openapi-spec-validator), lints without errors
  in Spectral (``.spectral.yaml``) and Redocly (``redocly.yaml``);
* Prism can mock ``spec/openapi.yaml`` and answers ``GET /ping``;
* hadolint has nothing to say about the ``Dockerfile``;
* the wheel bundles the contract and the fixtures.

The Node CLIs are the versions pinned in ``tools/node/package-lock.json``; they are looked up in
``tools/node/node_modules/.bin`` first, then on ``PATH``. A missing tool is a failure, not a
skip: ``bash scripts/setup.sh`` installs them (``bash scripts/test.sh`` runs it for you).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import NoReturn

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.tools

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "spec"
MAIN_SPEC = SPEC_DIR / "openapi.yaml"
NODE_BIN = ROOT / "tools" / "node" / "node_modules" / ".bin"
SETUP_HINT = "run `bash scripts/setup.sh` (or run the tests with `bash scripts/test.sh`)"

PRISM_START_TIMEOUT = 30.0  # seconds until Prism must answer /ping
OUTPUT_TAIL = 4000  # characters of tool output kept in failure messages


# --- helpers ---------------------------------------------------------------------------------


def _openapi_documents() -> list[Path]:
    """Every YAML file in spec/ with a top-level ``openapi:`` key.

    Matched on the text rather than the parsed document so that a file that no longer parses
    is still collected (and then fails) instead of silently dropping out of the checks.
    """
    top_level_openapi = re.compile(r"^openapi\s*:", re.MULTILINE)
    return [
        path
        for path in sorted([*SPEC_DIR.glob("*.yaml"), *SPEC_DIR.glob("*.yml")])
        if top_level_openapi.search(path.read_text(encoding="utf-8"))
    ]


SPECS = _openapi_documents()
spec_params = pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])


def _tool(name: str, *search_dirs: Path) -> str:
    """Path of an executable: the given directories first, then PATH; fail if absent."""
    for directory in search_dirs:
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    _fail(f"`{name}` is not installed; {SETUP_HINT}")


def _fail(message: str) -> NoReturn:
    pytest.fail(message, pytrace=False)


def _node_tool(name: str) -> str:
    return _tool(name, NODE_BIN)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NO_COLOR="1",
        FORCE_COLOR="0",
        REDOCLY_TELEMETRY="off",
        REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
        SCARF_ANALYTICS="false",
    )
    return env


def _run(cmd: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _tail(text: str) -> str:
    return text if len(text) <= OUTPUT_TAIL else "...\n" + text[-OUTPUT_TAIL:]


def _report(proc: subprocess.CompletedProcess[str]) -> str:
    return (
        f"command: {' '.join(proc.args)}\nexit status: {proc.returncode}\n"
        f"--- stdout ---\n{_tail(proc.stdout)}\n--- stderr ---\n{_tail(proc.stderr)}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


# --- the contract ----------------------------------------------------------------------------


def test_main_spec_is_collected():
    assert MAIN_SPEC in SPECS, f"{MAIN_SPEC.relative_to(ROOT)} is missing or has no `openapi:` key"


@spec_params
def test_spec_is_valid_openapi(spec: Path):
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{spec.name} is not a YAML mapping"
    validate(document, base_uri=spec.as_uri())


@spec_params
def test_spectral_finds_no_errors(spec: Path, tmp_path: Path):
    results_file = tmp_path / "spectral.json"
    proc = _run(
        [
            _node_tool("spectral"),
            "lint",
            "--ruleset",
            ".spectral.yaml",
            "--fail-severity",
            "error",
            "--format",
            "json",
            "--output",
            str(results_file),
            str(spec.relative_to(ROOT)),
        ]
    )
    results = json.loads(results_file.read_text()) if results_file.exists() else []
    errors = [
        f"{r.get('code')} at {'/'.join(map(str, r.get('path', [])))}: {r.get('message')}"
        for r in results
        if r.get("severity") == 0
    ]
    if proc.returncode != 0 or errors:
        _fail("Spectral reports errors:\n" + "\n".join(errors) + "\n\n" + _report(proc))


@spec_params
def test_redocly_finds_no_errors(spec: Path):
    proc = _run(
        [
            _node_tool("redocly"),
            "lint",
            "--config",
            "redocly.yaml",
            "--format",
            "json",
            str(spec.relative_to(ROOT)),
        ]
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        _fail(f"Redocly did not produce a JSON report\n{_report(proc)}")
    errors = [
        f"{p.get('ruleId')} at {p['location'][0].get('pointer') if p.get('location') else '?'}: "
        f"{p.get('message')}"
        for p in report.get("problems", [])
        if p.get("severity") == "error"
    ]
    if proc.returncode != 0 or report.get("totals", {}).get("errors", 0) != 0 or errors:
        _fail(
            "Redocly reports errors:\n" + "\n".join(errors) + "\n\n"
            f"command: {' '.join(proc.args)}\nexit status: {proc.returncode}\n"
            f"--- stderr ---\n{_tail(proc.stderr)}"
        )


def test_prism_mocks_the_contract(tmp_path: Path):
    port = _free_port()
    log_path = tmp_path / "prism.log"
    cmd = [
        _node_tool("prism"),
        "mock",
        str(MAIN_SPEC.relative_to(ROOT)),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
    ]
    url = f"http://127.0.0.1:{port}/ping"

    def failure(reason: str) -> str:
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        return f"{reason}\ncommand: {' '.join(cmd)}\n--- prism output ---\n{_tail(log)}"

    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + PRISM_START_TIMEOUT
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _fail(failure(f"Prism exited early with status {proc.returncode}"))
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last_error = str(exc)
                time.sleep(0.25)
                continue
            if status != 200:
                _fail(failure(f"GET /ping answered {status}, expected 200"))
            return
        _fail(
            failure(f"Prism did not answer {url} within {PRISM_START_TIMEOUT:.0f}s ({last_error})")
        )
    finally:
        _stop_process_group(proc)


# --- the container recipe and the package ----------------------------------------------------


def test_hadolint_finds_nothing_in_dockerfile():
    hadolint = _tool("hadolint", Path(sys.executable).parent)
    proc = _run([hadolint, "--no-color", "--format", "json", "Dockerfile"])
    try:
        findings = json.loads(proc.stdout)
    except json.JSONDecodeError:
        _fail(f"hadolint did not produce a JSON report\n{_report(proc)}")
    listed = "\n".join(
        f"Dockerfile:{f.get('line')} {f.get('code')} {f.get('level')}: {f.get('message')}"
        for f in findings
    )
    if proc.returncode != 0 or findings:
        _fail(f"hadolint findings:\n{listed}\n\n{_report(proc)}")


def test_wheel_bundles_spec_and_fixtures(tmp_path: Path):
    proc = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        timeout=180,
    )
    if proc.returncode != 0:
        _fail(f"building the wheel failed\n{_report(proc)}")
    wheels = sorted(tmp_path.glob("pixxel_mock-*.whl"))
    assert len(wheels) == 1, f"expected one pixxel_mock wheel, found {[w.name for w in wheels]}"

    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        required = {
            "mockserver/__init__.py",
            "mockserver/_bundled/spec/openapi.yaml",
            "mockserver/_bundled/fixtures/catalogs.json",
        }
        missing = sorted(required - names)
        assert not missing, f"{wheels[0].name} lacks {missing}"
        assert wheel.read("mockserver/_bundled/spec/openapi.yaml") == MAIN_SPEC.read_bytes(), (
            "the bundled spec differs from spec/openapi.yaml"
        )
