"""Which requests the mock answers at all, decided from the request's head alone.

Whatever carries a request in (the server adapter, serving/asgi.py, or Werkzeug's test
client through MockApp's WSGI entry), the same `Admission.refusal` is asked before any
body is read, so that no rule about a request is written twice: the bounds on what a
client may send (414, 431, and 413 by a declared length), the `Host` a request may name
(hosts.py), and which pages and clients may call what (callers.py). It does no I/O; the
caller answers the refusal and keeps it among the refused requests.

`MockRequest` is Werkzeug's request with the raw target read once: the mock routes on the
path as sent (uri.py) and keeps it in every record, so every part asks this one value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.utils import cached_property
from werkzeug.wrappers import Request

from . import errors
from .callers import refusal
from .config import HEADER_COUNT_LIMIT, HEADER_FIELD_LIMIT, REQUEST_LINE_LIMIT
from .errors import PlainError
from .hosts import HostPolicy
from .uri import raw_target

# "GET " and " HTTP/1.1": what a request line holds besides its target.
_LINE_OVERHEAD = len(" HTTP/1.1") + 1


class MockRequest(Request):
    """A request whose raw target is read once, however many parts ask for it."""

    @cached_property
    def target(self) -> tuple[str, str]:
        """The undecoded (path, query), as the client sent them."""
        return raw_target(self.environ)

    @property
    def raw_path(self) -> str:
        return self.target[0]

    @property
    def raw_query(self) -> str:
        return self.target[1]

    @property
    def sent_target(self) -> str:
        path, query = self.target
        return f"{path}?{query}" if query else path


@dataclass(frozen=True)
class Admission:
    """The rules of admission, as one mock's configuration sets them.

    `allows_origin`: the --cors-origin policy of the Metrics and auth routes (None for
    `*`); `body_limit(method, raw_path)`: the most a request there may send.
    """

    hosts: HostPolicy
    allows_origin: Callable[[str], bool] | None
    allow_remote_changes: bool
    body_limit: Callable[[str, str], int]

    def refusal(self, request: MockRequest) -> PlainError | None:
        """The error to answer instead of serving the request, or None to serve it."""
        method, raw_path = request.method, request.raw_path
        if len(method) + len(request.sent_target) + _LINE_OVERHEAD > REQUEST_LINE_LIMIT:
            return PlainError(414, errors.TARGET_TOO_LONG.format(limit=REQUEST_LINE_LIMIT))
        fields = request.headers
        if len(fields) > HEADER_COUNT_LIMIT or any(
            len(name) + len(value) + 2 > HEADER_FIELD_LIMIT for name, value in fields.items()
        ):
            return PlainError(
                431,
                errors.HEADERS_TOO_LARGE.format(limit=HEADER_FIELD_LIMIT, count=HEADER_COUNT_LIMIT),
            )
        host = fields.get("Host")
        if not self.hosts.allows(host):
            return PlainError(403, errors.HOST_NOT_ALLOWED.format(host=host))
        refused = refusal(
            method,
            raw_path,
            fields,
            request.environ,
            self.allows_origin,
            self.allow_remote_changes,
        )
        if refused is not None:
            return PlainError(403, refused)
        limit = self.body_limit(method, raw_path)
        if (request.content_length or 0) > limit:
            return PlainError(413, errors.BODY_TOO_LARGE.format(limit=limit))
        return None
