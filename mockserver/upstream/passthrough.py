"""Pass-through to a real Tidepool environment (`--upstream NAME|URL`), as Prism's proxy mode.

A frontend such as blip sends every call to one API host; the mock answers the Metrics
API and its own /__mock endpoints, and hands everything else (login, /auth/user,
/metadata, /access...) to the upstream here. The request goes out as sent, less the
hop-by-hop headers a proxy must not forward (RFC 9110, 7.6.1); the answer streams back
the same way.

The mock frames what it sends itself: the body is the one it read (whole, at most
`PASS_THROUGH_BODY_LIMIT`, config.py), with a `Content-Length` it computes, never the client's framing
headers. Werkzeug's development server (--reload) de-chunks a chunked body but keeps the
client's `Content-Length`; forwarding that would let a client smuggle a second request
to the upstream on a kept-alive connection. Cookies stay out both ways unless
--forward-cookies asks (cookies for localhost belong to every local app, and Tidepool's
clients use the session-token header), and the client's `X-Forwarded-*` and `Forwarded`
claims are not passed on: the mock vouches for none of them. urllib3 keeps the connections alive between requests, and both connecting
and each read are bounded, so a dead or stalled upstream is a 502 or a 504 in bounded
time, never a hang.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import urllib3
from urllib3.exceptions import (
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    SSLError,
    TimeoutError,
)
from urllib3.util import SKIP_HEADER, parse_url
from werkzeug.wrappers import Request, Response

from .. import errors
from ..config import PASS_THROUGH_BODY_LIMIT
from ..errors import PlainError, has_body, read_body
from ..spec import ApiSpec
from ..uri import raw_target

# Headers that describe one connection, not the message: never forwarded either way.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
STREAM_CHUNK_BYTES = 64 * 1024
# Headers that frame the request body: the mock computes its own.
FRAMING = frozenset({"content-length", "transfer-encoding"})
# What a client claims about the path its request took; not passed on.
FORWARDING_CLAIMS = ("x-forwarded-", "forwarded", "x-real-ip")
COOKIES_SENT, COOKIES_SET = "cookie", "set-cookie"
# Every printable ASCII character but the space stays as sent; anything else in the
# target (raw bytes from a client, which HTTP cannot carry unencoded) is percent-encoded.
_TARGET_SAFE = "".join(chr(code) for code in range(0x21, 0x7F))
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Names under which the mock may be reaching itself.
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"})
# A host part urllib3 sends as written: a DNS name or an IPv4 address, or an IPv6 literal
# in brackets, then an optional port. urllib3 decodes `%2E` in a host and ends it at a `\`,
# where urllib.parse does neither: such a host would reach another server than it reads.
_PLAIN_HOST_PART = re.compile(
    r"(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(?::[0-9]*)?", re.IGNORECASE
)
PRODUCTION = "production"
# Tidepool's production API: production whatever the loaded spec says, so that a copy of
# the spec without (or with a renamed) `production` server cannot switch the guard off.
# The suite keeps the same name (contract_tests/production.py); a test keeps them equal.
TIDEPOOL_PRODUCTION_HOST = "api.tidepool.org"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SET_BY_SERVER = frozenset({"date", "server"})
# Headers urllib3 would add to a request that lacks them.
_ADDED_BY_URLLIB3 = ("User-Agent", "Accept-Encoding")
log = logging.getLogger("mockserver")


class UpstreamError(ValueError):
    """`--upstream` names no environment of the spec and is no usable URL; says which."""


def resolve_upstream(text: str, spec: ApiSpec, own_address: tuple[str, int]) -> str:
    """The base URL `--upstream` means: an environment named in the spec's servers, or a URL.

    Refused, with the reason in one line: anything else, and the mock's own address,
    which would pass each request back to itself without end.
    """
    by_name = spec.servers
    if "://" not in text and text not in by_name:
        raise UpstreamError(
            f"--upstream {text!r}: not a URL and not an environment of {spec.path.name}"
            f" ({', '.join(by_name) or 'it names none'})"
        )
    url = by_name.get(text, text)
    if "@" in url.partition("://")[2].partition("/")[0]:  # not echoed: it holds a password
        raise UpstreamError("--upstream: a URL with credentials in it is refused")
    try:
        parts = urlsplit(url)
        port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # an unclosed [IPv6 address], a port that is no number
        parts, port = urlsplit(""), None
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or parts.query
        or parts.fragment
        or not (port and 0 < port < 65536)
    ):
        # Up to the query only: a query or fragment may carry a token.
        shown = text.split("?")[0].split("#")[0]
        hidden = " (its query and fragment not shown)" if shown != text else ""
        raise UpstreamError(
            f"--upstream {shown!r}{hidden}: expected http(s)://host[:port][/path],"
            " with no query or fragment"
        )
    if not _PLAIN_HOST_PART.fullmatch(parts.netloc):
        raise UpstreamError(
            f"--upstream: its host part {parts.netloc!r} is not a plain host name or IP address;"
            f" urllib3 would rewrite it and connect to {host_of(url) or 'nowhere'}"
        )
    host, own_port = own_address
    if port == own_port and parts.hostname in {host, *_LOOPBACK_NAMES}:
        raise UpstreamError(f"--upstream {text!r} is this mock itself ({url})")
    return url.rstrip("/")


def host_of(url: str) -> str:
    """The host urllib3 connects to for `url`, as DNS sees it: lower case, no trailing dot."""
    try:
        return (parse_url(url).host or "").lower().rstrip(".").strip("[]")
    except ValueError:  # urllib3's LocationParseError
        return ""


def is_production(url: str, spec: ApiSpec) -> bool:
    """`url` reaches production: Tidepool's production host or the spec's production
    server, by name (no lookup: an IP address or another name of the same host is not
    recognised)."""
    production = spec.servers.get(PRODUCTION)
    hosts = {TIDEPOOL_PRODUCTION_HOST, *([host_of(production)] if production else [])}
    return host_of(url) in hosts


def forwarded_headers(headers) -> list[tuple[str, str]]:
    """The end-to-end headers of a message: hop-by-hop ones and those `Connection` names removed."""
    named = {
        name.strip().lower()
        for value in headers.getlist("Connection")
        for name in value.split(",")
        if name.strip()
    }
    return [
        (name, value)
        for name, value in headers.items()
        if name.lower() not in HOP_BY_HOP and name.lower() not in named
    ]


class Upstream:
    """One upstream environment, reached through a pool of kept-alive connections."""

    def __init__(
        self, url: str, timeout_s: float, connections: int, forward_cookies: bool = False
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.forward_cookies = forward_cookies
        self._prefix = urlsplit(url).path
        # No retries and no redirects followed: the client sees what the upstream said,
        # and a POST is never sent twice.
        self._pool = urllib3.connection_from_url(
            url,
            maxsize=connections,
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            retries=False,
        )

    def request(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None = None
    ) -> urllib3.BaseHTTPResponse:
        """Send one request; the answer's body is left unread, to be streamed or read."""
        sent = urllib3.HTTPHeaderDict(headers)
        for name in _ADDED_BY_URLLIB3:  # what the client did not send is not sent
            sent.setdefault(name, SKIP_HEADER)
        try:
            return self._pool.urlopen(
                method,
                self._prefix + _sendable(target),
                body=body,
                headers=sent,
                redirect=False,
                preload_content=False,
                decode_content=False,
            )
        except HTTPError as error:
            raise self._failure(error) from None
        except ValueError:  # http.client's refusal of a header field it cannot send
            raise PlainError(400, errors.UNFORWARDABLE_HEADER) from None

    def read(self, response: urllib3.BaseHTTPResponse, limit: int) -> bytes:
        """Up to `limit` bytes of an answer's body; a longer one's connection is not reused."""
        try:
            return response.read(limit, decode_content=False)
        except HTTPError as error:
            raise self._failure(error) from None
        finally:
            _finish(response)

    def send(self, request: Request) -> urllib3.BaseHTTPResponse:
        """The request as the client sent it, less hop-by-hop, framing and forwarding
        headers (and cookies unless asked), `Host` the upstream's, and the body read whole
        (413 past PASS_THROUGH_BODY_LIMIT), which urllib3 frames with its own `Content-Length`."""
        path, query = raw_target(request.environ)
        target = f"{path}?{query}" if query else path
        headers = [
            (name, value)
            for name, value in forwarded_headers(request.headers)
            if self._sent_on(name.lower()) and name.lower() != "host"
        ]
        body = None
        if has_body(request):
            body = read_body(request, PASS_THROUGH_BODY_LIMIT, cache=False)
        return self.request(request.method, target, headers, body)

    def forward(self, request: Request) -> Response:
        """The upstream's answer to the request; its body streams back as it comes."""
        answer = self.send(request)
        headers = self.answer_headers(answer)
        response = PassThroughResponse(_streamed(answer), status=answer.status, headers=headers)
        response.call_on_close(lambda: _finish(answer))
        return response

    def answer_headers(self, answer: urllib3.BaseHTTPResponse) -> list[tuple[str, str]]:
        """The headers of an answer passed back: `Set-Cookie` only with --forward-cookies,
        for every answer that passes back, metrics ones with --forward-metrics included."""
        return [
            (name, value)
            for name, value in answer_headers(answer)
            if self.forward_cookies or name.lower() != COOKIES_SET
        ]

    def _sent_on(self, name: str) -> bool:
        """Whether a request header (lower case) goes to the upstream."""
        if name in FRAMING or name.startswith(FORWARDING_CLAIMS):
            return False
        return self.forward_cookies or name != COOKIES_SENT

    def _failure(self, error: HTTPError) -> PlainError:
        """A 502 (unreachable, broken) or 504 (too slow), one line without the request."""
        if isinstance(error, NameResolutionError):
            status, cause = 502, "its host name does not resolve"
        elif isinstance(error, NewConnectionError):
            status, cause = 502, "the connection was refused or failed"
        elif isinstance(error, TimeoutError):
            status, cause = 504, f"no answer within {self.timeout_s:g} s"
        elif isinstance(error, SSLError):
            status, cause = 502, "the TLS handshake failed"
        else:
            status, cause = 502, f"the exchange broke ({type(error).__name__})"
        return PlainError(status, errors.UPSTREAM_FAILED.format(url=self.url, cause=cause))


