"""Query parameter names whose values are credentials: the one list the suite applies.

A URL can carry a token in its query (`?token=`, `?access_token=`, a `restricted_token`
of Tidepool's data export links); a HAR records such URLs in many places. The scrubber
removes their values wherever a HAR holds them, and `--replay` never sends them. Names
match without regard to case, `-` or `_`, and decoded (`access%5Ftoken`, `Access-Token`).
The mock masks the same names (mockserver/masking.py keeps a copy, as the suite never
imports the mock; a test keeps the two equal).
"""

from __future__ import annotations

from urllib.parse import unquote_plus

CREDENTIAL_QUERY_NAMES = (
    "token",
    "access_token",
    "restricted_token",
    "sessionToken",
    "session_token",
    "x-tidepool-session-token",
    "password",
    "secret",
    "api_key",
    "apikey",
)


# Values that hold no credential: none, or the mask of a scrubber or of the mock's export.
PLACEHOLDERS = frozenset({"", "***", "%2A%2A%2A", "[scrubbed]", "%5Bscrubbed%5D"})


def normal_name(name: str) -> str:
    """A name as compared: decoded, without case, `-`, `_` or surrounding spaces."""
    return unquote_plus(name).strip().lower().replace("-", "").replace("_", "")


_NORMAL = frozenset(map(normal_name, CREDENTIAL_QUERY_NAMES))


def is_credential_name(name: str) -> bool:
    return normal_name(name) in _NORMAL


def without_credentials(query: str) -> tuple[str, int]:
    """A raw query string without its credential-named items, and how many it dropped."""
    items = [item for item in query.split("&") if item]
    kept = [item for item in items if not is_credential_name(item.partition("=")[0])]
    return "&".join(kept), len(items) - len(kept)


def masked_query(query: str, mask: str) -> tuple[str, int]:
    """A raw query string with credential-named values replaced by `mask`, and how many
    held a credential."""
    items, masked = [], 0
    for item in query.split("&"):
        name, _, value = item.partition("=")
        if is_credential_name(name):
            masked += value not in PLACEHOLDERS
            item = f"{name}={mask}"
        items.append(item)
    return "&".join(items), masked
