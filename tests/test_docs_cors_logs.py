"""Interactive docs, CORS and the access log, against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from mockserver.routes import routes
from mockserver.testing import pixxel_mock
from tests.live_server import free_port
from tests.support import s3_store_body

ORIGIN = "http://app.example"


@pytest.mark.parametrize(
    ("page", "spec_url"), [("/docs/", "/openapi.json"), ("/_mock/docs/", "/_mock/openapi.json")]
)
def test_docs_pages_are_served_whole_from_the_package(page, spec_url):
    with pixxel_mock() as mock:
        html = requests.get(mock.url(page), timeout=10)
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert f'url: "{spec_url}"' in html.text
        # Nothing is fetched from elsewhere: every script and style is relative to the page.
        assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert assets and all(a.startswith("./") for a in assets), assets
        assert not re.search(r"https?://(?!127\.0\.0\.1)", html.text)
        for asset in assets:
            fetched = requests.get(mock.url(page + asset[2:]), timeout=10)
            assert fetched.status_code == 200 and fetched.content, asset
        spec = requests.get(mock.url(spec_url), timeout=10).json()
        assert spec["paths"]
        # "Try it out" talks to the mock itself, not to the live API.
        assert all(not s["url"].startswith("https://api.") for s in spec.get("servers", []))


def _concrete(template: str) -> str:
    if template.startswith("/_mock/files/"):
        return "/_mock/files/" + "0" * 32 + "/00000000-0000-4000-8000-000000000000.zip"
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", template)


def test_cors_preflight_is_answered_for_every_route():
    with pixxel_mock(cors_origins=f"{ORIGIN}, http://other.example") as mock:
        for route in routes():
            answer = requests.options(
                mock.url(_concrete(route.template)),
                headers={
                    "Origin": ORIGIN,
                    "Access-Control-Request-Method": route.method,
                    "Access-Control-Request-Headers": "authorization, content-type, prefer",
                },
                timeout=10,
            )
            where = f"{route.method} {route.template}"
            assert answer.status_code == 200, where
            assert answer.headers["access-control-allow-origin"] == ORIGIN, where
            assert route.method in answer.headers["access-control-allow-methods"], where
            allowed = answer.headers["access-control-allow-headers"].lower()
            assert "authorization" in allowed and "prefer" in allowed, where
        refused = requests.options(
            mock.url("/v0/stores"),
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
            timeout=10,
        )
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers


def test_cors_headers_ride_on_answers_and_injected_errors():
    with pixxel_mock(cors_origins="*") as mock:
        headers = {**mock.headers, "Origin": ORIGIN}
        ok = requests.get(mock.url("/v0/stores"), headers=headers, timeout=10)
        assert ok.headers["access-control-allow-origin"] == "*"
        mock.fault(operation_id="ListStores", effect="error", status=429)
        limited = requests.get(mock.url("/v0/stores"), headers=headers, timeout=10)
        assert limited.status_code == 429
        assert limited.headers["access-control-allow-origin"] == "*"
        assert "retry-after" in limited.headers["access-control-expose-headers"].lower()


def test_cors_is_off_by_default():
    with pixxel_mock() as mock:
        answer = requests.options(
            mock.url("/v0/stores"),
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
            timeout=10,
        )
        assert answer.status_code == 405
        assert "access-control-allow-origin" not in answer.headers


def _serve_and_collect(*flags: str, requests_to_send) -> list[str]:
    """Run ``pixxel-mock serve`` with ``flags``, send requests, stop it, return its output."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXXEL_MOCK_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                if requests.get(f"{base}/ping", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the mock did not start"
            time.sleep(0.05)
        requests_to_send(base)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    return output.splitlines()


KEY = "Bearer access-log-key-0123456789"
SECRET = "AKIA-NEVER-LOGGED-42"


def _traffic(base: str) -> None:
    body = s3_store_body("logged")
    body["secrets"]["access_key_id"] = SECRET
    requests.post(f"{base}/v0/stores", json=body, headers={"Authorization": KEY}, timeout=10)
    requests.get(f"{base}/v0/projects?page_size=2", headers={"Authorization": KEY}, timeout=10)


@pytest.mark.slow
def test_access_log_writes_one_json_object_per_request_and_no_secret():
    lines = _serve_and_collect("--log-format", "json", requests_to_send=_traffic)
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    access = [r for r in records if r["logger"] == "pixxel_mock.access"]
    assert [(r["method"], r["status"], r["operation_id"]) for r in access] == [
        ("GET", 200, "Ping"),
        ("POST", 200, "CreateStore"),
        ("GET", 200, "ListProjects"),
    ]
    assert access[2]["target"] == "/v0/projects?page_size=2"
    assert all(r["level"] == "info" for r in access)
    assert "/docs/" in records[0]["message"]  # the banner links the docs
    text = "\n".join(lines)
    assert SECRET not in text and "access-log-key" not in text


@pytest.mark.slow
def test_access_log_in_text_is_one_line_per_request():
    lines = _serve_and_collect(requests_to_send=_traffic)
    access = [line for line in lines if '"POST /v0/stores"' in line or '"GET /v0/' in line]
    assert len(access) == 2 and "CreateStore" in access[0] and " 200 " in access[0]
    assert "docs: http://localhost" in lines[2]
    text = "\n".join(lines)
    assert SECRET not in text and "access-log-key" not in text


@pytest.mark.slow
def test_access_log_is_quiet_above_info():
    lines = _serve_and_collect("--log-level", "warning", requests_to_send=_traffic)
    assert not [line for line in lines if "CreateStore" in line]
