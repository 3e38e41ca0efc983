"""One ``pixxel-contract`` run, from the target to the verdict and the exit status.

The target is reached (or the mock started) and checked by the preflight before pytest starts,
so that a target that cannot be tested stops the run with one line of its own. The suites then
run under pytest, quietly unless ``--verbose``, with a progress line; the report is printed after
pytest is done, so that the verdict is the very last line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from contract_tests import interrupt
from contract_tests import options as options_mod
from contract_tests.cli import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PREFLIGHT,
    EXIT_TARGET,
    EXIT_USAGE,
)

SUITES_DIR = Path(__file__).resolve().parent / "suites"
NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
# Where hypothesis and schemathesis may keep files; never the caller's working directory.
CACHE_ENV = "PIXXEL_CONTRACT_CACHE_DIR"

# The packages of the ``contract`` extra the kit cannot start without.
REQUIRED_MODULES = ("pytest", "hypothesis", "schemathesis", "requests")
INSTALL_HINT = 'pip install "pixxel-mock[contract]"'


def missing_modules() -> list[str]:
    import importlib.util

    missing = []
    for name in REQUIRED_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def cache_dir() -> Path:
    """``$PIXXEL_CONTRACT_CACHE_DIR``, else ``pixxel-contract`` in the user's cache folder
    (``$XDG_CACHE_HOME``, by default ``~/.cache``)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pixxel-contract"


@contextmanager
def _environment(changes: dict[str, str]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pytest_arguments(options: options_mod.KitOptions, junit_xml: Path | None, verbose: bool):
    modules = [str(SUITES_DIR / f"test_{suite}.py") for suite in options.suites]
    args = [
        *modules,
        *("-c", str(SUITES_DIR / "pytest.ini"), "--rootdir", str(SUITES_DIR)),
        # Only the plugins the kit needs (others installed alongside would only slow it down),
        # and no assertion rewriting: the kit's findings carry their own messages.
        *("-p", "schemathesis.pytest.plugin", "-p", "contract_tests.plugin", "--assert=plain"),
        # Quiet: the kit shows its own progress and report, and nothing of pytest's; output is
        # not captured, so that the progress line reaches the terminal while a test runs.
        *(["--no-header", "-v", "--tb=short"] if verbose else ["-p", "no:terminal", "-s"]),
    ]
    if junit_xml is not None:
        args += ["--junitxml", str(junit_xml.resolve()), "-o", "junit_suite_name=pixxel-contract"]
    return args


class _GivenKit:
    """Hands the kit made here (options parsed, target up) to the kit's plugin."""

    def __init__(self, kit: Any) -> None:
        self.kit = kit

    def pytest_configure(self, config: Any) -> None:
        from contract_tests.plugin import KIT_KEY, OPTIONS_KEY, REPORTS_ITSELF_KEY

        config.stash[OPTIONS_KEY] = self.kit.options
        config.stash[KIT_KEY] = self.kit
        config.stash[REPORTS_ITSELF_KEY] = True


def _say(message: str) -> None:
    print(f"pixxel-contract: {message}", file=sys.stderr, flush=True)


def run(
    options: options_mod.KitOptions, *, junit_xml: Path | None = None, verbose: bool = False
) -> int:
    """Run the suites in this process; returns the exit status."""
    missing = missing_modules()
    if missing:
        _say(f"needs {', '.join(missing)} (the contract extra); install it with: {INSTALL_HINT}")
        return EXIT_USAGE
    # Suite modules bind the kit when they are imported; a second run in one process needs them
    # imported afresh.
    for name in [m for m in sys.modules if m.startswith("contract_tests.suites.")]:
        del sys.modules[name]
    cache = cache_dir()
    environment = {
        NO_AUTOLOAD: "1",
        # Hypothesis keeps a cache (Unicode tables) on disk; not in the caller's directory.
        "HYPOTHESIS_STORAGE_DIRECTORY": os.environ.get(
            "HYPOTHESIS_STORAGE_DIRECTORY", str(cache / "hypothesis")
        ),
    }
    interrupt.reset()
    restore_signals = interrupt.install()
    try:
        with _environment(environment):
            return _run(options, junit_xml, verbose)
    finally:
        restore_signals()


def _run(options: options_mod.KitOptions, junit_xml: Path | None, verbose: bool) -> int:
    import pytest

    from contract_tests.kit import Kit
    from contract_tests.progress import Progress
    from contract_tests.target import PreflightError, TargetError

    try:
        kit = Kit(options)
    except ValueError as exc:
        _say(str(exc))
        return EXIT_USAGE
    try:
        kit.target  # noqa: B018 - reaches the target (or starts the mock) and runs the preflight
    except PreflightError as exc:
        _say(str(exc))
        return EXIT_PREFLIGHT
    except TargetError as exc:
        _say(str(exc))
        return EXIT_TARGET
    except interrupt.Interrupted:
        kit.finish()
        _say(f"stopped by {interrupt.signal_name()} before any suite ran")
        return EXIT_INTERRUPTED
    progress = None if verbose else Progress(kit.report, sys.stdout)
    plugins: list[Any] = [_GivenKit(kit)] + ([progress] if progress else [])
    try:
        code = pytest.main(pytest_arguments(options, junit_xml, verbose), plugins=plugins)
    finally:
        # Normally done at the end of pytest's session; never skipped, whatever happened.
        kit.finish()
        if progress is not None:
            progress.clear()
    if interrupt.requested():
        kit.report.interrupted = f"stopped by {interrupt.signal_name()}"
    print(kit.report.render(), flush=True)
    if interrupt.requested():
        return EXIT_INTERRUPTED
    if code == pytest.ExitCode.OK:
        return EXIT_OK if kit.report.ok else EXIT_FAILED
    if code == pytest.ExitCode.INTERRUPTED:
        return EXIT_INTERRUPTED
    if code == pytest.ExitCode.USAGE_ERROR:
        return EXIT_USAGE
    return EXIT_FAILED
