"""Which host is production: known by its name, whatever spec the run loaded.

The spec's `production` server names it, but a run may load another copy (`--spec-file`)
that lacks the entry or renames it; a guard that knew production only from the spec in
use let a copy switch it off. So production is the spec's production server's host and,
always, Tidepool's production host. The mock keeps its own copy of that name
(mockserver/upstream/passthrough.py), as the suite never imports the mock; a test keeps
the two equal.

Known by name only: an IP address or another DNS name for the same host would take a
lookup, which the suite makes for no URL before its guards have passed.
"""

from __future__ import annotations

PRODUCTION = "production"
# Tidepool's production API, production whatever the loaded spec says.
TIDEPOOL_PRODUCTION_HOST = "api.tidepool.org"


def production_hosts(spec_production_host: str | None) -> frozenset[str]:
    """The hosts that are production: Tidepool's, and the spec's production server's."""
    return frozenset(filter(None, (TIDEPOOL_PRODUCTION_HOST, spec_production_host)))
