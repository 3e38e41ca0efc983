"""Shared fixtures: one fixture set per session, a fresh app with a fake clock per test."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from mockserver.app import MockApp, create_app
from mockserver.data.loader import FixtureSet, load_fixtures
from mockserver.settings import Settings
from tests.support import CheckedClient, FakeTime, ResponseChecker

_keys = itertools.count(1)


@pytest.fixture(scope="session")
def fixture_set() -> FixtureSet:
    return load_fixtures()


@pytest.fixture(scope="session")
def checker() -> ResponseChecker:
    return ResponseChecker()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings, fixture_set: FixtureSet, fake_time: FakeTime) -> MockApp:
    return create_app(settings, fixtures=fixture_set, time_source=fake_time)


@pytest.fixture
def client(app: MockApp, checker: ResponseChecker) -> CheckedClient:
    """A client with its own API key (so its own workspace), checked against the spec."""
    return CheckedClient(app.test_client(), checker, f"test-key-{next(_keys)}")


@pytest.fixture
def catalogs(fixture_set: FixtureSet) -> list[dict[str, Any]]:
    return fixture_set.catalogs
