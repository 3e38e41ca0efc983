"""The default fixture data set: its deterministic generator and its validating loader.

``mockserver.data.generate`` writes ``fixtures/`` from a seed; ``mockserver.data.loader`` reads it
back at start-up, validating every record against the spec's component schemas. The loader's
names are re-exported here lazily, so running the generator does not import the spec machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.data.loader import FixtureError, FixtureSet, load_fixtures

__all__ = ["FixtureError", "FixtureSet", "load_fixtures"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mockserver.data import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
