"""The kit's pytest suites; run them with the plugin loaded (see contract_tests.plugin)."""
