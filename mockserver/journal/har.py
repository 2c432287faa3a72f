"""The recorded events as HAR 1.2, the format browsers' developer tools save (GET /__mock/events.har).

A frontend developer who exercised blip against the mock downloads this file and hands it
to `python -m contract_tests --replay`, which sends the same requests to a real
environment. Each entry is the request as the mock received it: the method, the mock's
address and the exact request target (percent-encoding, `+`, repeated and empty query
parameters as sent), and the kind of credential in `_tokenKind` (a HAR custom field),
never a token, cookie or password; the mock keeps none of them, and the values of query
parameters named like credentials (masking.py) are masked here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from ..masking import masked_query
from .store import Event

HAR_VERSION = "1.2"
CREATOR = "tidepool-metrics-mock"


def as_har(events: Iterable[Event], base_url: str, next_page: str | None) -> dict[str, Any]:
    """`next_page`: where the rest of a paged export is (`log._next`, a custom field)."""
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": CREATOR, "version": HAR_VERSION},
            "entries": [_entry(event, base_url.rstrip("/")) for event in events],
            "_next": next_page,
        }
    }


def _entry(event: Event, base_url: str) -> dict[str, Any]:
    path, _, raw_query = event.target.partition("?")
    query = masked_query(raw_query) if raw_query else ""
    status = event.upstream_status or 200
    return {
        "startedDateTime": event.received_at,
        "time": 0,
        "request": {
            "method": "GET",
            "url": base_url + path + (f"?{query}" if query else ""),
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "queryString": [
                {"name": unquote(name), "value": unquote(value)}
                for name, _, value in (item.partition("=") for item in query.split("&") if item)
            ],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "_tokenKind": event.credential,
    }
