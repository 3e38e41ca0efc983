"""Load test: the mock (one worker, then two) against Prism 5 on the same contract, with wrk.

Starts each server the way its users do (``pixxel-mock serve``, ``pixxel-mock serve --workers 2``
and ``prism mock spec/openapi.yaml``), then drives the same request mix against each with wrk
(one wrk run per route, connection level and server, alternating servers so drift hits all
alike) and prints, per connection level, requests/s, p50 and p99 latency and non-2xx answers for
each server and the ratio mock / Prism; then the start-up time to the first 200 on /ping (median
of several starts) and the peak resident memory under load.

    python bench/loadtest.py [--quick] [--duration 10] [--connections 1,8,32]
                             [--routes stores,search,...] [--targets mock,prism,mock2]
                             [--json-out results.json]

The default run is 54 wrk runs of 10 s plus warm-ups and start-ups: about 10 minutes on a quiet
machine; ``--quick`` (1 s runs) takes about 1.5 minutes. The CPU time other processes use during
each run is measured; a run they disturbed (over 10 % of the CPUs) is run again (``--retries``)
and flagged if it stays disturbed.

Installs what it needs if missing: wrk with apt-get (the Debian package), Prism with
``npm ci --prefix tools/node`` (the version pinned in tools/node/package-lock.json). The Lua
scripts in bench/lua set each route's method, headers and body and print wrk's figures as one
JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "lua"
SPEC = ROOT / "spec" / "openapi.yaml"
NODE_DIR = ROOT / "tools" / "node"
PRISM = NODE_DIR / "node_modules" / ".bin" / "prism"

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A run during which other processes used more than this share of the CPUs is flagged.
BUSY_PERCENT = 10.0

API_KEY = "bench-key"
# Prism is stateless and answers GetDownloadById from the spec's example whatever the id.
PRISM_DOWNLOAD_ID = "5d0f8c3b-9e2a-4b71-8c46-a3e9f1d2b605"
SEARCH_FILTERS = {"datetime": "2023-01-01T00:00:00Z/..", "bbox": [60, 5, 100, 40]}
STORE_BODY = {
    "type": "S3",
    "configs": {"bucket": "bench-bucket", "region": "ap-south-1", "path_prefix": "bench/"},
    "secrets": {"access_key_id": "AKIABENCHMARK", "secret_access_key": "bench-secret"},
}


@dataclass(frozen=True)
class Route:
    key: str
    label: str
    method: str
    path: str  # may hold {download_id}
    script: str
    body: dict[str, Any] | None = None  # for the preflight request (the Lua script has its own)


ROUTES = [
    Route("stores", "GET /v0/stores", "GET", "/v0/stores", "get.lua"),
    Route("search", "POST /v0/catalogs/search", "POST", "/v0/catalogs/search", "search.lua", {}),
    Route(
        "search-filters",
        "POST /v0/catalogs/search (filters)",
        "POST",
        "/v0/catalogs/search",
        "search_filters.lua",
        SEARCH_FILTERS,
    ),
    Route(
        "download",
        "GET /v0/catalogs/download/{id}",
        "GET",
        "/v0/catalogs/download/{download_id}",
        "get.lua",
    ),
    Route("aois", "GET /v0/aois?limit=10", "GET", "/v0/aois?limit=10", "get.lua"),
    Route(
        "create-store",
        "POST /v0/stores",
        "POST",
        "/v0/stores",
        "create_store.lua",
        {"name": "bench-preflight", **STORE_BODY},
    ),
]
ROUTES_BY_KEY = {r.key: r for r in ROUTES}

TARGET_LABELS = {
    "mock": "pixxel-mock serve (1 worker)",
    "prism": "prism mock (Prism 5, static examples)",
    "mock2": "pixxel-mock serve --workers 2",
}


def say(message: str = "") -> None:
    print(message, flush=True)


# -- tools ------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is not installed: installing the Debian package with apt-get (needs root or sudo)")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            sys.exit("wrk is missing and this is not root: run 'apt-get install -y wrk' first")
        prefix = ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "-q", "update"], ["apt-get", "-q", "install", "-y", "wrk"]):
        if subprocess.run(prefix + command, env=env).returncode != 0:
            sys.exit(f"'{' '.join(command)}' failed: install wrk yourself and run again")
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk still not found after apt-get install wrk")
    return found


def ensure_prism() -> Path:
    if PRISM.exists():
        return PRISM
    if not shutil.which("npm"):
        sys.exit("Prism is not installed and npm was not found: install Node.js 20 with npm")
    say(f"Prism is not installed: npm ci --prefix {NODE_DIR.relative_to(ROOT)} (pinned versions)")
    command = ["npm", "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"]
    command += ["--ignore-scripts", "--loglevel=error"]
    if subprocess.run(command).returncode != 0 or not PRISM.exists():
        sys.exit("npm ci failed; try: bash scripts/setup.sh")
    return PRISM


def mock_command() -> list[str]:
    beside = Path(sys.executable).parent / "pixxel-mock"
    found = str(beside) if beside.exists() else shutil.which("pixxel-mock")
    if not found:
        sys.exit("pixxel-mock not found: run 'bash scripts/setup.sh' and activate .venv")
    return [found, "serve"]


def command_for(target: str, port: int) -> list[str]:
    if target == "prism":
        return [str(PRISM), "mock", str(SPEC), "-p", str(port), "-h", "127.0.0.1"]
    workers = ["--workers", "2"] if target == "mock2" else []
    return [*mock_command(), "--host", "127.0.0.1", "--port", str(port), *workers]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def version_of(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "?"


# -- servers ----------------------------------------------------------------------------------


def _process_group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _status_kb(pid: int, key: bytes) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """One server process (and its children) in its own process group."""

    def __init__(self, target: str, log_dir: Path) -> None:
        self.target = target
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{target}-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.peak_rss_kb = 0
        self._members: list[int] = []
        self._members_at = 0.0

    def start(self, timeout: float = 60.0) -> float:
        """Spawn the server; seconds from spawn to the first 200 on /ping."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            command_for(self.target, self.port),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.target} exited early:\n{self.log_tail()}")
            if ping(self.port):
                return time.perf_counter() - started
            time.sleep(0.005)
        raise RuntimeError(f"{self.target} did not answer /ping in {timeout:.0f}s")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        # Workers that outlived their parent would still be in the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None

    def members(self, fresh: bool = False) -> list[int]:
        """The processes of the server's process group (listed again every 2 s at most)."""
        if self.proc is None:
            return []
        now = time.monotonic()
        if fresh or now - self._members_at > 2.0:
            self._members = _process_group_members(self.proc.pid)
            self._members_at = now
        return self._members

    def rss_kb(self) -> int:
        """Resident memory of the whole process tree (the server's process group), in kB."""
        return sum(_status_kb(pid, b"VmRSS:") for pid in self.members())

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes."""
        ticks = 0
        for pid in self.members(fresh=True):
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / CLOCK_TICKS


def ping(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/ping")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def call(
    server: Server, method: str, path: str, body: Any = None, key: str = API_KEY
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Authorization": key}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far, all CPUs together."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class CpuWatch:
    """How much CPU processes other than the server, wrk and this script used meanwhile: a
    sign that something else on the machine disturbed a run."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.started = time.perf_counter()
        self.machine = machine_cpu_seconds()
        self.server_cpu = server.cpu_seconds()
        self.own = self.own_cpu_seconds()

    @staticmethod
    def own_cpu_seconds() -> float:
        """CPU time of this script and of its ended children (wrk)."""
        me = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has ended
        return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime

    def other_percent(self) -> float:
        """Other processes' CPU use since the start, in % of the machine's capacity."""
        wall = time.perf_counter() - self.started
        other = (
            machine_cpu_seconds()
            - self.machine
            - (self.server.cpu_seconds() - self.server_cpu)
            - (CpuWatch.own_cpu_seconds() - self.own)
        )
        return max(0.0, 100 * other / (wall * (os.cpu_count() or 1)))


