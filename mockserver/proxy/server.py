"""Running the proxy: uvicorn on HOST:PORT until Ctrl+C or SIGTERM, then the report.

When the proxy stops it writes the drift report as JSON (``--report``) and prints its summary.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path

from mockserver.proxy.app import DRIFT_PATH, DriftProxy
from mockserver.proxy.contract import Contract
from mockserver.proxy.drift import DriftReport
from mockserver.proxy.record import Recorder


def serve(
    upstream: str,
    *,
    host: str,
    port: int,
    report_path: Path,
    record: Path | None = None,
    spec: Path | None = None,
    timeout: float = 60.0,
    log_level: str = "warning",
) -> int:
    import uvicorn

    if not upstream.startswith(("http://", "https://")):
        print(
            f"pixxel-mock proxy: --upstream must be an http(s) URL, not {upstream!r}",
            file=sys.stderr,
        )
        return 2
    report = DriftReport(upstream.rstrip("/"))
    recorder = Recorder(record) if record is not None else None
    app = DriftProxy(upstream, Contract(spec), report, recorder=recorder, timeout=timeout)
    # uvicorn handles SIGINT and SIGTERM while it runs and raises them again once it has stopped;
    # these handlers receive them then, so that the report is written and the exit is clean.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    print(
        f"pixxel-mock proxy: http://{shown}:{port} -> {upstream}; every exchange is checked"
        f" against the contract; drift at http://{shown}:{port}{DRIFT_PATH}; stop: Ctrl+C",
        flush=True,
    )
    try:
        config = uvicorn.Config(
            app, host=host, port=port, log_level=log_level, access_log=False, lifespan="on"
        )
        uvicorn.Server(config).run()
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)
        if recorder is not None:
            recorder.close()
        report.write(report_path)
        print(report.summary(), flush=True)
        print(f"pixxel-mock proxy: drift report written to {report_path}", flush=True)
    return 0
