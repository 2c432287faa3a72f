"""Strict decoding of the request target, as the client sent it.

WSGI servers hand the application a path that is already percent-decoded, which turns a
`%2F` inside an event name into a segment separator. The spec says such a `/` belongs to
the name, so the mock routes on the raw target and decodes each captured segment itself,
and it refuses what it cannot decode instead of guessing.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes, urlsplit

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Control characters and non-ASCII bytes are never valid unencoded in a request target
# (RFC 3986); the mock refuses both, in the path and the query alike.
_RAW_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RAW_NON_ASCII = re.compile(r"[\x80-\xff]")
# What needs no decoding at all: no percent sign, control character or non-ASCII byte.
_PLAIN = re.compile(r"[^%\x00-\x1f\x7f-\xff]*")


class MalformedTarget(ValueError):
    """The path or query is not valid percent-encoded UTF-8."""


def raw_target(environ: dict) -> tuple[str, str]:
    """The undecoded (path, query) of the request line, as latin-1 text like all WSGI strings."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if target is None:  # a server that keeps no raw target: rebuild it as well as we can
        path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/")
        return path, environ.get("QUERY_STRING", "")
    if "://" in target.split("?", 1)[0]:  # absolute form: GET http://host/path HTTP/1.1
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path, query


def decode_component(raw: str) -> str:
    """Percent-decode one path segment or query item into text; `+` stays a plus."""
    if _PLAIN.fullmatch(raw):  # most names and values: nothing to decode or refuse
        return raw
    if _BAD_PERCENT.search(raw):
        raise MalformedTarget("malformed percent-encoding")
    if _RAW_CONTROL.search(raw):
        raise MalformedTarget("a control character that is not percent-encoded")
    if _RAW_NON_ASCII.search(raw):
        raise MalformedTarget("a non-ASCII byte that is not percent-encoded")
    try:
        return unquote_to_bytes(raw.encode("latin-1")).decode("utf-8")
    except UnicodeError:
        raise MalformedTarget("not valid UTF-8") from None


def parse_query(raw: str) -> dict[str, list[str]]:
    """Each name with all its values in order; blank values and repeated names are kept."""
    query: dict[str, list[str]] = {}
    for item in raw.split("&"):
        if item:
            name, _, value = item.replace("+", " ").partition("=")
            query.setdefault(decode_component(name), []).append(decode_component(value))
    return query
