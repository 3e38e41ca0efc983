"""What every room does alike with stored documents on their way out."""

from __future__ import annotations

from typing import Any

from mockserver import errors


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as the API shows it: without the mock's private ``_`` fields."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def name_taken(what: str, name: str) -> errors.ApiError:
    """The 409 for a store or AOI name already used in the workspace."""
    return errors.conflict(f"{what} named '{name}' already exists", field="name", name=name)
