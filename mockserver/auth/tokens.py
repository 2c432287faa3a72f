"""The session tokens the mock issues, and the principal each one speaks for.

A token carries its principal and the time it expires (`--token-lifetime`, a day by
default), signed with HMAC-SHA256 under a key kept in the journal's SQLite file
(`shared_signing_key`). Any process sharing the journal therefore accepts any token
issued by another. A token that is not signed by that key, and is not a fixed token from
the accounts file, is invalid. `POST /auth/logout` ends a token: its nonce goes into a
table of the same file (`Revocations`), which every process asks on each use, so a
logout holds in every worker at once. Fixed tokens of an accounts file never expire and
are not ended by a logout (CI relies on them).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Protocol

from ..errors import TOKEN_EXPIRED, TOKEN_REVOKED, TokenRefused
from .accounts import Accounts, Principal

# Where Tidepool's clients send a session token, and its auth service returns a new one.
SESSION_TOKEN_HEADER = "X-Tidepool-Session-Token"
# Tokens whose verdict is remembered per process (valid or not), bounding memory
# however many distinct tokens clients send.
IDENTIFY_CACHE_SIZE = 1024
_KEY_SCHEMA = """
CREATE TABLE IF NOT EXISTS signing_key (only INTEGER PRIMARY KEY CHECK (only = 1), key BLOB NOT NULL);
INSERT OR IGNORE INTO signing_key (only, key) VALUES (1, randomblob(32));
"""
# How long a process waits for another that is creating the key at the same moment.
_BUSY_TIMEOUT_S = 30.0
DEFAULT_LIFETIME_S = 24 * 3600
_REVOKED_SCHEMA = """
CREATE TABLE IF NOT EXISTS revoked_tokens (nonce TEXT PRIMARY KEY, expires_at REAL NOT NULL);
"""


class Store(Protocol):
    """The journal's file (journal/store.py's Journal): a transaction, a connection."""

    def writing(self): ...
    def reading(self) -> sqlite3.Connection: ...


class Revocations:
    """The tokens ended by a logout, until they would have expired anyway."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        with store.writing() as connection:
            connection.execute(_REVOKED_SCHEMA)

    def revoke(self, nonce: str, expires_at: float) -> None:
        with self._store.writing() as connection:
            connection.execute("DELETE FROM revoked_tokens WHERE expires_at <= ?", (self._clock(),))
            connection.execute(
                "INSERT OR IGNORE INTO revoked_tokens (nonce, expires_at) VALUES (?, ?)",
                (nonce, expires_at),
            )

    def revoked(self, nonce: str) -> bool:
        row = (
            self._store.reading()
            .execute("SELECT 1 FROM revoked_tokens WHERE nonce = ?", (nonce,))
            .fetchone()
        )
        return row is not None


def shared_signing_key(database: Path) -> bytes:
    """The signing key kept in `database`, made by the first process that asks for it."""
    with closing(sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)) as connection:
        connection.executescript(_KEY_SCHEMA)
        (key,) = connection.execute("SELECT key FROM signing_key").fetchone()
    return key


class Tokens:
    """Issues tokens for principals and tells which principal a token speaks for.

    `identify(token)` is the principal, None for no valid token, and TokenRefused (with
    the reason) for a token the mock issued that has expired or was logged out.
    """

    def __init__(
        self,
        accounts: Accounts,
        signing_key: bytes,
        lifetime_s: float = DEFAULT_LIFETIME_S,
        revocations: Revocations | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fixed = accounts.fixed_tokens or {}
        self._key = signing_key
        self._lifetime_s = lifetime_s
        self._revocations = revocations
        self._clock = clock
        # A token's signature never changes, and apps send the same one on every request:
        # remember the last few decodings instead of verifying each time (its expiry and
        # a logout are looked at on every use).
        self._decode = functools.lru_cache(maxsize=IDENTIFY_CACHE_SIZE)(self._decoded)

    def issue(self, principal: Principal) -> str:
        payload = json.dumps(
            [
                principal.kind,
                principal.id,
                principal.username,
                principal.emails,
                secrets.token_hex(8),
                round(self._clock() + self._lifetime_s, 3),
            ],
            separators=(",", ":"),
        ).encode("utf-8")
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def identify(self, token: str) -> Principal | None:
        fixed = self._fixed.get(token)
        if fixed is not None:
            return fixed
        decoded = self._decode(token)
        if decoded is None:
            return None
        principal, nonce, expires_at = decoded
        if expires_at <= self._clock():
            raise TokenRefused(TOKEN_EXPIRED)
        if self._revocations is not None and self._revocations.revoked(nonce):
            raise TokenRefused(TOKEN_REVOKED)
        return principal

    def log_out(self, token: str) -> None:
        """End an issued token in every process; anything else is left as it is."""
        decoded = self._decode(token) if token not in self._fixed else None
        if decoded is not None and self._revocations is not None:
            _, nonce, expires_at = decoded
            self._revocations.revoke(nonce, expires_at)

    def _decoded(self, token: str) -> tuple[Principal, str, float] | None:
        """(principal, nonce, expiry) of a token signed by this key, else None."""
        payload_text, _, signature_text = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(payload_text.encode("ascii") + b"==")
            signature = base64.urlsafe_b64decode(signature_text.encode("ascii") + b"==")
        except (UnicodeError, binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        kind, principal_id, username, emails, nonce, expires_at = json.loads(payload)
        return Principal(kind, principal_id, username, tuple(emails)), nonce, expires_at

    def _sign(self, payload: bytes) -> bytes:
        return hmac.digest(self._key, payload, "sha256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
