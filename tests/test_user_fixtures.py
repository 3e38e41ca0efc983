"""pixxel-mock in users' own tests: the README's example, the pytest fixture, the context
manager, and plugins that never change a session's outcome."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mockserver.testing import MockError, pixxel_mock

ROOT = Path(__file__).resolve().parent.parent


def _run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in a fresh process, in ``folder``, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## In your own tests.*?```python\n(.*?)```", readme, re.S)
    assert found, "the README has no fixture example"
    return found.group(1)


@pytest.mark.slow
def test_readme_example_passes_with_the_fixture(tmp_path):
    example = _readme_example()
    assert len(example.strip().splitlines()) <= 15
    (tmp_path / "test_readme_example.py").write_text(example)
    run = _run_pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "warning" not in run.stdout.lower(), run.stdout


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("def test_ok():\n    assert True\n", 0),
        ("def test_bad():\n    assert False\n", 1),
        ("", 5),
    ],
)
@pytest.mark.slow
def test_the_plugin_never_changes_a_sessions_exit_status(tmp_path, body, expected):
    (tmp_path / "test_user.py").write_text(body)
    assert _run_pytest(tmp_path).returncode == expected
    assert _run_pytest(tmp_path, "-p", "no:pixxel_mock").returncode == expected


@pytest.mark.slow
def test_contract_kit_fixture_in_a_user_test_leaves_the_exit_status_alone(tmp_path):
    (tmp_path / "test_kit_user.py").write_text(
        "def test_uses_the_kit(pixxel_contract):\n"
        "    assert pixxel_contract.target.base_url.startswith('http://127.0.0.1')\n"
    )
    run = _run_pytest(tmp_path, "-p", "contract_tests.plugin")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 cases" not in run.stdout


@pytest.mark.slow
def test_scope_is_selectable(tmp_path):
    (tmp_path / "test_scoped.py").write_text(
        "seen = set()\n"
        "def test_one(pixxel_mock):\n    seen.add(pixxel_mock.base_url)\n"
        "def test_two(pixxel_mock):\n    seen.add(pixxel_mock.base_url)\n"
        "def test_count():\n    assert len(seen) == EXPECTED\n"
    )
    for scope, expected in (("module", 1), ("function", 2)):
        source = (tmp_path / "test_scoped.py").read_text()
        source = re.sub(r"^EXPECTED = \d+\n", "", source)
        (tmp_path / "test_scoped.py").write_text(f"EXPECTED = {expected}\n{source}")
        (tmp_path / "pytest.ini").write_text(f"[pytest]\npixxel_mock_scope = {scope}\n")
        run = _run_pytest(tmp_path)
        assert run.returncode == 0, f"{scope}: {run.stdout}{run.stderr}"


@pytest.mark.slow
def test_bad_scope_is_a_usage_error(tmp_path):
    (tmp_path / "test_x.py").write_text("def test_x(pixxel_mock):\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\npixxel_mock_scope = forever\n")
    run = _run_pytest(tmp_path)
    assert run.returncode != 0
    assert "pixxel_mock_scope" in run.stdout + run.stderr


def test_context_manager_hands_back_a_working_workspace():
    with pixxel_mock(seed=7, download_queue_seconds=0) as mock:
        assert mock.base_url.startswith("http://127.0.0.1:")
        stores = requests.get(mock.url("/v0/stores"), headers=mock.headers, timeout=10)
        assert stores.status_code == 200
        other = mock.workspace()
        assert other.api_key != mock.api_key
        frozen = mock.freeze()
        assert mock.now() == frozen
        moved = mock.advance(3600)
        assert moved > frozen and other.now() < moved
        assert mock.unfreeze() >= moved
        assert mock.override("download")["outcome"] == "failed"
        assert mock.fault(operation_id="ListStores", effect="error", status=500)["id"] == 1
        assert len(mock.faults()) == 1
        failed = requests.get(mock.url("/v0/stores"), headers=mock.headers, timeout=10)
        assert failed.status_code == 500
        assert [r["status"] for r in mock.requests(operation_id="ListStores")] == [200, 500]
        mock.reset()
        assert mock.faults() == [] and mock.requests() == []
        assert other.requests() == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{mock.base_url}/ping", timeout=2)


def test_context_manager_refuses_unknown_settings():
    with pytest.raises(TypeError, match="nonsense"), pixxel_mock(nonsense=1):
        pass
    with pytest.raises(TypeError), pixxel_mock(port=9999):
        pass


def test_control_errors_carry_the_envelope():
    with pixxel_mock() as mock, pytest.raises(MockError, match="INVALID_ARGUMENT"):
        mock.fault(operation_id="NoSuchOperation", effect="drop")


@pytest.mark.slow
def test_subprocess_mode_serves_the_same_api():
    with pixxel_mock(subprocess=True, seed=3) as mock:
        assert requests.get(mock.url("/v0/satellites"), headers=mock.headers, timeout=10).ok
        assert mock.requests(operation_id="List Satellites")[0]["status"] == 200
