"""Lifecycle properties, as hypothesis rule-based state machines (see contract_tests.lifecycle).

Against the mock the machines move its clock; against any other server they poll, bounded by
``--wait-timeout``. Properties that need writes are skipped (and reported as skipped) on a
read-only target; isolation needs a second API key there.
"""

from contract_tests import aoi_lifecycle, lifecycle


def test_downloads_move_forward_and_end_with_a_file(pixxel_contract):
    lifecycle.run_downloads(pixxel_contract)


def test_deliveries_move_forward_and_end(pixxel_contract):
    lifecycle.run_deliveries(pixxel_contract)


def test_aoi_downloads_move_forward_and_end_with_a_file(pixxel_contract):
    aoi_lifecycle.run_aoi_downloads(pixxel_contract)


def test_stores_list_creates_minus_deletes(pixxel_contract):
    lifecycle.run_stores(pixxel_contract)


def test_workspaces_are_isolated(pixxel_contract):
    lifecycle.check_isolation(pixxel_contract)