class RssSampler(threading.Thread):
    """Samples the resident memory of the server under load every ``interval`` seconds."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.server: Server | None = None
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            server = self.server
            if server is not None:
                server.peak_rss_kb = max(server.peak_rss_kb, server.rss_kb())

    def stop(self) -> None:
        self._stop.set()


# -- wrk --------------------------------------------------------------------------------------


def run_wrk(
    wrk: str, url: str, script: str, args: list[str], connections: int, duration: int
) -> dict[str, Any]:
    command = [
        wrk,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA / script),
        url,
        "--",
        *args,
    ]
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    for line in out.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            return json.loads(line[len("WRK_RESULT ") :])
    raise RuntimeError(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Plan:
    routes: list[Route]
    targets: list[str]
    connections: list[int]
    duration: int
    warmup: int
    startup_runs: int
    retries: int
    results: list[dict[str, Any]] = field(default_factory=list)


def prepare(server: Server) -> dict[str, str]:
    """Per-server values the routes need: a download to poll."""
    if server.target == "prism":
        return {"download_id": PRISM_DOWNLOAD_ID}
    _, data = call(server, "POST", "/v0/catalogs/search", {"limit": 1})
    catalog_id = json.loads(data)["catalogs"][0]["id"]
    status, data = call(server, "POST", "/v0/catalogs/download", {"catalog_ids": [catalog_id]})
    if status != 201:
        raise RuntimeError(f"creating a download on {server.target} answered {status}: {data!r}")
    download_id = json.loads(data)["id"]
    # Past its queue and processing time, so every poll answers "success" with a signed URL
    # (Prism's example is a finished download too).
    call(server, "POST", "/_mock/clock/advance", {"seconds": 60})
    return {"download_id": download_id}


def preflight(server: Server, routes: list[Route], values: dict[str, str]) -> dict[str, Any]:
    """One request per route: its status and size, to show what the load runs will get."""
    seen = {}
    for route in routes:
        path = route.path.format(**values)
        body, key = route.body, API_KEY
        if route.key == "create-store":
            # Its own workspace, so that GET /v0/stores keeps listing the seed stores only.
            body, key = {**route.body, "name": f"bench-preflight-{time.time_ns()}"}, "bench-writes"
        status, data = call(server, route.method, path, body, key=key)
        seen[route.key] = {"status": status, "bytes": len(data)}
        if not 200 <= status < 300:
            say(f"  ! {server.target}: {route.label} answered {status}: {data[:200]!r}")
    return seen


def measure_startup(targets: list[str], runs: int, log_dir: Path) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {t: [] for t in targets}
    for run in range(runs):
        for target in targets:
            server = Server(target, log_dir)
            machine, own = machine_cpu_seconds(), CpuWatch.own_cpu_seconds()
            try:
                seconds = server.start()
                other = machine_cpu_seconds() - machine - server.cpu_seconds()
                other -= CpuWatch.own_cpu_seconds() - own
            finally:
                server.stop()
            other_percent = max(0.0, 100 * other / (seconds * (os.cpu_count() or 1)))
            samples[target].append(seconds)
            say(
                f"  start-up {run + 1}/{runs} {target:<5} {seconds:6.3f} s"
                " to the first 200 on /ping"
                + (
                    f"  (! other processes used {other_percent:.0f}% of the CPUs)"
                    if other_percent > BUSY_PERCENT
                    else ""
                )
            )
    return samples


def rotate(items: list[str], n: int) -> list[str]:
    n %= len(items)
    return items[n:] + items[:n]


def load_runs(plan: Plan, wrk: str, servers: dict[str, Server], values: dict[str, dict]) -> None:
    sampler = RssSampler()
    sampler.start()
    steps = [(route, c) for route in plan.routes for c in plan.connections]
    total = len(steps) * len(plan.targets)
    done = 0
    try:
        for step_no, (route, connections) in enumerate(steps):
            first_of_route = connections == plan.connections[0]
            for target in rotate(plan.targets, step_no):
                server = servers[target]
                url = server.base + route.path.format(**values[target])
                args = [API_KEY]
                if route.key == "create-store":
                    # A fresh workspace per connection level, so the step does not depend on
                    # how many stores earlier steps created; unique names within it (the
                    # attempt number is added below).
                    args = [f"bench-writes-c{connections}", f"b{step_no}-{target}"]
                if first_of_route and plan.warmup > 0:
                    warm_args = args if route.key != "create-store" else ["bench-warmup", target]
                    run_wrk(
                        wrk,
                        url,
                        route.script,
                        warm_args,
                        min(8, max(plan.connections)),
                        plan.warmup,
                    )
                sampler.server = server
                result: dict[str, Any] = {}
                again: dict[str, Any] = {}
                for attempt in range(plan.retries + 1):
                    if attempt:
                        say(
                            f"        {route.label} c={connections} {target}: other processes"
                            f" used {again['other_cpu_percent']:.0f}% of the CPUs; again"
                        )
                        time.sleep(2)
                    watch = CpuWatch(server)
                    run_args = args if len(args) == 1 else [args[0], f"{args[1]}-{attempt}"]
                    again = run_wrk(wrk, url, route.script, run_args, connections, plan.duration)
                    again["other_cpu_percent"] = round(watch.other_percent(), 1)
                    again["attempts"] = attempt + 1
                    if not result or again["other_cpu_percent"] < result["other_cpu_percent"]:
                        result = again
                    if result["other_cpu_percent"] <= BUSY_PERCENT:
                        break
                sampler.server = None
                server.peak_rss_kb = max(server.peak_rss_kb, server.rss_kb())
                done += 1
                result.update(route=route.key, label=route.label, target=target)
                result["connections"] = connections
                result["socket_errors"] = sum(
                    result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
                )
                plan.results.append(result)
                say(
                    f"[{done:>3}/{total}] {route.label:<34} c={connections:<3} {target:<5}"
                    f" {result['rps']:9.1f} req/s  p50 {result['p50_us'] / 1000:7.2f} ms"
                    f"  p99 {result['p99_us'] / 1000:7.2f} ms  non-2xx {result['non2xx']}"
                    + (
                        f"  socket errors {result['socket_errors']}"
                        if result["socket_errors"]
                        else ""
                    )
                    + (
                        f"  (! other processes used {result['other_cpu_percent']:.0f}% of the CPUs)"
                        if result["other_cpu_percent"] > BUSY_PERCENT
                        else ""
                    )
                )
    finally:
        sampler.stop()


# -- report -----------------------------------------------------------------------------------


def tables(plan: Plan) -> dict[int, list[dict[str, Any]]]:
    """Per connection level, one row per route: every target's figures and the ratios."""
    by_key = {(r["route"], r["connections"], r["target"]): r for r in plan.results}
    out: dict[int, list[dict[str, Any]]] = {}
    for connections in plan.connections:
        rows = []
        for route in plan.routes:
            row: dict[str, Any] = {"route": route.label}
            for target in plan.targets:
                result = by_key.get((route.key, connections, target))
                if result is None:
                    continue
                row[f"{target}_rps"] = round(result["rps"], 1)
                row[f"{target}_p50_ms"] = round(result["p50_us"] / 1000, 3)
                row[f"{target}_p99_ms"] = round(result["p99_us"] / 1000, 3)
                row[f"{target}_non2xx"] = result["non2xx"]
                row[f"{target}_socket_errors"] = result["socket_errors"]
                row[f"{target}_other_cpu_percent"] = result.get("other_cpu_percent", 0.0)
                row[f"{target}_bytes_per_response"] = round(
                    result["bytes"] / max(1, result["requests"])
                )
            prism = row.get("prism_rps")
            if prism:
                if "mock_rps" in row:
                    row["ratio"] = round(row["mock_rps"] / prism, 3)
                if "mock2_rps" in row:
                    row["ratio2"] = round(row["mock2_rps"] / prism, 3)
            rows.append(row)
        out[connections] = rows
    return out


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _rps(row: dict[str, Any], target: str) -> str:
    """Requests/s, starred when other processes disturbed the run."""
    star = "*" if row.get(f"{target}_other_cpu_percent", 0.0) > BUSY_PERCENT else ""
    return f"{row[f'{target}_rps']:.0f}{star}"


