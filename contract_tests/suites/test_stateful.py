"""Stateful: schemathesis's stateful testing over the contract's OpenAPI links.

Scenarios chain operations the way the links say (a created store is deleted by its ``id``, a
new download is fetched by its ``id``, ...). Every step gets the conformance checks, and the checks
that need the scenario's history: ``use_after_free`` and ``ensure_resource_availability``.
"""


def test_stateful(pixxel_contract):
    pixxel_contract.run_stateful()
