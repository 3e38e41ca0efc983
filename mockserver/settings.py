"""One Settings object for the whole mock.

Every knob is declared once, here, with its type, default and help text. The CLI builds its flags
from these declarations and reads ``PIXXEL_MOCK_<NAME>`` environment variables for anything not
given on the command line, so precedence is always: flag > environment > default.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "PIXXEL_MOCK_"

# Upper bounds that keep every setting meaningful: a phase longer than a year never ends in any
# test, a body over 256 MiB is not an API request, and more workers than this only thrash.
MAX_SECONDS = 31_536_000
MAX_BODY_BYTES = 256 * 1024 * 1024
MAX_WORKERS = 64


def _knob(default: Any, help: str, *, metavar: str | None = None) -> Any:
    return field(default=default, metadata={"help": help, "metavar": metavar})


@dataclass(frozen=True)
class Settings:
    host: str = _knob("127.0.0.1", "Interface to listen on.", metavar="HOST")
    port: int = _knob(8080, "TCP port to listen on.", metavar="PORT")
    workers: int = _knob(
        1, "Worker processes; with more than one they share state through SQLite.", metavar="N"
    )
    public_url: str | None = _knob(
        None,
        "Base URL clients reach the mock at, used in signed URLs (default: from each request's"
        " Host and X-Forwarded-* headers).",
        metavar="URL",
    )
    seed: int = _knob(
        1,
        "Seed for everything the mock makes up at run time (ids of created resources).",
        metavar="N",
    )
    fixtures: Path | None = _knob(
        None,
        "Folder of fixture data to serve instead of the bundled default data set.",
        metavar="DIR",
    )
    signing_secret: str | None = _knob(
        None,
        "Secret that signs download URLs (default: random, kept in the state file so every"
        " worker and restart agrees).",
        metavar="SECRET",
    )
    state_file: Path | None = _knob(
        None,
        "SQLite file that keeps workspaces across restarts; by default state lives in memory.",
        metavar="PATH",
    )
    download_queue_seconds: float = _knob(
        2.0, "Seconds a new download stays 'created' before it is 'in_progress'.", metavar="S"
    )
    download_processing_seconds: float = _knob(
        3.0, "Seconds a download stays 'in_progress' before it ends.", metavar="S"
    )
    delivery_queue_seconds: float = _knob(
        2.0, "Seconds a new delivery stays CREATED before it is IN_PROGRESS.", metavar="S"
    )
    delivery_processing_seconds: float = _knob(
        5.0, "Seconds a delivery stays IN_PROGRESS before it ends.", metavar="S"
    )
    aoi_queue_seconds: float = _knob(
        1.0, "Seconds a new AOI stays 'started' before it is 'running'.", metavar="S"
    )
    aoi_processing_seconds: float = _knob(
        5.0, "Seconds an AOI stays 'running' (progress 0 to 100) before 'success'.", metavar="S"
    )
    request_timeout_seconds: float = _knob(
        30.0,
        "Seconds a client has to send a whole request (headers and body); slower ones get 408.",
        metavar="S",
    )
    shutdown_timeout_seconds: float = _knob(
        5.0,
        "Seconds a graceful stop (SIGTERM, Ctrl+C) waits for requests in flight.",
        metavar="S",
    )
    max_body_bytes: int = _knob(
        1_048_576, "Largest request body accepted; larger ones get 413.", metavar="BYTES"
    )
    log_level: str = _knob("info", "Log level: debug, info, warning or error.", metavar="LEVEL")
    log_format: str = _knob(
        "text", "Log format: text, or json (one object per line).", metavar="FORMAT"
    )
    cors_origins: str | None = _knob(
        None,
        "Origins allowed to call the mock from a browser, comma-separated, or '*' (default: no"
        " CORS).",
        metavar="ORIGINS",
    )

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def knobs() -> list[dataclasses.Field[Any]]:
    """The declared settings, in declaration order."""
    return list(dataclasses.fields(Settings))


def env_name(knob_name: str) -> str:
    return ENV_PREFIX + knob_name.upper()


def _convert(knob: dataclasses.Field[Any], raw: str) -> Any:
    kind = knob.type if isinstance(knob.type, str) else knob.type.__name__
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return float(raw)
    if kind.startswith("Path"):
        return Path(raw) if raw else None
    return raw


class SettingsError(ValueError):
    """A setting's value could not be understood."""


def from_sources(
    explicit: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from explicit values (e.g. CLI flags), then the environment, then defaults."""
    explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for knob in knobs():
        if knob.name in explicit:
            values[knob.name] = explicit[knob.name]
            continue
        raw = environ.get(env_name(knob.name))
        if raw is None or raw == "":
            continue
        try:
            values[knob.name] = _convert(knob, raw)
        except ValueError as exc:
            raise SettingsError(f"{env_name(knob.name)}={raw!r}: {exc}") from None
    settings = Settings(**values)
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    if not 0 < settings.port < 65536:
        raise SettingsError(f"port must be between 1 and 65535, not {settings.port}")
    for knob in knobs():
        if knob.name.endswith("_seconds"):
            value = getattr(settings, knob.name)
            if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
                raise SettingsError(
                    f"{knob.name} must be a number of seconds from 0 to {MAX_SECONDS}, not {value}"
                )
    for name in ("request_timeout_seconds", "shutdown_timeout_seconds"):
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{name} must be more than 0")
    if not 1 <= settings.workers <= MAX_WORKERS:
        raise SettingsError(f"workers must be from 1 to {MAX_WORKERS}, not {settings.workers}")
    if settings.public_url is not None and not settings.public_url.startswith(
        ("http://", "https://")
    ):
        raise SettingsError(
            f"public_url must start with http:// or https://: {settings.public_url}"
        )
    if not 1024 <= settings.max_body_bytes <= MAX_BODY_BYTES:
        raise SettingsError(f"max_body_bytes must be from 1024 to {MAX_BODY_BYTES}")
    if settings.log_format not in {"text", "json"}:
        raise SettingsError(f"log_format must be text or json, not {settings.log_format!r}")
    if settings.log_level not in {"debug", "info", "warning", "error"}:
        raise SettingsError(
            f"log_level must be debug, info, warning or error, not {settings.log_level!r}"
        )
