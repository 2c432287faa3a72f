"""Whose token is this, asked of the upstream's auth service, as Tidepool's services ask it.

In pass-through mode the tokens are the upstream's, so the mock cannot read them itself.
Tidepool's auth service (shoreline, `GET /auth/token` with the token in
X-Tidepool-Session-Token) answers 200 with `{"userid": ..., "isserver": ...}` for a valid
token and 401 otherwise. An app sends the same token with every event, so each verdict is
kept for a few seconds, in a bounded cache: a token revoked upstream stops working here
that much later. An auth service that cannot answer is a 502 or 504 for the request, not
a 401: the token may well be valid.
"""

from __future__ import annotations

import json
import threading

from cachetools import TTLCache

from .. import errors
from ..auth.accounts import SERVER, USER, Principal
from ..auth.tokens import SESSION_TOKEN_HEADER
from ..errors import PlainError
from .passthrough import Upstream

TOKEN_CHECK_PATH = "/auth/token"
VERDICT_TTL_S = 10.0
VERDICTS_KEPT = 1024
# A token check's answer is a small JSON object; more than this is not one.
MAX_ANSWER_BYTES = 64 * 1024


class UpstreamTokens:
    """`identify(token) -> Principal | None`, the seam `security.authorize` calls."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._verdicts: TTLCache[str, Principal | None] = TTLCache(VERDICTS_KEPT, VERDICT_TTL_S)
        self._lock = threading.Lock()  # TTLCache is not thread-safe

    def identify(self, token: str) -> Principal | None:
        with self._lock:
            if token in self._verdicts:
                return self._verdicts[token]
        principal = self._ask(token)
        with self._lock:
            self._verdicts[token] = principal
        return principal

    def _ask(self, token: str) -> Principal | None:
        answer = self._upstream.request("GET", TOKEN_CHECK_PATH, [(SESSION_TOKEN_HEADER, token)])
        body = self._upstream.read(answer, MAX_ANSWER_BYTES)
        if answer.status in (401, 403):
            return None
        principal = _principal(body) if answer.status == 200 else None
        if principal is None:
            raise PlainError(502, errors.UPSTREAM_TOKEN_CHECK.format(status=answer.status))
        return principal


def _principal(body: bytes) -> Principal | None:
    """The principal a token check's 200 names, None if it names none."""
    try:
        data = json.loads(body)
        userid, isserver = data["userid"], data["isserver"]
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(userid, str) and userid and isinstance(isserver, bool)):
        return None
    return Principal(SERVER if isserver else USER, userid)