def print_tables(plan: Plan, table: dict[int, list[dict[str, Any]]]) -> None:
    shown = [t for t in ("mock", "prism", "mock2") if t in plan.targets]
    # (header, cell) pairs: route | mock rps | prism rps | ratio | mock2 rps | ratio2 | ...
    columns: list[tuple[str, Any]] = [("route", lambda r: r["route"])]
    for target in shown:
        columns.append((f"{target} rps", lambda r, t=target: _rps(r, t)))
        if target == "prism" and "mock" in shown:
            columns.append(("ratio", lambda r: _ratio(r.get("ratio"))))
        if target == "mock2" and "prism" in shown:
            columns.append(("ratio2", lambda r: _ratio(r.get("ratio2"))))
    for target in shown:
        columns.append(
            (
                f"{target} p50/p99 ms",
                lambda r, t=target: f"{r[f'{t}_p50_ms']:.2f} / {r[f'{t}_p99_ms']:.2f}",
            )
        )
    columns.append(
        (
            "non-2xx " + "/".join(shown),
            lambda r: "/".join(str(r[f"{t}_non2xx"]) for t in shown),
        )
    )
    socket_column = (
        "socket errors " + "/".join(shown),
        lambda r: "/".join(str(r[f"{t}_socket_errors"]) for t in shown),
    )
    for connections, rows in table.items():
        shown_columns = columns
        if any(row[f"{t}_socket_errors"] for row in rows for t in shown):
            shown_columns = [*columns, socket_column]
        header = [name for name, _ in shown_columns]
        lines = [header] + [[cell(row) for _, cell in shown_columns] for row in rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        say(
            f"\n{connections} connection{'s' if connections > 1 else ''}"
            f" (wrk -t{min(2, connections)} -c{connections} -d{plan.duration}s):"
        )
        for n, line in enumerate(lines):
            say(
                "  "
                + "  ".join(
                    cell.ljust(w) if i == 0 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(line, widths, strict=True))
                )
            )
            if n == 0:
                say("  " + "  ".join("-" * w for w in widths))
        if any(_rps(row, t).endswith("*") for row in rows for t in shown):
            say(
                f"  * other processes used more than {BUSY_PERCENT:.0f}% of the CPUs"
                " during that run"
            )


