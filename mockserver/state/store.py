"""The state store: every workspace's stores, deliveries, downloads and AOIs, in SQLite.

One implementation serves both deployments. Without a state file the database lives in this
process's memory; with one it is a WAL-mode file that several worker processes share and that
survives restarts. Each call is one short transaction, so a write through one worker is visible
to the next read through any other.

Documents are kept as JSON text next to the few columns that lists filter and order on. Fields of
a document whose name starts with ``_`` are private to the mock (timelines, secret key names) and
never leave through the API.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mockserver.clock import WorkspaceClock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    clock_offset REAL NOT NULL DEFAULT 0,
    frozen_at REAL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    workspace TEXT NOT NULL,
    kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (workspace, kind)
);
CREATE TABLE IF NOT EXISTS stores (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, name)
);
CREATE TABLE IF NOT EXISTS deliveries (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    catalog_id TEXT NOT NULL,
    task_id TEXT,
    order_item_id TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX IF NOT EXISTS deliveries_by_catalog ON deliveries (workspace, catalog_id);
CREATE TABLE IF NOT EXISTS downloads (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE TABLE IF NOT EXISTS aois (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    created REAL NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, name)
);
CREATE INDEX IF NOT EXISTS aois_by_created ON aois (workspace, created);
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace TEXT NOT NULL,
    kind TEXT NOT NULL,
    remaining INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    queue_seconds REAL,
    processing_seconds REAL
);
CREATE INDEX IF NOT EXISTS overrides_by_kind ON overrides (workspace, kind, id);
"""

_KINDS = ("stores", "deliveries", "downloads", "aois", "overrides")


class NameTaken(Exception):
    """A store or AOI name already used in the workspace."""


@dataclass(frozen=True)
class WorkspaceSeed:
    """What every new workspace starts with (copied from the fixtures)."""

    stores: Sequence[dict[str, Any]] = ()
    aois: Sequence[dict[str, Any]] = ()


def _dumps(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc).decode()


