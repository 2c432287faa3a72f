"""The session tokens the mock issues, and the principal each one speaks for.

Tokens are stateless: a token carries its principal, signed with HMAC-SHA256 under a key
kept in the journal's SQLite file (`shared_signing_key`). Any process sharing the journal
therefore accepts any token issued by another, with no token table to keep in sync. A
token that is not signed by that key, and is not a fixed token from the accounts file, is
invalid.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import secrets
import sqlite3
from contextlib import closing
from pathlib import Path

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


def shared_signing_key(database: Path) -> bytes:
    """The signing key kept in `database`, made by the first process that asks for it."""
    with closing(sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)) as connection:
        connection.executescript(_KEY_SCHEMA)
        (key,) = connection.execute("SELECT key FROM signing_key").fetchone()
    return key


class Tokens:
    """Issues tokens for principals and tells which principal a token speaks for."""

    def __init__(self, accounts: Accounts, signing_key: bytes) -> None:
        self._fixed = accounts.fixed_tokens or {}
        self._key = signing_key
        # A token's meaning never changes, and apps send the same one on every request:
        # remember the last few verdicts instead of decoding and verifying each time.
        self.identify = functools.lru_cache(maxsize=IDENTIFY_CACHE_SIZE)(self._identify)

    def issue(self, principal: Principal) -> str:
        payload = json.dumps(
            [
                principal.kind,
                principal.id,
                principal.username,
                principal.emails,
                secrets.token_hex(8),
            ],
            separators=(",", ":"),
        ).encode("utf-8")
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def _identify(self, token: str) -> Principal | None:
        """The principal a token speaks for, or None if it is not a valid token."""
        fixed = self._fixed.get(token)
        if fixed is not None:
            return fixed
        payload_text, _, signature_text = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(payload_text.encode("ascii") + b"==")
            signature = base64.urlsafe_b64decode(signature_text.encode("ascii") + b"==")
        except (UnicodeError, binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        kind, principal_id, username, emails, _nonce = json.loads(payload)
        return Principal(kind, principal_id, username, tuple(emails))

    def _sign(self, payload: bytes) -> bytes:
        return hmac.digest(self._key, payload, "sha256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
