"""Every error the mock answers, as plain text, from constant templates.

Werkzeug renders its HTTP exceptions as HTML pages; API clients and terminal users want
one readable line. `PlainError` is the one subclass that changes that, and the templates
below are the only error wording in the package.
"""

from __future__ import annotations

from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request

# The media type of every error and every one-line answer the mock gives.
PLAIN_TEXT = "text/plain; charset=utf-8"

MALFORMED_TARGET = "The request path or query is not valid percent-encoded UTF-8: {reason}."
BAD_PREFER = (
    "Cannot honour 'Prefer: {item}': use code=NNN (a status documented for the operation, "
    "or 500) and delay=MS (0 to {max_delay_ms})."
)
UNDOCUMENTED_CODE = (
    "Cannot honour 'Prefer: code={code}': {operation_id} documents {codes}; 500 is always allowed."
)
TOKEN_MISSING = "No session token was sent, and this operation needs one."
TOKEN_NOT_VALID = (
    "The session token is not valid (expired, revoked, issued elsewhere, or not a token)."
)
TOKEN_EXPIRED = "The session token has expired (--token-lifetime): log in again."
TOKEN_REVOKED = "The session token was ended by POST /auth/logout: log in again."
TOKEN_WRONG_KIND = "The session token is valid but of a kind this operation does not accept."
LOGIN_FAILED = "Unknown username or wrong password (send them with HTTP Basic authentication)."
SESSION_INVALID = "No valid user session token to refresh."
SERVER_TOKEN_REQUIRED = "Only a server may check another token: send a valid server token."
SERVER_LOGIN_FAILED = "Unknown server name or wrong secret."
UNKNOWN_FILTER = "Unknown or repeated filter {name!r}: filter once each by {filters}."
BAD_LIMIT = "The 'limit' of a listing is a whole number from 1 to {maximum}, given once."
BAD_WAIT = "The 'wait' of a listing is a number of seconds from 0 to {maximum}, given once."
BAD_SINCE = "The 'since' filter is an event id, a whole number."
BAD_PLAN_FILTER = "The 'plan' filter is one of the plan's verdicts: {verdicts}."
PLAN_FILTER_WITHOUT_PLAN = (
    "The 'plan' filter needs a tracking plan: start the mock with --plan FILE."
)
FAULTS_NOT_JSON = 'The faults are a JSON object in UTF-8, such as {"failRate": 1, "seconds": 60}.'
INJECTED_FAILURE = "Failure injected by the mock ({cause})."
HOST_NOT_ALLOWED = (
    "Refused: this mock answers requests for localhost, an IP address or the names it was "
    "started with, not {host!r} (start it with --allowed-host to accept that name)."
)
FOREIGN_PAGE = (
    "Refused: the mock's own API answers its own pages and pages on this machine, not a page"
    " from {origin}."
)
ORIGIN_NOT_ALLOWED = (
    "Refused: a page from {origin} may not call this mock (start it with --cors-origin to"
    " allow that origin)."
)
REMOTE_CHANGE = (
    "Refused: only this machine may change the mock's state (start it with"
    " --allow-remote-changes to let the network do so)."
)
TARGET_TOO_LONG = "Refused: the request line is longer than {limit} bytes."
HEADERS_TOO_LARGE = (
    "Refused: a header field is longer than {limit} bytes, or there are more than {count} of them."
)
BODY_TOO_LARGE = "Refused: the request body is larger than {limit} bytes, the most this path takes."
# Answered 408 (and the connection closed) to a request whose body paused too long.
BODY_STALLED = "Refused: no bytes of the body for {seconds:g} s (--body-timeout)."
NOT_FOUND = "Nothing is served at this path."
NOT_FOUND_NEAR = "Nothing is served at this path; the nearest one served is {hint}."
UNFORWARDABLE_HEADER = "A header field of this request cannot be sent on to the upstream."
UPSTREAM_FAILED = "The upstream {url} failed: {cause}."
UPSTREAM_TOKEN_CHECK = (
    "The upstream's token check (GET /auth/token) answered {status}, not 401 and not 200"
    " with the token's userid and isserver."
)
SEE_INSPECTOR = "This is the Metrics API mock; its event inspector is at {url}"
INTERNAL_ERROR = "The mock server failed on this request; its log has the traceback."


class TokenRefused(Exception):
    """A token the mock issued that no longer counts (expired, logged out); says which."""


class PlainError(HTTPException):
    """An HTTP error whose body is its description as one line of plain text."""

    def __init__(self, code: int, description: str, headers: list[tuple[str, str]] = ()) -> None:
        super().__init__(description)
        self.code = code
        self._headers = list(headers)

    @classmethod
    def from_http_exception(cls, error: HTTPException) -> PlainError:
        """Keep Werkzeug's status, wording and headers (405's Allow), drop its HTML."""
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return cls(error.code or 500, error.description or error.name, headers)

    def get_body(self, environ=None, scope=None) -> str:
        return f"{self.description}\n"

    def get_headers(self, environ=None, scope=None) -> list[tuple[str, str]]:
        return [("Content-Type", PLAIN_TEXT), *self._headers]


def has_body(request: Request) -> bool:
    """Whether a body follows: a Content-Length, or chunked framing (which the server says
    by `wsgi.input_terminated`, as Werkzeug reads it, or leaves in its header)."""
    return (
        request.content_length is not None
        or bool(request.environ.get("wsgi.input_terminated"))
        or "chunked" in request.headers.get("Transfer-Encoding", "")
    )


def read_body(request: Request, limit: int, cache: bool = True) -> bytes:
    """The request's body, or a 413 PlainError if it is larger than `limit` bytes: at once
    by its Content-Length, or as soon as a chunked one passes the limit. (Werkzeug's own
    maximum stops reading a chunked body at the limit and returns what it read, silently
    cut; a byte more tells a longer body.)

    A client that goes away or pauses past the server's read timeout while sending it
    (Werkzeug's server reads the body as the app asks) is ConnectionAbortedError: there is
    nobody to answer, and the server drops the connection, as waitress does.
    """
    if not has_body(request):
        return b""
    if (request.content_length or 0) <= limit:
        request.max_content_length = limit + 1
        try:
            body = request.get_data(cache=cache)
        except ClientDisconnected:
            raise ConnectionAbortedError("the client stopped sending the body") from None
        except RequestEntityTooLarge:
            body = None
        if body is not None and len(body) <= limit:
            return body
    raise PlainError(413, BODY_TOO_LARGE.format(limit=limit))
