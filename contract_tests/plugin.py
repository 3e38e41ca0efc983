"""The kit as a pytest plugin: options, the session fixtures the suites use, and the report.

Load it with ``-p contract_tests.plugin`` (``pixxel-contract`` does) and run the suites::

    pytest -p contract_tests.plugin --pyargs contract_tests.suites \\
        --pixxel-base-url https://api.pixxel.space --pixxel-api-key "$PIXXEL_API_KEY"

Every option also reads its environment variable (``PIXXEL_BASE_URL``, ``PIXXEL_API_KEY``, ...).
Importing this module is cheap; nothing starts until a suite asks for the ``pixxel_contract``
fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests import interrupt
from contract_tests import options as options_mod

KIT_KEY: pytest.StashKey[Any] = pytest.StashKey()
# Options already parsed by ``pixxel-contract``, which then wins over pytest options.
OPTIONS_KEY: pytest.StashKey[options_mod.KitOptions] = pytest.StashKey()
# Node ids of the kit's tests in this session.
ITEMS_KEY: pytest.StashKey[set[str]] = pytest.StashKey()
# Set by ``pixxel-contract``, which prints the report itself, after pytest's own output.
REPORTS_ITSELF_KEY: pytest.StashKey[bool] = pytest.StashKey()
# Puts back the signal handlers the session found.
_RESTORE_SIGNALS_KEY: pytest.StashKey[Any] = pytest.StashKey()
# The config of the pytest session in progress, for suites that need the kit at import time.
_active_config: pytest.Config | None = None
SUITE_MODULES = {f"test_{name}": name for name in options_mod.SUITES}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "pixxel-contract", "pixxel-contract: check a Pixxel API server against the contract"
    )
    for knob in options_mod.knobs():
        help_text = f"{knob.metadata['help']} [env {knob.metadata['env']}]"
        if knob.metadata["flag"]:
            group.addoption(
                options_mod.pytest_flag(knob), action="store_true", default=None, help=help_text
            )
        else:
            group.addoption(
                options_mod.pytest_flag(knob),
                default=None,
                type=knob.metadata["parse"],
                metavar=knob.metadata["metavar"],
                help=help_text,
            )


def kit_options(config: pytest.Config) -> options_mod.KitOptions:
    given = config.stash.get(OPTIONS_KEY, None)
    if given is not None:
        return given
    explicit = {
        knob.name: config.getoption(options_mod.pytest_flag(knob)) for knob in options_mod.knobs()
    }
    try:
        return options_mod.from_sources(explicit)
    except ValueError as exc:
        raise pytest.UsageError(f"pixxel-contract: {exc}") from None


def get_kit(config: pytest.Config) -> Any:
    """The run's :class:`~contract_tests.kit.Kit`, made on first use."""
    kit = config.stash.get(KIT_KEY, None)
    if kit is None:
        from contract_tests.kit import Kit

        try:
            kit = Kit(kit_options(config))
        except ValueError as exc:
            raise pytest.UsageError(f"pixxel-contract: {exc}") from None
        config.stash[KIT_KEY] = kit
    return kit


def active_kit() -> Any:
    """The kit of the running session, its target up; for suite modules at collection time
    (schemathesis builds one test per operation while collecting, so the schema, bound to the
    target, must exist then)."""
    from contract_tests.target import TargetError

    if _active_config is None:
        raise RuntimeError("contract_tests.plugin is not loaded (use -p contract_tests.plugin)")
    kit = get_kit(_active_config)
    try:
        kit.target  # noqa: B018 - starts the mock / connects
    except TargetError as exc:
        pytest.exit(f"pixxel-contract: {exc}", returncode=4)
    return kit


def pytest_configure(config: pytest.Config) -> None:
    global _active_config
    _active_config = config
    # A CI runner cancels a job with SIGTERM (a person with Ctrl+C): the run stops at its next
    # checkpoint, the session finishes normally and the kit deletes what it created.
    if _wants_kit(config):
        config.stash[_RESTORE_SIGNALS_KEY] = interrupt.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _active_config
    if _active_config is config:
        _active_config = None
    restore = config.stash.get(_RESTORE_SIGNALS_KEY, None)
    if restore is not None:
        restore()


