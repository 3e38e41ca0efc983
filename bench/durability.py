"""Acknowledged writes survive kill -9: the whole server killed midway through a write load.

Starts `pixxel-mock serve --workers N --state-file <tmp>` in its own process group and lets C
clients create stores as fast as they can (each on a keep-alive connection, spread over a few API
keys). Halfway through, the whole process group gets SIGKILL; the server is started again on the
same state file and the clients carry on. At the end every store whose creation was acknowledged
(a 200 with its id) must be listed by the restarted server, exactly once. Prints the figures and
exits 1 if any acknowledged write was lost or duplicated.

    python bench/durability.py [--duration 60] [--clients 32] [--workers 2] [--keys 8]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int, state: Path, workers: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port),
        "--workers", str(workers), "--state-file", str(state),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    line = process.stdout.readline()
    if "serving" not in line:
        raise SystemExit(f"the mock did not start: {line}{process.stdout.read()}")
    return process


def body(name: str) -> dict:
    return {
        "name": name,
        "type": "S3",
        "configs": {"bucket": "durable-bucket", "region": "ap-south-1"},
        "secrets": {"access_key_id": "AKIA", "secret_access_key": "s"},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load in all")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keys", type=int, default=8, help="API keys the clients share")
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    folder = tempfile.mkdtemp(prefix="pixxel-durability-")
    state = Path(folder) / "state.sqlite3"
    server = start(port, state, args.workers)

    acknowledged: list[tuple[str, str, str]] = []  # (key, store id, name)
    failures = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + args.duration

    def client(n: int) -> None:
        key = f"durability-{n % args.keys}"
        session = requests.Session()
        i = 0
        while time.monotonic() < stop_at:
            name = f"c{n}-{i}"
            i += 1
            try:
                response = session.post(
                    f"{base}/v0/stores", json=body(name), headers={"Authorization": key},
                    timeout=10,
                )  # fmt: skip
            except requests.RequestException:
                with lock:
                    failures["connection"] += 1
                session = requests.Session()
                time.sleep(0.05)
                continue
            if response.status_code == 200:
                with lock:
                    acknowledged.append((key, response.json()["id"], name))
            else:
                with lock:
                    failures[str(response.status_code)] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.duration / 2)
    with lock:
        before_kill = len(acknowledged)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    killed_at = time.monotonic()
    server = start(port, state, args.workers)
    restarted_in = time.monotonic() - killed_at
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    listed: Counter[tuple[str, str]] = Counter()
    for k in range(args.keys):
        key = f"durability-{k}"
        stores = requests.get(f"{base}/v0/stores", headers={"Authorization": key}, timeout=60)
        for store in stores.json()["stores"]:
            listed[(key, store["id"])] += 1
    lost = [a for a in acknowledged if listed[(a[0], a[1])] == 0]
    duplicated = [a for a in acknowledged if listed[(a[0], a[1])] > 1]
    names = Counter((a[0], a[2]) for a in acknowledged)
    twice = [n for n, count in names.items() if count > 1]

    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)

    print(f"load: {args.clients} clients, {args.keys} keys, --workers {args.workers}, "
          f"{elapsed:.1f} s, state file in WAL mode")  # fmt: skip
    print(f"kill -9 of the process group after {args.duration / 2:.0f} s; "
          f"restarted and serving again in {restarted_in:.2f} s")  # fmt: skip
    print(f"acknowledged writes: {len(acknowledged)} ({before_kill} before the kill)")
    print(f"failed attempts: {dict(failures) or 'none'}")
    print(f"lost: {len(lost)}   listed twice: {len(duplicated)}   name acknowledged twice: "
          f"{len(twice)}")  # fmt: skip
    return 1 if lost or duplicated or twice else 0


if __name__ == "__main__":
    sys.exit(main())
