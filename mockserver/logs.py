"""The mock's log output: text or JSON lines, and the access log (one line per request).

An access line names the client, method, path and query (signature values hidden), status,
latency, operationId and the first characters of the workspace id; never a header, a body or an
API key.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

ACCESS = logging.getLogger("pixxel_mock.access")
FORMATS = ("text", "json")
_FIELDS = "pixxel_access"


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, _FIELDS, {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonLines()
    return logging.Formatter("%(levelname)s:     %(message)s")


def uvicorn_config(log_level: str, log_format: str) -> dict[str, Any]:
    """A logging configuration for ``uvicorn.run``: its loggers and the mock's, one format."""
    factory = "mockserver.logs.JsonLines" if log_format == "json" else None
    fmt: dict[str, Any] = (
        {"()": factory} if factory else {"format": "%(levelname)s:     %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "stream": "ext://sys.stdout",
    }
    level = log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": fmt},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "pixxel_mock": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }


def banner(text: str, log_format: str) -> None:
    """The start-up banner: as is for people, as one record for machines."""
    if log_format == "json":
        record = logging.LogRecord("pixxel_mock", logging.INFO, __file__, 0, "", None, None)
        record.msg = " | ".join(line.strip() for line in text.splitlines())
        text = JsonLines().format(record)
    print(text, file=sys.stdout, flush=True)


def access_enabled() -> bool:
    return ACCESS.isEnabledFor(logging.INFO)


def access(
    *,
    client: str,
    method: str,
    target: str,
    status: int | None,
    latency_ms: float,
    operation_id: str | None,
    workspace: str | None,
) -> None:
    if not ACCESS.isEnabledFor(logging.INFO):
        return
    fields = {
        "client": client,
        "method": method,
        "target": target,
        "status": status,
        "latency_ms": round(latency_ms, 3),
        "operation_id": operation_id,
        "workspace": workspace[:8] if workspace else None,
    }
    shown = "dropped" if status is None else status
    ACCESS.info(
        '%s "%s %s" %s %.1fms %s ws=%s',
        client,
        method,
        target,
        shown,
        latency_ms,
        operation_id or "-",
        fields["workspace"] or "-",
        extra={_FIELDS: fields},
    )
