"""Every knob of the kit, declared once.

Each knob is a ``pixxel-contract`` flag (``--base-url``), a pytest option (``--pixxel-base-url``)
and an environment variable (``PIXXEL_BASE_URL``). Precedence is always: flag or pytest option >
environment > default. Defaults that depend on the target (rate limit, request cap) stay ``None``
here and are resolved by :meth:`KitOptions.resolved_for` once the kit knows whether it talks to
the mock.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUITES = ("conformance", "stateful", "lifecycle")
PHASES = ("examples", "coverage", "fuzzing")

# Against a server that is not the mock: low and bounded unless the caller says otherwise.
LIVE_RATE_LIMIT = 2.0  # requests per second
LIVE_MAX_REQUESTS = 3000
LIVE_MAX_CREATES = 5  # per operation that creates something
# Against the mock: no rate limit, a generous cap that only stops a runaway run.
MOCK_MAX_REQUESTS = 50_000


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _parse_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]


def _parse_comma_list(text: str) -> list[str]:
    """Comma separated only: an operation id may hold a space ("List Satellites")."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _knob(
    default: Any,
    help: str,
    *,
    env: str,
    parse: Callable[[str], Any] = str,
    metavar: str | None = None,
    flag: bool = False,
    shown: str | None = None,
) -> Any:
    metadata = {"help": help, "env": env, "parse": parse, "metavar": metavar, "flag": flag}
    if shown is not None:
        metadata["shown"] = shown  # the default in words, for --help
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class KitOptions:
    base_url: str | None = _knob(
        None,
        "Server to test, e.g. https://api.pixxel.space. Without one the kit starts pixxel-mock"
        " itself on a free port.",
        env="PIXXEL_BASE_URL",
        metavar="URL",
        shown="start the mock",
    )
    api_key: str | None = _knob(
        None,
        "API key sent as the Authorization header. Needed for a server that is not the mock;"
        " against the mock a fresh key (a fresh workspace) is made up.",
        env="PIXXEL_API_KEY",
        metavar="KEY",
        shown="made up for the mock",
    )
    second_api_key: str | None = _knob(
        None,
        "A second API key, of another workspace, for the isolation property. Against the mock one"
        " is made up; against any other server the isolation property is skipped without it.",
        env="PIXXEL_SECOND_API_KEY",
        metavar="KEY",
        shown="made up for the mock",
    )
    allow_writes: bool = _knob(
        False,
        "Let the kit create (and delete) resources on a server that is not the mock. Without it"
        " the kit only reads. Always on against the mock.",
        env="PIXXEL_CONTRACT_ALLOW_WRITES",
        parse=_parse_bool,
        flag=True,
    )
    max_examples: int = _knob(
        8,
        "Generated cases per operation and generation mode (positive, negative), and scenarios"
        " per state machine.",
        env="PIXXEL_CONTRACT_MAX_EXAMPLES",
        parse=int,
        metavar="N",
    )
    seed: int = _knob(
        0,
        "Seed for all generated data; the same seed against the same server repeats a run.",
        env="PIXXEL_CONTRACT_SEED",
        parse=int,
        metavar="N",
    )
    rate_limit: float | None = _knob(
        None,
        f"Most requests per second (default: {LIVE_RATE_LIMIT:g} against a server that is not the"
        " mock, unlimited against the mock; 0 means unlimited).",
        env="PIXXEL_CONTRACT_RATE_LIMIT",
        parse=float,
        metavar="PER_SECOND",
    )
    max_requests: int | None = _knob(
        None,
        f"Most requests in the whole run (default: {LIVE_MAX_REQUESTS} against a server that is"
        f" not the mock, {MOCK_MAX_REQUESTS} against the mock). Running out fails the run.",
        env="PIXXEL_CONTRACT_MAX_REQUESTS",
        parse=int,
        metavar="N",
    )
    max_creates: int | None = _knob(
        None,
        f"Most create requests per operation (default: {LIVE_MAX_CREATES} against a server that"
        " is not the mock, unlimited against the mock); further cases for it are not sent.",
        env="PIXXEL_CONTRACT_MAX_CREATES",
        parse=int,
        metavar="N",
    )
    wait_timeout: float = _knob(
        600.0,
        "Longest wait, in seconds, for a download or delivery to finish on a server that is not"
        " the mock (the mock's clock is advanced instead of waiting).",
        env="PIXXEL_CONTRACT_WAIT_TIMEOUT",
        parse=float,
        metavar="SECONDS",
    )
    poll_interval: float = _knob(
        5.0,
        "Seconds between two polls while waiting on a server that is not the mock.",
        env="PIXXEL_CONTRACT_POLL_INTERVAL",
        parse=float,
        metavar="SECONDS",
    )
    request_timeout: float = _knob(
        30.0,
        "Seconds before one request times out.",
        env="PIXXEL_CONTRACT_REQUEST_TIMEOUT",
        parse=float,
        metavar="SECONDS",
    )
    prefix: str = _knob(
        "pxct-",
        "Prefix of the name of everything the kit creates, so it can be recognised (and cleaned"
        " up by hand if a run is killed).",
        env="PIXXEL_CONTRACT_PREFIX",
        metavar="TEXT",
    )
    suites: list[str] = _knob(
        list(SUITES),
        f"Suites to run, comma separated: {', '.join(SUITES)}.",
        env="PIXXEL_CONTRACT_SUITES",
        parse=_parse_list,
        metavar="LIST",
    )
    phases: list[str] = _knob(
        list(PHASES),
        "Generation phases of the conformance suite, comma separated: examples (the contract's"
        " examples), coverage (boundary values and every documented value), fuzzing (random"
        " cases).",
        env="PIXXEL_CONTRACT_PHASES",
        parse=_parse_list,
        metavar="LIST",
    )
    operations: list[str] = _knob(
        [],
        "Only these operation ids, comma separated (default: every operation of the contract).",
        env="PIXXEL_CONTRACT_OPERATIONS",
        parse=_parse_comma_list,
        metavar="LIST",
    )
    strict: bool = _knob(
        False,
        "Count findings that match a known, reported contract issue (see the report) as"
        " failures too.",
        env="PIXXEL_CONTRACT_STRICT",
        parse=_parse_bool,
        flag=True,
    )
    spec: Path | None = _knob(
        None,
        "The contract to test against (default: the spec/openapi.yaml shipped with pixxel-mock).",
        env="PIXXEL_CONTRACT_SPEC",
        parse=Path,
        metavar="PATH",
        shown="the bundled spec/openapi.yaml",
    )
    report_json: Path | None = _knob(
        None,
        "Also write the per-operation report as JSON to this file.",
        env="PIXXEL_CONTRACT_REPORT_JSON",
        parse=Path,
        metavar="FILE",
    )

    def replace(self, **changes: Any) -> KitOptions:
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        unknown = [s for s in self.suites if s not in SUITES]
        if unknown:
            raise ValueError(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
        if not self.suites:
            raise ValueError("no suite selected")
        unknown = [p for p in self.phases if p not in PHASES]
        if unknown:
            raise ValueError(f"unknown phase(s) {', '.join(unknown)}; known: {', '.join(PHASES)}")
        if not self.phases:
            raise ValueError("no phase selected")
        if self.max_examples < 1:
            raise ValueError("max_examples must be at least 1")
        if self.rate_limit is not None and self.rate_limit < 0:
            raise ValueError("rate_limit must be >= 0")
        if self.max_requests is not None and self.max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        if self.max_creates is not None and self.max_creates < 0:
            raise ValueError("max_creates must be >= 0")
        if self.wait_timeout <= 0 or self.poll_interval <= 0 or self.request_timeout <= 0:
            raise ValueError("timeouts and intervals must be positive")
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base URL must start with http:// or https://, not {self.base_url!r}")

    def effective_rate_limit(self, is_mock: bool) -> float | None:
        """Requests per second, or None for unlimited."""
        rate = self.rate_limit
        if rate is None:
            rate = None if is_mock else LIVE_RATE_LIMIT
        return rate or None

    def effective_max_creates(self, is_mock: bool) -> int | None:
        """Create requests allowed per operation, or None for unlimited."""
        if self.max_creates is not None:
            return self.max_creates
        return None if is_mock else LIVE_MAX_CREATES

    def effective_max_requests(self, is_mock: bool) -> int:
        if self.max_requests is not None:
            return self.max_requests
        return MOCK_MAX_REQUESTS if is_mock else LIVE_MAX_REQUESTS


def knobs() -> list[dataclasses.Field]:
    return list(dataclasses.fields(KitOptions))


def default_text(knob: dataclasses.Field) -> str | None:
    """The default as ``--help`` shows it; None when the knob's help already names it (defaults
    that depend on the target)."""
    if "shown" in knob.metadata:
        return knob.metadata["shown"]
    if knob.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = knob.default_factory()  # type: ignore[misc]
    else:
        value = knob.default
    if isinstance(value, list):
        return ",".join(value) if value else "all"
    if value is None:
        return None if "default:" in knob.metadata["help"] else "none"
    if value is False:
        return "off"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def cli_flag(knob: dataclasses.Field) -> str:
    return "--" + knob.name.replace("_", "-")


def pytest_flag(knob: dataclasses.Field) -> str:
    return "--pixxel-" + knob.name.replace("_", "-")


def from_sources(
    explicit: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> KitOptions:
    """Options from explicit values (None = not given), then the environment, then defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for knob in knobs():
        value = explicit.get(knob.name)
        if value is None or (knob.metadata["flag"] and value is False):
            raw = environ.get(knob.metadata["env"])
            if raw is not None and raw != "":
                try:
                    value = knob.metadata["parse"](raw)
                except ValueError as exc:
                    raise ValueError(f"{knob.metadata['env']}={raw!r}: {exc}") from None
        if value is not None:
            values[knob.name] = value
    options = KitOptions(**values)
    options.validate()
    return options
