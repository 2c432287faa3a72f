"""Spellings of the production URL, shared by the guard's in-process and command-line tests.

Each reaches api.tidepool.org through the suite's HTTP client (requests on urllib3); the
second field is what the refusal must say: production, or the part that makes it malformed.
"""

from contract_tests.production import PRODUCTION

PRODUCTION_SPELLINGS = [
    ("https://api.tidepool.org", PRODUCTION),
    ("https://API.Tidepool.ORG", PRODUCTION),  # upper case
    ("https://api.tidepool.org.", PRODUCTION),  # a trailing dot: the same host to DNS
    ("https://api.tidepool.org.:443/", PRODUCTION),
    ("https://api.tidepool.org:443", PRODUCTION),  # an explicit port
    ("https://api.tidepool.org/v1", PRODUCTION),  # a path after the host
    ("http://api.tidepool.org", PRODUCTION),
    ("https://qa@api.tidepool.org", "must not carry a user or password"),
    ("https://user:secret@api.tidepool.org/", "must not carry a user or password"),
    ("https://api.tidepool.org\\@qa1.development.tidepool.org", "must not carry a user"),
    ("https://api.tidepool.org/?env=qa2", "must not carry a query or a fragment"),
    # The client decodes `%2E` in a host, and sends a `\\` after it as part of the path.
    ("https://api%2Etidepool.org", "'api%2Etidepool.org' is not a plain host"),
    ("https://api%2etidepool.org/", "'api%2etidepool.org' is not a plain host"),
    ("https://api.tidepool.org%2e", "'api.tidepool.org%2e' is not a plain host"),
    ("https://api.tidepool.org%2E:443", "'api.tidepool.org%2E:443' is not a plain host"),
    ("https://api.tidepool.org\\", "'api.tidepool.org\\\\' is not a plain host"),
    ("https://API%2ETIDEPOOL%2EORG", "'API%2ETIDEPOOL%2EORG' is not a plain host"),
    ("https://%61pi.tidepool.org", "'%61pi.tidepool.org' is not a plain host"),
    ("https://api.tidepool.org:443\\x", "malformed (production): Port could not be cast"),
]