class StateStore:
    """All mutable state of the mock, behind one lock and one SQLite connection per process."""

    # Workspaces this process knows exist (a cache to skip a write); forgotten when it is full.
    KNOWN_WORKSPACES_KEPT = 65_536

    def __init__(self, path: Path | None, seed: WorkspaceSeed, id_seed: int) -> None:
        self._path = path
        self._seed = seed
        self._id_seed = id_seed
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._lock_file: Any = None
        self._owner = 0  # the process that opened ``_conn``
        with self._lock:
            self._connection()  # at once, so an unusable file fails before anything serves
        self._known: set[str] = set()
        self._signing_secret: bytes | None = None

    def _connection(self) -> sqlite3.Connection:
        """This process's connection (call with ``_lock`` held), opened on first use.

        SQLite connections must not cross ``os.fork``: a child that finds one opened by its
        parent refuses it, loudly, rather than write through it. A parent that forks workers
        calls :meth:`release` first, and each child then opens its own.
        """
        if self._conn is not None:
            if self._owner != os.getpid():
                raise RuntimeError(
                    f"the state store was opened by another process ({self._owner});"
                    " release() it before forking"
                )
            return self._conn
        if self._owner and self._path is None:
            raise RuntimeError("the state kept in memory was closed and is gone")
        target = str(self._path) if self._path is not None else ":memory:"
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None, timeout=10.0)
        if self._path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._lock_file = open(f"{self._path}.lock", "a+b")  # noqa: SIM115 - held till release
        conn.execute("PRAGMA busy_timeout=10000")
        conn.executescript(_SCHEMA)
        self._conn, self._owner = conn, os.getpid()
        return conn

    def release(self) -> None:
        """Close this process's connection and lock file; the next use opens them again.

        A server calls this before forking its workers, so that no child inherits either. State
        kept in memory cannot be released: it lives in the connection.
        """
        if self._path is None:
            raise RuntimeError("the state is kept in memory: releasing it would lose it")
        self._close()

    def close(self) -> None:
        """Close this process's connection and lock file (state kept in memory is then gone)."""
        self._close()

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            with self._writer_lock():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """Queue writers of a shared state file on an OS lock before SQLite sees them.

        SQLite makes a writer that finds the database locked sleep and retry, in steps of
        milliseconds; with several workers writing, those sleeps dominate. A blocking ``flock``
        wakes the next writer the moment the lock is free, and readers (WAL) never wait at all.
        """
        if self._lock_file is None:
            yield
            return
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    def signing_secret(self) -> bytes:
        """The secret that signs this state's download URLs: random, made on first use and
        kept with the state, so every worker sharing the file (and every restart) agrees."""
        if self._signing_secret is None:
            with self._tx() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('signing_secret', ?)",
                    (secrets.token_hex(32),),
                )
                (value,) = conn.execute(
                    "SELECT value FROM meta WHERE key = 'signing_secret'"
                ).fetchone()
            self._signing_secret = value.encode()
        return self._signing_secret

    # -- workspaces -------------------------------------------------------------------------

    def ensure_workspace(self, workspace: str, real_now: float) -> None:
        """Create and seed the workspace on first use (idempotent, safe across processes)."""
        if workspace in self._known:
            return
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO workspaces (id, created) VALUES (?, ?)",
                (workspace, real_now),
            )
            if cur.rowcount == 1:
                self._insert_seed(conn, workspace)
        if len(self._known) >= self.KNOWN_WORKSPACES_KEPT:
            self._known.clear()
        self._known.add(workspace)

    def _insert_seed(self, conn: sqlite3.Connection, workspace: str) -> None:
        for store in self._seed.stores:
            conn.execute(
                "INSERT INTO stores (workspace, id, name, body) VALUES (?, ?, ?, ?)",
                (workspace, store["id"], store["name"], _dumps(store)),
            )
        for aoi in self._seed.aois:
            conn.execute(
                "INSERT INTO aois (workspace, id, name, project_id, created, body)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    workspace,
                    aoi["aoi_id"],
                    aoi["name"],
                    aoi["project_id"],
                    aoi["_timeline"]["created"],
                    _dumps(aoi),
                ),
            )

    def reset_workspace(self, workspace: str) -> None:
        """Back to the freshly seeded state, clock included."""
        with self._tx() as conn:
            for table in (*_KINDS, "counters"):
                conn.execute(f"DELETE FROM {table} WHERE workspace = ?", (workspace,))
            conn.execute(
                "UPDATE workspaces SET clock_offset = 0, frozen_at = NULL WHERE id = ?",
                (workspace,),
            )
            self._insert_seed(conn, workspace)

    def clock(self, workspace: str) -> WorkspaceClock:
        rows = self._read(
            "SELECT clock_offset, frozen_at FROM workspaces WHERE id = ?", (workspace,)
        )
        if not rows:
            return WorkspaceClock()
        return WorkspaceClock(rows[0][0], rows[0][1])

    def update_clock(
        self, workspace: str, change: Callable[[WorkspaceClock], WorkspaceClock]
    ) -> WorkspaceClock:
        """Read, change and write the workspace's clock in one transaction (safe across workers)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT clock_offset, frozen_at FROM workspaces WHERE id = ?", (workspace,)
            ).fetchone()
            clock = change(WorkspaceClock(row[0], row[1]) if row else WorkspaceClock())
            conn.execute(
                "UPDATE workspaces SET clock_offset = ?, frozen_at = ? WHERE id = ?",
                (clock.offset, clock.frozen_at, workspace),
            )
        return clock

    def new_id(self, conn: sqlite3.Connection, workspace: str, kind: str) -> str:
        """A deterministic UUID: the same seed, workspace and creation order give the same id."""
        (n,) = conn.execute(
            "INSERT INTO counters (workspace, kind, n) VALUES (?, ?, 1)"
            " ON CONFLICT (workspace, kind) DO UPDATE SET n = n + 1 RETURNING n",
            (workspace, kind),
        ).fetchone()
        digest = hashlib.sha256(f"{self._id_seed}|{workspace}|{kind}|{n}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    # -- overrides ----------------------------------------------------------------------------

    def add_override(self, workspace: str, override: dict[str, Any]) -> dict[str, Any]:
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO overrides"
                " (workspace, kind, remaining, outcome, queue_seconds, processing_seconds)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    workspace,
                    override["kind"],
                    override["remaining"],
                    override["outcome"],
                    override.get("queue_seconds"),
                    override.get("processing_seconds"),
                ),
            )
            return {"id": cur.lastrowid, **override}

    def list_overrides(self, workspace: str) -> list[dict[str, Any]]:
        rows = self._read(
            "SELECT id, kind, remaining, outcome, queue_seconds, processing_seconds"
            " FROM overrides WHERE workspace = ? ORDER BY id",
            (workspace,),
        )
        keys = ("id", "kind", "remaining", "outcome", "queue_seconds", "processing_seconds")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def clear_overrides(self, workspace: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM overrides WHERE workspace = ?", (workspace,))

    def take_overrides(self, workspace: str, kind: str, n: int) -> list[dict[str, Any] | None]:
        """Use up to ``n`` pending overrides of ``kind``, oldest first (``None`` once used up)."""
        taken: list[dict[str, Any] | None] = []
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT id, remaining, outcome, queue_seconds, processing_seconds FROM overrides"
                " WHERE workspace = ? AND kind = ? ORDER BY id",
                (workspace, kind),
            ).fetchall()
            for row_id, remaining, outcome, queue, processing in rows:
                use = min(remaining, n - len(taken))
                if use <= 0:
                    break
                rule = {
                    "outcome": outcome,
                    "queue_seconds": queue,
                    "processing_seconds": processing,
                }
                taken.extend([rule] * use)
                if use == remaining:
                    conn.execute("DELETE FROM overrides WHERE id = ?", (row_id,))
                else:
                    conn.execute(
                        "UPDATE overrides SET remaining = ? WHERE id = ?", (remaining - use, row_id)
                    )
        return taken + [None] * (n - len(taken))

    # -- stores -----------------------------------------------------------------------------

    def insert_store(self, workspace: str, store: dict[str, Any]) -> str:
        """Insert ``store`` (without an id) under a new id, returned; :class:`NameTaken` if its
        name is in use (the id is then not spent)."""
        with self._tx() as conn:
            new_id = self.new_id(conn, workspace, "store")
            try:
                conn.execute(
                    "INSERT INTO stores (workspace, id, name, body) VALUES (?, ?, ?, ?)",
                    (workspace, new_id, store["name"], _dumps({"id": new_id, **store})),
                )
            except sqlite3.IntegrityError:
                raise NameTaken(store["name"]) from None
        return new_id

    def list_stores(self, workspace: str) -> list[dict[str, Any]]:
        rows = self._read(
            "SELECT body FROM stores WHERE workspace = ? ORDER BY rowid", (workspace,)
        )
        return [orjson.loads(body) for (body,) in rows]

    def get_store(self, workspace: str, store_id: str) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT body FROM stores WHERE workspace = ? AND id = ?", (workspace, store_id)
        )
        return orjson.loads(rows[0][0]) if rows else None

    def delete_store(self, workspace: str, store_id: str) -> bool:
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM stores WHERE workspace = ? AND id = ?", (workspace, store_id)
            )
            return cur.rowcount == 1

    # -- deliveries -------------------------------------------------------------------------

    def insert_deliveries(self, workspace: str, deliveries: Iterable[dict[str, Any]]) -> list[str]:
        """Insert each delivery (without an id) under a new id, all in one transaction; the ids
        in order."""
        ids = []
        with self._tx() as conn:
            for delivery in deliveries:
                new_id = self.new_id(conn, workspace, "delivery")
                conn.execute(
                    "INSERT INTO deliveries"
                    " (workspace, id, catalog_id, task_id, order_item_id, body)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        workspace,
                        new_id,
                        delivery["catalog_id"],
                        delivery.get("_task_id"),
                        delivery.get("_order_item_id"),
                        _dumps({"delivery_id": new_id, **delivery}),
                    ),
                )
                ids.append(new_id)
        return ids

    def list_deliveries(
        self, workspace: str, filters: dict[str, str | None]
    ) -> list[dict[str, Any]]:
        """Newest first; ``filters`` maps a column (id, catalog_id, task_id, order_item_id) to
        the value it must have (``None``: no filter)."""
        sql = "SELECT body FROM deliveries WHERE workspace = ?"
        params: list[Any] = [workspace]
        for column, value in filters.items():
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        sql += " ORDER BY rowid DESC"
        return [orjson.loads(body) for (body,) in self._read(sql, params)]

    def latest_deliveries_all(self, workspace: str) -> dict[str, dict[str, Any]]:
        """The most recent delivery of every catalog the workspace has delivered."""
        latest: dict[str, dict[str, Any]] = {}
        rows = self._read(
            "SELECT catalog_id, body FROM deliveries WHERE workspace = ? ORDER BY rowid DESC",
            (workspace,),
        )
        for catalog_id, body in rows:
            if catalog_id not in latest:
                latest[catalog_id] = orjson.loads(body)
        return latest

    def latest_deliveries(
        self, workspace: str, catalog_ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """The most recent delivery of each of ``catalog_ids`` that has one."""
        if not catalog_ids:
            return {}
        marks = ",".join("?" * len(catalog_ids))
        rows = self._read(
            f"SELECT catalog_id, body FROM deliveries WHERE workspace = ?"
            f" AND catalog_id IN ({marks}) ORDER BY rowid DESC",
            (workspace, *catalog_ids),
        )
        latest: dict[str, dict[str, Any]] = {}
        for catalog_id, body in rows:
            if catalog_id not in latest:
                latest[catalog_id] = orjson.loads(body)
        return latest

    # -- downloads --------------------------------------------------------------------------

    def insert_download(self, workspace: str, download: dict[str, Any]) -> str:
        """Insert ``download`` (without an id) under a new id, returned."""
        # Random, not derived from the seed: a download's id is part of its signed URL, so it
        # must be unguessable and never come back after a reset.
        new_id = str(uuid.uuid4())
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO downloads (workspace, id, body) VALUES (?, ?, ?)",
                (workspace, new_id, _dumps({"id": new_id, **download})),
            )
        return new_id

    def get_download(self, workspace: str, download_id: str) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT body FROM downloads WHERE workspace = ? AND id = ?", (workspace, download_id)
        )
        return orjson.loads(rows[0][0]) if rows else None

    # -- AOIs -------------------------------------------------------------------------------

    def insert_aoi(self, workspace: str, aoi: dict[str, Any]) -> str:
        """Insert ``aoi`` (without an id) under a new id, returned; :class:`NameTaken` if its
        name is in use (the id is then not spent)."""
        with self._tx() as conn:
            new_id = self.new_id(conn, workspace, "aoi")
            try:
                conn.execute(
                    "INSERT INTO aois (workspace, id, name, project_id, created, body)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        workspace,
                        new_id,
                        aoi["name"],
                        aoi["project_id"],
                        aoi["_timeline"]["created"],
                        _dumps({"aoi_id": new_id, **aoi}),
                    ),
                )
            except sqlite3.IntegrityError:
                raise NameTaken(aoi["name"]) from None
        return new_id

    def get_aoi(self, workspace: str, aoi_id: str) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT body FROM aois WHERE workspace = ? AND id = ?", (workspace, aoi_id)
        )
        return orjson.loads(rows[0][0]) if rows else None

    def query_aois(
        self,
        workspace: str,
        *,
        aoi_id: str | None = None,
        name_contains: str | None = None,
        project_ids: Sequence[str] | None = None,
        created_from: float | None = None,
        created_to: float | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """AOIs newest first, filtered in SQL; with ``limit`` only that page is read."""
        where = ["workspace = ?"]
        params: list[Any] = [workspace]
        if aoi_id is not None:
            where.append("id = ?")
            params.append(aoi_id)
        if name_contains is not None:
            where.append("instr(lower(name), ?) > 0")
            params.append(name_contains.lower())
        if project_ids:
            where.append(f"project_id IN ({','.join('?' * len(project_ids))})")
            params.extend(project_ids)
        if created_from is not None:
            where.append("created >= ?")
            params.append(created_from)
        if created_to is not None:
            where.append("created <= ?")
            params.append(created_to)
        clause = " AND ".join(where)
        (total,) = self._read(f"SELECT count(*) FROM aois WHERE {clause}", params)[0]
        sql = f"SELECT body FROM aois WHERE {clause} ORDER BY created DESC, rowid DESC"
        page_params = list(params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            page_params += [limit, offset]
        return [orjson.loads(body) for (body,) in self._read(sql, page_params)], total
