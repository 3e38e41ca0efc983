"""The ``pixxel_mock`` pytest fixture, registered through the package's ``pytest11`` entry point.

Installing pixxel-mock makes the fixture available to every test suite. The plugin only adds
the fixture and two ini options; it starts nothing until a test asks for the fixture and never
touches a session's outcome. ``-p no:pixxel_mock`` switches it off.

Options (``pytest.ini`` / ``pyproject.toml``):

- ``pixxel_mock_scope``: ``function`` (default: a new mock and workspace per test), ``module``,
  ``package`` or ``session``;
- ``pixxel_mock_subprocess``: ``true`` runs ``pixxel-mock serve`` in a child process instead of
  a thread of the test process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest

FixtureScope = Literal["function", "class", "module", "package", "session"]
SCOPES: tuple[FixtureScope, ...] = ("function", "class", "module", "package", "session")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "pixxel_mock_scope",
        "scope of the pixxel_mock fixture: function (default), class, module, package or session",
        default="function",
    )
    parser.addini(
        "pixxel_mock_subprocess",
        "run the pixxel_mock fixture's mock in a child process instead of a thread",
        type="bool",
        default=False,
    )


def _scope(fixture_name: str, config: pytest.Config) -> FixtureScope:
    scope = str(config.getini("pixxel_mock_scope")).strip() or "function"
    for known in SCOPES:
        if scope == known:
            return known
    raise pytest.UsageError(f"pixxel_mock_scope must be one of {', '.join(SCOPES)}: {scope!r}")


@pytest.fixture(scope=_scope)
def pixxel_mock(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A running pixxel-mock and a workspace of its own (:class:`mockserver.testing.MockHandle`):
    ``base_url``, ``api_key``, ``headers``, ``advance``/``freeze``, ``override``, ``fault``,
    ``requests`` and ``reset``."""
    from mockserver.testing import pixxel_mock as run

    with run(subprocess=bool(request.config.getini("pixxel_mock_subprocess"))) as handle:
        yield handle
