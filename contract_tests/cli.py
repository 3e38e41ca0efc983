"""``pixxel-contract``: check the mock or the live Pixxel API against the contract.

    pixxel-contract                                   # starts the mock on a free port, tests it
    pixxel-contract --base-url https://api.pixxel.space --api-key "$PIXXEL_API_KEY"
    pixxel-contract --base-url ... --api-key ... --allow-writes --junit-xml report.xml

Runs the kit's pytest suites (conformance, stateful, lifecycle) in this process, prints one line
per operation (operation id, method and path, cases sent, failing checks) and exits 0 only when
everything conforms: 1 when something does not, 2 on a usage error, 3 when the target cannot be
tested, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contract_tests import __version__
from contract_tests import options as options_mod

SUITES_DIR = Path(__file__).resolve().parent / "suites"

NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TARGET, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixxel-contract",
        description="Check a Pixxel API server (pixxel-mock or the live API) against the"
        " contract, spec/openapi.yaml. Every option can also be set with the environment"
        " variable shown; a flag wins over the environment.",
        epilog="Against a server that is not the mock the kit only reads unless --allow-writes"
        " is given; see docs/contract-testing.md for what a run does.",
    )
    for knob in options_mod.knobs():
        help_text = f"{knob.metadata['help']} [env {knob.metadata['env']}]"
        if knob.metadata["flag"]:
            parser.add_argument(
                options_mod.cli_flag(knob),
                dest=knob.name,
                action="store_true",
                default=None,
                help=help_text,
            )
        else:
            parser.add_argument(
                options_mod.cli_flag(knob),
                dest=knob.name,
                default=None,
                type=knob.metadata["parse"],
                metavar=knob.metadata["metavar"],
                help=help_text,
            )
    parser.add_argument(
        "--junit-xml", type=Path, default=None, metavar="FILE", help="write a JUnit XML report"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show pytest's per-test output as well"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


class _GivenOptions:
    """Hands the options parsed here to the kit's plugin, ahead of any pytest option."""

    def __init__(self, options: options_mod.KitOptions) -> None:
        self.options = options

    def pytest_configure(self, config: Any) -> None:
        from contract_tests.plugin import OPTIONS_KEY

        config.stash[OPTIONS_KEY] = self.options


def pytest_arguments(options: options_mod.KitOptions, junit_xml: Path | None, verbose: bool):
    modules = [str(SUITES_DIR / f"test_{suite}.py") for suite in options.suites]
    args = [
        *modules,
        *("-c", str(SUITES_DIR / "pytest.ini"), "--rootdir", str(SUITES_DIR)),
        # Only the plugins the kit needs (others installed alongside would only slow it down),
        # and no assertion rewriting: the kit's findings carry their own messages.
        *("-p", "schemathesis.pytest.plugin", "-p", "contract_tests.plugin", "--assert=plain"),
        "--no-header",
        *(["-v", "--tb=short"] if verbose else ["-q", "--tb=no", "-rN"]),
    ]
    if junit_xml is not None:
        args += ["--junitxml", str(junit_xml), "-o", "junit_suite_name=pixxel-contract"]
    return args


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pixxel-contract"


def run(options: options_mod.KitOptions, *, junit_xml: Path | None = None, verbose=False) -> int:
    """Run the suites in this process; returns the exit code."""
    import pytest

    # Suite modules bind the kit when they are imported; a second run in one process needs them
    # imported afresh.
    for name in [m for m in sys.modules if m.startswith("contract_tests.suites.")]:
        del sys.modules[name]
    # Hypothesis keeps a cache (Unicode tables) on disk; not in the caller's working directory.
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache_dir() / "hypothesis"))
    autoload = os.environ.get(NO_AUTOLOAD)
    os.environ[NO_AUTOLOAD] = "1"
    try:
        code = pytest.main(
            pytest_arguments(options, junit_xml, verbose), plugins=[_GivenOptions(options)]
        )
    finally:
        if autoload is None:
            os.environ.pop(NO_AUTOLOAD, None)
        else:
            os.environ[NO_AUTOLOAD] = autoload
    if code == pytest.ExitCode.OK:
        return EXIT_OK
    if code in (pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        return EXIT_FAILED
    if code == pytest.ExitCode.INTERRUPTED:
        return EXIT_INTERRUPTED
    if code == pytest.ExitCode.USAGE_ERROR:
        return EXIT_TARGET
    return int(code)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["drift"]:  # `pixxel-contract drift ...`: compare with a published reference
        from contract_tests import drift

        return drift.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    explicit = {knob.name: getattr(args, knob.name) for knob in options_mod.knobs()}
    try:
        options = options_mod.from_sources(explicit)
    except ValueError as exc:
        parser.error(str(exc))
    return run(options, junit_xml=args.junit_xml, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