def target_checks(
    plan: Plan,
    table: dict[int, list[dict[str, Any]]],
    startup: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met."""
    checks = []
    for target, ratio_key, goal in (("mock", "ratio", 1.0), ("mock2", "ratio2", 1.5)):
        if target not in plan.targets or "prism" not in plan.targets:
            continue
        for connections, rows in table.items():
            if target == "mock2" and connections < 2:
                continue  # one connection keeps one worker busy: nothing for a second to do
            worst = min(rows, key=lambda r: r.get(ratio_key, 0.0))
            checks.append(
                {
                    "target": f"{target} >= {goal}x Prism req/s on every route, c={connections}",
                    "measured": f"{_ratio(worst.get(ratio_key))} (worst: {worst['route']})",
                    "met": worst.get(ratio_key, 0.0) >= goal,
                }
            )
    top = max(plan.connections)
    for target in ("mock", "mock2"):
        if target not in plan.targets:
            continue
        worst = max(table[top], key=lambda r: r[f"{target}_p99_ms"])
        checks.append(
            {
                "target": f"{target} p99 at {top} connections <= 25 ms",
                "measured": f"{worst[f'{target}_p99_ms']:.1f} ms (worst: {worst['route']})",
                "met": worst[f"{target}_p99_ms"] <= 25.0,
            }
        )
        if target in startup:
            checks.append(
                {
                    "target": f"{target} start-up to the first 200 on /ping <= 1 s",
                    "measured": f"{startup[target]['median_s']:.2f} s",
                    "met": startup[target]["median_s"] <= 1.0,
                }
            )
    return checks


def machine() -> dict[str, Any]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = _status_kb_meminfo()
    commit = version_of(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "git": commit + (" (modified)" if dirty else ""),
    }


def _status_kb_meminfo() -> int:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    return 0


# -- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds per wrk run (default: 10)"
    )
    parser.add_argument(
        "--connections", default="1,8,32", help="comma-separated levels (default: 1,8,32)"
    )
    parser.add_argument(
        "--routes",
        default=",".join(ROUTES_BY_KEY),
        help=f"comma-separated, from: {', '.join(ROUTES_BY_KEY)} (default: all)",
    )
    parser.add_argument(
        "--targets",
        default="mock,prism,mock2",
        help="comma-separated, from: mock, prism, mock2 (default: all three)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="seconds of unmeasured load per route and server (default: 2)",
    )
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=3,
        help="starts per server for the start-up median (default: 3)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=None,
        help=f"runs again a wrk run during which other processes used more than"
        f" {BUSY_PERCENT:.0f}%% of the CPUs, keeping the least disturbed (default: 2;"
        " 0 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 s per wrk run, 1 s warm-up, one start-up sample, no retries"
        " (about 1.5 minutes)",
    )
    parser.add_argument("--json-out", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.startup_runs = 1, 1, 1
    if args.retries is None:
        args.retries = 0 if args.quick else 2
    try:
        args.connections = [int(c) for c in args.connections.split(",") if c]
    except ValueError:
        parser.error("--connections takes numbers, e.g. 1,8,32")
    args.routes = [r for r in args.routes.split(",") if r]
    args.targets = [t for t in args.targets.split(",") if t]
    unknown = [r for r in args.routes if r not in ROUTES_BY_KEY]
    if unknown:
        parser.error(f"unknown route(s) {unknown}; known: {', '.join(ROUTES_BY_KEY)}")
    unknown = [t for t in args.targets if t not in TARGET_LABELS]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; known: {', '.join(TARGET_LABELS)}")
    if not args.connections or min(args.connections) < 1 or args.duration < 1:
        parser.error("--connections and --duration must be positive")
    return args


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan(
        routes=[ROUTES_BY_KEY[r] for r in args.routes],
        targets=args.targets,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        startup_runs=args.startup_runs,
        retries=args.retries,
    )
    # SIGTERM stops the run like Ctrl+C does: every server is stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)

    wrk = ensure_wrk()
    if "prism" in plan.targets:
        ensure_prism()
    meta = machine()
    meta["wrk"] = version_of([wrk, "--version"]).split(" Copyright")[0]
    if "prism" in plan.targets:
        meta["node"] = version_of(["node", "--version"])
        meta["prism"] = version_of([str(PRISM), "--version"])
    runs = len(plan.routes) * len(plan.connections) * len(plan.targets)
    estimate = runs * plan.duration + len(plan.routes) * len(plan.targets) * plan.warmup
    estimate += plan.startup_runs * len(plan.targets) * 2 + 10
    say(f"machine: {meta['cpu']}, {meta['cpus']} CPUs, {meta['memory_gib']} GiB; {meta['os']}")
    say(
        f"tools: {meta['wrk']}; Python {meta['python']}"
        + (f"; Prism {meta['prism']} on Node {meta['node']}" if "prism" in meta else "")
        + f"; git {meta['git']}"
    )
    say(
        f"plan: {len(plan.routes)} routes x {len(plan.connections)} connection levels x"
        f" {len(plan.targets)} servers = {runs} wrk runs of {plan.duration}s"
        f" (+{plan.warmup}s warm-up per route and server); about {estimate // 60} min"
        f" {estimate % 60} s"
    )
    for target in plan.targets:
        say(f"  {target:<5} = {TARGET_LABELS[target]}")
    if "prism" in plan.targets:
        say(
            "  Prism runs in its default static mode: it answers each operation's spec example"
            " and validates requests (401 without Authorization, 422 on an invalid body)."
        )

    before = machine_cpu_seconds()
    time.sleep(1.0)
    busy = 100 * (machine_cpu_seconds() - before) / (os.cpu_count() or 1)
    if busy > BUSY_PERCENT:
        say(f"  ! the machine is busy ({busy:.0f}% of the CPUs in use): figures will be noisy")

    started = time.perf_counter()
    servers: dict[str, Server] = {}
    startup: dict[str, dict[str, Any]] = {}
    preflights: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pixxel-bench-") as scratch:
        log_dir = Path(scratch)
        try:
            say(f"\nstart-up: median of {plan.startup_runs} start(s) per server")
            samples = measure_startup(plan.targets, plan.startup_runs, log_dir)
            startup = {
                t: {
                    "median_s": round(statistics.median(s), 3),
                    "samples_s": [round(x, 3) for x in s],
                }
                for t, s in samples.items()
            }
            say("\nstarting the servers for the load runs")
            values: dict[str, dict[str, str]] = {}
            for target in plan.targets:
                server = Server(target, log_dir)
                servers[target] = server
                seconds = server.start()
                values[target] = prepare(server)
                preflights[target] = preflight(server, plan.routes, values[target])
                say(
                    f"  {target:<5} on port {server.port}, ready in {seconds:.2f} s,"
                    f" idle RSS {server.rss_kb() / 1024:.0f} MB"
                )
            say("")
            load_runs(plan, wrk, servers, values)
        except KeyboardInterrupt:
            say("\ninterrupted: stopping the servers")
            return 130
        finally:
            for server in servers.values():
                server.stop()

    elapsed = time.perf_counter() - started
    table = tables(plan)
    print_tables(plan, table)
    say(
        "\nstart-up to the first 200 on /ping (median) and peak RSS under load"
        " (whole process tree, sampled every 0.2 s):"
    )
    for target in plan.targets:
        samples_text = ", ".join(f"{s:.2f}" for s in startup[target]["samples_s"])
        say(
            f"  {target:<5} start-up {startup[target]['median_s']:5.2f} s ({samples_text})"
            f"   peak RSS {servers[target].peak_rss_kb / 1024:6.0f} MB"
        )
    sizes = {
        route.key: {t: preflights[t][route.key]["bytes"] for t in plan.targets if t in preflights}
        for route in plan.routes
    }
    say(
        "\nresponse sizes (bytes, one request each): "
        + "; ".join(
            f"{ROUTES_BY_KEY[k].label}: " + "/".join(f"{t} {n}" for t, n in v.items())
            for k, v in sizes.items()
        )
    )
    disturbed = [r for r in plan.results if r["other_cpu_percent"] > BUSY_PERCENT]
    if disturbed:
        say(
            f"\n! {len(disturbed)} of {len(plan.results)} runs shared the machine with other"
            f" busy processes (> {BUSY_PERCENT:.0f}% of the CPUs; worst"
            f" {max(r['other_cpu_percent'] for r in disturbed):.0f}%): rerun on a quiet machine"
        )
    checks = target_checks(plan, table, startup)
    if checks:
        say("\ntargets (issues 5 and 12):")
        for check in checks:
            mark = "met    " if check["met"] else "NOT met"
            say(f"  [{mark}] {check['target']}: {check['measured']}")
    say(f"\ntotal time {elapsed / 60:.1f} min")

    if args.json_out:
        document = {
            "meta": meta,
            "config": {
                "duration_s": plan.duration,
                "warmup_s": plan.warmup,
                "connections": plan.connections,
                "routes": [r.key for r in plan.routes],
                "targets": {t: TARGET_LABELS[t] for t in plan.targets},
                "wrk_threads": "min(2, connections)",
            },
            "tables": {str(c): rows for c, rows in table.items()},
            "runs": plan.results,
            "startup": startup,
            "peak_rss_mb": {t: round(servers[t].peak_rss_kb / 1024, 1) for t in plan.targets},
            "preflight": preflights,
            "targets": checks,
            "elapsed_s": round(elapsed, 1),
        }
        args.json_out.write_text(json.dumps(document, indent=2) + "\n")
        say(f"results written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
