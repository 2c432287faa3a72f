"""Keep secrets out of everything the suite prints or writes, and reproduce requests safely.

Tokens, passwords and server secrets are registered here as soon as the suite knows
them (the credential variables' values as the run starts, before any header is printed);
every report (terminal, junit, summary file, curl and rerun lines) passes through
`Redactor.redact` before it leaves the process, so even a message written by a library,
or a body or Location in which a target reflects a token, cannot leak one. A secret is
found as sent and percent-encoded, as a target may reflect it in a URL.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, urlsplit

FILTERED = "[Filtered]"


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()

    @classmethod
    def from_environment(cls, variables: Iterable[str]) -> Redactor:
        """A redactor that knows the secrets these environment variables hold."""
        redactor = cls()
        for name in variables:
            redactor.register(os.environ.get(name))
        return redactor

    def register(self, secret: str | None) -> None:
        if secret:
            self._secrets |= {secret, quote(secret, safe=""), quote_plus(secret)}

    def redact(self, text: str) -> str:
        # Longest first, so a secret that contains another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, FILTERED)
        return text


def curl_command(method: str, url: str, headers: Mapping[str, str], token_header: str) -> str:
    """A curl command that sends exactly this URL (no globbing, no dot-segment removal).

    The token is shown as [Filtered].
    """
    parts = ["curl", "-X", method, "--globoff", "--path-as-is"]
    for name, value in headers.items():
        shown = FILTERED if name.lower() == token_header.lower() else value
        parts += ["-H", f"{name}: {shown}"]
    parts.append(url)
    return shlex.join(parts)


def shown_location(location: str) -> str:
    """Where a redirect pointed, for a failure line: its origin and path, or only its origin
    when it carries a user, a password, a query or a fragment, which may hold a secret."""
    try:
        parts = urlsplit(location)
        port = parts.port
    except ValueError:
        return "a malformed Location"
    origin = (
        f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
        if parts.hostname
        else ""
    )
    if "@" in parts.netloc or parts.query or parts.fragment:
        return f"{origin or 'the target'} (the rest withheld: it may carry a secret)"
    return origin + parts.path
