"""Wires the contract suite's pytest plugin into this repository's test runs.

The plugin (contract_tests/plugin.py) holds the suite's options, target, guard, profiles,
fixtures and reports; pytester proves in tests/suite that the suite fails broken servers.
"""

pytest_plugins = ["contract_tests.plugin", "pytester"]
