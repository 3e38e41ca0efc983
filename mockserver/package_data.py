"""Where the contract and the default fixtures live, in a checkout or in an installed package.

In a source checkout they sit at the top of the repository (``spec/`` and ``fixtures/``); in an
installed wheel they are bundled inside the package under ``mockserver/_bundled/``. Every other
module asks here instead of guessing paths.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE_DIR / "_bundled"
_REPO_ROOT = _PACKAGE_DIR.parent


def _locate(name: str) -> Path:
    bundled = _BUNDLED / name
    if bundled.is_dir():
        return bundled
    return _REPO_ROOT / name


def spec_dir() -> Path:
    """Folder holding ``openapi.yaml`` (and any companion specs)."""
    return _locate("spec")


def spec_path() -> Path:
    """The hand-written Pixxel contract."""
    return spec_dir() / "openapi.yaml"


def default_fixtures_dir() -> Path:
    """Folder holding the default, generated fixture data set."""
    return _locate("fixtures")
