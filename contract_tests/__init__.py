"""pixxel-contract: checks the mock or the live Pixxel API against spec/openapi.yaml.

Run ``pixxel-contract --help``, or see docs/contract-testing.md.
"""

__version__ = "0.1.0"
