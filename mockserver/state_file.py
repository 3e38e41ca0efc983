"""Checking a state file before the mock serves from it.

A state file that cannot be used must stop the server at once, with one line that names the file,
rather than crash workers one request (or one respawn) at a time. The check runs once, in the
process that starts the server: the folder must exist and be writable, and an existing file must
be a readable, writable SQLite database that passes SQLite's own consistency check.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class StateFileError(Exception):
    """The state file cannot be used; the message names it and says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"state file {path}: {reason}")


def check(path: Path) -> None:
    """Raise :class:`StateFileError` unless ``path`` can hold the mock's state."""
    folder = path.parent
    if not folder.is_dir():
        raise StateFileError(path, f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StateFileError(path, f"the folder {folder} is not writable")
    if not path.exists():
        return
    if not path.is_file():
        raise StateFileError(path, "is not a regular file")
    if not os.access(path, os.R_OK | os.W_OK):
        raise StateFileError(path, "is not readable and writable")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=10.0)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StateFileError(path, f"is not a usable SQLite database ({exc})") from None
    # SQLite reports one problem per line, under a "*** in database main ***" heading.
    problems = [
        line.strip()
        for row in rows
        if row[0] != "ok"
        for line in str(row[0]).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise StateFileError(
            path,
            f"is damaged ({problems[0]}{more}); restore it from a copy or start with a new file",
        )