def pytest_runtest_setup(item: pytest.Item) -> None:
    interrupt.checkpoint()


def pytest_collection_finish(session: pytest.Session) -> None:
    interrupt.checkpoint()


def _is_kit_item(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    name = getattr(module, "__name__", "")
    return name.startswith("contract_tests.suites.")


def _wants_kit(config: pytest.Config) -> bool:
    """Whether this session runs the kit's suites (judged from its arguments)."""
    return any("contract_tests" in str(arg) for arg in config.args) or bool(
        config.stash.get(OPTIONS_KEY, None)
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    # Reach the target (or start the mock) before collection, so that a target that cannot be
    # tested stops the run with one clear message.
    if _wants_kit(session.config):
        active_kit()


def _name_after_operations(items: list[pytest.Item]) -> None:
    """schemathesis's per-operation items all get the same node id under pytest 9; give each
    its operation, so that reports (JUnit XML) tell them apart."""
    for item in items:
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "_id", None)
        if label and getattr(node_id, "params", "") is None and hasattr(node_id, "with_params"):
            item._id = node_id.with_params(label)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kit_items = [item for item in items if _is_kit_item(item)]
    if not kit_items:
        return
    _name_after_operations(kit_items)
    config.stash[ITEMS_KEY] = {item.nodeid for item in kit_items}
    chosen = set(kit_options(config).suites)
    keep, drop = [], []
    for item in items:
        suite = SUITE_MODULES.get(getattr(item, "module", None).__name__.rsplit(".", 1)[-1], "")
        (drop if _is_kit_item(item) and suite not in chosen else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def pixxel_contract(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The run's kit, with its target up (the mock started if no base URL was given)."""
    yield active_kit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A kit test fails when it recorded findings, although it never stops at the first one."""
    kit = item.config.stash.get(KIT_KEY, None)
    before = kit.report.findings if kit is not None else 0
    result = yield
    kit = item.config.stash.get(KIT_KEY, None)
    if kit is not None and kit.report.findings > before:
        pytest.fail(f"{kit.report.findings - before} {FINDINGS_MESSAGE}", pytrace=False)
    return result


FINDINGS_MESSAGE = "contract finding(s); see the pixxel-contract report"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A kit test that failed for another reason than findings (a crash, an unreachable
    server...) is an error of the run, and the report must say so."""
    config = _active_config
    if not report.failed or config is None or report.nodeid not in config.stash.get(ITEMS_KEY, ()):
        return
    kit = config.stash.get(KIT_KEY, None)
    if kit is None:
        return
    text = report.longreprtext or ""
    if FINDINGS_MESSAGE in text:
        return
    lines = [line for line in text.strip().splitlines() if line.strip()]
    kit.report.error(f"{report.nodeid} ({report.when}): {lines[-1] if lines else 'failed'}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    kit = session.config.stash.get(KIT_KEY, None)
    if kit is None:
        return
    kit.finish()
    if kit.options.report_json is not None:
        kit.report.write_json(kit.options.report_json)
    # The verdict is the suites': a user test that only borrows the fixture keeps its own.
    ran_suites = bool(session.config.stash.get(ITEMS_KEY, None)) or _wants_kit(session.config)
    if ran_suites and not kit.report.ok and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A suite that cannot even be collected is an error of the run."""
    config = _active_config
    if not report.failed or config is None or "contract_tests" not in report.nodeid:
        return
    kit = config.stash.get(KIT_KEY, None)
    if kit is not None:
        text = report.longreprtext or ""
        lines = [line for line in text.strip().splitlines() if line.strip()]
        kit.report.error(f"{report.nodeid} (collection): {lines[-1] if lines else 'failed'}")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    kit = config.stash.get(KIT_KEY, None)
    if kit is None or not kit.started or config.stash.get(REPORTS_ITSELF_KEY, False):
        return
    if not config.stash.get(ITEMS_KEY, None) and not _wants_kit(config):
        return
    terminalreporter.section("pixxel-contract report")
    terminalreporter.write_line(kit.report.render())
