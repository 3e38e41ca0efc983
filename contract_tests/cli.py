"""``pixxel-contract``: check the mock or the live Pixxel API against the contract.

    pixxel-contract                                   # starts the mock on a free port, tests it
    pixxel-contract --base-url https://api.pixxel.space --api-key "$PIXXEL_API_KEY"
    pixxel-contract --base-url ... --api-key ... --allow-writes --junit-xml report.xml

Runs the kit's pytest suites (conformance, stateful, lifecycle) in this process, prints one line
per operation (operation id, method and path, cases sent, failing checks) and exits 0 only when
everything conforms: 1 when something does not, 2 on a usage error (or without the packages of
the ``contract`` extra), 3 when the target cannot be reached, 4 when it does not answer as the
contract says (the preflight), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from contract_tests import __version__
from contract_tests import options as options_mod

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TARGET, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_PREFLIGHT = 4  # the target answers, but not as the contract says


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixxel-contract",
        description="Check a Pixxel API server (pixxel-mock or the live API) against the"
        " contract, spec/openapi.yaml. Every option can also be set with the environment"
        " variable shown; a flag wins over the environment.",
        epilog="Against a server that is not the mock the kit only reads unless --allow-writes"
        " is given; see docs/contract-testing.md for what a run does. Exit status: 0 conforms,"
        " 1 does not, 2 usage error, 3 target unreachable, 4 target does not answer as the"
        " contract says (preflight), 130 interrupted. Caches go to $PIXXEL_CONTRACT_CACHE_DIR"
        " (default: ~/.cache/pixxel-contract).",
    )
    for knob in options_mod.knobs():
        default = options_mod.default_text(knob)
        shown = f"; default: {default}" if default is not None else ""
        help_text = f"{knob.metadata['help']} [env {knob.metadata['env']}{shown}]"
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
        "--junit-xml",
        type=Path,
        default=None,
        metavar="FILE",
        help="write a JUnit XML report [default: none]",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show pytest's per-test output as well"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def run(options: options_mod.KitOptions, *, junit_xml: Path | None = None, verbose=False) -> int:
    """Run the suites in this process; returns the exit code (see contract_tests.runner)."""
    from contract_tests import runner

    return runner.run(options, junit_xml=junit_xml, verbose=verbose)


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
