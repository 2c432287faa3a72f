"""What the mock may show of a request: no token, no password.

The recorded events and the refused requests are kept (journal/), printed on the
terminal and shown in the inspector and the HAR, all with the target as the client sent
it. A client may put a secret in
it: a token in a path (`/auth/token/{token}`) or a query parameter named like a
credential (`?access_token=...`). Those are masked before any record is made, however
they are spelled: a path is compared decoded (repeatedly, so `%252F` too), without case
and with its repeated slashes folded, since a server or a proxy might read it that way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import unquote

# Query parameter names whose values are secrets, compared decoded and without case, `-`
# or `_`. The contract suite applies the same list (contract_tests/credential_names.py);
# a test keeps the two equal.
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
MASK = "***"
# Enough for any encoding a client would nest; a target decoded this often is refused anyway.
_DECODE_ROUNDS = 4
_SLASHES = re.compile(r"/{2,}")


def shown_target(raw_path: str, raw_query: str, secret_paths: Iterable[tuple[str, str]]) -> str:
    """The target to keep and show. `secret_paths`: (prefix, template) pairs, such as
    ("/auth/token/", "/auth/token/<token>"); a path that holds a prefix anywhere, however
    spelled, is shown as the template."""
    normal = normal_path(raw_path)
    path = next(
        (template for prefix, template in secret_paths if prefix in normal),
        raw_path,
    )
    query = masked_query(raw_query)
    return f"{path}?{query}" if query else path


def normal_path(raw_path: str) -> str:
    path = raw_path
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(path, errors="replace")
        if decoded == path:
            break
        path = decoded
    return _SLASHES.sub("/", path.replace("\\", "/")).lower()


def _compared(name: str) -> str:
    return normal_path(name).strip().replace("-", "").replace("_", "")


_CREDENTIAL_NAMES = frozenset(map(_compared, CREDENTIAL_QUERY_NAMES))


@functools.lru_cache(maxsize=1024)  # apps send the same few names again and again
def is_credential_name(name: str) -> bool:
    """Whether a query parameter's name looks like a credential's, however encoded, cased
    or spelt with `-` or `_`."""
    return _compared(name) in _CREDENTIAL_NAMES


def masked_values(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """A decoded query with the values of credential-named parameters masked."""
    return {
        name: [MASK] * len(values) if is_credential_name(name) else values
        for name, values in query.items()
    }


def masked_query(raw_query: str) -> str:
    """The query as sent, with the values of credential-named parameters masked."""
    items = []
    for item in raw_query.split("&"):
        name, equals, _ = item.partition("=")
        if is_credential_name(name.replace("+", " ")):
            item = f"{name}{equals or '='}{MASK}"
        items.append(item)
    return "&".join(items)
