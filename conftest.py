"""Wires the contract suite's pytest plugin into this repository's test runs.

The plugin (contract_tests/pytest/) holds the suite's options, target, guard, profiles,
fixtures and reports, under `--tidepool-NAME`; short_options adds the short `--NAME`
spellings this checkout's commands use; pytester proves in tests/suite that the suite
fails broken servers.
Where the package is also installed, its `pytest11` entry point has registered the plugin
under this same name already, and pytest does not load it twice.
"""

import pytest

pytest_plugins = [
    "contract_tests.pytest.plugin",
    "contract_tests.pytest.short_options",
    "pytester",
]


def pytest_configure(config: pytest.Config) -> None:
    """The repository's own tests run under the suite's reproducible profile too, unless
    --hypothesis-profile says otherwise (outside this checkout the plugin leaves the
    profile of other tests alone)."""
    from contract_tests.pytest.profiles import use_suite_profiles

    if not config.getoption("hypothesis_profile"):
        use_suite_profiles(default=True)