def answer_headers(answer: urllib3.BaseHTTPResponse) -> list[tuple[str, str]]:
    """The upstream's end-to-end headers, less its CORS ones (the mock's policy applies) and
    those the mock's own server sets (`Date`, `Server`; nginx's proxy drops them too)."""
    return [
        (name, value)
        for name, value in forwarded_headers(answer.headers)
        if not name.lower().startswith("access-control-") and name.lower() not in _SET_BY_SERVER
    ]


class PassThroughResponse(Response):
    """No Content-Type of its own: the upstream's headers are the only ones it carries."""

    default_mimetype = None


def _sendable(target: str) -> str:
    """The target with what HTTP cannot carry percent-encoded: raw bytes (a WSGI string holds
    them as latin-1), and a `%` that starts no escape, which would otherwise make urllib3
    encode every `%` of the target again."""
    return _LONE_PERCENT.sub("%25", quote(target.encode("latin-1"), safe=_TARGET_SAFE))


def _finish(answer: urllib3.BaseHTTPResponse) -> None:
    """Give the connection back to the pool, closed if the answer was not read to its end
    (a client that went away): what is left of it must not be read as the next answer."""
    if not answer.closed:
        answer.close()
    answer.release_conn()


def _streamed(answer: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    """The body as the upstream sends it; an upstream that breaks off ends the stream."""
    try:
        yield from answer.stream(STREAM_CHUNK_BYTES, decode_content=False)
    except HTTPError as error:  # the status is sent already: all a proxy can do is stop
        log.warning("the upstream broke off an answer: %s", type(error).__name__)
