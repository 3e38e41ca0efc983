"""``pixxel-mock``: serve the mock, or generate and check fixture data.

Every ``serve`` flag comes from :mod:`mockserver.settings`, so flags, ``PIXXEL_MOCK_*``
environment variables and defaults can never drift apart.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mockserver import logs
from mockserver import settings as settings_mod
from mockserver.settings import Settings, SettingsError

if TYPE_CHECKING:
    from mockserver.app import MockApp

# Connexion imports Starlette's test client at import time, which warns about httpx; that
# warning says nothing to someone running the mock.
warnings.filterwarnings("ignore", message=".*httpx.*")


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    for knob in settings_mod.knobs():
        flag = "--" + knob.name.replace("_", "-")
        kind = knob.type if isinstance(knob.type, str) else knob.type.__name__
        convert = int if kind.startswith("int") else float if kind.startswith("float") else str
        default = knob.default
        parser.add_argument(
            flag,
            dest=knob.name,
            type=Path if kind.startswith("Path") else convert,
            default=None,
            metavar=knob.metadata.get("metavar"),
            help=f"{knob.metadata['help']} [env {settings_mod.env_name(knob.name)};"
            f" default: {default if default is not None else 'unset'}]",
        )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pixxel-mock")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixxel-mock",
        description="A stateful mock of the Pixxel Earth-observation API.",
    )
    parser.add_argument("--version", action="version", version=f"pixxel-mock {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the mock server",
        description="Run the mock on HOST:PORT. Every option can also be set with the"
        " environment variable shown; a flag wins over the environment.",
    )
    _add_settings_flags(serve)

    fixtures = commands.add_parser("fixtures", help="generate or check fixture data")
    actions = fixtures.add_subparsers(dest="action", required=True, metavar="ACTION")
    generate = actions.add_parser(
        "generate", help="write a fixture data set, deterministic for a seed"
    )
    generate.add_argument("--seed", type=int, default=None, help="generator seed")
    generate.add_argument("--out", type=Path, default=None, help="output folder")
    check = actions.add_parser("check", help="validate a fixture folder against the spec")
    check.add_argument("dir", type=Path, nargs="?", default=None, help="fixture folder")
    _add_proxy_command(commands)
    return parser


class _Commands(Protocol):
    """What ``add_subparsers`` returns, as far as this module uses it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def _add_proxy_command(commands: _Commands) -> None:
    proxy = commands.add_parser(
        "proxy",
        help="forward to the live API and report where its traffic drifts from the contract",
        description="Forward every request unchanged to --upstream (the caller's key passes"
        " through and is never stored), check each request and answer against the contract, and"
        " report the drift per operation (GET /_mock/drift; JSON at --report on exit).",
    )
    proxy.add_argument("--upstream", required=True, metavar="URL", help="the API to forward to")
    proxy.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on [default: 127.0.0.1]"
    )
    proxy.add_argument("--port", type=int, default=8081, help="TCP port [default: 8081]")
    proxy.add_argument(
        "--report",
        type=Path,
        default=Path("pixxel-drift.json"),
        metavar="FILE",
        help="where the drift report is written when the proxy stops [default: pixxel-drift.json]",
    )
    proxy.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="DIR",
        help="also save every exchange, sanitised, and the records seen as fixture files"
        " [default: nothing is saved]",
    )
    proxy.add_argument(
        "--spec",
        type=Path,
        default=None,
        metavar="PATH",
        help="the contract [default: the bundled spec/openapi.yaml]",
    )
    proxy.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="longest wait for the upstream's answer [default: 60]",
    )


def _settings_from_args(args: argparse.Namespace) -> Settings:
    explicit = {k.name: getattr(args, k.name) for k in settings_mod.knobs()}
    return settings_mod.from_sources(explicit)


def _ready_to_serve(app: MockApp) -> MockApp:
    """Move everything built so far (spec, fixtures, indexes) out of the garbage collector's
    sight: a full collection would otherwise walk those long-lived objects again and again,
    pausing requests for tens of milliseconds."""
    gc.collect()
    gc.freeze()
    return app


def _banner(settings: Settings, started: float) -> str:
    shown_host = "localhost" if settings.host in ("127.0.0.1", "0.0.0.0", "::") else settings.host
    url = f"http://{shown_host}:{settings.port}"
    state = settings.state_file or "in memory"
    return (
        f"pixxel-mock serving the Pixxel API at {url}"
        f" ({settings.workers} worker{'s' if settings.workers > 1 else ''},"
        f" state: {state}, ready in {time.perf_counter() - started:.2f}s)\n"
        f"  try: curl -H 'Authorization: my-key' {url}/v0/stores\n"
        f"  contract: {url}/openapi.json   docs: {url}/docs/ and {url}/_mock/docs/"
        f"   stop: Ctrl+C"
    )


def serve(settings: Settings) -> int:
    from mockserver import server, state_file

    started = time.perf_counter()
    if settings.state_file is not None:
        state_file.check(settings.state_file)
    scratch: str | None = None
    if settings.workers > 1 and settings.state_file is None:
        # Worker processes can only share state through a file; keep it for this run only.
        scratch = tempfile.mkdtemp(prefix="pixxel-mock-")
        settings = settings.replace(state_file=Path(scratch) / "state.sqlite3")

    def announce() -> None:
        logs.banner(_banner(settings, started), settings.log_format)

    try:
        from mockserver.app import create_app

        app = _ready_to_serve(create_app(settings))
        if settings.workers == 1:
            return server.run_single(settings, app, announce)
        # Each worker opens its own connection to the state file: one cannot cross a fork.
        app.service.state.release()
        return server.run_workers(settings, app, announce)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "proxy":
        from mockserver.proxy.server import serve as serve_proxy

        return serve_proxy(
            args.upstream,
            host=args.host,
            port=args.port,
            report_path=args.report,
            record=args.record,
            spec=args.spec,
            timeout=args.timeout,
        )
    if args.command == "serve":
        try:
            settings = _settings_from_args(args)
        except SettingsError as exc:
            parser.error(str(exc))
        from mockserver import workers

        if settings.workers > 1 and not workers.available():
            parser.error("--workers above 1 needs os.fork (Linux), which this system lacks")
        from mockserver.data.loader import FixtureError
        from mockserver.state_file import StateFileError

        try:
            return serve(settings)
        except FixtureError as exc:
            print(f"pixxel-mock: bad fixture data: {exc}", file=sys.stderr)
            return 2
        except StateFileError as exc:
            print(f"pixxel-mock: {exc}", file=sys.stderr)
            return 2
    if args.action == "generate":
        from mockserver.data import generate

        argv_gen = []
        if args.seed is not None:
            argv_gen += ["--seed", str(args.seed)]
        if args.out is not None:
            argv_gen += ["--out", str(args.out)]
        return generate.main(argv_gen) or 0
    from mockserver.data.loader import FixtureError, load_fixtures

    try:
        fixtures = load_fixtures(args.dir)
    except FixtureError as exc:
        print(f"pixxel-mock: {exc}", file=sys.stderr)
        return 1
    print(
        f"fixtures OK: {len(fixtures.catalogs)} catalogs, {len(fixtures.order_items)} order items,"
        f" {len(fixtures.projects)} projects, {len(fixtures.satellites)} satellites,"
        f" {len(fixtures.stores)} seed stores, {len(fixtures.aois)} seed AOIs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
