"""Conformance: every operation of the contract, generated positive and negative cases.

Each case goes through :meth:`contract_tests.kit.Kit.run_case`, which runs every response check on
its own (server errors, status codes, content types, response schemas and headers, negative data
rejected, positive data accepted) plus the kit's ``ignored_auth`` and ``use_after_delete`` checks,
and records each failure against its operation without stopping the run.
"""

from contract_tests.plugin import active_kit

kit = active_kit()
schema = kit.schema()


@schema.parametrize()
def test_conformance(case):
    kit.run_case(case, suite="conformance")


def test_small_integer_domains():
    """Every page size and limit the contract allows, one request each (see Kit.run_sweeps)."""
    kit.run_sweeps()
